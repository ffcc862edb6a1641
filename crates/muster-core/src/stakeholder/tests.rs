use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::*;

fn utc(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn minutes_after(start: Timestamp, minutes: i64) -> Timestamp {
    start
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap()
}

fn sevs(codes: &[&str]) -> Vec<SeverityCode> {
    codes.iter().map(|c| SeverityCode::new(*c)).collect()
}

fn channel(kind: ChannelKind, target: &str) -> StakeholderChannel {
    StakeholderChannel {
        kind,
        target: target.into(),
    }
}

/// The example plan's leadership group.
fn leadership() -> StakeholderGroup {
    StakeholderGroup::new(
        "leadership",
        vec![
            "ceo@fernbrook.example".into(),
            "CTO@fernbrook.example".into(),
        ],
        vec![
            channel(ChannelKind::Slack, "#leadership-incidents"),
            channel(ChannelKind::Email, "leadership@fernbrook.example"),
        ],
        Some(TimeZone::get("Europe/Amsterdam").unwrap()),
        vec![
            StakeholderPolicy {
                severities: sevs(&["SEV1"]),
                when: UpdateWhen::Immediately,
            },
            StakeholderPolicy {
                severities: sevs(&["SEV2"]),
                when: UpdateWhen::AfterMinutes(30),
            },
        ],
    )
    .unwrap()
}

/// The example plan's legal group: a digest every business morning in New York.
fn legal() -> StakeholderGroup {
    StakeholderGroup::new(
        "legal",
        vec!["counsel@fernbrook.example".into()],
        vec![channel(ChannelKind::Email, "counsel@fernbrook.example")],
        Some(TimeZone::get("America/New_York").unwrap()),
        vec![StakeholderPolicy {
            severities: sevs(&["SEV1", "SEV2", "SEV3", "SEV4"]),
            when: UpdateWhen::NextBusinessMorning,
        }],
    )
    .unwrap()
}

fn facts(severity: &str, declared_at: Timestamp) -> UpdateFacts {
    UpdateFacts {
        severity: SeverityCode::new(severity),
        declared_at,
        milestones: Milestones::default(),
        audience: Audience::Everyone,
    }
}

fn mitigated(mut facts: UpdateFacts, at: Timestamp) -> UpdateFacts {
    facts.milestones = facts.milestones.reach(Milestone::Mitigated, at).unwrap();
    facts
}

#[test]
fn a_sev1_tells_leadership_at_once_through_every_channel() {
    let declared = utc("2026-10-21T10:00:00Z");
    let update = update_due(&leadership(), &facts("SEV1", declared), declared);
    let StakeholderUpdate::SendNow {
        due_at,
        digest,
        recipients,
    } = update
    else {
        panic!("expected to send now, got {update:?}")
    };
    assert_eq!((due_at, digest), (declared, false));
    assert_eq!(
        recipients.members,
        ["ceo@fernbrook.example", "cto@fernbrook.example"]
    );
    assert_eq!(recipients.channels.len(), 2);
}

#[test]
fn a_sev2_waits_half_an_hour_and_is_dropped_if_mitigated_by_then() {
    let declared = utc("2026-10-21T10:00:00Z");
    let group = leadership();
    let waiting = update_due(
        &group,
        &facts("SEV2", declared),
        minutes_after(declared, 10),
    );
    assert_eq!(waiting.due_at(), Some(minutes_after(declared, 30)));
    assert!(matches!(waiting, StakeholderUpdate::SendAt { .. }));

    let quick = mitigated(facts("SEV2", declared), minutes_after(declared, 20));
    assert_eq!(
        update_due(&group, &quick, minutes_after(declared, 30)),
        StakeholderUpdate::NotNeeded {
            mitigated_at: minutes_after(declared, 20),
            would_have_been_due_at: minutes_after(declared, 30),
        }
    );
    // Exactly at the deadline counts as mitigated by then.
    let just = mitigated(facts("SEV2", declared), minutes_after(declared, 30));
    assert!(matches!(
        update_due(&group, &just, minutes_after(declared, 31)),
        StakeholderUpdate::NotNeeded { .. }
    ));
    // Mitigated after the update fell due: it was owed, and still is.
    let slow = mitigated(facts("SEV2", declared), minutes_after(declared, 40));
    assert!(matches!(
        update_due(&group, &slow, minutes_after(declared, 41)),
        StakeholderUpdate::SendNow { .. }
    ));
}

#[test]
fn raising_the_severity_past_the_wait_sends_at_once_and_mild_ones_are_not_covered() {
    let declared = utc("2026-10-21T10:00:00Z");
    let group = leadership();
    assert_eq!(
        update_due(&group, &facts("SEV3", declared), declared),
        StakeholderUpdate::NotCovered
    );
    let raised = update_due(
        &group,
        &facts("SEV2", declared),
        minutes_after(declared, 50),
    );
    assert!(matches!(
        raised,
        StakeholderUpdate::SendNow { due_at, .. } if due_at == minutes_after(declared, 30)
    ));
}

#[test]
fn legal_gets_a_digest_on_monday_morning_in_new_york_after_a_friday_evening_incident() {
    // Friday 2026-10-30, 18:00 in New York; EDT ends that Sunday.
    let declared = utc("2026-10-30T22:00:00Z");
    let group = legal();
    let update = update_due(&group, &facts("SEV1", declared), declared);
    assert!(matches!(
        update,
        StakeholderUpdate::SendAt { at, digest: true, .. } if at == utc("2026-11-02T14:00:00Z")
    ));
    // Mitigated over the weekend: legal still reads about it on Monday.
    let calm = mitigated(facts("SEV1", declared), utc("2026-10-31T09:00:00Z"));
    let monday = update_due(&group, &calm, utc("2026-11-02T14:00:00Z"));
    assert!(matches!(
        monday,
        StakeholderUpdate::SendNow { digest: true, .. }
    ));
}

#[test]
fn legal_in_spring_gets_its_digest_at_nine_daylight_time() {
    // Friday 2027-03-12 evening; EDT starts Sunday the 14th.
    let declared = utc("2027-03-13T01:00:00Z");
    let update = update_due(&legal(), &facts("SEV2", declared), declared);
    assert_eq!(update.due_at(), Some(utc("2027-03-15T13:00:00Z")));
}

#[test]
fn a_drill_reaches_only_members_taking_part_and_never_shared_channels() {
    let declared = utc("2026-10-21T10:00:00Z");
    let mut drill = facts("SEV1", declared);
    drill.audience =
        Audience::of_incident(true, ["cto@fernbrook.example", "ana@fernbrook.example"]);
    let StakeholderUpdate::SendNow { recipients, .. } = update_due(&leadership(), &drill, declared)
    else {
        panic!("the CTO takes part")
    };
    assert_eq!(recipients.members, ["cto@fernbrook.example"]);
    assert!(recipients.channels.is_empty());

    assert_eq!(
        update_due(&legal(), &drill, declared),
        StakeholderUpdate::WithheldFromDrill
    );
    drill.audience = Audience::of_incident(true, ["counsel@fernbrook.example"]);
    let StakeholderUpdate::SendAt { recipients, .. } = update_due(&legal(), &drill, declared)
    else {
        panic!("counsel takes part")
    };
    assert_eq!(recipients.channels, legal().channels());
}

#[test]
fn groups_are_checked_as_a_whole() {
    let error = StakeholderGroup::new(
        "",
        vec!["nope".into()],
        vec![
            channel(ChannelKind::Email, "also nope"),
            channel(ChannelKind::Slack, " "),
        ],
        None,
        vec![
            StakeholderPolicy {
                severities: sevs(&["SEV1"]),
                when: UpdateWhen::AfterMinutes(0),
            },
            StakeholderPolicy {
                severities: sevs(&["SEV2"]),
                when: UpdateWhen::NextBusinessMorning,
            },
        ],
    )
    .unwrap_err();
    let fields: Vec<String> = error.into_fields().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "name",
            "members[0]",
            "channels[0].target",
            "channels[1].target",
            "policies[0].when.after_minutes",
            "policies[1].when",
        ]
    );
    let no_policy = StakeholderGroup::new("x", vec![], vec![], None, vec![]).unwrap_err();
    assert_eq!(no_policy.into_fields()[0].field, "policies");
    let odd = StakeholderGroup::new(
        "x",
        vec![],
        vec![],
        None,
        vec![StakeholderPolicy {
            severities: sevs(&["P1"]),
            when: UpdateWhen::Immediately,
        }],
    )
    .unwrap();
    assert!(odd.check(&SeverityScale::standard()).is_err());
    assert!(leadership().check(&SeverityScale::standard()).is_ok());
    assert_eq!("teams".parse::<ChannelKind>(), Ok(ChannelKind::Teams));
    assert!("pigeon".parse::<ChannelKind>().is_err());
}
