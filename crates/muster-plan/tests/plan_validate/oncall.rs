//! Schedules (layers, restrictions, shadowed rotations), escalation policies
//! (delays, targets) and the gaps in who is on call.

use super::{REVIEW, example, load_with, only, validate_with};
use muster_plan::plan::{self, rules};

/// A schedule document in extra.yaml with these rotations (line 7 is
/// `rotations:`).
fn schedule(rotations: &str) -> String {
    format!("kind: Schedule\nname: s\n{REVIEW}time_zone: Europe/Amsterdam\nrotations:\n{rotations}")
}

#[test]
fn layered_rotations_with_restrictions_are_sound() {
    let extra = schedule(
        "  - name: day\n    participants: [a@example.com, b@example.com]\n    shift: 1w\n    handoff: \"08:00\"\n    start: 2026-03-02\n    restrictions:\n      - {days: [Mon, tuesday, WED, thu, fri], from: \"08:00\", to: \"20:00\"}\n  - participants: [c@example.com]\n    shift: 1d\n    restrictions:\n      - {days: [sat, sun], from: \"08:00\", to: \"20:00\"}\n      - {from: \"20:00\", to: \"08:00\"}\n",
    );
    let (_, findings) = validate_with(&extra);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn bad_rotation_fields_are_located() {
    let extra = schedule(
        "  - participants: [a@example.com]\n    shift: 1w\n    handoff: \"25:00\"\n    start: 2026-02-30\n    restrictions:\n      - {days: [mon, someday], from: \"9am\", to: \"17:00\"}\n      - {days: [], from: \"18:00\"}\n",
    );
    let (_, findings) = validate_with(&extra);
    let found: Vec<(&str, usize, usize)> = findings
        .iter()
        .map(|f| (f.rule, f.line, f.column))
        .collect();
    assert_eq!(
        found,
        [
            (rules::INVALID_FIELD, 10, 15),
            (rules::INVALID_FIELD, 11, 12),
            (rules::INVALID_FIELD, 13, 22),
            (rules::INVALID_FIELD, 13, 39),
            (rules::INVALID_FIELD, 14, 7),
            (rules::INVALID_FIELD, 14, 7),
        ],
        "{findings:#?}"
    );
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        messages[0].contains("rotations[0].handoff"),
        "{messages:#?}"
    );
    assert!(messages[1].contains("YYYY-MM-DD"), "{messages:#?}");
    assert!(messages[2].contains("\"someday\""), "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("restrictions[1].days: list at least one day"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("restrictions[1].to: is required"))
    );
}

#[test]
fn an_empty_restriction_window() {
    let finding = only(
        &schedule(
            "  - participants: [a@example.com]\n    shift: 1w\n    restrictions:\n      - from: \"09:00\"\n        to: \"09:00\"\n",
        ),
        rules::EMPTY_RESTRICTION,
        12,
    );
    assert!(finding.message.contains("covers nothing"), "{finding}");
}

