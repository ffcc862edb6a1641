//! On-call views: the schedule list, a schedule's page (timeline, shifts,
//! gaps, layers, overrides and the override form's choices), the "on call
//! now" card with its escalation policy, and a person's upcoming shifts.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use muster_core::catalog::Catalog;
use muster_core::oncall::escalation::Target;
use muster_core::oncall::{
    Layer, Override, PolicyDefinition, Restriction, ScheduleDefinition, Shift, ShiftLength,
};
use muster_core::{Slug, User, UserId};

use super::catalog::team_ref;
use super::schedule_grid::{self, Frame, Scale, Tones};
use super::zoned::{duration_words, local, local_with_zone, utc};
use super::{Names, short_time};
use crate::view::{
    LayerView, OnCallCard, OnCallRow, OptionView, OverrideForm, OverrideRow, PersonShiftRow,
    PolicyView, ScheduleRow, ScheduleView, ShiftRow, StepView, TargetView, TeamRef,
};

/// Where a schedule's page lives; names may hold any character.
pub fn schedule_href(name: &str) -> String {
    format!("/schedules/{}", path_segment(name))
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters pass).
pub fn path_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// People by email, for schedules (which name people by email).
pub struct People<'a> {
    by_email: HashMap<String, &'a User>,
}

impl<'a> People<'a> {
    pub fn new(users: &'a [User]) -> Self {
        Self {
            by_email: users.iter().map(|u| (u.email.to_lowercase(), u)).collect(),
        }
    }

    /// The person's name, or the email when muster has no account for it.
    pub fn name(&self, email: &str) -> String {
        self.by_email
            .get(&email.to_lowercase())
            .map_or_else(|| email.to_owned(), |u| u.name.clone())
    }
}

fn owner_ref(catalog: &Catalog, owner: Option<&str>) -> Option<TeamRef> {
    let slug = Slug::parse("owner", owner?).ok()?;
    Some(team_ref(catalog, &slug))
}

/// A schedule in the list, with what the list shows of it.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleListItem<'a> {
    pub definition: &'a ScheduleDefinition,
    pub on_call: Option<&'a str>,
    pub until: Option<Timestamp>,
    /// The gaps of the next 14 days.
    pub gaps: &'a [Shift],
}

