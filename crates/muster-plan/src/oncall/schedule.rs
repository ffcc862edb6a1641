//! A `Schedule` document's body into the core's [`ScheduleDefinition`]:
//! every rotation a layer (a later one wins where it has someone), with its
//! restrictions, and the checks only the whole schedule can make
//! (overlapping windows, rotations a later one always hides).

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime, Time, date, time};
use jiff::tz::TimeZone;
use muster_core::oncall::{
    Layer, Restriction, Rotation, Schedule, ScheduleDefinition, ShiftLength,
};
use muster_core::plan::{Period, PeriodUnit, PlanDocument};
use serde_json::{Map, Value};

use super::read::{self, Issue, Path, Reader};
use super::week;
use crate::plan::rules;

/// The day of the first handoff when a rotation gives no `start`: a Monday.
pub const DEFAULT_START: Date = date(2026, 1, 5);
/// The handoff time when a rotation gives none: midnight, local.
pub const DEFAULT_HANDOFF: Time = time(0, 0, 0, 0);

/// A rotation as read, with what the schedule-wide checks need.
struct Read {
    path: Path,
    layer: Layer,
    /// The first handoff, local.
    first: DateTime,
    /// The stretches of the week its restrictions cover (none: all of it).
    stretches: Vec<(i64, i64)>,
}

/// A time of day: `HH:MM` (jiff also takes `HH:MM:SS` and `HHMM`).
fn time_of_day(r: &mut Reader, object: &Map<String, Value>, at: &Path, key: &str) -> Option<Time> {
    let raw = r.str(object, at, key)?;
    match raw.trim().parse::<Time>() {
        Ok(time) => Some(time),
        Err(_) => {
            r.report(
                &at.key(key),
                Some(raw),
                rules::INVALID_FIELD,
                format!("expected a time HH:MM, got {raw:?}"),
            );
            None
        }
    }
}

fn shift(r: &mut Reader, object: &Map<String, Value>, at: &Path) -> Option<ShiftLength> {
    let raw = r.required_str(object, at, "shift", "a length such as 12h, 1d or 1w")?;
    let length = Period::parse(raw, &Period::SHIFT_UNITS).and_then(|p| match p.unit {
        PeriodUnit::Hours => Some(ShiftLength::Hours(p.amount)),
        PeriodUnit::Days => Some(ShiftLength::Days(p.amount)),
        PeriodUnit::Weeks => Some(ShiftLength::Weeks(p.amount)),
        PeriodUnit::Months | PeriodUnit::Years => None,
    });
    if length.is_none() {
        r.report(
            &at.key("shift"),
            Some(raw),
            rules::INVALID_DURATION,
            format!("expected a length such as 12h, 1d or 1w, got {raw:?}"),
        );
    }
    length
}

fn restriction(r: &mut Reader, object: &Map<String, Value>, at: &Path) -> Option<Restriction> {
    let before = r.issues.len();
    let mut days = Vec::new();
    match r.strings(object, at, "days") {
        Some(names) if names.is_empty() && r.issues.len() == before => r.report(
            &at.key("days"),
            None,
            rules::INVALID_FIELD,
            "list at least one day, or leave days out for every day",
        ),
        Some(names) => {
            for (path, name) in names {
                match week::day(name) {
                    Some(day) if days.contains(&day) => {}
                    Some(day) => days.push(day),
                    None => r.report(
                        &path,
                        Some(name),
                        rules::INVALID_FIELD,
                        format!("expected a day such as mon or monday, got {name:?}"),
                    ),
                }
            }
        }
        None => {}
    }
    let mut bound = |key: &str, hint: &str| {
        let time = time_of_day(r, object, at, key);
        if time.is_none() && !Reader::given(object, key) {
            r.report(
                &at.key(key),
                None,
                rules::INVALID_FIELD,
                format!("is required ({hint})"),
            );
        }
        time
    };
    let from = bound("from", "HH:MM, when the window opens");
    let to = bound("to", "HH:MM, when it closes");
    if let (Some(from), Some(to)) = (from, to)
        && from == to
    {
        r.report(
            &at.key("to"),
            None,
            rules::EMPTY_RESTRICTION,
            format!(
                "the window opens and closes at {:02}:{:02}: it covers nothing (for all day, leave restrictions out)",
                from.hour(),
                from.minute()
            ),
        );
    }
    (r.issues.len() == before).then_some(Restriction {
        days,
        from: from?,
        to: to?,
    })
}

