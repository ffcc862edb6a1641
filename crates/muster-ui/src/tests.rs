//! Rendering tests: pages render, escape what users typed, and carry the ids
//! and CSRF fields the server and browser tests rely on.

use askama::Template;
use muster_core::{
    Actor, Incident, IncidentId, IncidentNumber, NewIncident, RoleCatalog, SeverityScale,
    TimelineEntry, TimelineEntryId, Timestamp, User, UserId, UserRole,
};
use uuid::Uuid;

use crate::pages::{IncidentLive, IncidentPage};
use crate::present::{IncidentInputs, incident_view};
use crate::view::{Chrome, Me};

fn user(name: &str) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        email: format!("{}@example.com", name.to_lowercase()),
        name: name.to_owned(),
        role: UserRole::Admin,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: Timestamp::from_second(1_700_000_000).unwrap(),
        deactivated_at: None,
    }
}

fn declared(title: &str, by: &User) -> (Incident, Vec<TimelineEntry>) {
    let actor = Actor {
        user_id: by.id,
        role: by.role,
    };
    let scale = SeverityScale::standard();
    let roles = RoleCatalog::standard();
    let rules = muster_core::IncidentRules {
        severities: &scale,
        roles: &roles,
    };
    let now = Timestamp::from_second(1_700_000_100).unwrap();
    let input = NewIncident {
        title: title.to_owned(),
        ..NewIncident::default()
    };
    let (mut incident, events) =
        Incident::declare(IncidentId(Uuid::now_v7()), input, &actor, &rules, now).unwrap();
    incident.number = IncidentNumber(7);
    let entries = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| TimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident.id,
            sequence: i as i64 + 1,
            occurred_at: now,
            actor: Some(by.id),
            event,
        })
        .collect();
    (incident, entries)
}

fn chrome(can_write: bool) -> Chrome {
    Chrome::new(Some(Me {
        name: "Ada".into(),
        csrf_token: "msc_token123".into(),
        can_write,
        can_edit_catalog: can_write,
    }))
}

/// The page's view of `incident` as `me`, with the standard severities
/// and roles and nothing else.
fn view_of(
    incident: &Incident,
    timeline: &[TimelineEntry],
    me: &User,
) -> crate::view::IncidentView {
    incident_view(IncidentInputs {
        incident,
        tasks: &[],
        timeline,
        users: std::slice::from_ref(me),
        severities: &SeverityScale::standard(),
        roles: &RoleCatalog::standard(),
        me: me.id,
        pages: &[],
        teams: &[],
    })
}

fn page(title: &str, can_write: bool) -> String {
    let ada = user("Ada");
    let (incident, timeline) = declared(title, &ada);
    let view = view_of(&incident, &timeline, &ada);
    IncidentPage {
        chrome: chrome(can_write),
        flash: None,
        incident: view,
        oob: false,
    }
    .render()
    .unwrap()
}