pub fn schedule_rows(
    items: &[ScheduleListItem<'_>],
    catalog: &Catalog,
    users: &[User],
) -> Vec<ScheduleRow> {
    let people = People::new(users);
    items
        .iter()
        .map(|item| {
            let tz = &item.definition.schedule.time_zone;
            ScheduleRow {
                name: item.definition.name.clone(),
                href: schedule_href(&item.definition.name),
                owner: owner_ref(catalog, item.definition.owner.as_deref()),
                time_zone: item.definition.time_zone.clone(),
                on_call: item.on_call.map(|e| people.name(e)),
                until: item.until.map(|t| local_with_zone(t, tz)),
                has_gap: !item.gaps.is_empty(),
                first_gap: item
                    .gaps
                    .first()
                    .map(|g| format!("{} – {}", local(g.start, tz), local_with_zone(g.end, tz)))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// An override as stored, for showing (the store's record, without it).
#[derive(Debug, Clone)]
pub struct OverrideRecord {
    pub id: String,
    pub over: Override,
    pub note: String,
    pub created_by: UserId,
}

/// What a schedule's page is built from.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleInputs<'a> {
    pub definition: &'a ScheduleDefinition,
    /// The final shifts over `[from, to)`.
    pub shifts: &'a [Shift],
    /// Each layer alone over the same window.
    pub layers: &'a [(String, Vec<Shift>)],
    pub overrides: &'a [OverrideRecord],
    pub from: Timestamp,
    pub to: Timestamp,
    pub now: Timestamp,
    pub on_call_now: Option<&'a str>,
    /// When the current shift (or gap) ends, beyond the window if need be.
    pub on_call_until: Option<Timestamp>,
    pub users: &'a [User],
    pub catalog: &'a Catalog,
}

fn day_short(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

/// `Mon–Fri`, `Mon, Wed, Fri`, `Sat–Sun`: runs of consecutive days joined.
fn day_ranges(days: &[Weekday]) -> String {
    let mut indexes: Vec<i8> = days.iter().map(|d| d.to_monday_zero_offset()).collect();
    indexes.sort_unstable();
    indexes.dedup();
    let mut runs: Vec<(i8, i8)> = Vec::new();
    for i in indexes {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == i => *end = i,
            _ => runs.push((i, i)),
        }
    }
    let name = |i: i8| day_short(Weekday::from_monday_zero_offset(i).unwrap_or(Weekday::Monday));
    runs.iter()
        .map(|(a, b)| match b - a {
            0 => name(*a).to_owned(),
            1 => format!("{}, {}", name(*a), name(*b)),
            _ => format!("{}–{}", name(*a), name(*b)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Mon–Fri 09:00–17:00", "every day 22:00–06:00 (overnight)".
pub fn restriction_text(r: &Restriction) -> String {
    let days = if r.days.is_empty() {
        String::from("every day")
    } else {
        day_ranges(&r.days)
    };
    let overnight = if r.to <= r.from { " (overnight)" } else { "" };
    format!(
        "{days} {}–{}{overnight}",
        r.from.strftime("%H:%M"),
        r.to.strftime("%H:%M")
    )
}

fn plural(n: u32, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn layer_view(layer: &Layer, people: &People<'_>) -> LayerView {
    let rotation = &layer.rotation;
    let first = rotation.first_handoff();
    let at = first.time().strftime("%H:%M").to_string();
    let (shift, handoff) = match rotation.shift() {
        ShiftLength::Hours(n) => (
            plural(n, "hour"),
            format!("every {} from {at}", plural(n, "hour")),
        ),
        ShiftLength::Days(1) => (plural(1, "day"), format!("daily at {at}")),
        ShiftLength::Days(n) => (plural(n, "day"), format!("every {n} days at {at}")),
        ShiftLength::Weeks(n) => {
            let day = first.date().strftime("%A").to_string();
            let every = if n == 1 {
                format!("{day}s at {at}")
            } else {
                format!("every {n} weeks, {day} at {at}")
            };
            (plural(n, "week"), every)
        }
    };
    LayerView {
        name: layer.name.clone(),
        participants: rotation
            .participants()
            .iter()
            .map(|p| people.name(p))
            .collect(),
        shift,
        handoff,
        starts: first.date().strftime("%a %-d %b %Y").to_string(),
        restrictions: layer.restrictions.iter().map(restriction_text).collect(),
    }
}

/// Everyone the schedule rotates, in order of first appearance.
fn participants(definition: &ScheduleDefinition) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for layer in &definition.schedule.layers {
        for p in layer.rotation.participants() {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// Active people for "who covers", by name; `selected` is an email.
pub fn people_options(users: &[User], selected: &str) -> Vec<OptionView> {
    let mut active: Vec<&User> = users.iter().filter(|u| u.is_active()).collect();
    active.sort_by_key(|u| (u.name.to_lowercase(), u.email.clone()));
    let mut options = vec![OptionView {
        value: String::new(),
        label: String::from("Choose someone"),
        title: String::new(),
        selected: selected.is_empty(),
    }];
    options.extend(active.into_iter().map(|u| OptionView {
        value: u.email.clone(),
        label: format!("{} ({})", u.name, u.email),
        title: String::new(),
        selected: u.email.eq_ignore_ascii_case(selected.trim()),
    }));
    options
}

fn replace_options(
    definition: &ScheduleDefinition,
    people: &People<'_>,
    selected: &str,
) -> Vec<OptionView> {
    let mut options = vec![OptionView {
        value: String::new(),
        label: String::from("Whoever is on call (every shift)"),
        title: String::new(),
        selected: selected.trim().is_empty(),
    }];
    options.extend(
        participants(definition)
            .into_iter()
            .map(|email| OptionView {
                label: format!("Only {}'s shifts", people.name(&email)),
                selected: email.eq_ignore_ascii_case(selected.trim()),
                value: email,
                title: String::new(),
            }),
    );
    options
}

/// The override form's starting values: tomorrow, 09:00 to 17:00 on the
/// schedule's wall clock (the usual "cover my day" request).
pub fn default_override_form(tz: &TimeZone, now: Timestamp) -> OverrideForm {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let tomorrow = today.tomorrow().unwrap_or(today);
    let day = tomorrow.strftime("%Y-%m-%d");
    OverrideForm {
        start: format!("{day}T09:00"),
        end: format!("{day}T17:00"),
        ..OverrideForm::default()
    }
}

pub fn schedule_view(inputs: ScheduleInputs<'_>, form: &OverrideForm) -> ScheduleView {
    let definition = inputs.definition;
    let tz = &definition.schedule.time_zone;
    let people = People::new(inputs.users);
    let names = Names::new(inputs.users);
    let href = schedule_href(&definition.name);
    let mut tones = Tones::default();
    for email in participants(definition) {
        tones.add(&email);
    }
    for o in inputs.overrides {
        tones.add(&o.over.user);
    }
    let overrides: Vec<(String, Timestamp, Timestamp)> = inputs
        .overrides
        .iter()
        .map(|o| (o.over.user.clone(), o.over.start, o.over.end))
        .collect();
    let pieces = schedule_grid::pieces(inputs.shifts, &overrides);
    let name_of = |email: &str| people.name(email);
    let frame = Frame {
        tz,
        zone_name: &definition.time_zone,
        scale: Scale::new(inputs.from, inputs.to),
        now: inputs.now,
        tones: &tones,
        name_of: &name_of,
    };
    let mut rows: Vec<_> = definition
        .schedule
        .layers
        .iter()
        .zip(inputs.layers)
        .map(|(layer, (name, shifts))| {
            let note = if layer.restrictions.is_empty() {
                String::from("always on duty")
            } else {
                layer
                    .restrictions
                    .iter()
                    .map(restriction_text)
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            schedule_grid::layer_row(&frame, name, note, shifts)
        })
        .collect();
    rows.push(schedule_grid::final_row(&frame, &pieces));
    let window_end = inputs.to;
    ScheduleView {
        name: definition.name.clone(),
        description: definition.description.clone(),
        owner: owner_ref(inputs.catalog, definition.owner.as_deref()),
        time_zone: definition.time_zone.clone(),
        zone_note: inputs
            .now
            .to_zoned_datetime(tz.clone())
            .strftime("%Z, UTC%:z now")
            .to_string(),
        on_call_now: inputs.on_call_now.map(|e| people.name(e)),
        on_call_until: inputs.on_call_until.map(|t| local_with_zone(t, tz)),
        timeline: schedule_grid::timeline(&frame, inputs.from, inputs.to, rows),
        shifts: pieces
            .iter()
            .map(|p| ShiftRow {
                start_local: local_with_zone(p.shift.start, tz),
                end_local: local_with_zone(p.shift.end, tz),
                start_utc: utc(p.shift.start),
                end_utc: utc(p.shift.end),
                person: p.shift.user.as_ref().map(|e| people.name(e)),
                by_override: p.by_override,
                current: p.shift.start <= inputs.now && inputs.now < p.shift.end,
            })
            .collect(),
        gaps: inputs
            .shifts
            .iter()
            .filter(|s| s.user.is_none())
            .map(|g| {
                let later = if g.end >= window_end { " or later" } else { "" };
                format!(
                    "Nobody on call {} – {}{later}",
                    local(g.start, tz),
                    local_with_zone(g.end, tz)
                )
            })
            .collect(),
        layers: definition
            .schedule
            .layers
            .iter()
            .map(|l| layer_view(l, &people))
            .collect(),
        overrides: inputs
            .overrides
            .iter()
            .map(|o| OverrideRow {
                id: o.id.clone(),
                who: people.name(&o.over.user),
                email: o.over.user.clone(),
                replaces: o.over.replaces.as_ref().map(|e| people.name(e)),
                start: local_with_zone(o.over.start, tz),
                end: local_with_zone(o.over.end, tz),
                note: o.note.clone(),
                created_by: names.of(o.created_by),
                delete_href: format!("{href}/overrides/{}/delete", o.id),
                active_now: o.over.start <= inputs.now && inputs.now < o.over.end,
            })
            .collect(),
        ics_href: format!("{href}/shifts.ics"),
        overrides_href: format!("{href}/overrides"),
        people: people_options(inputs.users, &form.user),
        replace_options: replace_options(definition, &people, &form.replaces),
        href,
    }
}

/// One person on call for a team, as the use case found them.
#[derive(Debug, Clone)]
pub struct OnCallInput {
    pub level: usize,
    pub schedule: Option<String>,
    pub email: Option<String>,
    pub until: Option<Timestamp>,
}

fn step_targets(targets: &[Target], people: &People<'_>) -> Vec<TargetView> {
    targets
        .iter()
        .map(|t| match t {
            Target::Schedule(name) => TargetView {
                kind: "Schedule",
                name: name.clone(),
                href: Some(schedule_href(name)),
            },
            Target::User(email) => TargetView {
                kind: "Person",
                name: people.name(email),
                href: Some(format!("/people/{}", path_segment(email))),
            },
            Target::Team(slug) => TargetView {
                kind: "Team",
                name: slug.clone(),
                href: Some(format!("/teams/{}", path_segment(slug))),
            },
        })
        .collect()
}

pub fn policy_view(definition: &PolicyDefinition, users: &[User]) -> PolicyView {
    let people = People::new(users);
    let steps = definition.policy.steps();
    let repeat = definition.policy.repeat();
    PolicyView {
        name: definition.name.clone(),
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let wait = duration_words(step.delay);
                let delay = match (i + 1 == steps.len(), repeat) {
                    (false, _) if step.delay.is_zero() => format!("step {} at once", i + 2),
                    (false, _) => format!("then {wait} until step {}", i + 2),
                    (true, 0) => String::from("last step"),
                    (true, _) => format!("then {wait} before it starts over"),
                };
                StepView {
                    number: i + 1,
                    targets: step_targets(&step.targets, &people),
                    delay,
                }
            })
            .collect(),
        repeat: match repeat {
            0 => String::new(),
            1 => String::from("Runs once more if nobody acknowledges."),
            n => format!("Runs {n} more times if nobody acknowledges."),
        },
    }
}

/// "On call now" for `team`: who each policy step reaches, and the policy.
pub fn on_call_card(
    team: Option<TeamRef>,
    entries: &[OnCallInput],
    policy: Option<&PolicyDefinition>,
    users: &[User],
    note: &str,
) -> OnCallCard {
    let people = People::new(users);
    let note = if !note.is_empty() {
        note.to_owned()
    } else if policy.is_none() {
        String::from("This team has no escalation policy, so it cannot be paged.")
    } else if entries.is_empty() {
        String::from("The policy names no schedule or person.")
    } else {
        String::new()
    };
    OnCallCard {
        team,
        rows: entries
            .iter()
            .map(|e| OnCallRow {
                level: e.level,
                schedule_href: e.schedule.as_deref().map(schedule_href),
                schedule: e.schedule.clone(),
                person: e.email.as_deref().map(|m| people.name(m)),
                until: e.until.map(short_time),
            })
            .collect(),
        policy: policy.map(|p| policy_view(p, users)),
        note,
    }
}

/// A person's shifts, on their own wall clock.
pub fn person_shift_rows(
    shifts: &[(String, Shift)],
    tz: &TimeZone,
    now: Timestamp,
) -> Vec<PersonShiftRow> {
    shifts
        .iter()
        .map(|(schedule, s)| PersonShiftRow {
            schedule: schedule.clone(),
            schedule_href: schedule_href(schedule),
            start: local_with_zone(s.start, tz),
            end: local_with_zone(s.end, tz),
            current: s.start <= now && now < s.end,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn restrictions_read_as_day_ranges_and_hours() {
        let r = Restriction {
            days: vec![
                Weekday::Friday,
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
            ],
            from: time(9, 0, 0, 0),
            to: time(17, 0, 0, 0),
        };
        assert_eq!(restriction_text(&r), "Mon–Fri 09:00–17:00");
        let nights = Restriction {
            days: vec![Weekday::Saturday, Weekday::Monday, Weekday::Sunday],
            from: time(22, 0, 0, 0),
            to: time(6, 0, 0, 0),
        };
        assert_eq!(
            restriction_text(&nights),
            "Mon, Sat, Sun 22:00–06:00 (overnight)"
        );
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
    }
}
