use clap::{CommandFactory, Parser};
use muster_api_types::paging::{Delivery, DeliveryAttempt, PageEvent, PageIncident};
use uuid::Uuid;

use super::super::EXIT_USAGE;
use super::*;

#[derive(clap::Parser, Debug)]
struct Cli {
    #[command(flatten)]
    remote: RemoteOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    Page(PageArgs),
    #[command(subcommand)]
    Pages(PagesCommand),
    #[command(subcommand)]
    User(super::super::UserCommand),
    #[command(subcommand)]
    Oncall(super::super::OncallCommand),
    #[command(subcommand)]
    Schedule(super::super::ScheduleCommand),
    #[command(subcommand)]
    Policy(super::super::PolicyCommand),
    #[command(subcommand)]
    Notifications(super::super::NotificationsCommand),
}

fn parse(args: &[&str]) -> Result<PageArgs, clap::Error> {
    let cli = Cli::try_parse_from(std::iter::once("muster").chain(args.iter().copied()))?;
    match cli.command {
        Command::Page(args) => Ok(args),
        other => panic!("parsed as {other:?}"),
    }
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn the_parser_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn on_call_flags_are_checked_before_anything_is_sent() {
    for (args, flag) in [
        (vec!["oncall", "now", "--tz", "Mars/Base"], "--tz"),
        (vec!["schedule", "show", "s", "--tz", "Nowhere"], "--tz"),
        (vec!["schedule", "override", "remove", "not-an-id"], "<ID>"),
        (
            vec!["user", "rules", "set", "a@example.com", "sms"],
            "KIND:MINUTES",
        ),
        (
            vec!["user", "rules", "set", "a@example.com", "sms:soon"],
            "KIND:MINUTES",
        ),
        (vec!["pages", "list", "--limit", "0"], "--limit"),
    ] {
        let error =
            Cli::try_parse_from(std::iter::once("muster").chain(args.iter().copied())).unwrap_err();
        assert_eq!(error.exit_code(), i32::from(EXIT_USAGE), "{args:?}");
        assert!(error.to_string().contains(flag), "{args:?}: {error}");
    }
    // No rules at all is how rules are cleared.
    let cli = Cli::try_parse_from(["muster", "user", "rules", "set", "a@example.com"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::User(super::super::UserCommand::Rules(_))
    ));
}

#[test]
fn a_team_by_default_and_kind_flags_for_the_rest() {
    let (target, message) = parse(&["page", "identity", "Login is failing"])
        .unwrap()
        .target()
        .unwrap();
    assert_eq!(
        (target.kind.as_str(), target.name.as_str()),
        ("team", "identity")
    );
    assert_eq!(message, "Login is failing");

    let (target, message) = parse(&["page", "--user", "ana@example.com", "Call me", "--drill"])
        .unwrap()
        .target()
        .unwrap();
    assert_eq!(
        (target.kind.as_str(), target.name.as_str()),
        ("user", "ana@example.com")
    );
    assert_eq!(message, "Call me");
    let (target, _) = parse(&["page", "--schedule", "identity-primary", "x"])
        .unwrap()
        .target()
        .unwrap();
    assert_eq!(target.kind, "schedule");

    // Mistakes are usage errors that say what was expected.
    let failure = parse(&["page", "Only a message"])
        .unwrap()
        .target()
        .unwrap_err();
    assert_eq!(failure.code, EXIT_USAGE);
    assert!(
        failure.message.contains("TEAM and MESSAGE"),
        "{}",
        failure.message
    );
    let failure = parse(&["page", "--service", "auth", "identity", "msg"])
        .unwrap()
        .target()
        .unwrap_err();
    assert!(failure.message.contains("--service"), "{}", failure.message);
    let failure = parse(&["page", " ", "msg"]).unwrap().target().unwrap_err();
    assert!(failure.message.contains("empty"), "{}", failure.message);
    for args in [
        vec!["page"],
        vec!["page", "a", "b", "c"],
        vec!["page", "--user", "a@x.io", "--service", "s", "msg"],
    ] {
        let error = parse(&args).unwrap_err();
        assert_eq!(error.exit_code(), i32::from(EXIT_USAGE), "{args:?}");
    }
}

fn page() -> Page {
    Page {
        id: Uuid::from_u128(1),
        number: "P-1".into(),
        target: PageTarget {
            kind: "team".into(),
            name: "identity".into(),
        },
        summary: "Login is failing".into(),
        details: "EU only".into(),
        incident: Some(PageIncident {
            id: Uuid::from_u128(9),
            number: "INC-3".into(),
            title: "Login down".into(),
            severity: "SEV1".into(),
        }),
        drill: true,
        team: Some("identity".into()),
        policy: Some("identity-oncall".into()),
        status: "acknowledged".into(),
        triggered_at: at("2026-12-01T10:00:00Z"),
        triggered_by: Some(Uuid::from_u128(2)),
        acknowledged_at: Some(at("2026-12-01T10:03:00Z")),
        acknowledged_by: Some(Uuid::from_u128(3)),
        resolved_at: None,
        resolved_by: None,
        steps_fired: 1,
        steps_total: 4,
        next_step_at: None,
        version: 3,
    }
}

fn event(kind: &str, minute: u32, recipient: Option<&str>, detail: &str) -> PageEvent {
    PageEvent {
        at: at(&format!("2026-12-01T10:{minute:02}:00Z")),
        kind: kind.into(),
        actor: None,
        recipient: recipient.map(str::to_owned),
        sink: recipient.map(|_| "email".to_owned()),
        detail: detail.into(),
    }
}

#[test]
fn shows_history_in_order_and_deliveries_with_attempts() {
    let detail = PageDetail {
        page: page(),
        history: vec![
            event(
                "triggered",
                0,
                None,
                "paged team identity through identity-oncall",
            ),
            event("step_fired", 0, None, "step 1"),
            event("delivered", 1, Some("ana@example.com"), "sent"),
            event("acknowledged", 3, None, "via api"),
        ],
        deliveries: vec![Delivery {
            id: Uuid::from_u128(5),
            recipient: "ana@example.com".into(),
            sink: "email".into(),
            status: "sent".into(),
            firing: Some(0),
            due_at: at("2026-12-01T10:00:00Z"),
            sent_at: Some(at("2026-12-01T10:01:00Z")),
            last_error: None,
            attempts: vec![
                DeliveryAttempt {
                    attempt: 1,
                    at: at("2026-12-01T10:00:30Z"),
                    node: "node-a".into(),
                    outcome: "retryable".into(),
                    error: Some("503 Service Unavailable".into()),
                },
                DeliveryAttempt {
                    attempt: 2,
                    at: at("2026-12-01T10:01:00Z"),
                    node: "node-b".into(),
                    outcome: "sent".into(),
                    error: None,
                },
            ],
        }],
    };
    let text = page_detail(&detail, &Names::default(), &Zone::utc());
    let history = &text[text.find("\nHistory\n").expect("a history section")..];
    let order: Vec<usize> = ["triggered", "step_fired", "delivered", "acknowledged"]
        .iter()
        .map(|kind| {
            history
                .find(kind)
                .unwrap_or_else(|| panic!("{kind} in\n{text}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    for expected in [
        "P-1 Login is failing",
        "INC-3 Login down (SEV1)",
        "1 of 4 fired",
        "times in UTC",
        "503 Service Unavailable",
        "node-b",
        "2026-12-01 10:03 UTC by 00000000-0000-0000-0000-000000000003",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(text.lines().all(|l| l == l.trim_end()), "{text}");

    let empty = PageDetail {
        page: page(),
        history: vec![],
        deliveries: vec![],
    };
    assert!(page_detail(&empty, &Names::default(), &Zone::utc()).contains("Deliveries\n  none\n"));
}

#[test]
fn lists_pages_one_per_row() {
    let text = page_list(&[page()], &Zone::named("Europe/Berlin").unwrap());
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("Europe/Berlin"));
    assert!(lines[2].contains("P-1") && lines[2].contains("team identity"));
    assert!(lines[2].contains("2026-12-01 11:00 CET") && lines[2].contains("1/4"));
    assert!(lines[2].contains("drill,INC-3"));
    assert_eq!(page_list(&[], &Zone::utc()), "No pages.\n");
}
