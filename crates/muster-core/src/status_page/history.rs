//! A component's history as the public page draws it: one bar per day for
//! the last 90 days, each coloured by the worst status of that day, and the
//! share of the time it was up. Days are the page's own, in its time zone,
//! so a day with a clock change has 23 or 25 hours.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::ComponentStatus;

/// How many days the public page shows.
pub const HISTORY_DAYS: u16 = 90;

/// A stretch of time a component was not operational: from an incident's
/// first update naming it until its resolution (or now), or a maintenance
/// window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSpan {
    pub status: ComponentStatus,
    pub from: Timestamp,
    /// `None` while it lasts.
    pub until: Option<Timestamp>,
}

/// One day's bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayBar {
    pub date: Date,
    /// The worst status of the day (operational when nothing happened, or
    /// for the part of today still to come).
    pub worst: ComponentStatus,
    /// How long, that day, the component was degraded or out (planned
    /// maintenance does not count against it).
    pub unplanned: SignedDuration,
}

/// Where a day begins in `tz`: its first instant (midnight, or the first
/// instant after a gap at midnight).
fn start_of(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_zoned_datetime(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// The last `days` days ending with the day `now` falls on, in `tz`,
/// oldest first. Spans overlapping several days count in each.
pub fn daily_history(
    spans: &[StatusSpan],
    tz: &TimeZone,
    days: u16,
    now: Timestamp,
) -> Vec<DayBar> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let mut bars = Vec::with_capacity(usize::from(days));
    for back in (0..i64::from(days)).rev() {
        let Ok(date) = today.checked_sub(back.days()) else {
            continue;
        };
        let (Some(day_start), Some(day_end)) = (
            start_of(date, tz),
            date.tomorrow().ok().and_then(|d| start_of(d, tz)),
        ) else {
            continue;
        };
        // Nothing after now has happened yet.
        let day_end = day_end.min(now);
        let mut worst = ComponentStatus::Operational;
        let mut unplanned = SignedDuration::ZERO;
        for span in spans {
            let from = span.from.max(day_start);
            let until = span.until.unwrap_or(now).min(day_end);
            if from >= until {
                continue;
            }
            worst = worst.max(span.status);
            if span.status > ComponentStatus::UnderMaintenance {
                unplanned += until.duration_since(from);
            }
        }
        bars.push(DayBar {
            date,
            worst,
            // Overlapping spans must not make a day longer than itself.
            unplanned: unplanned.min(day_end.duration_since(day_start)),
        });
    }
    bars
}

/// The share of the shown time the component was up, from 0 to 1: the
/// unplanned minutes against the time elapsed in those days.
pub fn uptime(bars: &[DayBar], tz: &TimeZone, now: Timestamp) -> f64 {
    let mut total = SignedDuration::ZERO;
    let mut down = SignedDuration::ZERO;
    for bar in bars {
        let (Some(start), Some(end)) = (
            start_of(bar.date, tz),
            bar.date.tomorrow().ok().and_then(|d| start_of(d, tz)),
        ) else {
            continue;
        };
        total += end.min(now).duration_since(start).max(SignedDuration::ZERO);
        down += bar.unplanned;
    }
    if total <= SignedDuration::ZERO {
        return 1.0;
    }
    (1.0 - down.as_secs_f64() / total.as_secs_f64()).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tz() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap()
    }

    fn at(raw: &str) -> Timestamp {
        raw.parse().unwrap()
    }

    #[test]
    fn each_day_shows_its_worst_and_its_unplanned_time() {
        // Noon on 2 March 2027 in Amsterdam (UTC+1).
        let now = at("2027-03-02T11:00:00Z");
        let spans = [
            // An outage across midnight: 23:00 to 01:00 local.
            StatusSpan {
                status: ComponentStatus::MajorOutage,
                from: at("2027-02-27T22:00:00Z"),
                until: Some(at("2027-02-28T00:00:00Z")),
            },
            // Maintenance on the 1st: not unplanned.
            StatusSpan {
                status: ComponentStatus::UnderMaintenance,
                from: at("2027-03-01T02:00:00Z"),
                until: Some(at("2027-03-01T04:00:00Z")),
            },
            // Degraded since 10:00 today, still going.
            StatusSpan {
                status: ComponentStatus::DegradedPerformance,
                from: at("2027-03-02T09:00:00Z"),
                until: None,
            },
        ];
        let bars = daily_history(&spans, &tz(), 4, now);
        let shown: Vec<(String, &str, i64)> = bars
            .iter()
            .map(|b| (b.date.to_string(), b.worst.as_str(), b.unplanned.as_mins()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("2027-02-27".to_owned(), "major_outage", 60),
                ("2027-02-28".to_owned(), "major_outage", 60),
                ("2027-03-01".to_owned(), "under_maintenance", 0),
                ("2027-03-02".to_owned(), "degraded_performance", 120),
            ]
        );
        // 4 hours down of 3.5 days' 84 hours.
        let up = uptime(&bars, &tz(), now);
        assert!((up - (1.0 - 4.0 / 84.0)).abs() < 1e-9, "{up}");
    }

    #[test]
    fn a_day_with_a_clock_change_has_its_own_length() {
        // Amsterdam springs forward on Sunday 28 March 2027: a 23-hour day.
        let now = at("2027-03-29T12:00:00Z");
        let spans = [StatusSpan {
            status: ComponentStatus::PartialOutage,
            from: at("2027-03-27T23:00:00Z"),
            until: Some(at("2027-03-28T22:00:00Z")),
        }];
        let bars = daily_history(&spans, &tz(), 2, now);
        assert_eq!(bars[0].date.to_string(), "2027-03-28");
        assert_eq!(
            bars[0].unplanned,
            SignedDuration::from_hours(23),
            "the whole of its 23 hours"
        );
        assert_eq!(bars[1].worst, ComponentStatus::Operational);
    }

    proptest! {
        #[test]
        fn no_day_is_down_longer_than_it_lasts(
            starts in proptest::collection::vec(0i64..(10 * 86_400), 0..6),
            lengths in proptest::collection::vec(0i64..(3 * 86_400), 6),
        ) {
            let base = at("2027-10-20T00:00:00Z");
            let now = at("2027-10-31T12:00:00Z");
            let spans: Vec<StatusSpan> = starts
                .iter()
                .zip(&lengths)
                .map(|(s, l)| StatusSpan {
                    status: ComponentStatus::MajorOutage,
                    from: base + SignedDuration::from_secs(*s),
                    until: Some(base + SignedDuration::from_secs(s + l)),
                })
                .collect();
            let bars = daily_history(&spans, &tz(), 14, now);
            prop_assert_eq!(bars.len(), 14);
            for bar in &bars {
                prop_assert!(bar.unplanned <= SignedDuration::from_hours(25));
                prop_assert!(bar.unplanned >= SignedDuration::ZERO);
            }
            let up = uptime(&bars, &tz(), now);
            prop_assert!((0.0..=1.0).contains(&up));
        }
    }
}
