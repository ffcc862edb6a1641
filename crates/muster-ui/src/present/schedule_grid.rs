//! A schedule's timeline: its window cut into day columns, each layer's
//! shifts and the final schedule as bars placed by their share of the
//! window. Positions are percentages the SVG takes as attributes, so the
//! page needs no inline styles (the CSP forbids them).

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use muster_core::oncall::Shift;

use super::zoned::{local_day, local_with_zone, start_of};
use crate::view::{DayColumn, TimelineBar, TimelineRow, TimelineView};

/// How many person colours the stylesheet has (`tone-0` … `tone-7`).
const TONES: usize = 8;

/// A stretch of the final schedule: a shift, or the part of one an
/// override holds.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub shift: Shift,
    pub by_override: bool,
}

/// Places instants inside `[from, to)` as percentages.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    from: Timestamp,
    to: Timestamp,
}

impl Scale {
    pub(super) fn new(from: Timestamp, to: Timestamp) -> Self {
        Self { from, to }
    }

    fn share(&self, at: Timestamp) -> f64 {
        let total = self.to.duration_since(self.from).as_secs_f64();
        if total <= 0.0 {
            return 0.0;
        }
        let at = at.clamp(self.from, self.to);
        at.duration_since(self.from).as_secs_f64() / total * 100.0
    }

    fn percent(value: f64) -> String {
        format!("{value:.3}%")
    }

    fn x(&self, at: Timestamp) -> String {
        Self::percent(self.share(at))
    }

    fn width(&self, start: Timestamp, end: Timestamp) -> String {
        Self::percent((self.share(end) - self.share(start)).max(0.0))
    }

    pub(super) fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

/// Colours by person: the same person has the same colour in every row.
#[derive(Debug, Default)]
pub(super) struct Tones {
    by_email: BTreeMap<String, usize>,
}

impl Tones {
    pub(super) fn add(&mut self, email: &str) {
        let next = self.by_email.len() % TONES;
        self.by_email.entry(email.to_owned()).or_insert(next);
    }

    fn of(&self, email: &str) -> String {
        format!("tone-{}", self.by_email.get(email).copied().unwrap_or(0))
    }
}

/// The final shifts cut where overrides begin and end, each piece marked
/// when an override of its person holds it, so overrides stand out.
pub(super) fn pieces(shifts: &[Shift], overrides: &[(String, Timestamp, Timestamp)]) -> Vec<Piece> {
    let mut out = Vec::new();
    for shift in shifts {
        let mut cuts = vec![shift.start, shift.end];
        for (_, start, end) in overrides {
            cuts.extend(
                [*start, *end]
                    .into_iter()
                    .filter(|t| *t > shift.start && *t < shift.end),
            );
        }
        cuts.sort();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let by_override = shift.user.as_ref().is_some_and(|user| {
                overrides
                    .iter()
                    .any(|(who, from, to)| who == user && *from <= start && end <= *to)
            });
            match out.last_mut() {
                Some(Piece {
                    shift: last,
                    by_override: was,
                }) if *was == by_override && last.user == shift.user && last.end == start => {
                    last.end = end;
                }
                _ => out.push(Piece {
                    shift: Shift {
                        user: shift.user.clone(),
                        start,
                        end,
                    },
                    by_override,
                }),
            }
        }
    }
    out
}

/// What a timeline needs besides its rows' shifts.
pub(super) struct Frame<'a> {
    pub tz: &'a TimeZone,
    pub zone_name: &'a str,
    pub scale: Scale,
    pub now: Timestamp,
    pub tones: &'a Tones,
    pub name_of: &'a dyn Fn(&str) -> String,
}

fn span_title(frame: &Frame<'_>, who: &str, start: Timestamp, end: Timestamp) -> String {
    format!(
        "{who}: {} – {} ({})",
        local_with_zone(start, frame.tz),
        local_with_zone(end, frame.tz),
        frame.zone_name
    )
}

/// "AS" for "Ana Silva": what a bar too narrow for the name says.
fn initials(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '@' || c == '.')
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The label that fits a bar `share` percent of the track wide. On a
/// desktop the track is about 950 px, so a percent is about 9.5 px, and a
/// character of the 12 px label about 7 px after a 6 px inset. (Phones
/// scroll a narrower track; a label that does not fit is clipped there.)
fn fitted(full: String, short: String, share: f64) -> String {
    let room = share * 9.5;
    let needs = |text: &str| text.chars().count() as f64 * 7.0 + 8.0;
    if room >= needs(&full) {
        full
    } else if !short.is_empty() && room >= needs(&short) {
        short
    } else {
        String::new()
    }
}

fn bar(frame: &Frame<'_>, shift: &Shift, kind: &'static str) -> TimelineBar {
    let (name, email) = match &shift.user {
        Some(email) => ((frame.name_of)(email), email.clone()),
        None => (String::from("nobody"), String::new()),
    };
    let full = if kind == "override" {
        format!("{name} (override)")
    } else {
        name.clone()
    };
    let short = if email.is_empty() {
        String::new()
    } else {
        initials(&name)
    };
    let share = frame.scale.share(shift.end) - frame.scale.share(shift.start);
    TimelineBar {
        x: frame.scale.x(shift.start),
        width: frame.scale.width(shift.start, shift.end),
        title: span_title(frame, &full, shift.start, shift.end),
        tone: frame.tones.of(&email),
        label: fitted(full, short, share),
        kind,
        email,
    }
}

