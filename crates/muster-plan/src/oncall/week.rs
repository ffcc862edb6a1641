//! Restrictions as stretches of the wall-clock week, so overlaps and full
//! coverage can be decided once instead of day by day. Wall-clock reasoning
//! is exact here: a window covers an instant when it covers its local time,
//! and DST only skips or repeats local times.

use jiff::civil::{Time, Weekday};
use muster_core::oncall::Restriction;

const DAY: i64 = 24 * 60 * 60;
const WEEK: i64 = 7 * DAY;

/// The day names a restriction may use, Monday first: (short, long, day).
pub(crate) use muster_core::oncall::DAY_NAMES as DAYS;

/// The day a name means, in any case (`mon`, `Monday`, `SUN`).
pub(crate) fn day(name: &str) -> Option<Weekday> {
    muster_core::oncall::weekday_named(name)
}

fn seconds(time: Time) -> i64 {
    i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second())
}

/// The stretches `[start, end)` of the week (seconds from Monday 00:00) a
/// restriction covers, each inside the week: a Sunday night window that runs
/// into Monday is split at the week's end.
pub(crate) fn stretches(restriction: &Restriction) -> Vec<(i64, i64)> {
    let (from, to) = (seconds(restriction.from), seconds(restriction.to));
    let length = if to > from {
        to - from
    } else {
        DAY - from + to
    };
    let mut out = Vec::new();
    for (offset, (_, _, day)) in (0_i64..).zip(DAYS) {
        if !restriction.days.is_empty() && !restriction.days.contains(&day) {
            continue;
        }
        let start = offset * DAY + from;
        let end = start + length;
        if end > WEEK {
            out.push((start, WEEK));
            out.push((0, end - WEEK));
        } else {
            out.push((start, end));
        }
    }
    out
}

/// The first second of the week both sets of stretches cover.
pub(crate) fn first_overlap(a: &[(i64, i64)], b: &[(i64, i64)]) -> Option<i64> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (x, y)))
        .filter(|(x, y)| x.0.max(y.0) < x.1.min(y.1))
        .map(|(x, y)| x.0.max(y.0))
        .min()
}

/// Whether the stretches together cover the whole week.
pub(crate) fn covers_week(stretches: &[(i64, i64)]) -> bool {
    let mut sorted = stretches.to_vec();
    sorted.sort_unstable();
    let mut reached = 0;
    for (start, end) in sorted {
        if start > reached {
            return false;
        }
        reached = reached.max(end);
    }
    reached >= WEEK
}

/// A second of the week as people read it: `Tue 09:30`.
pub(crate) fn describe(second: i64) -> String {
    let day = DAYS
        .get(usize::try_from(second.div_euclid(DAY)).unwrap_or(0))
        .map_or("Mon", |(short, _, _)| short);
    let rest = second.rem_euclid(DAY);
    let mut name = day.to_owned();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{name} {:02}:{:02}", rest / 3600, rest % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use jiff::civil::time;

    use super::*;

    fn window(days: &[Weekday], from: Time, to: Time) -> Restriction {
        Restriction {
            days: days.to_vec(),
            from,
            to,
        }
    }

    #[test]
    fn days_are_read_in_any_case_and_length() {
        assert_eq!(day("Mon"), Some(Weekday::Monday));
        assert_eq!(day("SUNDAY"), Some(Weekday::Sunday));
        assert_eq!(day(" thu "), Some(Weekday::Thursday));
        assert_eq!(day("thurs"), None);
    }

    #[test]
    fn overnight_windows_wrap_and_overlaps_are_found() {
        let nights = window(&[Weekday::Sunday], time(22, 0, 0, 0), time(6, 0, 0, 0));
        assert_eq!(
            stretches(&nights),
            [(6 * DAY + 22 * 3600, WEEK), (0, 6 * 3600)]
        );
        let mornings = window(&[Weekday::Monday], time(5, 0, 0, 0), time(9, 0, 0, 0));
        let overlap = first_overlap(&stretches(&nights), &stretches(&mornings));
        assert_eq!(overlap.map(describe).as_deref(), Some("Mon 05:00"));
        let evenings = window(&[], time(18, 0, 0, 0), time(22, 0, 0, 0));
        assert_eq!(
            first_overlap(&stretches(&nights), &stretches(&evenings)),
            None,
            "touching windows do not overlap"
        );
    }

    #[test]
    fn a_day_and_a_night_window_cover_the_week() {
        let day = window(&[], time(8, 0, 0, 0), time(20, 0, 0, 0));
        let night = window(&[], time(20, 0, 0, 0), time(8, 0, 0, 0));
        let mut both = stretches(&day);
        assert!(!covers_week(&both));
        both.extend(stretches(&night));
        assert!(covers_week(&both));
        let weekdays = window(
            &[Weekday::Monday, Weekday::Friday],
            time(0, 0, 0, 0),
            time(0, 0, 0, 0),
        );
        assert!(!covers_week(&stretches(&weekdays)));
    }
}
