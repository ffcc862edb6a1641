//! Alert pages: the list and its empty states, an alert with "why did
//! this page?" in each of its shapes, silences and their form, the routes
//! per team and a preview.

use std::collections::BTreeMap;

use askama::Template;
use jiff::Timestamp;
use muster_core::alert::route::{Route, RouteEffect, RouteTarget, evaluate};
use muster_core::alert::routing::AlertGroup;
use muster_core::alert::silence::{Recurrence, Silence};
use muster_core::alert::{Alert, AlertSeverity, AlertStatus, Matcher};
use muster_core::oncall::Restriction;
use muster_core::severity::SeverityCode;
use muster_core::{AlertGroupId, AlertId, IntegrationId, SeverityScale, SilenceId, Slug};
use uuid::Uuid;

use super::{chrome, user};
use crate::pages::{AlertListLive, AlertPage, AlertRoutesPage, AlertsPage, SilencesPage};
use crate::present::{
    self, AlertDetailInputs, AlertListItem, IntegrationInfo, PreviewItem, RoutingFacts,
    SilenceRecord,
};
use crate::view::{AlertListView, FieldMessage};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

pub(super) fn alert(summary: &str, labels: &[(&str, &str)]) -> Alert {
    Alert {
        id: AlertId(Uuid::now_v7()),
        integration: IntegrationId(Uuid::nil()),
        dedup_key: "fp-1".into(),
        status: AlertStatus::Firing,
        summary: summary.into(),
        severity: AlertSeverity::Critical,
        source: "checkout-1".into(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        annotations: [("runbook".to_owned(), "restart it".to_owned())].into(),
        links: vec![],
        group_key: Some("{}:{alertname=\"TargetDown\"}".into()),
        started_at: at("2026-12-01T09:50:00Z"),
        first_seen: at("2026-12-01T09:51:00Z"),
        last_seen: at("2026-12-01T09:59:00Z"),
        occurrences: 4,
        acknowledged_at: None,
        resolved_at: None,
        version: 4,
    }
}

pub(super) fn integration(service: &Slug) -> IntegrationInfo<'_> {
    IntegrationInfo {
        id: IntegrationId(Uuid::nil()),
        name: "prometheus",
        kind: "alertmanager",
        service: Some(service),
        team: None,
    }
}

pub(super) fn group(page: bool) -> AlertGroup {
    AlertGroup {
        id: AlertGroupId(Uuid::now_v7()),
        integration: IntegrationId(Uuid::nil()),
        key: "{}:{alertname=\"TargetDown\"}".into(),
        opened_at: at("2026-12-01T09:51:00Z"),
        last_alert_at: at("2026-12-01T09:59:00Z"),
        effect: "page".into(),
        page: page.then(|| muster_core::PageId(Uuid::now_v7())),
        incident: None,
        mitigate_on_resolve: true,
        follow_up_due: false,
        version: 1,
    }
}

fn detail(
    alert: &Alert,
    routing: RoutingFacts<'_>,
    silence: Option<SilenceRecord<'_>>,
    can_write: bool,
) -> String {
    let service = slug("checkout-api");
    let scale = SeverityScale::standard();
    let view = present::alert_detail_view(AlertDetailInputs {
        alert,
        integration: integration(&service),
        routing,
        group_alerts: std::slice::from_ref(alert),
        page: None,
        incident: None,
        silence,
        severities: &scale,
        can_write,
        attachable: &[],
    });
    AlertPage {
        chrome: chrome(can_write),
        flash: None,
        alert: view,
    }
    .render()
    .unwrap()
}

