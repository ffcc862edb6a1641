//! On-call schedules, decided without I/O: layers of rotations in one IANA
//! time zone (wall-clock handoffs across DST), restrictions to hours of the
//! week, overrides, and the final schedule with its gaps. The time zone is
//! handed in, already looked up, by the edge.

pub mod escalation;
mod rotation;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

pub use rotation::{Rotation, ShiftLength};

use crate::error::FieldError;

/// The day names a plan, a silence or a form may use, Monday first:
/// (short, long, day).
pub const DAY_NAMES: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Monday),
    ("tue", "tuesday", Weekday::Tuesday),
    ("wed", "wednesday", Weekday::Wednesday),
    ("thu", "thursday", Weekday::Thursday),
    ("fri", "friday", Weekday::Friday),
    ("sat", "saturday", Weekday::Saturday),
    ("sun", "sunday", Weekday::Sunday),
];

/// The day a name means, in any case (`mon`, `Monday`, `SUN`).
pub fn weekday_named(name: &str) -> Option<Weekday> {
    let name = name.trim().to_lowercase();
    DAY_NAMES
        .iter()
        .find(|(short, long, _)| name == *short || name == *long)
        .map(|(_, _, day)| *day)
}

/// A day's long lowercase name (`monday`).
pub fn weekday_name(day: Weekday) -> &'static str {
    DAY_NAMES
        .iter()
        .find(|(_, _, d)| *d == day)
        .map_or("monday", |(_, long, _)| long)
}

/// When a layer is on duty: on `days` (every day when empty), from `from`
/// to `to` local time; a window whose end is not after its start runs past
/// midnight into the next day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub days: Vec<Weekday>,
    pub from: Time,
    pub to: Time,
}

impl Restriction {
    fn applies_on(&self, day: Weekday) -> bool {
        self.days.is_empty() || self.days.contains(&day)
    }

    fn overnight(&self) -> bool {
        self.to <= self.from
    }

    /// Whether the window covers the local wall-clock instant of `at`.
    pub fn covers(&self, tz: &TimeZone, at: Timestamp) -> bool {
        let local = at.to_zoned_datetime(tz.clone());
        let (date, time) = (local.date(), local.time());
        if self.overnight() {
            let tonight = self.applies_on(date.weekday()) && time >= self.from;
            let last_night =
                date.yesterday().is_ok_and(|y| self.applies_on(y.weekday())) && time < self.to;
            tonight || last_night
        } else {
            self.applies_on(date.weekday()) && time >= self.from && time < self.to
        }
    }

    /// Every window edge in `[from, to)`, as instants.
    fn edges(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        let first = from.to_zoned_datetime(tz.clone()).date();
        let last = to.to_zoned_datetime(tz.clone()).date();
        let mut day = first.yesterday().unwrap_or(first);
        while day <= last {
            for (date, time) in [
                (Some(day), self.from),
                (
                    if self.overnight() {
                        day.tomorrow().ok()
                    } else {
                        Some(day)
                    },
                    self.to,
                ),
            ] {
                let at = date.and_then(|d| {
                    tz.to_ambiguous_zoned_datetime(d.to_datetime(time))
                        .compatible()
                        .ok()
                });
                if let Some(at) = at.map(|z| z.timestamp())
                    && at >= from
                    && at < to
                {
                    out.push(at);
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// A rotation, optionally on duty only inside its restrictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub rotation: Rotation,
    pub restrictions: Vec<Restriction>,
}

impl Layer {
    pub fn on_call_at(&self, tz: &TimeZone, at: Timestamp) -> Option<&str> {
        if !self.restrictions.is_empty() && !self.restrictions.iter().any(|r| r.covers(tz, at)) {
            return None;
        }
        self.rotation.on_call_at(tz, at)
    }

    fn edges(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = self.rotation.handoffs(tz, from, to);
        for restriction in &self.restrictions {
            out.extend(restriction.edges(tz, from, to));
        }
        out
    }
}

/// Someone else on call for a while: `user` covers `[start, end)`, for
/// everyone (`replaces: None`) or only in place of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub replaces: Option<String>,
}

impl Override {
    pub fn new(
        user: String,
        start: Timestamp,
        end: Timestamp,
        replaces: Option<String>,
    ) -> Result<Self, FieldError> {
        if user.trim().is_empty() {
            return Err(FieldError::new(
                "user",
                "an override needs someone to cover",
            ));
        }
        if end <= start {
            return Err(FieldError::new("end", "an override ends after it starts"));
        }
        Ok(Self {
            user,
            start,
            end,
            replaces,
        })
    }

    fn active(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// Who is on call from `start` until `end`; `user: None` is a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub user: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Layers (the last listed wins where it has someone) and overrides (the
/// last listed wins where they overlap), in one time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub time_zone: TimeZone,
    pub layers: Vec<Layer>,
    pub overrides: Vec<Override>,
}

/// A schedule as the plan defines it: its name, owner team, time zone (as
/// written, IANA) and layers; overrides are added from storage.
#[derive(Debug, Clone)]
pub struct ScheduleDefinition {
    pub name: String,
    pub owner: Option<String>,
    pub description: String,
    pub time_zone: String,
    /// The layers in `time_zone`, without overrides.
    pub schedule: Schedule,
}

/// An escalation policy as the plan defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDefinition {
    pub name: String,
    pub owner: Option<String>,
    pub description: String,
    pub policy: escalation::EscalationPolicy,
}

/// The longest window a schedule is laid out over in one call.
pub const MAX_WINDOW_DAYS: i64 = 731;

impl Schedule {
    /// Who the layers put on call at `at`, before overrides.
    fn layered(&self, at: Timestamp) -> Option<&str> {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.on_call_at(&self.time_zone, at))
    }

    /// Who is on call at `at`.
    pub fn on_call_at(&self, at: Timestamp) -> Option<&str> {
        let base = self.layered(at);
        let covering = self.overrides.iter().rev().find(|o| {
            o.active(at)
                && match &o.replaces {
                    None => true,
                    Some(person) => base == Some(person.as_str()),
                }
        });
        covering.map(|o| o.user.as_str()).or(base)
    }

    /// The final schedule over `[from, to)`: consecutive shifts, merged where
    /// the same person (or nobody) continues. `to` is clamped to
    /// [`MAX_WINDOW_DAYS`] after `from`.
    pub fn shifts(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        let limit = from
            .checked_add((MAX_WINDOW_DAYS * 24).hours())
            .unwrap_or(to);
        let to = to.min(limit);
        if to <= from {
            return Vec::new();
        }
        let mut edges: BTreeSet<Timestamp> = BTreeSet::from([from, to]);
        for layer in &self.layers {
            edges.extend(layer.edges(&self.time_zone, from, to));
        }
        for o in &self.overrides {
            edges.extend(
                [o.start, o.end]
                    .into_iter()
                    .filter(|t| *t > from && *t < to),
            );
        }
        let edges: Vec<Timestamp> = edges.into_iter().collect();
        let mut shifts: Vec<Shift> = Vec::new();
        for pair in edges.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let user = self.on_call_at(start).map(str::to_owned);
            match shifts.last_mut() {
                Some(last) if last.user == user => last.end = end,
                _ => shifts.push(Shift { user, start, end }),
            }
        }
        shifts
    }

    /// The stretches of `[from, to)` when nobody is on call.
    pub fn gaps(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        self.shifts(from, to)
            .into_iter()
            .filter(|s| s.user.is_none())
            .collect()
    }
}
