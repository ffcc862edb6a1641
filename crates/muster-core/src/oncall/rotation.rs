//! One rotation: participants taking turns in shifts of a fixed civil length,
//! handing off at a wall-clock time in the schedule's time zone.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::error::FieldError;

/// How long one shift lasts, counted on the wall clock: a daily shift that
/// hands off at 09:00 hands off at 09:00 local every day, DST or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
}

/// The longest shift a rotation may have: a year of weeks.
const MAX_SHIFT_HOURS: i64 = 52 * 7 * 24;

impl std::fmt::Display for ShiftLength {
    /// As the plan writes it: `12h`, `1d`, `2w`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Hours(n) => write!(f, "{n}h"),
            Self::Days(n) => write!(f, "{n}d"),
            Self::Weeks(n) => write!(f, "{n}w"),
        }
    }
}

impl ShiftLength {
    fn hours(self) -> i64 {
        match self {
            Self::Hours(n) => i64::from(n),
            Self::Days(n) => i64::from(n) * 24,
            Self::Weeks(n) => i64::from(n) * 7 * 24,
        }
    }

    /// `k` shifts as a civil span (hours on the wall clock).
    fn times(self, k: i64) -> Option<Span> {
        Span::new().try_hours(self.hours().checked_mul(k)?).ok()
    }
}

/// Participants in order, each on call for one shift, from `start` at
/// `handoff` (local) onwards. Before the first handoff nobody is on call.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    participants: Vec<String>,
    shift: ShiftLength,
    first: DateTime,
}

impl Rotation {
    pub fn new(
        participants: Vec<String>,
        shift: ShiftLength,
        handoff: Time,
        start: Date,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if participants.is_empty() {
            errors.push(FieldError::new(
                "participants",
                "a rotation needs at least one participant",
            ));
        }
        if participants.iter().any(|p| p.trim().is_empty()) {
            errors.push(FieldError::new("participants", "a participant is empty"));
        }
        let hours = shift.hours();
        if !(1..=MAX_SHIFT_HOURS).contains(&hours) {
            errors.push(FieldError::new(
                "shift",
                "a shift lasts between one hour and 52 weeks",
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                participants,
                shift,
                first: start.to_datetime(handoff),
            })
        } else {
            Err(errors)
        }
    }

    pub fn participants(&self) -> &[String] {
        &self.participants
    }

    pub fn shift(&self) -> ShiftLength {
        self.shift
    }

    /// The first handoff, on the schedule's wall clock.
    pub fn first_handoff(&self) -> DateTime {
        self.first
    }

    /// The instant shift `k` starts (shift 0 at the first handoff).
    pub fn boundary(&self, tz: &TimeZone, k: i64) -> Option<Timestamp> {
        let civil = self.first.checked_add(self.shift.times(k)?).ok()?;
        // A handoff inside a DST gap happens when the clock jumps past it;
        // in an overlap, at its first occurrence.
        tz.to_ambiguous_zoned_datetime(civil)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    }

    /// The shift holding `at`: `(k, start, end)`, or `None` before the first
    /// handoff (or beyond the calendar).
    pub fn shift_at(&self, tz: &TimeZone, at: Timestamp) -> Option<(i64, Timestamp, Timestamp)> {
        let local = at.to_zoned_datetime(tz.clone()).datetime();
        let elapsed = local.duration_since(self.first).as_secs();
        let step = self.shift.hours() * 3600;
        // A first guess on the wall clock, corrected by at most a step or two
        // where DST moved the real instants.
        let mut k = elapsed.div_euclid(step);
        for _ in 0..4 {
            let start = self.boundary(tz, k)?;
            if start > at {
                k -= 1;
                continue;
            }
            let end = self.boundary(tz, k + 1)?;
            if end <= at {
                k += 1;
                continue;
            }
            return (k >= 0).then_some((k, start, end));
        }
        None
    }

    /// Who is on call at `at`.
    pub fn on_call_at(&self, tz: &TimeZone, at: Timestamp) -> Option<&str> {
        let (k, _, _) = self.shift_at(tz, at)?;
        let index = usize::try_from(k.rem_euclid(self.participants.len() as i64)).ok()?;
        self.participants.get(index).map(String::as_str)
    }

    /// Every handoff instant in `[from, to)`.
    pub fn handoffs(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        let mut k = match self.shift_at(tz, from) {
            Some((k, _, _)) => k + 1,
            None => 0,
        };
        while let Some(at) = self.boundary(tz, k) {
            if at >= to {
                break;
            }
            if at >= from {
                out.push(at);
            }
            k += 1;
        }
        out
    }
}
