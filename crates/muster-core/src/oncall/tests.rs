use jiff::civil::{Date, Time, Weekday, date, time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;

use super::*;

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).expect("the system time zone database has it")
}

fn at(tz: &TimeZone, d: Date, t: Time) -> Timestamp {
    tz.to_ambiguous_zoned_datetime(d.to_datetime(t))
        .compatible()
        .expect("in range")
        .timestamp()
}

fn people(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

fn layer(rotation: Rotation) -> Layer {
    Layer {
        name: "primary".into(),
        rotation,
        restrictions: Vec::new(),
    }
}

fn weekly(names: &[&str], handoff: Time, start: Date) -> Rotation {
    Rotation::new(people(names), ShiftLength::Weeks(1), handoff, start).expect("valid")
}

#[test]
fn a_nine_oclock_handoff_stays_at_nine_across_dst() {
    let berlin = tz("Europe/Berlin");
    // Berlin leaves summer time on Sunday 2026-10-25.
    let rotation = Rotation::new(
        people(&["ana", "bo"]),
        ShiftLength::Days(1),
        time(9, 0, 0, 0),
        date(2026, 10, 20),
    )
    .expect("valid");
    let schedule = Schedule {
        time_zone: berlin.clone(),
        layers: vec![layer(rotation)],
        overrides: Vec::new(),
    };
    let from = at(&berlin, date(2026, 10, 23), time(0, 0, 0, 0));
    let to = at(&berlin, date(2026, 10, 28), time(0, 0, 0, 0));
    let shifts = schedule.shifts(from, to);
    for shift in &shifts[1..] {
        let local = shift.start.to_zoned_datetime(berlin.clone());
        assert_eq!(local.time(), time(9, 0, 0, 0), "{local}");
    }
    // The shift holding the change is 25 hours long, and still one person's.
    let long = shifts
        .iter()
        .find(|s| s.start == at(&berlin, date(2026, 10, 24), time(9, 0, 0, 0)))
        .expect("the Saturday shift");
    assert_eq!(long.end.duration_since(long.start).as_hours(), 25);
    assert_eq!(
        schedule.on_call_at(at(&berlin, date(2026, 10, 25), time(2, 30, 0, 0))),
        long.user.as_deref()
    );
}

#[test]
fn nobody_is_on_call_before_the_first_handoff() {
    let utc = TimeZone::UTC;
    let rotation = weekly(&["ana"], time(9, 0, 0, 0), date(2026, 1, 5));
    let schedule = Schedule {
        time_zone: utc.clone(),
        layers: vec![layer(rotation)],
        overrides: Vec::new(),
    };
    assert_eq!(
        schedule.on_call_at(at(&utc, date(2026, 1, 5), time(8, 59, 0, 0))),
        None
    );
    assert_eq!(
        schedule.on_call_at(at(&utc, date(2026, 1, 5), time(9, 0, 0, 0))),
        Some("ana")
    );
    let gaps = schedule.gaps(
        at(&utc, date(2026, 1, 1), time(0, 0, 0, 0)),
        at(&utc, date(2026, 1, 10), time(0, 0, 0, 0)),
    );
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].end, at(&utc, date(2026, 1, 5), time(9, 0, 0, 0)));
}

#[test]
fn a_restricted_upper_layer_wins_only_inside_its_hours() {
    let ny = tz("America/New_York");
    let everyone = weekly(&["night"], time(0, 0, 0, 0), date(2026, 1, 1));
    let office = Layer {
        name: "office hours".into(),
        rotation: weekly(&["day"], time(0, 0, 0, 0), date(2026, 1, 1)),
        restrictions: vec![Restriction {
            days: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            from: time(9, 0, 0, 0),
            to: time(17, 0, 0, 0),
        }],
    };
    let schedule = Schedule {
        time_zone: ny.clone(),
        layers: vec![layer(everyone), office],
        overrides: Vec::new(),
    };
    let monday = date(2026, 3, 9); // the day after the US spring change
    assert_eq!(
        schedule.on_call_at(at(&ny, monday, time(10, 0, 0, 0))),
        Some("day")
    );
    assert_eq!(
        schedule.on_call_at(at(&ny, monday, time(17, 0, 0, 0))),
        Some("night")
    );
    assert_eq!(
        schedule.on_call_at(at(&ny, date(2026, 3, 7), time(10, 0, 0, 0))),
        Some("night"),
        "Saturday is not office hours"
    );
    let shifts = schedule.shifts(
        at(&ny, monday, time(0, 0, 0, 0)),
        at(&ny, monday, time(23, 0, 0, 0)),
    );
    let users: Vec<Option<&str>> = shifts.iter().map(|s| s.user.as_deref()).collect();
    assert_eq!(users, [Some("night"), Some("day"), Some("night")]);
    assert_eq!(shifts[1].start, at(&ny, monday, time(9, 0, 0, 0)));
}

