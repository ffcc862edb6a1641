//! Instants as people read them on a schedule: on its wall clock, with the
//! zone's abbreviation where the zone is not otherwise obvious.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// "Sat 5 Dec 17:00" on `tz`'s wall clock.
pub fn local(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%a %-d %b %H:%M")
        .to_string()
}

/// "Sat 5 Dec 17:00 CET": with the abbreviation, which changes across DST.
pub fn local_with_zone(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%a %-d %b %H:%M %Z")
        .to_string()
}

/// "Sat 5 Dec" on `tz`'s calendar.
pub fn local_day(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%a %-d %b")
        .to_string()
}

/// "2026-12-05 16:00 UTC".
pub fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The value a `datetime-local` input shows for `at` on `tz`'s wall clock.
pub fn input_value(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The instant a wall-clock time names on `tz`. A time inside a DST gap
/// (02:30 on the night clocks jump to 03:00) means the moment after the
/// jump; one the clocks pass twice means its first occurrence: jiff's
/// "compatible" rule, the one calendars use.
pub fn instant_of(wall: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_zoned_datetime(wall)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// Midnight starting `date` on `tz` (or the first instant of the day when
/// midnight itself is skipped by DST).
pub fn start_of(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    instant_of(date.to_datetime(Time::midnight()), tz)
}

/// The days a timeline shows: from midnight today (on `tz`) for `days` days.
pub fn day_window(tz: &TimeZone, now: Timestamp, days: u32) -> (Timestamp, Timestamp) {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let from = start_of(today, tz).unwrap_or(now);
    let mut last = today;
    for _ in 0..days {
        last = last.tomorrow().unwrap_or(last);
    }
    let to = start_of(last, tz)
        .filter(|to| *to > from)
        .unwrap_or_else(|| {
            from.saturating_add(SignedDuration::from_hours(24 * i64::from(days)))
                .unwrap_or(from)
        });
    (from, to)
}

/// "5 min", "1 h", "1 h 30 min"; "no wait" for zero.
pub fn duration_words(duration: SignedDuration) -> String {
    let minutes = duration.as_mins();
    match (minutes / 60, minutes % 60) {
        (0, 0) => String::from("no wait"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_times_in_a_dst_gap_or_overlap_are_still_instants() {
        let tz = TimeZone::get("Europe/Amsterdam").unwrap();
        // 2026-03-29 02:30 does not exist in Amsterdam: it is 03:30 CEST.
        let gap = instant_of("2026-03-29T02:30".parse().unwrap(), &tz).unwrap();
        assert_eq!(gap.to_string(), "2026-03-29T01:30:00Z");
        // 2026-10-25 02:30 happens twice: the first is CEST.
        let twice = instant_of("2026-10-25T02:30".parse().unwrap(), &tz).unwrap();
        assert_eq!(twice.to_string(), "2026-10-25T00:30:00Z");
        assert_eq!(local_with_zone(twice, &tz), "Sun 25 Oct 02:30 CEST");
    }

    #[test]
    fn a_window_runs_from_local_midnight_and_days_may_be_23_hours() {
        let tz = TimeZone::get("Europe/Amsterdam").unwrap();
        let now: Timestamp = "2026-03-28T12:00:00Z".parse().unwrap();
        let (from, to) = day_window(&tz, now, 2);
        assert_eq!(from.to_string(), "2026-03-27T23:00:00Z");
        assert_eq!(to.to_string(), "2026-03-29T22:00:00Z", "47 hours");
        assert_eq!(duration_words(SignedDuration::from_mins(90)), "1 h 30 min");
        assert_eq!(duration_words(SignedDuration::ZERO), "no wait");
    }
}
