use std::collections::HashMap;

use jiff::civil::{date, time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::*;
use crate::catalog::changes::Catalog;
use crate::catalog::{Functionality, Lifecycle, Service, Team};
use crate::contact::{ContactKind, ContactMethod};
use crate::oncall::escalation::{EscalationPolicy, NotificationRule, Step, Target};
use crate::oncall::{Layer, Rotation, Schedule, ShiftLength};

fn t(mins: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + mins * 60).expect("valid")
}

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).expect("slug")
}

fn method(kind: ContactKind, address: &str) -> ContactMethod {
    ContactMethod {
        kind,
        address: address.into(),
        label: String::new(),
    }
}

#[derive(Default)]
struct Book {
    schedules: HashMap<String, Schedule>,
    policies: HashMap<String, EscalationPolicy>,
    people: HashMap<String, Recipient>,
    channels: HashMap<String, Destination>,
    team_channels: HashMap<String, String>,
    unconfigured: Vec<SinkKind>,
}

impl Directory for Book {
    fn schedule(&self, name: &str) -> Option<&Schedule> {
        self.schedules.get(name)
    }
    fn team_policy(&self, team: &str) -> Option<&EscalationPolicy> {
        self.policies.get(team)
    }
    fn recipient(&self, email: &str) -> Option<&Recipient> {
        self.people.get(email)
    }
    fn chat_destination(&self, address: &str) -> Option<Destination> {
        self.channels.get(address).cloned()
    }
    fn team_channel(&self, team: &str) -> Option<(String, Destination)> {
        let name = self.team_channels.get(team)?;
        Some((name.clone(), self.channels.get(name)?.clone()))
    }
    fn can_send(&self, sink: SinkKind) -> bool {
        !self.unconfigured.contains(&sink)
    }
}

fn person(email: &str, methods: Vec<ContactMethod>, rules: Vec<NotificationRule>) -> Recipient {
    Recipient {
        user_id: UserId(Uuid::from_u128(email.len() as u128)),
        email: email.into(),
        name: email.into(),
        methods,
        rules,
    }
}

fn step(targets: Vec<Target>, minutes: i64) -> Step {
    Step {
        targets,
        delay: SignedDuration::from_mins(minutes),
    }
}

fn book() -> Book {
    let utc = TimeZone::UTC;
    let rotation = Rotation::new(
        vec!["ana@x.io".into(), "bo@x.io".into()],
        ShiftLength::Weeks(1),
        time(9, 0, 0, 0),
        date(2020, 1, 6),
    )
    .expect("rotation");
    let schedule = Schedule {
        time_zone: utc,
        layers: vec![Layer {
            name: "primary".into(),
            rotation,
            restrictions: vec![],
        }],
        overrides: vec![],
    };
    let mut book = Book::default();
    book.schedules.insert("primary".into(), schedule);
    book.people.insert(
        "ana@x.io".into(),
        person(
            "ana@x.io",
            vec![
                method(ContactKind::Email, "ana@x.io"),
                method(ContactKind::Sms, "+14155550100"),
                method(ContactKind::Chat, "ops-hook"),
            ],
            vec![
                NotificationRule {
                    kind: ContactKind::Email,
                    after: SignedDuration::ZERO,
                },
                NotificationRule {
                    kind: ContactKind::Chat,
                    after: SignedDuration::ZERO,
                },
                NotificationRule {
                    kind: ContactKind::Sms,
                    after: SignedDuration::from_mins(2),
                },
            ],
        ),
    );
    book.people.insert(
        "bo@x.io".into(),
        person(
            "bo@x.io",
            vec![method(ContactKind::Email, "bo@x.io")],
            vec![],
        ),
    );
    book.people.insert(
        "cy@x.io".into(),
        person(
            "cy@x.io",
            vec![method(ContactKind::Push, "cy-topic")],
            vec![],
        ),
    );
    book.channels.insert(
        "ops-hook".into(),
        Destination {
            sink: SinkKind::Webhook,
            address: "http://127.0.0.1:9/hook".into(),
        },
    );
    book.channels.insert(
        "#team-identity".into(),
        Destination {
            sink: SinkKind::Slack,
            address: "http://127.0.0.1:9/slack".into(),
        },
    );
    book.team_channels
        .insert("identity".into(), "#team-identity".into());
    book.policies.insert(
        "identity".into(),
        EscalationPolicy::new(
            vec![
                step(vec![Target::Schedule("primary".into())], 15),
                step(vec![Target::User("cy@x.io".into())], 10),
            ],
            1,
        )
        .expect("policy"),
    );
    book
}

