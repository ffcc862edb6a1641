//! Stretches of time when a schedule has nobody on call: not an error (a
//! team may mean it, a business-hours rota), but worth a warning.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::export::stored;
use super::{Finding, Kind, Plan, rules};

/// How many gaps of one schedule are listed before "and N more".
pub const MAX_GAPS_LISTED: usize = 5;

fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%a %Y-%m-%d %H:%M")
        .to_string()
}

/// Every stretch of `[from, to)` when a schedule of the plan has nobody on
/// call, as [`rules::SCHEDULE_GAP`] findings at the schedule's document, in
/// the schedule's local time: at most [`MAX_GAPS_LISTED`] per schedule, then
/// one saying how many more. Schedules that do not validate are skipped
/// ([`super::validate`] reports them); so are overrides, which the plan
/// does not hold.
pub fn schedule_gaps(plan: &Plan, from: Timestamp, to: Timestamp) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for doc in plan.of_kind(Kind::Schedule) {
        if !seen.insert(Kind::Schedule.key(&doc.name)) {
            continue;
        }
        let Ok(definition) = crate::oncall::schedule(&stored(doc)) else {
            continue;
        };
        let zone = &definition.schedule.time_zone;
        let gaps = definition.schedule.gaps(from, to);
        let finding = |message: String| Finding {
            file: doc.file.clone(),
            line: doc.line,
            column: 1,
            rule: rules::SCHEDULE_GAP,
            message: format!("{} {}: {message}", doc.kind, doc.name),
        };
        for gap in gaps.iter().take(MAX_GAPS_LISTED) {
            // A gap cut off by the window's edge may go on beyond it.
            let earlier = if gap.start <= from { " or earlier" } else { "" };
            let later = if gap.end >= to { " or later" } else { "" };
            out.push(finding(format!(
                "nobody is on call from {}{earlier} to {}{later} ({})",
                local(gap.start, zone),
                local(gap.end, zone),
                definition.time_zone
            )));
        }
        if gaps.len() > MAX_GAPS_LISTED {
            out.push(finding(format!(
                "and {} more gaps before {} ({})",
                gaps.len() - MAX_GAPS_LISTED,
                local(to, zone),
                definition.time_zone
            )));
        }
    }
    out
}
