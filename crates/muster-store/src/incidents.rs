//! Query shapes for incidents.

use muster_core::{Incident, IncidentStatus, Timestamp, UserId};

/// Filters for listing incidents; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub statuses: Vec<IncidentStatus>,
    pub severities: Vec<String>,
    pub drill: Option<bool>,
    pub tag: Option<String>,
    pub declared_after: Option<Timestamp>,
    pub declared_before: Option<Timestamp>,
    /// Private incidents are included only where this user takes part;
    /// `None` includes every private incident (admins).
    pub visible_to: Option<UserId>,
    /// Continue below this incident number (cursor pagination, newest first).
    pub before_number: Option<u64>,
    pub limit: u32,
}

/// One page of incidents, newest first.
#[derive(Debug, Clone)]
pub struct IncidentPage {
    pub incidents: Vec<Incident>,
    /// True when more incidents follow the last one in this page.
    pub has_more: bool,
}
