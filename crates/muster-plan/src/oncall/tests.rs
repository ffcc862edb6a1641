//! Round trips: YAML document → stored body → definition, for the example
//! plan and for what the server may find in storage.

use std::path::PathBuf;

use jiff::civil::{Weekday, date, time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::escalation::Target;
use muster_core::plan::PlanDocument;

use super::*;
use crate::plan::{Plan, validate};

fn example() -> Plan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    crate::plan::load(&dir).expect("the example plan loads")
}

fn stored(kind: &str, name: &str, body: &str) -> PlanDocument {
    PlanDocument {
        kind: kind.into(),
        name: name.into(),
        file: "oncall.yaml".into(),
        body: body.into(),
        owner: Some("core".into()),
        review_every: None,
        last_reviewed: None,
    }
}

fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    let zone = TimeZone::get(zone).expect("a known zone");
    zone.to_ambiguous_zoned_datetime(date(y, m, d).at(h, min, 0, 0))
        .compatible()
        .expect("a real instant")
        .timestamp()
}

#[test]
fn the_example_schedules_and_policies_read_back_from_their_stored_bodies() {
    let plan = example();
    assert!(validate(&plan).is_empty(), "{:#?}", validate(&plan));
    let on_call = on_call(&plan.stored_documents());
    assert!(on_call.problems.is_empty(), "{:#?}", on_call.problems);
    let names: Vec<&str> = on_call.schedules.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "identity-primary",
            "payments-primary",
            "platform-primary",
            "storefront-primary"
        ]
    );
    assert_eq!(on_call.policies.len(), 4);

    let identity = &on_call.schedules[0];
    assert_eq!(identity.time_zone, "Europe/Amsterdam");
    assert_eq!(identity.owner.as_deref(), Some("identity"));
    let [layer] = identity.schedule.layers.as_slice() else {
        panic!("one layer: {:?}", identity.schedule.layers);
    };
    assert_eq!(layer.name, "layer-1");
    assert!(layer.restrictions.is_empty());
    assert_eq!(
        layer.rotation.participants(),
        [
            "ana@fernbrook.example",
            "bram@fernbrook.example",
            "chidi@fernbrook.example"
        ]
    );
    // A 1w shift handing off at 09:00 Amsterdam time from Monday 2026-01-05.
    let zone = &identity.schedule.time_zone;
    assert_eq!(
        layer.rotation.boundary(zone, 0),
        Some(at("Europe/Amsterdam", 2026, 1, 5, 9, 0))
    );
    assert_eq!(
        layer.rotation.boundary(zone, 1),
        Some(at("Europe/Amsterdam", 2026, 1, 12, 9, 0))
    );
    let schedule = &identity.schedule;
    assert_eq!(
        schedule.on_call_at(at("Europe/Amsterdam", 2026, 1, 12, 8, 59)),
        Some("ana@fernbrook.example")
    );
    assert_eq!(
        schedule.on_call_at(at("Europe/Amsterdam", 2026, 1, 12, 9, 0)),
        Some("bram@fernbrook.example")
    );

    let identity = &on_call.policies[0];
    assert_eq!(identity.name, "identity-oncall");
    let steps = identity.policy.steps();
    assert_eq!(identity.policy.repeat(), 2);
    assert_eq!(
        steps[0].targets,
        [Target::Schedule("identity-primary".into())]
    );
    assert_eq!(steps[0].delay, SignedDuration::from_mins(15));
    assert_eq!(
        steps[1].targets,
        [Target::User("ana@fernbrook.example".into())]
    );
    assert_eq!(steps[1].delay, SignedDuration::from_mins(15));
    let payments = &on_call.policies[1];
    assert_eq!(
        payments.policy.steps()[1].targets,
        [
            Target::User("dana@fernbrook.example".into()),
            Target::Team("platform".into())
        ]
    );
}

#[test]
fn every_example_schedule_has_someone_on_call_all_year() {
    let on_call = on_call(&example().stored_documents());
    let from = at("UTC", 2026, 12, 1, 0, 0);
    let to = at("UTC", 2027, 12, 1, 0, 0);
    for definition in &on_call.schedules {
        let gaps = definition.schedule.gaps(from, to);
        assert!(gaps.is_empty(), "{}: {gaps:?}", definition.name);
    }
    // Following the sun: both layers take their turn, across a DST change.
    let platform = &on_call.schedules[2];
    let on = |m, d, h| {
        platform
            .schedule
            .on_call_at(at("Europe/Amsterdam", 2027, m, d, h, 0))
    };
    assert_eq!(on(3, 27, 12), Some("kai@fernbrook.example"));
    assert_eq!(on(3, 28, 23), Some("lena@fernbrook.example"));
    assert_eq!(on(3, 29, 7), Some("lena@fernbrook.example"));
    assert_eq!(on(3, 29, 8), Some("jun@fernbrook.example"));
}

#[test]
fn restrictions_and_defaults_are_read() {
    let body = r#"{"time_zone":"UTC","rotations":[
        {"participants":["A@Example.com"],"shift":"1d","restrictions":[
            {"days":["Mon","TUESDAY","mon"],"from":"09:00","to":"17:30"},
            {"from":"22:00","to":"06:00"}]}]}"#;
    let definition = schedule(&stored("Schedule", "s", body)).expect("reads");
    let layer = &definition.schedule.layers[0];
    assert_eq!(layer.rotation.participants(), ["a@example.com"]);
    assert_eq!(
        layer.restrictions[0].days,
        [Weekday::Monday, Weekday::Tuesday]
    );
    assert_eq!(layer.restrictions[0].to, time(17, 30, 0, 0));
    assert!(layer.restrictions[1].days.is_empty());
    let zone = &definition.schedule.time_zone;
    assert_eq!(
        layer.rotation.boundary(zone, 0),
        Some(at("UTC", 2026, 1, 5, 0, 0)),
        "midnight on the default start"
    );
    assert_eq!(DEFAULT_START.weekday(), Weekday::Monday);
}

#[test]
fn stored_documents_that_do_not_read_are_problems_not_panics() {
    let broken = stored("Schedule", "broken", "[1");
    assert!(schedule(&broken).expect_err("refused").contains("not JSON"));
    let wrong = stored("Runbook", "rb", "{}");
    assert!(
        schedule(&wrong)
            .expect_err("refused")
            .contains("not a Schedule")
    );
    let bad = stored(
        "EscalationPolicy",
        "p",
        r#"{"steps":[{"targets":[],"delay":"2d"}],"repeat":99}"#,
    );
    let message = policy(&bad).expect_err("refused");
    assert!(message.starts_with("EscalationPolicy p: "), "{message}");
    assert!(message.contains("steps[0].targets"), "{message}");
    assert!(message.contains("steps[0].delay"), "{message}");
    assert!(message.contains("repeat"), "{message}");

    let orphan = stored(
        "EscalationPolicy",
        "p",
        r#"{"steps":[{"targets":[{"schedule":"ghost"},{"user":"a@example.com"}]}]}"#,
    );
    let plan = on_call(&[orphan, broken, wrong]);
    assert_eq!(plan.policies.len(), 1, "the policy is kept");
    assert!(plan.schedules.is_empty());
    assert_eq!(plan.problems.len(), 2, "{:#?}", plan.problems);
    assert!(
        plan.problems
            .iter()
            .any(|p| p.contains("no Schedule named \"ghost\""))
    );
}