#[test]
fn an_alert_page_says_why_it_paged() {
    let a = alert(
        "Checkout <down>",
        &[("alertname", "TargetDown"), ("job", "checkout-api")],
    );
    let matched = vec![String::from("checkout-api-down")];
    let reasons = vec![String::from(
        "rule \"checkout-api-down\" (team storefront) matched, routed to service checkout-api, pages",
    )];
    let g = group(false);
    let html = detail(
        &a,
        RoutingFacts {
            decided: true,
            matched: &matched,
            target: Some("service checkout-api"),
            severity: Some("critical"),
            effect: Some("page"),
            reasons: &reasons,
            group: Some(&g),
            ..RoutingFacts::default()
        },
        None,
        true,
    );
    for needle in [
        "Why did this page?",
        r#"id="alert-why-headline""#,
        "Paged service checkout-api.",
        "<code class=\"chip\">checkout-api-down</code>",
        r#"<a href="/services/checkout-api">service checkout-api</a>"#,
        "routed to service checkout-api, pages",
        r#"<code>alertname</code></th><td>TargetDown</td>"#,
        "restart it",
        r#"id="alert-group""#,
        "(this alert)",
        r#"action="/alerts/"#,
        r#"id="alert-acknowledge""#,
        r#"id="alert-resolve""#,
        r#"id="open-incident-submit""#,
        r#"name="csrf_token" value="msc_token123""#,
        "/silences?alert=",
        r#"href="/alerts" id="nav-alerts""#,
    ] {
        assert!(html.contains(needle), "missing {needle}:\n{html}");
    }
    assert!(!html.contains("Checkout <down>"), "summaries are escaped");
}

#[test]
fn only_web_links_of_a_source_are_linked() {
    let mut a = alert("Odd links", &[]);
    a.links = vec![
        muster_core::alert::AlertLink {
            href: "https://grafana.example/d/1".into(),
            text: "Dashboard".into(),
        },
        muster_core::alert::AlertLink {
            href: "javascript:alert(1)".into(),
            text: "Click me".into(),
        },
    ];
    let html = detail(&a, RoutingFacts::default(), None, true);
    assert!(html.contains(
        r#"<a href="https://grafana.example/d/1" rel="noopener noreferrer">Dashboard</a>"#
    ));
    assert!(html.contains("<li>Click me</li>"), "{html}");
    assert!(!html.contains("javascript:"));
}

#[test]
fn a_silenced_alert_links_its_silence_and_viewers_get_no_buttons() {
    let a = alert("Backup late", &[("job", "backup")]);
    let silence = Silence {
        id: SilenceId(Uuid::now_v7()),
        matchers: vec![Matcher::parse("m", "job=\"backup\"").unwrap()],
        starts_at: at("2026-12-01T09:00:00Z"),
        ends_at: at("2026-12-01T12:00:00Z"),
        recurrence: None,
        comment: "db upgrade".into(),
    };
    let record = SilenceRecord {
        silence: &silence,
        created_by: muster_core::UserId(Uuid::nil()),
        created_at: at("2026-12-01T09:00:00Z"),
    };
    let html = detail(
        &a,
        RoutingFacts {
            decided: true,
            effect: Some("silenced"),
            silenced_by: Some(silence.id),
            silenced_until: Some(at("2026-12-01T12:00:00Z")),
            ..RoutingFacts::default()
        },
        Some(record),
        false,
    );
    assert!(html.contains("Silenced: nobody was paged."), "{html}");
    assert!(html.contains(&format!("/silences#silence-{}", silence.id)));
    assert!(html.contains("job=&#34;backup&#34;") || html.contains("job=&quot;backup&quot;"));
    assert!(html.contains("db upgrade"));
    for absent in [
        r#"id="alert-acknowledge""#,
        r#"id="alert-resolve""#,
        r#"id="open-incident-form""#,
        r#"id="alert-silence""#,
    ] {
        assert!(!html.contains(absent), "a viewer sees {absent}");
    }
}