#[test]
fn an_overnight_restriction_runs_past_midnight() {
    let utc = TimeZone::UTC;
    let nights = Layer {
        name: "nights".into(),
        rotation: weekly(&["owl"], time(0, 0, 0, 0), date(2026, 1, 1)),
        restrictions: vec![Restriction {
            days: vec![Weekday::Friday],
            from: time(22, 0, 0, 0),
            to: time(6, 0, 0, 0),
        }],
    };
    let schedule = Schedule {
        time_zone: utc.clone(),
        layers: vec![nights],
        overrides: Vec::new(),
    };
    let friday = date(2026, 1, 9);
    assert_eq!(
        schedule.on_call_at(at(&utc, friday, time(23, 0, 0, 0))),
        Some("owl")
    );
    assert_eq!(
        schedule.on_call_at(at(&utc, date(2026, 1, 10), time(5, 59, 0, 0))),
        Some("owl")
    );
    assert_eq!(
        schedule.on_call_at(at(&utc, date(2026, 1, 10), time(6, 0, 0, 0))),
        None
    );
    assert_eq!(
        schedule.on_call_at(at(&utc, friday, time(21, 0, 0, 0))),
        None
    );
}

#[test]
fn overrides_cover_everyone_or_replace_one_person() {
    let utc = TimeZone::UTC;
    let rotation = Rotation::new(
        people(&["ana", "bo"]),
        ShiftLength::Days(1),
        time(9, 0, 0, 0),
        date(2026, 1, 1),
    )
    .expect("valid");
    let day = |d: i8, h: i8| at(&utc, date(2026, 1, d), time(h, 0, 0, 0));
    let schedule = Schedule {
        time_zone: utc.clone(),
        layers: vec![layer(rotation)],
        overrides: vec![
            // Cy replaces Bo whenever Bo is on call, for three days.
            Override::new("cy".into(), day(1, 0), day(4, 0), Some("bo".into())).expect("valid"),
            // Di covers everyone on the afternoon of the 5th.
            Override::new("di".into(), day(5, 12), day(5, 18), None).expect("valid"),
        ],
    };
    assert_eq!(schedule.on_call_at(day(1, 10)), Some("ana"));
    assert_eq!(
        schedule.on_call_at(day(2, 10)),
        Some("cy"),
        "Bo's day, replaced"
    );
    assert_eq!(
        schedule.on_call_at(day(4, 10)),
        Some("bo"),
        "the override ended"
    );
    assert_eq!(schedule.on_call_at(day(5, 13)), Some("di"));
    assert!(Override::new("x".into(), day(2, 0), day(1, 0), None).is_err());
    assert!(Override::new(" ".into(), day(1, 0), day(2, 0), None).is_err());
}

#[test]
fn bad_rotations_are_refused_with_the_field_named() {
    let errors = Rotation::new(
        vec![],
        ShiftLength::Hours(0),
        time(9, 0, 0, 0),
        date(2026, 1, 1),
    )
    .expect_err("refused");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["participants", "shift"]);
    assert!(
        Rotation::new(
            people(&["a"]),
            ShiftLength::Weeks(53),
            time(9, 0, 0, 0),
            date(2026, 1, 1)
        )
        .is_err()
    );
}

#[test]
fn windows_are_clamped_and_empty_windows_have_no_shifts() {
    let utc = TimeZone::UTC;
    let schedule = Schedule {
        time_zone: utc.clone(),
        layers: vec![layer(weekly(&["a"], time(0, 0, 0, 0), date(2026, 1, 1)))],
        overrides: Vec::new(),
    };
    let from = at(&utc, date(2026, 1, 1), time(0, 0, 0, 0));
    assert!(schedule.shifts(from, from).is_empty());
    let far = from.checked_add((20 * 365 * 24).hours()).expect("in range");
    let shifts = schedule.shifts(from, far);
    let last = shifts.last().expect("shifts");
    assert!(last.end.duration_since(from).as_hours() <= MAX_WINDOW_DAYS * 24);
}

const ZONES: [&str; 3] = ["Europe/Berlin", "America/New_York", "Australia/Sydney"];