/// One rotation; `None` when something about it is wrong (reported).
fn rotation(
    r: &mut Reader,
    object: &Map<String, Value>,
    at: &Path,
    position: usize,
) -> Option<Read> {
    let before = r.issues.len();
    let name = r
        .str(object, at, "name")
        .map(|n| n.trim().to_owned())
        .unwrap_or_else(|| format!("layer-{}", position + 1));
    let mut participants = Vec::new();
    let typed = r.issues.len();
    let listed = r.strings(object, at, "participants");
    if listed.as_ref().is_none_or(Vec::is_empty) && r.issues.len() == typed {
        r.report(
            &at.key("participants"),
            None,
            rules::INVALID_FIELD,
            "every rotation needs participants (their email addresses, in turn order)",
        );
    }
    for (path, raw) in listed.unwrap_or_default() {
        if let Some(email) = r.email(&path, raw) {
            participants.push(email);
        }
    }
    let shift = shift(r, object, at);
    let handoff = time_of_day(r, object, at, "handoff").unwrap_or(DEFAULT_HANDOFF);
    let start = match r.str(object, at, "start") {
        None => DEFAULT_START,
        Some(raw) => raw.trim().parse::<Date>().unwrap_or_else(|_| {
            r.report(
                &at.key("start"),
                Some(raw),
                rules::INVALID_FIELD,
                format!("expected a date YYYY-MM-DD (the day of the first handoff), got {raw:?}"),
            );
            DEFAULT_START
        }),
    };
    let mut restrictions = Vec::new();
    for (path, item) in r.objects(object, at, "restrictions").unwrap_or_default() {
        if let Some(restriction) = restriction(r, item, &path) {
            restrictions.push((path, restriction));
        }
    }
    // Windows of one rotation that overlap say the same hours twice: almost
    // always a typo in a day or a time.
    for (later, (path, window)) in restrictions.iter().enumerate() {
        let mine = week::stretches(window);
        let earlier = restrictions[..later]
            .iter()
            .enumerate()
            .find_map(|(index, (_, other))| {
                week::first_overlap(&week::stretches(other), &mine).map(|at| (index, at))
            });
        if let Some((index, second)) = earlier {
            r.report(
                path,
                None,
                rules::OVERLAPPING_RESTRICTIONS,
                format!(
                    "this window overlaps restrictions[{index}] of the same rotation (both cover {})",
                    week::describe(second)
                ),
            );
        }
    }
    let shift = shift?;
    if r.issues.len() > before {
        return None;
    }
    let rotation = match Rotation::new(participants, shift, handoff, start) {
        Ok(rotation) => rotation,
        Err(errors) => {
            for error in errors {
                let rule = if error.field == "shift" {
                    rules::INVALID_DURATION
                } else {
                    rules::INVALID_FIELD
                };
                r.report(&at.key(&error.field), None, rule, error.message);
            }
            return None;
        }
    };
    let stretches = restrictions
        .iter()
        .flat_map(|(_, window)| week::stretches(window))
        .collect();
    Some(Read {
        path: at.clone(),
        first: start.to_datetime(handoff),
        stretches,
        layer: Layer {
            name,
            rotation,
            restrictions: restrictions.into_iter().map(|(_, w)| w).collect(),
        },
    })
}

/// Whether the rotation is on call at every hour of the week once started.
fn always_on(read: &Read) -> bool {
    read.layer.restrictions.is_empty() || week::covers_week(&read.stretches)
}

/// Rotations that are never on call: a later one, on call at all hours,
/// started no later than they do.
fn shadowed(r: &mut Reader, reads: &[Read]) {
    for (position, read) in reads.iter().enumerate() {
        let hider = reads[position + 1..]
            .iter()
            .find(|later| always_on(later) && later.first <= read.first);
        if let Some(hider) = hider {
            r.report(
                &read.path,
                None,
                rules::SHADOWED_ROTATION,
                format!(
                    "rotation {} is never on call: the later rotation {} is on call at all hours from its first handoff on, and later rotations win (restrict {} to some hours, or remove {})",
                    read.layer.name, hider.layer.name, hider.layer.name, read.layer.name
                ),
            );
        }
    }
}

/// The schedule a body describes, or every problem with it.
pub(crate) fn read(doc: &PlanDocument) -> Result<ScheduleDefinition, Vec<Issue>> {
    let body = read::body(&doc.body).map_err(|issue| vec![issue])?;
    let mut r = Reader::default();
    let top = Path::default();
    let description = r
        .str(&body, &top, "description")
        .unwrap_or_default()
        .to_owned();
    let zone = match r.str(&body, &top, "time_zone") {
        Some(raw) => match TimeZone::get(raw.trim()) {
            Ok(zone) => Some((raw.trim().to_owned(), zone)),
            Err(_) => {
                r.report(
                    &top.key("time_zone"),
                    Some(raw),
                    rules::INVALID_TIME_ZONE,
                    format!("{raw:?} is not an IANA time zone (e.g. Europe/Berlin)"),
                );
                None
            }
        },
        None => {
            if !Reader::given(&body, "time_zone") {
                r.report(
                    &top,
                    None,
                    rules::INVALID_FIELD,
                    "time_zone is required (an IANA time zone such as Europe/Amsterdam)",
                );
            }
            None
        }
    };
    let before = r.issues.len();
    let listed = r.objects(&body, &top, "rotations");
    if listed.as_ref().is_none_or(Vec::is_empty) && r.issues.len() == before {
        r.report(
            &top.key("rotations"),
            None,
            rules::INVALID_FIELD,
            "list at least one rotation",
        );
    }
    let mut reads = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (position, (path, object)) in listed.unwrap_or_default().into_iter().enumerate() {
        let Some(read) = rotation(&mut r, object, &path, position) else {
            continue;
        };
        if let Some(first) = names.insert(read.layer.name.clone(), position) {
            r.report(
                &path.key("name"),
                Some(&read.layer.name),
                rules::DUPLICATE_NAME,
                format!("rotations[{first}] is already called {:?}", read.layer.name),
            );
        }
        reads.push(read);
    }
    shadowed(&mut r, &reads);
    match zone {
        Some((time_zone, zone)) if r.issues.is_empty() => Ok(ScheduleDefinition {
            name: doc.name.clone(),
            owner: doc.owner.clone(),
            description,
            time_zone,
            schedule: Schedule {
                time_zone: zone,
                layers: reads.into_iter().map(|read| read.layer).collect(),
                overrides: Vec::new(),
            },
        }),
        _ => Err(r.issues),
    }
}
