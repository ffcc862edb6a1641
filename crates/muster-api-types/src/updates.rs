//! Stakeholder updates a person sends from a template, with a preview.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Send (or preview) an update of an incident.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendUpdate {
    /// An UpdateTemplate of the plan or a built-in one (`internal`); the
    /// severity's default when left out.
    #[serde(default)]
    pub template: Option<String>,
    /// Only render it and say who would get it; nothing is sent or kept.
    #[serde(default)]
    pub preview: bool,
}

/// An update as sent, or as it would be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateSent {
    pub template: String,
    pub text: String,
    pub preview: bool,
    /// The stakeholder groups it went (or would go) to.
    pub sent_to: Vec<String>,
    /// Groups it did not go to now, each with why.
    pub skipped: Vec<String>,
    /// Messages queued (one per member and channel).
    pub messages: usize,
}