/// One layer alone: its off-duty stretches are left empty (another layer
/// may cover them; the final row says whether anyone does).
pub(super) fn layer_row(
    frame: &Frame<'_>,
    name: &str,
    note: String,
    shifts: &[Shift],
) -> TimelineRow {
    TimelineRow {
        label: name.to_owned(),
        note,
        final_row: false,
        bars: shifts
            .iter()
            .filter(|s| s.user.is_some())
            .map(|s| bar(frame, s, "shift"))
            .collect(),
    }
}

/// The final schedule: overrides marked, gaps drawn as "nobody".
pub(super) fn final_row(frame: &Frame<'_>, pieces: &[Piece]) -> TimelineRow {
    TimelineRow {
        label: String::from("On call"),
        note: String::from("layers and overrides"),
        final_row: true,
        bars: pieces
            .iter()
            .map(|p| {
                let kind = match (&p.shift.user, p.by_override) {
                    (None, _) => "gap",
                    (Some(_), true) => "override",
                    (Some(_), false) => "shift",
                };
                bar(frame, &p.shift, kind)
            })
            .collect(),
    }
}

fn day_columns(frame: &Frame<'_>, from: Timestamp, to: Timestamp) -> Vec<DayColumn> {
    let tz = frame.tz;
    let today = frame.now.to_zoned_datetime(tz.clone()).date();
    let mut day = from.to_zoned_datetime(tz.clone()).date();
    let mut columns = Vec::new();
    // Bounded: a timeline shows weeks, not years.
    for index in 0..62 {
        let Some(start) = start_of(day, tz) else {
            break;
        };
        if start >= to {
            break;
        }
        let Ok(next) = day.tomorrow() else { break };
        let end = start_of(next, tz).unwrap_or(to).min(to);
        let date = if index == 0 || day.day() == 1 {
            day.strftime("%-d %b").to_string()
        } else {
            day.strftime("%-d").to_string()
        };
        let middle = frame.scale.share(start).midpoint(frame.scale.share(end));
        columns.push(DayColumn {
            x: frame.scale.x(start),
            width: frame.scale.width(start, end),
            middle: Scale::percent(middle),
            weekday: day.strftime("%a").to_string(),
            date,
            today: day == today,
            weekend: matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday),
        });
        day = next;
    }
    columns
}

pub(super) fn timeline(
    frame: &Frame<'_>,
    from: Timestamp,
    to: Timestamp,
    rows: Vec<TimelineRow>,
) -> TimelineView {
    let last_day = to
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap_or(to);
    TimelineView {
        days: day_columns(frame, from, to),
        rows,
        now_x: frame
            .scale
            .contains(frame.now)
            .then(|| frame.scale.x(frame.now)),
        caption: format!(
            "{} – {} ({})",
            local_day(from, frame.tz),
            local_day(last_day, frame.tz),
            frame.zone_name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn an_override_inside_a_shift_is_its_own_marked_piece() {
        let shifts = vec![
            Shift {
                user: Some("ana@x.io".into()),
                start: at("2026-12-01T00:00:00Z"),
                end: at("2026-12-02T10:00:00Z"),
            },
            Shift {
                user: Some("bo@x.io".into()),
                start: at("2026-12-02T10:00:00Z"),
                end: at("2026-12-02T12:00:00Z"),
            },
            Shift {
                user: Some("ana@x.io".into()),
                start: at("2026-12-02T12:00:00Z"),
                end: at("2026-12-03T00:00:00Z"),
            },
        ];
        let overrides = vec![(
            "bo@x.io".to_owned(),
            at("2026-12-02T10:00:00Z"),
            at("2026-12-02T12:00:00Z"),
        )];
        let cut = pieces(&shifts, &overrides);
        let marks: Vec<bool> = cut.iter().map(|p| p.by_override).collect();
        assert_eq!(marks, [false, true, false]);
        let scale = Scale::new(at("2026-12-01T00:00:00Z"), at("2026-12-03T00:00:00Z"));
        assert_eq!(scale.x(at("2026-12-02T00:00:00Z")), "50.000%");
        assert_eq!(
            scale.width(at("2026-12-02T10:00:00Z"), at("2026-12-02T12:00:00Z")),
            "4.167%"
        );
        assert_eq!(scale.x(at("2027-01-01T00:00:00Z")), "100.000%", "clamped");
        assert_eq!(initials("Ana Silva"), "AS");
        assert_eq!(initials("bo@x.io"), "BX");
        assert_eq!(fitted("Ana Silva".into(), "AS".into(), 20.0), "Ana Silva");
        assert_eq!(fitted("Ana Silva".into(), "AS".into(), 4.0), "AS");
        assert_eq!(fitted("nobody".into(), String::new(), 4.0), "");
    }
}
