//! Storage port of update cadence reminders.
//!
//! A severity may require a stakeholder update every N minutes. When one is
//! late, muster reminds the communications lead, and when it is later
//! still, the commander (see `muster_core::stakeholder::cadence`). Each
//! reminder is keyed by (incident, `update_due_at`, level, role): a later
//! update due starts afresh, and the same lateness never reminds the same
//! role twice.
//!
//! The reminder is written with the messages it sends and its timeline
//! entries in one transaction, and it is an insert under that key: the
//! primary key is what keeps two engine nodes that both found the update
//! late, or a node restarted mid-cycle, from sending it twice. The writer
//! that loses learns so, with nothing of its work written.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::paging::Delivery;
use muster_core::role::RoleCode;
use muster_core::stakeholder::cadence::ReminderLevel;
use muster_core::{IncidentId, NewTimelineEntry, UserId};

use crate::StoreError;
use crate::runbooks::StepRunWritten;

/// One reminder, written with what it sends.
#[derive(Debug, Clone)]
pub struct UpdateReminderWrite {
    pub incident: IncidentId,
    /// The due time of the update that is late (the cadence's key).
    pub update_due_at: Timestamp,
    pub level: ReminderLevel,
    /// The role reminded, and the person holding it.
    pub role: RoleCode,
    pub user: UserId,
    /// Messages to send after commit (the reminder itself).
    pub deliveries: Vec<Delivery>,
    pub timeline: Vec<NewTimelineEntry>,
    /// When the reminder was sent.
    pub at: Timestamp,
}

/// An update a person posted (`muster update send`): its timeline entry and
/// the messages to the stakeholder groups, written together so the timeline
/// never claims an update nobody was sent, nor the other way round. The
/// incident is marked for a look from `at`: the cadence counts from here.
#[derive(Debug, Clone)]
pub struct PostedUpdateWrite {
    pub incident: IncidentId,
    pub at: Timestamp,
    pub deliveries: Vec<Delivery>,
    pub timeline: Vec<NewTimelineEntry>,
}

#[async_trait]
pub trait UpdateReminderStore: Send + Sync {
    /// Records a posted update with its messages in one transaction.
    async fn write_posted_update(&self, write: &PostedUpdateWrite) -> Result<(), StoreError>;

    /// Records the reminder with its messages and timeline entries in one
    /// transaction. [`StepRunWritten::LostRace`] when that reminder (same
    /// incident, due time, level and role) was recorded already: then
    /// nothing is written.
    async fn write_update_reminder(
        &self,
        write: &UpdateReminderWrite,
    ) -> Result<StepRunWritten, StoreError>;
}

/// How a level is stored (the `level` column's check lists these).
pub fn level_text(level: ReminderLevel) -> &'static str {
    match level {
        ReminderLevel::Late => "late",
        ReminderLevel::VeryLate => "very_late",
    }
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    /// A reminder sent; the primary key refuses a second one under the same
    /// key, which the caller sees as no row written.
    pub const INSERT: &str = "INSERT INTO update_reminders (incident_id, update_due_at, level, \
        role, user_id, sent_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
}
