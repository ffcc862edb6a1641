//! On-call pages: the schedule list and one schedule.

use askama::Template;

use crate::view::{Chrome, FieldMessage, Flash, OverrideForm, ScheduleRow, ScheduleView};

/// `/schedules`: every schedule, who is on call now, and gaps ahead.
#[derive(Debug, Template)]
#[template(path = "schedules.html")]
pub struct SchedulesPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub rows: Vec<ScheduleRow>,
    /// Stored on-call documents that could not be read.
    pub problems: Vec<String>,
}

/// `/schedules/{name}`: the timeline, shifts, gaps, layers and overrides.
#[derive(Debug, Template)]
#[template(path = "schedule.html")]
pub struct SchedulePage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub schedule: ScheduleView,
    pub form: OverrideForm,
    pub errors: Vec<FieldMessage>,
}

impl SchedulePage {
    /// The message for `field`, shown beside its input.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
