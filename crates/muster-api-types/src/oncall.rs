//! On-call: schedules with their layers and shifts, overrides, who is on
//! call, and escalation policies.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// When a layer is on duty: `days` (every day when empty) from `from` to
/// `to` local time; a window ending before it starts runs overnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Restriction {
    /// `mon` … `sun`.
    pub days: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`.
    pub to: String,
}

/// One layer: a rotation, optionally restricted. Later layers win where
/// they have someone on call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Layer {
    pub name: String,
    /// Emails, in turn order.
    pub participants: Vec<String>,
    /// `12h`, `1d`, `1w`, …
    pub shift: String,
    /// The first handoff, local wall-clock time (`2026-01-05T09:00`).
    pub first_handoff: String,
    pub restrictions: Vec<Restriction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Schedule {
    pub name: String,
    pub description: String,
    /// The owning team's slug.
    pub owner: Option<String>,
    /// IANA time zone the rotations hand off in.
    pub time_zone: String,
    pub layers: Vec<Layer>,
    /// Who is on call right now (none in a gap).
    pub on_call_now: Option<String>,
    /// When the current shift (or gap) ends.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScheduleList {
    pub schedules: Vec<Schedule>,
}

/// Someone (or, in a gap, nobody) on call from `start` until `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shift {
    pub user: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LayerShifts {
    pub name: String,
    pub shifts: Vec<Shift>,
}

/// A schedule laid out over a window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScheduleShifts {
    pub schedule: Schedule,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// The final schedule: layers, then overrides.
    pub shifts: Vec<Shift>,
    /// Each layer on its own.
    pub layers: Vec<LayerShifts>,
    /// The stretches nobody is on call.
    pub gaps: Vec<Shift>,
    pub overrides: Vec<Override>,
}

/// Query of the shift listings and the iCalendar exports.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftsQuery {
    /// RFC 3339; default now (iCalendar: 7 days ago).
    pub from: Option<String>,
    /// RFC 3339; default 14 days after `from` (iCalendar: 90 days from now).
    pub to: Option<String>,
}

/// Someone covering a schedule for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Override {
    pub id: Uuid,
    pub schedule: String,
    pub user: String,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    /// Covers only this person's shifts; absent: covers everyone.
    pub replaces: Option<String>,
    pub note: String,
    pub created_by: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Body of `POST /api/v1/schedules/{name}/overrides`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    /// Who covers: an active user's email.
    pub user: String,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    /// Cover only this person's shifts.
    #[serde(default)]
    pub replaces: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverrideList {
    pub overrides: Vec<Override>,
}

/// One person on call, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OnCall {
    /// The schedule that puts them there.
    pub schedule: Option<String>,
    /// The escalation policy, when asked for a team, service or functionality.
    pub policy: Option<String>,
    /// The policy step (1 is paged first).
    pub level: usize,
    /// `None`: nobody is on call on that schedule at that instant.
    pub user: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub since: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OnCallList {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub on_call: Vec<OnCall>,
}

/// Query of `GET /api/v1/oncall`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnCallQuery {
    /// A schedule, team, service or functionality (looked up in that
    /// order); absent: every schedule.
    #[serde(rename = "for")]
    #[param(rename = "for")]
    pub target: Option<String>,
    /// RFC 3339; default now.
    pub at: Option<String>,
}

/// Whom a step notifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyTarget {
    /// `user`, `schedule` or `team`.
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyStep {
    pub targets: Vec<PolicyTarget>,
    /// Seconds to wait after this step before the next (or the repeat).
    pub delay_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EscalationPolicy {
    pub name: String,
    pub description: String,
    pub owner: Option<String>,
    /// How many more times the whole policy runs when nobody acknowledges.
    pub repeat: u32,
    pub steps: Vec<PolicyStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicyList {
    pub policies: Vec<EscalationPolicy>,
}