#[test]
fn overlapping_restrictions() {
    let finding = only(
        &schedule(
            "  - participants: [a@example.com]\n    shift: 1w\n    restrictions:\n      - {days: [fri], from: \"18:00\", to: \"09:00\"}\n      - {days: [sat, sun], from: \"08:00\", to: \"12:00\"}\n",
        ),
        rules::OVERLAPPING_RESTRICTIONS,
        12,
    );
    assert!(finding.message.contains("Sat 08:00"), "{finding}");
    // Windows that only touch are fine.
    let (_, findings) = validate_with(&schedule(
        "  - participants: [a@example.com]\n    shift: 1w\n    restrictions:\n      - {from: \"08:00\", to: \"20:00\"}\n      - {from: \"20:00\", to: \"08:00\"}\n",
    ));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_rotation_hidden_by_a_later_one() {
    let finding = only(
        &schedule(
            "  - name: old\n    participants: [a@example.com]\n    shift: 1w\n  - name: new\n    participants: [b@example.com]\n    shift: 1d\n    restrictions:\n      - {from: \"08:00\", to: \"20:00\"}\n      - {from: \"20:00\", to: \"08:00\"}\n",
        ),
        rules::SHADOWED_ROTATION,
        8,
    );
    assert!(
        finding.message.contains("rotation old is never on call")
            && finding.message.contains("new"),
        "{finding}"
    );
    // A later rotation that starts later takes over from the earlier one:
    // the earlier is on call until then.
    let (_, findings) = validate_with(&schedule(
        "  - participants: [a@example.com]\n    shift: 1w\n  - participants: [b@example.com]\n    shift: 1w\n    start: 2026-06-01\n",
    ));
    assert!(findings.is_empty(), "{findings:#?}");
    // An earlier, unrestricted rotation under a restricted one fills its gaps.
    let (_, findings) = validate_with(&schedule(
        "  - participants: [a@example.com]\n    shift: 1w\n  - participants: [b@example.com]\n    shift: 1w\n    restrictions: [{from: \"09:00\", to: \"17:00\"}]\n",
    ));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn rotation_names_are_unique() {
    let finding = only(
        &schedule(
            "  - {name: day, participants: [a@example.com], shift: 1w}\n  - {name: day, participants: [b@example.com], shift: 1w, start: 2027-01-04}\n",
        ),
        rules::DUPLICATE_NAME,
        9,
    );
    assert!(finding.message.contains("rotations[1].name"), "{finding}");
}

/// An escalation policy document in extra.yaml with these steps (line 6 is
/// `steps:`).
fn policy(steps: &str) -> String {
    format!("kind: EscalationPolicy\nname: p\n{REVIEW}steps:\n{steps}")
}

#[test]
fn a_delay_is_minutes_or_a_duration_not_both() {
    let (_, findings) = validate_with(&policy(
        "  - targets: [{user: a@example.com}]\n    delay: 90s\n  - targets: [{team: core}]\n    delay: 1h 30m\n  - targets: [{team: core}]\n    delay_minutes: 1440\nrepeat: 1\n",
    ));
    assert!(findings.is_empty(), "{findings:#?}");
    let finding = only(
        &policy("  - targets: [{user: a@example.com}]\n    delay_minutes: 5\n    delay: 5m\n"),
        rules::INVALID_FIELD,
        9,
    );
    assert!(finding.message.contains("not both"), "{finding}");
    let finding = only(
        &policy("  - targets: [{user: a@example.com}]\n    delay: soon\n"),
        rules::INVALID_DURATION,
        8,
    );
    assert_eq!(finding.column, 12, "{finding}");
    for out_of_range in ["25h", "-5m"] {
        let finding = only(
            &policy(&format!(
                "  - targets: [{{user: a@example.com}}]\n    delay: {out_of_range}\n"
            )),
            rules::INVALID_DURATION,
            8,
        );
        assert!(finding.message.contains("0s to 24h"), "{finding}");
    }
    only(
        &policy("  - targets: [{user: a@example.com}]\n    delay_minutes: 1441\n"),
        rules::INVALID_FIELD,
        8,
    );
}

#[test]
fn policy_steps_and_targets_are_checked() {
    let finding = only(
        &policy("  - targets: []\n    delay_minutes: 5\n"),
        rules::INVALID_FIELD,
        7,
    );
    assert!(finding.message.contains("at least one target"), "{finding}");
    let finding = only(
        &policy("  - targets:\n      - user: a@example.com\n      - schedule: nowhere\n"),
        rules::UNKNOWN_REFERENCE,
        9,
    );
    assert!(
        finding.message.contains("no Schedule named \"nowhere\""),
        "{finding}"
    );
    only(
        &policy("  - targets: [{team: ghosts}]\n"),
        rules::UNKNOWN_REFERENCE,
        7,
    );
    only(
        &policy("  - targets: [{user: not-an-email}]\n"),
        rules::INVALID_FIELD,
        7,
    );
    only(
        &policy("  - targets: [{user: a@example.com, team: core}]\n"),
        rules::INVALID_FIELD,
        7,
    );
    only(
        &policy("  - targets: [{user: a@example.com}]\nrepeat: 11\n"),
        rules::INVALID_FIELD,
        8,
    );
}

#[test]
fn a_policy_that_would_repeat_at_once() {
    let finding = only(
        &policy("  - targets: [{user: a@example.com}]\nrepeat: 3\n"),
        rules::INVALID_FIELD,
        8,
    );
    assert!(finding.message.contains("repeat at once"), "{finding}");
}

fn instant(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn schedule_gaps_are_listed_in_local_time() {
    let extra = schedule(
        "  - participants: [a@example.com]\n    shift: 1w\n    handoff: \"09:00\"\n    restrictions:\n      - {days: [mon, tue, wed, thu, fri], from: \"09:00\", to: \"17:00\"}\n",
    );
    let (dir, loaded) = load_with(&extra);
    let plan = loaded.unwrap();
    let findings = plan::validate(&plan);
    assert!(
        findings.is_empty(),
        "business hours are a sound schedule: {findings:#?}"
    );
    // Friday noon to the next Tuesday noon, Amsterdam time (UTC+1 in December).
    let from = instant("2026-12-04T11:00:00Z");
    let to = instant("2026-12-08T11:00:00Z");
    let gaps = plan::schedule_gaps(&plan, from, to);
    let messages: Vec<&str> = gaps.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Schedule s: nobody is on call from Fri 2026-12-04 17:00 to Mon 2026-12-07 09:00 (Europe/Amsterdam)",
            "Schedule s: nobody is on call from Mon 2026-12-07 17:00 to Tue 2026-12-08 09:00 (Europe/Amsterdam)",
        ]
    );
    assert!(gaps.iter().all(|g| g.rule == rules::SCHEDULE_GAP
        && g.file == dir.path().join("extra.yaml")
        && g.line == 1));
    // Over ten weeks: five gaps, then how many more.
    let gaps = plan::schedule_gaps(&plan, from, instant("2027-02-12T11:00:00Z"));
    assert_eq!(gaps.len(), plan::MAX_GAPS_LISTED + 1);
    let last = &gaps[plan::MAX_GAPS_LISTED].message;
    assert!(
        last.starts_with("Schedule s: and 45 more gaps before Fri 2027-02-12 12:00"),
        "{last}"
    );
    // The example plan has nobody missing, ever.
    let example = plan::load(&example()).unwrap();
    let year = plan::schedule_gaps(&example, from, instant("2027-12-04T11:00:00Z"));
    assert!(year.is_empty(), "{year:#?}");
}