#[test]
fn an_alert_not_routed_yet_says_so() {
    let a = alert("Fresh", &[]);
    let html = detail(
        &a,
        RoutingFacts {
            pending: true,
            ..RoutingFacts::default()
        },
        None,
        true,
    );
    assert!(html.contains("Not routed yet"), "{html}");
    assert!(html.contains("none: the default applies"));
    assert!(html.contains("No labels."));
    assert!(!html.contains(r#"id="alert-group""#), "no group yet");
}

#[test]
fn the_alert_list_shows_what_routing_did_and_polls_with_its_filter() {
    let mut acked = alert("Disk almost full", &[]);
    acked.status = AlertStatus::Acknowledged;
    let fresh = alert("Latency <high>", &[]);
    let service = slug("checkout-api");
    let integrations = [integration(&service)];
    let items = [
        AlertListItem {
            alert: &acked,
            routing: RoutingFacts {
                decided: true,
                effect: Some("notify"),
                ..RoutingFacts::default()
            },
        },
        AlertListItem {
            alert: &fresh,
            routing: RoutingFacts {
                pending: true,
                ..RoutingFacts::default()
            },
        },
    ];
    let list = present::alert_list_view(
        present::alert_rows(&items, &integrations),
        "status=open",
        true,
    );
    assert!(list.live_href.starts_with("/alerts/live?status=open&seen="));
    let html = AlertsPage {
        chrome: chrome(true),
        flash: None,
        filters: present::alert_filters("open", "", &integrations),
        list: list.clone(),
    }
    .render()
    .unwrap();
    for needle in [
        r#"id="alert-list""#,
        r#"hx-trigger="every 5s""#,
        "effect-notify\">Notified",
        "effect-pending\">Not routed yet",
        r#"<span class="pill alert-acknowledged">Acknowledged</span>"#,
        "4×",
        "prometheus",
        r#"<option value="open" selected>"#,
        "prometheus (alertmanager)",
        r#"id="alert-filter-clear""#,
        r#"href="/silences""#,
        r#"href="/alerts/routes""#,
    ] {
        assert!(html.contains(needle), "missing {needle}:\n{html}");
    }
    assert!(!html.contains("Latency <high>"));

    // The poll answers the same fragment; the same rows keep their fingerprint.
    let live = AlertListLive {
        chrome: chrome(true),
        list: list.clone(),
    }
    .render()
    .unwrap();
    assert!(
        live.trim_start().starts_with("<div id=\"alert-list-live\""),
        "{live}"
    );
    let again = present::alert_list_view(present::alert_rows(&items, &integrations), "", false);
    assert_eq!(again.fingerprint, list.fingerprint);
    assert_eq!(
        again.live_href,
        format!("/alerts/live?seen={}", list.fingerprint)
    );
}

#[test]
fn an_empty_alert_list_says_why() {
    let render = |filtered: bool| {
        AlertsPage {
            chrome: chrome(true),
            flash: None,
            filters: present::alert_filters(if filtered { "resolved" } else { "" }, "", &[]),
            list: present::alert_list_view(Vec::new(), "", filtered),
        }
        .render()
        .unwrap()
    };
    let none = render(false);
    assert!(none.contains(r#"id="alert-list-empty""#));
    assert!(none.contains("No alerts yet."));
    assert!(render(true).contains("No alerts match this filter."));
}

#[test]
fn silences_list_their_windows_and_the_form_shows_errors_beside_fields() {
    let now = at("2026-12-01T10:00:00Z");
    let weekly = Silence {
        id: SilenceId(Uuid::now_v7()),
        matchers: vec![Matcher::parse("m", "job=\"backup\"").unwrap()],
        starts_at: at("2026-12-01T09:00:00Z"),
        ends_at: at("2026-12-31T09:00:00Z"),
        recurrence: Some(Recurrence {
            time_zone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
            windows: vec![Restriction {
                days: vec![jiff::civil::Weekday::Saturday, jiff::civil::Weekday::Sunday],
                from: jiff::civil::time(22, 0, 0, 0),
                to: jiff::civil::time(6, 0, 0, 0),
            }],
        }),
        comment: "weekend backups".into(),
    };
    let ada = user("Ada");
    let records = [SilenceRecord {
        silence: &weekly,
        created_by: ada.id,
        created_at: now,
    }];
    let a = alert(
        "Backup late",
        &[("job", "backup"), ("path", "C:\\dumps \"daily\"")],
    );
    let html = SilencesPage {
        chrome: chrome(true),
        flash: None,
        rows: present::silence_rows(&records, std::slice::from_ref(&ada), now, true),
        show_ended: false,
        form: present::silence_form_for(&a),
        errors: vec![
            FieldMessage {
                field: "matchers".into(),
                message: "line 2: expected a matcher".into(),
            },
            FieldMessage {
                field: "comment".into(),
                message: "say why".into(),
            },
        ],
    }
    .render()
    .unwrap();
    let expected = [
        format!(r#"id="silence-{}""#, weekly.id),
        "Active".into(),
        "Sat, Sun 22:00–06:00 (overnight) (Europe/Berlin)".into(),
        "weekend backups".into(),
        "by Ada".into(),
        format!(r#"action="/silences/{}/expire""#, weekly.id),
        r#"id="silence-form""#.into(),
        "Show ended".into(),
    ];
    for needle in &expected {
        assert!(html.contains(needle), "missing {needle}:\n{html}");
    }
    // Pre-filled from the alert: its labels as exact matchers, quoted, which
    // read back as the labels they came from.
    assert!(html.contains(">job=&#34;backup&#34;\n"), "{html}");
    let form = present::silence_form_for(&a);
    for (line, (name, value)) in form.matchers.lines().zip(&a.labels) {
        let m = Matcher::parse("m", line).unwrap();
        assert_eq!((&m.name, &m.value), (name, value), "{line}");
        assert!(m.matches(&a.labels), "{line}");
    }
    let matchers = html.find(r#"id="silence-matchers""#).unwrap();
    let error = html.find("line 2: expected a matcher").unwrap();
    let comment = html.find(r#"id="silence-comment""#).unwrap();
    assert!(
        matchers < error && error < comment,
        "the error sits beside its field"
    );
    assert!(html.contains(r#"aria-invalid="true""#));

    let empty = SilencesPage {
        chrome: chrome(false),
        flash: None,
        rows: Vec::new(),
        show_ended: true,
        form: present::blank_silence_form(),
        errors: Vec::new(),
    }
    .render()
    .unwrap();
    assert!(empty.contains(r#"id="silence-list-empty""#));
    assert!(empty.contains("Hide ended"));
    assert!(
        !empty.contains(r#"id="silence-form""#),
        "viewers cannot silence"
    );
}

fn routes() -> Vec<Route> {
    let rule = |name: &str, team: &str, matcher: &str| Route {
        name: name.into(),
        team: slug(team),
        matchers: vec![Matcher::parse("m", matcher).unwrap()],
        min_severity: None,
        sources: Vec::new(),
        summary_contains: None,
        target: None,
        set_severity: None,
        effect: None,
        continue_matching: false,
        mitigate_on_resolve: true,
    };
    let mut down = rule(
        "checkout-api-down",
        "storefront",
        "alertname=\"TargetDown\"",
    );
    down.target = Some(RouteTarget::Service(slug("checkout-api")));
    down.set_severity = Some(AlertSeverity::Critical);
    down.effect = Some(RouteEffect::OpenIncident {
        severity: SeverityCode::new("SEV1"),
    });
    let mut disk = rule("main-db-disk", "platform", "alertname=\"DiskFull\"");
    disk.min_severity = Some(AlertSeverity::Error);
    disk.effect = Some(RouteEffect::Page);
    let mut slo = rule("slo-slow", "storefront", "window=\"6h\"");
    slo.effect = Some(RouteEffect::NotifyOnly {
        channel: "#team-storefront".into(),
    });
    slo.continue_matching = true;
    vec![down, disk, slo]
}

#[test]
fn routes_are_grouped_by_team_in_evaluation_order_with_a_preview() {
    let routes = routes();
    let teams = present::team_routes(&routes);
    let names: Vec<(&str, Vec<usize>)> = teams
        .iter()
        .map(|t| {
            (
                t.team.slug.as_str(),
                t.rules.iter().map(|r| r.position).collect(),
            )
        })
        .collect();
    assert_eq!(names, [("storefront", vec![1, 3]), ("platform", vec![2])]);

    let down = alert("Checkout down", &[("alertname", "TargetDown")]);
    let quiet = alert("Nothing to see", &[("alertname", "Other")]);
    let service = slug("checkout-api");
    let decided = [
        evaluate(&routes, &down, "alertmanager"),
        evaluate(&routes, &quiet, "alertmanager"),
    ];
    let items = [
        PreviewItem {
            alert: &down,
            integration: integration(&service),
            decision: &decided[0],
            rule_matches: true,
            rule_decides: true,
        },
        PreviewItem {
            alert: &quiet,
            integration: integration(&service),
            decision: &decided[1],
            rule_matches: false,
            rule_decides: false,
        },
    ];
    let html = AlertRoutesPage {
        chrome: chrome(true),
        flash: None,
        teams,
        problems: vec!["AlertRoutes broken: rules[0].match: bad".into()],
        rules: present::rule_choice(&routes, Some(0)),
        preview: Some(present::preview_view(&routes, None, &items, 2)),
        errors: Vec::new(),
    }
    .render()
    .unwrap();
    for needle in [
        r#"id="routes-storefront""#,
        r#"id="routes-platform""#,
        "<code class=\"chip\">alertname=&#34;TargetDown&#34;</code>",
        "service checkout-api",
        "severity → critical",
        "Open a SEV1 incident",
        "Notify #team-storefront only",
        "severity ≥ error",
        "/alerts/routes?rule=2&#38;preview=1#preview",
        r#"<option value="1" selected>1. checkout-api-down (team storefront)</option>"#,
        r#"id="preview-table""#,
        "What the rules would do with the last 2 alerts.",
        "effect-open_incident\">Open a SEV1 incident",
        "effect-page\">Page",
        "(its rules do not run)",
    ] {
        assert!(html.contains(needle), "missing {needle}:\n{html}");
    }

    // One rule: what it catches, and where an earlier rule decides first.
    let shadowed = alert(
        "Down and slow",
        &[("alertname", "TargetDown"), ("window", "6h")],
    );
    let decision = evaluate(&routes, &shadowed, "alertmanager");
    let one = present::preview_view(
        &routes,
        Some(2),
        &[PreviewItem {
            alert: &shadowed,
            integration: integration(&service),
            decision: &decision,
            rule_matches: true,
            rule_decides: false,
        }],
        100,
    );
    assert_eq!(one.title, "Rule 3: slo-slow");
    assert_eq!(
        one.rows[0].note.as_deref(),
        Some("matches, but rule \"checkout-api-down\" decides first")
    );
    assert!(one.summary.contains("1 of the last 100"), "{}", one.summary);
}

#[test]
fn no_routes_is_an_empty_state_and_a_bad_rule_is_named() {
    let html = AlertRoutesPage {
        chrome: chrome(false),
        flash: None,
        teams: Vec::new(),
        problems: Vec::new(),
        rules: present::rule_choice(&[], None),
        preview: None,
        errors: vec![FieldMessage {
            field: "rule".into(),
            message: "expected a rule number".into(),
        }],
    }
    .render()
    .unwrap();
    assert!(html.contains(r#"id="routes-empty""#));
    assert!(html.contains("expected a rule number"));
    assert!(!html.contains(r#"id="preview-table""#));
}

#[test]
fn the_alert_list_links_its_pages_inside_the_polled_fragment() {
    let mut list = present::alert_list_view(Vec::new(), "after=1_x", false);
    let render = |list: &AlertListView| {
        AlertListLive {
            chrome: chrome(true),
            list: list.clone(),
        }
        .render()
        .unwrap()
    };
    assert!(!render(&list).contains("pager"), "one page needs no pager");
    list.older_href = Some("/alerts?after=2_y".into());
    list.newest_href = Some("/alerts".into());
    let html = render(&list);
    for needle in [
        r#"<a class="btn btn-secondary" href="/alerts?after=2_y" id="page-older">Older →</a>"#,
        r#"<a class="btn btn-secondary" href="/alerts" id="page-newest">← Newest</a>"#,
    ] {
        assert!(html.contains(needle), "missing {needle}:\n{html}");
    }
    // The pager is swapped with the rows, so a poll keeps it current.
    let pager = html.find("page-older").unwrap();
    assert!(pager < html.rfind("</div>").unwrap(), "{html}");
}