#[test]
fn incident_page_has_the_ids_and_tokens_forms_rely_on() {
    let html = page("Checkout down", true);
    for id in [
        "id=\"incident-status\"",
        "id=\"timeline\"",
        "id=\"note-text\"",
        "id=\"note-submit\"",
        "id=\"action-acknowledge\"",
        "id=\"action-resolve\"",
        "id=\"assign-commander\"",
        "id=\"assign-commander-user\"",
    ] {
        assert!(html.contains(id), "missing {id}");
    }
    assert!(
        !html.contains("id=\"action-close\""),
        "closing needs a resolution first"
    );
    assert!(html.contains(r#"name="csrf_token" value="msc_token123""#));
    assert!(html.contains(r#"hx-headers='{"X-CSRF-Token": "msc_token123"}'"#));
    assert!(html.contains("/incidents/INC-7/timeline?seen=1"));
    assert!(html.contains("Declared SEV3: Checkout down"));
}

#[test]
fn user_text_is_escaped() {
    let html = page("<script>alert(1)</script>", true);
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

#[test]
fn viewers_get_no_write_controls() {
    let html = page("Read only", false);
    assert!(!html.contains("id=\"note-form\""));
    assert!(!html.contains("id=\"action-resolve\""));
    assert!(html.contains("id=\"timeline\""));
}

#[test]
fn live_fragment_swaps_the_timeline_and_the_rest_out_of_band() {
    let ada = user("Ada");
    let (incident, timeline) = declared("Disk full", &ada);
    let scale = SeverityScale::standard();
    let roles = RoleCatalog::standard();
    let view = incident_view(IncidentInputs {
        incident: &incident,
        tasks: &[],
        timeline: &timeline,
        users: std::slice::from_ref(&ada),
        severities: &scale,
        roles: &roles,
        me: ada.id,
        pages: &[],
        teams: &[],
    });
    let html = IncidentLive {
        chrome: chrome(true),
        incident: view,
        oob: true,
        replace_flash: false,
        flash: None,
        fresh_note: true,
        fresh_task: false,
    }
    .render()
    .unwrap();
    assert!(html.trim_start().starts_with("<div id=\"timeline\""));
    assert!(!html.contains("<html"));
    for id in [
        "incident-header",
        "milestones",
        "roles",
        "participants",
        "tasks-list",
        "note-form",
        "incident-pages",
        "whats-next",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\" ")) || html.contains(&format!("id=\"{id}\"")),
            "{id}"
        );
    }
    // The scenario card is there only for an incident started from one.
    assert_eq!(html.matches("hx-swap-oob=\"true\"").count(), 9);
    assert!(!html.contains("id=\"task-form\""));
    assert!(!html.contains("id=\"flash\""));
}

#[test]
fn assets_are_embedded_with_hashed_urls() {
    let css = crate::asset("muster.css").unwrap();
    assert!(css.content_type.starts_with("text/css"));
    assert!(crate::asset_href("htmx.min.js").starts_with("/assets/htmx.min.js?v="));
    let htmx = crate::asset("htmx.min.js").unwrap();
    assert!(
        std::str::from_utf8(&htmx.bytes)
            .unwrap()
            .starts_with("/*! htmx 2")
    );
    assert!(crate::asset("../Cargo.toml").is_none());
}

mod catalog {
    use askama::Template;
    use muster_core::Slug;
    use muster_core::catalog::{
        Catalog, Criticality, Functionality, Lifecycle, Service, Team, TeamMember,
    };

    use super::chrome;
    use crate::pages::{
        CatalogPage, FormFrame, FunctionalityPage, PagingPanel, ServiceFormPage, ServicePage,
        TeamPage,
    };
    use crate::present;
    use crate::view::{FieldMessage, OnCallCard};

    fn panel(action: &str) -> PagingPanel {
        PagingPanel {
            oncall: OnCallCard::default(),
            heading: "Page this team".into(),
            form: present::page_form(action.into()),
            errors: Vec::new(),
        }
    }

    fn slug(s: &str) -> Slug {
        Slug::parse("slug", s).unwrap()
    }

    fn service(name: &str, deps: &[(&str, Criticality)]) -> Service {
        Service {
            slug: slug(name),
            name: String::new(),
            description: String::new(),
            owner_team: Some(slug("payments")),
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: deps.iter().map(|(d, c)| (slug(d), *c)).collect(),
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            teams: vec![Team {
                slug: slug("payments"),
                name: "Payments <&> Co".into(),
                description: String::new(),
                contact_channel: "#payments".into(),
                escalation_policy: None,
                members: vec![TeamMember {
                    email: "grace@example.com".into(),
                    role: "lead".into(),
                }],
            }],
            services: vec![
                Service {
                    rollback_plan: "kubectl rollout undo deploy/api".into(),
                    ..service(
                        "api",
                        &[("db", Criticality::Hard), ("cache", Criticality::Soft)],
                    )
                },
                service("db", &[]),
                service("cache", &[]),
                service("web", &[("api", Criticality::Hard)]),
            ],
            functionalities: vec![Functionality {
                slug: slug("login"),
                name: "Login".into(),
                description: "Signing in".into(),
                aliases: vec!["sign in".into()],
                owner_team: None,
                services: vec![slug("web")],
            }],
        }
    }

    #[test]
    fn the_overview_lists_everything_by_name_with_owners() {
        let overview = present::catalog_overview(&catalog());
        let names: Vec<&str> = overview.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api", "cache", "db", "web"], "slug when unnamed");
        assert_eq!(overview.teams[0].services, 4);
        assert_eq!(
            overview.services[0].owner.as_ref().unwrap().name,
            "Payments <&> Co"
        );
        let html = CatalogPage {
            chrome: chrome(true),
            flash: None,
            catalog: overview,
        }
        .render()
        .unwrap();
        assert!(html.contains("id=\"new-team\""));
        assert!(!html.contains("Payments <&> Co"), "escaped");
        assert!(html.contains("href=\"/functionalities/login\""));
        let read_only = CatalogPage {
            chrome: chrome(false),
            flash: None,
            catalog: present::catalog_overview(&catalog()),
        }
        .render()
        .unwrap();
        assert!(!read_only.contains("id=\"new-team\""));
    }

    #[test]
    fn a_service_shows_its_rollback_plan_links_and_blast_radius() {
        let view = present::service_view(&catalog(), &slug("api")).unwrap();
        assert_eq!(view.dependencies.len(), 2);
        assert_eq!(view.dependencies[1].criticality, "soft");
        assert_eq!(view.dependants[0].slug, "web");
        assert_eq!(view.impacted_services[0].criticality, "hard");
        assert_eq!(view.impacted_functionalities[0].slug, "login");
        assert_eq!(view.teams_to_involve[0].slug, "payments");
        let html = ServicePage {
            chrome: chrome(true),
            flash: None,
            service: view,
            paging: panel("/services/api/page"),
        }
        .render()
        .unwrap();
        for needle in [
            "id=\"rollback-plan\"",
            "kubectl rollout undo deploy/api",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"service-graph\"",
            "data-slug=\"login\"",
            "id=\"blast-radius\"",
            "id=\"edit-service\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("<&>"), "the svg escapes owner names too");
        assert!(present::service_view(&catalog(), &slug("nope")).is_none());
    }

    #[test]
    fn team_and_functionality_pages_render() {
        let team = present::team_view(&catalog(), &slug("payments")).unwrap();
        assert_eq!(team.services.len(), 4);
        let html = TeamPage {
            chrome: chrome(true),
            flash: None,
            team,
            paging: panel("/teams/payments/page"),
        }
        .render()
        .unwrap();
        assert!(html.contains("grace@example.com") && html.contains("#payments"));

        let functionality = present::functionality_view(&catalog(), &slug("login")).unwrap();
        assert_eq!(functionality.services[0].slug, "web");
        let backing: Vec<&str> = functionality
            .backing
            .iter()
            .map(|s| s.slug.as_str())
            .collect();
        assert_eq!(backing, ["api", "cache", "db"]);
        let html = FunctionalityPage {
            chrome: chrome(true),
            flash: None,
            functionality,
            paging: panel("/functionalities/login/page"),
        }
        .render()
        .unwrap();
        assert!(html.contains("id=\"functionality-graph\""));
        assert!(html.contains("sign in"));
    }

    #[test]
    fn forms_round_trip_what_is_stored_and_show_field_errors() {
        let catalog = catalog();
        let form = present::service_form(&catalog.services[0]);
        assert_eq!(form.depends_on, "db:hard\ncache:soft");
        assert_eq!(form.tier, "1");
        let team = present::team_form(&catalog.teams[0]);
        assert_eq!(team.members, "grace@example.com:lead");
        let html = ServiceFormPage {
            chrome: chrome(true),
            flash: None,
            frame: FormFrame {
                creating: false,
                action: "/services/api".into(),
                cancel_href: "/services/api".into(),
                delete_href: Some("/services/api/delete".into()),
            },
            owners: present::team_options(&catalog, &form.owner_team),
            tiers: present::tier_options(&form.tier),
            lifecycles: present::lifecycle_options(&form.lifecycle),
            known_services: vec!["api".into()],
            form,
            errors: vec![FieldMessage {
                field: "depends_on".into(),
                message: "line 2: no service named cache".into(),
            }],
        }
        .render()
        .unwrap();
        assert!(html.contains("line 2: no service named cache"));
        assert!(html.contains("<option value=\"payments\" selected>"));
        assert!(html.contains("<option value=\"1\" selected>"));
        assert!(html.contains("id=\"delete-confirm\""));
        assert!(html.contains(r#"name="csrf_token" value="msc_token123""#));
        assert!(html.contains("action=\"/services/api\""));
    }
}

mod alert_attach;
mod alerts;
mod oncall;
mod paging;
mod process;