fn shift_length() -> impl Strategy<Value = ShiftLength> {
    prop_oneof![
        (1u32..=48).prop_map(ShiftLength::Hours),
        (1u32..=14).prop_map(ShiftLength::Days),
        (1u32..=4).prop_map(ShiftLength::Weeks),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Across the 2026 and 2027 DST changes of three zones: one layer without
    /// restrictions has exactly one person on call at every instant after
    /// its first handoff, shifts follow the participants in order, and every
    /// handoff of a daily or weekly rotation is at the handoff's wall time
    /// (or just after it, when a DST gap swallowed it).
    #[test]
    fn one_person_per_layer_at_every_instant(
        zone in 0usize..3,
        size in 1usize..5,
        shift in shift_length(),
        hour in 0i8..24,
        minute in prop::sample::select(vec![0i8, 15, 30, 45]),
        start_day in 0i64..300,
        probe_hours in prop::collection::vec(0i64..(2 * 366 * 24), 40),
    ) {
        let tz = tz(ZONES[zone]);
        let names: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
        let start = date(2026, 1, 1).checked_add(start_day.days()).expect("in 2026");
        let handoff = time(hour, minute, 0, 0);
        let rotation = Rotation::new(names.clone(), shift, handoff, start).expect("valid");
        let schedule = Schedule {
            time_zone: tz.clone(),
            layers: vec![layer(rotation.clone())],
            overrides: Vec::new(),
        };
        let first = rotation.boundary(&tz, 0).expect("first handoff");
        let until = at(&tz, date(2027, 12, 31), time(0, 0, 0, 0));

        // No gaps after the first handoff.
        let shifts = schedule.shifts(first, until);
        prop_assert!(shifts.iter().all(|s| s.user.is_some()));
        for pair in shifts.windows(2) {
            prop_assert_eq!(pair[0].end, pair[1].start);
        }
        // Turns go round in order, shift by shift. The only turn ever skipped
        // is one the clock jumps over entirely (an hour-long shift inside a
        // spring-forward gap has no length at all).
        let mut k = 0;
        while let (Some(begin), Some(end)) = (rotation.boundary(&tz, k), rotation.boundary(&tz, k + 1)) {
            if begin >= until {
                break;
            }
            prop_assert!(begin <= end);
            if begin < end {
                let expected = &names[usize::try_from(k).expect("positive") % size];
                prop_assert_eq!(schedule.on_call_at(begin), Some(expected.as_str()));
            } else {
                prop_assert!(matches!(shift, ShiftLength::Hours(1)), "only an hour can vanish");
            }
            k += 1;
        }
        // Every probe instant has exactly the person of its shift.
        for offset in probe_hours {
            let probe = first.checked_add(offset.hours()).expect("in range");
            if probe >= until {
                continue;
            }
            let expected = shifts.iter().find(|s| s.start <= probe && probe < s.end).and_then(|s| s.user.as_deref());
            prop_assert!(expected.is_some());
            prop_assert_eq!(schedule.on_call_at(probe), expected);
        }
        // Wall-clock handoffs for daily and weekly rotations.
        if !matches!(shift, ShiftLength::Hours(_)) && size > 1 {
            for s in &shifts {
                let local = s.start.to_zoned_datetime(tz.clone()).time();
                let drift = local.duration_since(handoff).as_mins();
                prop_assert!((0..=60).contains(&drift), "handoff at {local}, expected {handoff}");
            }
        }
    }
}

#[test]
fn an_hour_the_clock_skips_is_nobodys_shift() {
    let berlin = tz("Europe/Berlin");
    // Berlin springs forward at 02:00 on Sunday 2026-03-29.
    let rotation = Rotation::new(
        people(&["a", "b", "c"]),
        ShiftLength::Hours(1),
        time(0, 0, 0, 0),
        date(2026, 3, 29),
    )
    .expect("valid");
    let schedule = Schedule {
        time_zone: berlin.clone(),
        layers: vec![layer(rotation)],
        overrides: Vec::new(),
    };
    let day = date(2026, 3, 29);
    let shifts = schedule.shifts(
        at(&berlin, day, time(0, 0, 0, 0)),
        at(&berlin, day, time(5, 0, 0, 0)),
    );
    let users: Vec<&str> = shifts.iter().filter_map(|s| s.user.as_deref()).collect();
    // 00:00 a, 01:00 b, (02:00 c never happens), 03:00 a, 04:00 b.
    assert_eq!(users, ["a", "b", "a", "b"]);
    assert!(
        shifts
            .iter()
            .all(|s| s.end.duration_since(s.start).as_hours() == 1)
    );
}
