//! The next business morning in a time zone: 09:00 local time, Monday to
//! Friday, on the wall clock (09:00 stays 09:00 across DST). Public holidays
//! are not known here.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

/// When the business morning starts, local time.
pub const BUSINESS_MORNING: Time = Time::constant(9, 0, 0, 0);

/// The days that have a business morning.
pub const BUSINESS_DAYS: [Weekday; 5] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
];

/// The first business morning at or after `after`, in `tz`. `None` only at
/// the end of representable time.
pub fn next_business_morning(tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let mut day = after.to_zoned_datetime(tz.clone()).date();
    // A week always holds a business morning; the eighth day is a guard.
    for _ in 0..8 {
        if BUSINESS_DAYS.contains(&day.weekday()) {
            // 09:00 exists on every DST change of every zone in use; should
            // a zone ever skip it, the compatible choice is the instant just
            // after the gap.
            let morning = tz
                .to_ambiguous_zoned_datetime(day.to_datetime(BUSINESS_MORNING))
                .compatible()
                .ok()?
                .timestamp();
            if morning >= after {
                return Some(morning);
            }
        }
        day = day.tomorrow().ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, date, time};
    use proptest::prelude::*;

    use super::*;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).expect("the system time zone database has it")
    }

    fn local(tz: &TimeZone, d: Date, hour: i8, minute: i8) -> Timestamp {
        tz.to_ambiguous_zoned_datetime(d.to_datetime(time(hour, minute, 0, 0)))
            .compatible()
            .unwrap()
            .timestamp()
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn friday_evening_waits_for_monday_morning() {
        let amsterdam = tz("Europe/Amsterdam");
        let friday = date(2026, 10, 16);
        assert_eq!(friday.weekday(), Weekday::Friday);
        let morning = next_business_morning(&amsterdam, local(&amsterdam, friday, 18, 30));
        assert_eq!(morning, Some(local(&amsterdam, date(2026, 10, 19), 9, 0)));
        // Saturday and Sunday too; before nine on a weekday is the same day.
        let saturday = local(&amsterdam, date(2026, 10, 17), 11, 0);
        assert_eq!(
            next_business_morning(&amsterdam, saturday),
            Some(local(&amsterdam, date(2026, 10, 19), 9, 0))
        );
        let early = local(&amsterdam, date(2026, 10, 20), 6, 0);
        assert_eq!(
            next_business_morning(&amsterdam, early),
            Some(local(&amsterdam, date(2026, 10, 20), 9, 0))
        );
        let nine = local(&amsterdam, date(2026, 10, 20), 9, 0);
        assert_eq!(next_business_morning(&amsterdam, nine), Some(nine));
    }

    #[test]
    fn new_york_falls_back_over_the_weekend() {
        // EDT ends Sunday 2026-11-01 at 02:00: Friday's 09:00 is 13:00 UTC,
        // Monday's is 14:00 UTC.
        let new_york = tz("America/New_York");
        let friday_evening = utc("2026-10-30T22:00:00Z");
        assert_eq!(
            next_business_morning(&new_york, friday_evening),
            Some(utc("2026-11-02T14:00:00Z"))
        );
        assert_eq!(
            next_business_morning(&new_york, utc("2026-10-30T12:00:00Z")),
            Some(utc("2026-10-30T13:00:00Z"))
        );
    }

    #[test]
    fn new_york_springs_forward_over_the_weekend() {
        // EDT starts Sunday 2027-03-14 at 02:00: Monday's 09:00 is 13:00 UTC.
        let new_york = tz("America/New_York");
        assert_eq!(
            next_business_morning(&new_york, utc("2027-03-12T23:30:00Z")),
            Some(utc("2027-03-15T13:00:00Z"))
        );
        // The Friday before, still EST, opened at 14:00 UTC.
        assert_eq!(
            next_business_morning(&new_york, utc("2027-03-12T05:00:00Z")),
            Some(utc("2027-03-12T14:00:00Z"))
        );
    }

    #[test]
    fn amsterdam_leaves_summer_time_at_the_end_of_october() {
        // CEST ends Sunday 2026-10-25: Friday 09:00 is 07:00 UTC, Monday 08:00 UTC.
        let amsterdam = tz("Europe/Amsterdam");
        assert_eq!(
            next_business_morning(&amsterdam, utc("2026-10-23T16:00:00Z")),
            Some(utc("2026-10-26T08:00:00Z"))
        );
        assert_eq!(
            next_business_morning(&amsterdam, utc("2026-10-23T06:59:00Z")),
            Some(utc("2026-10-23T07:00:00Z"))
        );
    }

    proptest! {
        /// Whatever the instant and zone, the answer is a weekday at 09:00
        /// local time, not before the instant, and no business morning lies
        /// between them.
        #[test]
        fn the_answer_is_the_first_business_morning(
            seconds in 1_700_000_000i64..2_000_000_000,
            zone in prop::sample::select(vec![
                "America/New_York", "Europe/Amsterdam", "Australia/Lord_Howe",
                "Asia/Kolkata", "Pacific/Chatham", "UTC",
            ]),
        ) {
            let tz = tz(zone);
            let after = Timestamp::from_second(seconds).unwrap();
            let morning = next_business_morning(&tz, after).unwrap();
            prop_assert!(morning >= after);
            let local = morning.to_zoned_datetime(tz.clone());
            prop_assert_eq!(local.time(), BUSINESS_MORNING);
            prop_assert!(BUSINESS_DAYS.contains(&local.date().weekday()));
            // Three weekend-ish days at most, plus DST's hour.
            prop_assert!(morning.duration_since(after).as_hours() <= 3 * 24 + 1);
            let mut day = after.to_zoned_datetime(tz.clone()).date();
            while day < local.date() {
                if BUSINESS_DAYS.contains(&day.weekday()) {
                    let earlier = tz
                        .to_ambiguous_zoned_datetime(day.to_datetime(BUSINESS_MORNING))
                        .compatible()
                        .unwrap()
                        .timestamp();
                    prop_assert!(earlier < after, "{} was a business morning too", earlier);
                }
                day = day.tomorrow().unwrap();
            }
        }
    }
}
