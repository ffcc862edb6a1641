//! View models of on-call: the schedule list, a schedule's page with its
//! timeline, and the "on call now" card of teams, services and
//! functionalities. Times are already formatted in the schedule's zone.

use super::{OptionView, TeamRef};

/// One row of `/schedules`.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    pub name: String,
    pub href: String,
    pub owner: Option<TeamRef>,
    pub time_zone: String,
    /// The person on call now, by name; `None` is a gap.
    pub on_call: Option<String>,
    /// "Mon 7 Dec 09:00 CET", in the schedule's zone.
    pub until: Option<String>,
    /// Some stretch of the next 14 days has nobody on call.
    pub has_gap: bool,
    /// The first such stretch, in words.
    pub first_gap: String,
}

/// One day column of the timeline, placed as a share of the window.
#[derive(Debug, Clone)]
pub struct DayColumn {
    /// `12.5%`: where the day starts.
    pub x: String,
    pub width: String,
    /// The label's centre.
    pub middle: String,
    /// `Tue`.
    pub weekday: String,
    /// `2`, or `1 Dec` on the first column and on the 1st of a month.
    pub date: String,
    pub today: bool,
    pub weekend: bool,
}

/// One bar of a timeline row: a shift, an override or a gap.
#[derive(Debug, Clone)]
pub struct TimelineBar {
    pub x: String,
    pub width: String,
    /// What the bar says: the person, or "nobody".
    pub label: String,
    /// The exact span in the schedule's zone, shown on hover.
    pub title: String,
    /// `shift`, `override` or `gap`: a CSS modifier and a test hook.
    pub kind: &'static str,
    /// `tone-3`: the person's colour, the same in every row.
    pub tone: String,
    /// The person's email; empty for a gap.
    pub email: String,
}

/// A row of the timeline: one layer alone, or the final "On call" row.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    pub label: String,
    /// Restrictions or "final", under the label.
    pub note: String,
    pub final_row: bool,
    pub bars: Vec<TimelineBar>,
}

/// The schedule over its window as horizontal bars across day columns.
#[derive(Debug, Clone)]
pub struct TimelineView {
    pub days: Vec<DayColumn>,
    pub rows: Vec<TimelineRow>,
    /// Where "now" is, when it falls inside the window.
    pub now_x: Option<String>,
    /// "Tue 1 Dec – Mon 14 Dec (Europe/Amsterdam)".
    pub caption: String,
}

/// One line of the shift table.
#[derive(Debug, Clone)]
pub struct ShiftRow {
    pub start_local: String,
    pub end_local: String,
    pub start_utc: String,
    pub end_utc: String,
    /// `None`: nobody is on call.
    pub person: Option<String>,
    pub by_override: bool,
    /// The shift holding "now".
    pub current: bool,
}

/// A layer as the plan defines it.
#[derive(Debug, Clone)]
pub struct LayerView {
    pub name: String,
    pub participants: Vec<String>,
    /// "1 week".
    pub shift: String,
    /// "Mondays at 09:00" or "daily at 09:00".
    pub handoff: String,
    /// "Mon 4 Jan 2027".
    pub starts: String,
    /// "Mon–Fri 09:00–17:00"; empty: always on duty.
    pub restrictions: Vec<String>,
}

/// A current or future override, with its Remove form.
#[derive(Debug, Clone)]
pub struct OverrideRow {
    pub id: String,
    pub who: String,
    pub email: String,
    /// Whose shifts it covers; `None`: every shift.
    pub replaces: Option<String>,
    pub start: String,
    pub end: String,
    pub note: String,
    pub created_by: String,
    pub delete_href: String,
    pub active_now: bool,
}

/// The override form's values, as typed (or the defaults).
#[derive(Debug, Clone, Default)]
pub struct OverrideForm {
    pub user: String,
    /// `datetime-local` values in the schedule's zone.
    pub start: String,
    pub end: String,
    pub replaces: String,
    pub note: String,
}

/// A schedule's page.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    pub name: String,
    pub href: String,
    pub description: String,
    pub owner: Option<TeamRef>,
    pub time_zone: String,
    /// "CET, UTC+01:00 now".
    pub zone_note: String,
    pub on_call_now: Option<String>,
    pub on_call_until: Option<String>,
    pub timeline: TimelineView,
    pub shifts: Vec<ShiftRow>,
    /// "Nobody on call Sat 5 Dec 17:00 – Mon 7 Dec 09:00 CET".
    pub gaps: Vec<String>,
    pub layers: Vec<LayerView>,
    pub overrides: Vec<OverrideRow>,
    pub ics_href: String,
    pub overrides_href: String,
    /// Active people, for "who covers".
    pub people: Vec<OptionView>,
    /// The schedule's participants, for "only in place of".
    pub replace_options: Vec<OptionView>,
}

/// One person (or gap) on call for a team, by policy step.
#[derive(Debug, Clone)]
pub struct OnCallRow {
    pub level: usize,
    pub schedule: Option<String>,
    pub schedule_href: Option<String>,
    /// `None`: the schedule has nobody now.
    pub person: Option<String>,
    pub until: Option<String>,
}

/// Whom one step of a policy notifies.
#[derive(Debug, Clone)]
pub struct TargetView {
    /// "Schedule", "Person" or "Team".
    pub kind: &'static str,
    pub name: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StepView {
    pub number: usize,
    pub targets: Vec<TargetView>,
    /// "then 5 min until step 2", "then 10 min before it starts again".
    pub delay: String,
}

/// An escalation policy, step by step.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub name: String,
    pub steps: Vec<StepView>,
    /// "Runs 2 more times if nobody acknowledges."; empty when it does not repeat.
    pub repeat: String,
}

/// "On call now" for a team (or a service's or functionality's owner).
#[derive(Debug, Clone, Default)]
pub struct OnCallCard {
    pub team: Option<TeamRef>,
    pub rows: Vec<OnCallRow>,
    pub policy: Option<PolicyView>,
    /// Why nobody is listed, when nobody is.
    pub note: String,
}

/// One of a person's upcoming shifts, in their own time zone.
#[derive(Debug, Clone)]
pub struct PersonShiftRow {
    pub schedule: String,
    pub schedule_href: String,
    pub start: String,
    pub end: String,
    pub current: bool,
}