fn page(policy: EscalationPolicy, team: Option<&str>) -> Page {
    Page::trigger(
        PageId(Uuid::from_u128(1)),
        NewPage {
            target: PageTarget::Team(slug("identity")),
            summary: "Login is failing".into(),
            details: String::new(),
            incident: None,
            drill: false,
        },
        Escalation {
            team: team.map(slug),
            policy_name: Some("identity-oncall".into()),
            policy,
        },
        None,
        t(0),
    )
    .expect("valid")
    .0
}

fn identity_page(book: &Book) -> Page {
    page(book.policies["identity"].clone(), Some("identity"))
}

fn advance(page: &mut Page, outcome: &FiringOutcome) {
    page.fired = outcome.fired;
    page.next_due_at = outcome.next_due_at;
}

#[test]
fn a_step_notifies_who_is_on_call_by_their_rules_and_the_team_channel_once() {
    let book = book();
    let mut page = identity_page(&book);
    // t(0) is Friday 2027-01-15 08:00 UTC: week 366 since 2020-01-06, ana's.
    let now = t(0);
    assert_eq!(book.schedules["primary"].on_call_at(now), Some("ana@x.io"));
    let outcome = fire(&page, &book, now).expect("due");
    assert_eq!((outcome.round, outcome.step, outcome.firing), (0, 0, 0));
    let sent: Vec<(&str, SinkKind, i64)> = outcome
        .notify
        .iter()
        .map(|n| {
            (
                n.recipient.as_str(),
                n.destination.sink,
                n.due_at.duration_since(now).as_mins(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("ana@x.io", SinkKind::Email, 0),
            ("ana@x.io", SinkKind::Webhook, 0),
            ("ana@x.io", SinkKind::TwilioSms, 2),
            ("#team-identity", SinkKind::Slack, 0),
        ]
    );
    assert_eq!(outcome.next_due_at, Some(t(15)));
    advance(&mut page, &outcome);

    assert_eq!(fire(&page, &book, t(14)), None, "not due yet");
    let second = fire(&page, &book, t(15)).expect("due at 15");
    assert_eq!(second.step, 1);
    assert_eq!(
        second
            .notify
            .iter()
            .map(|n| (n.recipient.as_str(), n.destination.sink))
            .collect::<Vec<_>>(),
        [("cy@x.io", SinkKind::Ntfy)],
        "the team channel hears of the page once"
    );
    assert_eq!(second.next_due_at, Some(t(25)));
}

#[test]
fn methods_whose_sink_is_not_configured_are_skipped_and_said_so() {
    let mut book = book();
    book.unconfigured = vec![SinkKind::TwilioSms, SinkKind::Slack];
    let page = identity_page(&book);
    let outcome = fire(&page, &book, t(0)).expect("due");
    let sinks: Vec<SinkKind> = outcome.notify.iter().map(|n| n.destination.sink).collect();
    assert_eq!(
        sinks,
        [SinkKind::Email, SinkKind::Webhook],
        "no SMS, no Slack channel"
    );
    assert!(outcome.events.iter().any(|e| e.kind == PageEventKind::NobodyToNotify
        && e.detail == "ana@x.io's sms contact method cannot be used: no twilio_sms sink is configured"));
}

#[test]
fn the_policy_repeats_then_stops_with_an_exhausted_entry() {
    let book = book();
    let mut page = identity_page(&book);
    let mut fired_at = Vec::new();
    let mut now = t(0);
    while let Some(outcome) = fire(&page, &book, now) {
        fired_at.push((
            outcome.round,
            outcome.step,
            now.duration_since(t(0)).as_mins(),
        ));
        advance(&mut page, &outcome);
        match outcome.next_due_at {
            Some(next) => now = next,
            None => {
                assert!(
                    outcome
                        .events
                        .iter()
                        .any(|e| e.kind == PageEventKind::Exhausted)
                );
                break;
            }
        }
    }
    assert_eq!(fired_at, [(0, 0, 0), (0, 1, 15), (1, 0, 25), (1, 1, 40)]);
    assert!(page.exhausted());
    assert_eq!(fire(&page, &book, t(999)), None);
}

#[test]
fn acknowledging_or_resolving_stops_the_escalation() {
    let book = book();
    let page = identity_page(&book);
    let acked = page
        .acknowledge(Some(UserId(Uuid::from_u128(9))), Via::Link, t(1))
        .expect("ack");
    assert_eq!(acked.page.status, PageStatus::Acknowledged);
    assert_eq!(acked.page.next_due_at, None);
    assert_eq!(acked.expected_version, page.version);
    assert_eq!(acked.event.detail, "acknowledged from the link");
    assert_eq!(fire(&acked.page, &book, t(60)), None);
    assert!(matches!(
        acked.page.acknowledge(None, Via::Api, t(2)),
        Err(DomainError::InvalidTransition { .. })
    ));
    let resolved = acked
        .page
        .resolve(None, Via::Console, t(3))
        .expect("resolve");
    assert_eq!(resolved.page.status, PageStatus::Resolved);
    assert!(resolved.page.resolve(None, Via::Api, t(4)).is_err());
    assert!(resolved.page.acknowledge(None, Via::Api, t(4)).is_err());
}

#[test]
fn a_step_that_reaches_nobody_escalates_at_once() {
    let mut book = book();
    book.schedules.get_mut("primary").expect("schedule").layers[0]
        .restrictions
        .push(crate::oncall::Restriction {
            days: vec![],
            from: time(3, 0, 0, 0),
            to: time(3, 1, 0, 0),
        });
    let page = identity_page(&book);
    let outcome = fire(&page, &book, t(0)).expect("due");
    assert!(outcome.notify.iter().all(|n| n.user_id.is_none()));
    assert_eq!(outcome.next_due_at, Some(t(0)));
    let reasons: Vec<&str> = outcome
        .events
        .iter()
        .filter(|e| e.kind == PageEventKind::NobodyToNotify)
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(reasons, ["schedule primary has nobody on call"]);
}

#[test]
fn teams_are_reached_through_their_first_step_and_people_once_each() {
    let book = book();
    let policy = EscalationPolicy::new(
        vec![step(
            vec![
                Target::Team("identity".into()),
                Target::User("bo@x.io".into()),
                Target::User("BO@x.io".into()),
                Target::User("ghost@x.io".into()),
                Target::Team("nobody".into()),
            ],
            5,
        )],
        0,
    )
    .expect("policy");
    let page = page(policy, None);
    let outcome = fire(&page, &book, t(0)).expect("due");
    let emails: std::collections::BTreeSet<&str> = outcome
        .notify
        .iter()
        .map(|n| n.recipient.as_str())
        .collect();
    let on_call = book.schedules["primary"].on_call_at(t(0)).expect("someone");
    assert!(emails.contains(on_call));
    assert_eq!(
        outcome
            .notify
            .iter()
            .filter(|n| n.recipient == "bo@x.io")
            .count(),
        1,
        "bo is notified once, though named twice (and maybe on call)"
    );
    let reasons: Vec<&str> = outcome
        .events
        .iter()
        .filter(|e| e.kind == PageEventKind::NobodyToNotify)
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "team nobody has no escalation policy",
            "ghost@x.io is not an active user"
        ]
    );
}

#[test]
fn a_late_step_still_gives_people_the_whole_delay() {
    let book = book();
    let mut page = identity_page(&book);
    // The engine was down for an hour: step 1 fires late, once...
    let first = fire(&page, &book, t(60)).expect("late but due");
    assert_eq!(first.due_at, t(0));
    // ...and step 2 waits its full 15 minutes from now, not from t(0).
    assert_eq!(first.next_due_at, Some(t(75)));
    advance(&mut page, &first);
    assert_eq!(fire(&page, &book, t(61)), None);
}

#[test]
fn pages_need_a_one_line_summary() {
    let invalid = |summary: &str| {
        Page::trigger(
            PageId(Uuid::from_u128(2)),
            NewPage {
                target: PageTarget::User("ana@x.io".into()),
                summary: summary.into(),
                details: String::new(),
                incident: None,
                drill: false,
            },
            escalation_for(
                &PageTarget::User("ana@x.io".into()),
                &Catalog::default(),
                |_| None,
            )
            .expect("people need no policy"),
            None,
            t(0),
        )
        .is_err()
    };
    assert!(invalid("  "));
    assert!(invalid("two\nlines"));
    assert!(invalid(&"x".repeat(SUMMARY_MAX + 1)));
    assert!(!invalid("Checkout is down"));
}

#[test]
fn drills_are_labelled_in_every_subject() {
    let book = book();
    let mut page = identity_page(&book);
    page.number = PageNumber(7);
    assert_eq!(page.subject(), "P-7: Login is failing");
    page.drill = true;
    page.incident = Some(PageIncident {
        id: IncidentId(Uuid::from_u128(3)),
        number: IncidentNumber(42),
        title: "Login is down".into(),
        severity: "SEV1".into(),
    });
    assert_eq!(page.subject(), "[DRILL] INC-42 SEV1 Login is down (P-7)");
}

fn catalog() -> Catalog {
    let team = |name: &str, policy: Option<&str>| Team {
        slug: slug(name),
        name: name.into(),
        description: String::new(),
        contact_channel: String::new(),
        escalation_policy: policy.map(slug),
        members: vec![],
    };
    let service = |name: &str, owner: Option<&str>| Service {
        slug: slug(name),
        name: name.into(),
        description: String::new(),
        owner_team: owner.map(slug),
        tier: 1,
        lifecycle: Lifecycle::Production,
        kind: "service".into(),
        links: vec![],
        runbooks: vec![],
        rollback_plan: String::new(),
        tags: vec![],
        depends_on: vec![],
    };
    Catalog {
        teams: vec![
            team("identity", Some("identity-oncall")),
            team("loners", None),
        ],
        services: vec![service("auth", Some("identity")), service("orphan", None)],
        functionalities: vec![Functionality {
            slug: slug("login"),
            name: "Login".into(),
            description: String::new(),
            aliases: vec![],
            owner_team: Some(slug("identity")),
            services: vec![slug("auth")],
        }],
    }
}

#[test]
fn services_and_functionalities_page_their_owner_teams_policy() {
    let book = book();
    let catalog = catalog();
    let lookup = |name: &str| (name == "identity-oncall").then(|| &book.policies["identity"]);
    for target in [
        PageTarget::Team(slug("identity")),
        PageTarget::Service(slug("auth")),
        PageTarget::Functionality(slug("login")),
    ] {
        let escalation = escalation_for(&target, &catalog, lookup).expect("resolves");
        assert_eq!(escalation.team, Some(slug("identity")), "{target}");
        assert_eq!(escalation.policy_name.as_deref(), Some("identity-oncall"));
        assert_eq!(escalation.policy.steps().len(), 2);
    }
    let direct = escalation_for(&PageTarget::Schedule("primary".into()), &catalog, lookup)
        .expect("schedules need no policy");
    assert_eq!(direct.policy.firings_per_page(), 1);
    for (target, why) in [
        (PageTarget::Service(slug("orphan")), "has no owner team"),
        (PageTarget::Service(slug("ghost")), "does not exist"),
        (PageTarget::Team(slug("loners")), "has no escalation policy"),
        (PageTarget::Functionality(slug("nope")), "does not exist"),
    ] {
        match escalation_for(&target, &catalog, lookup) {
            Err(DomainError::Invalid(errors)) => {
                assert_eq!(errors[0].field, "target");
                assert!(errors[0].message.contains(why), "{}", errors[0].message);
            }
            other => panic!("{target}: {other:?}"),
        }
    }
}

#[test]
fn targets_parse_from_kind_and_name() {
    assert_eq!(
        PageTarget::parse("target", "team", " Identity "),
        Ok(PageTarget::Team(slug("identity")))
    );
    assert_eq!(
        PageTarget::parse("target", "USER", "Ana@X.io"),
        Ok(PageTarget::User("ana@x.io".into()))
    );
    assert!(PageTarget::parse("target", "pager", "x").is_err());
    assert!(PageTarget::parse("target", "user", "not-an-email").is_err());
    assert!(PageTarget::parse("target", "team", "").is_err());
}
