//! The configured rules use cases apply.

use std::time::Duration;

use muster_core::{RoleCatalog, SeverityScale, incident::IncidentRules};

/// Severities, roles and account policy, loaded once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub severities: SeverityScale,
    pub roles: RoleCatalog,
    /// How long a console session lasts.
    pub session_lifetime: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            severities: SeverityScale::standard(),
            roles: RoleCatalog::standard(),
            session_lifetime: Duration::from_secs(12 * 60 * 60),
        }
    }
}

impl Settings {
    pub fn rules(&self) -> IncidentRules<'_> {
        IncidentRules {
            severities: &self.severities,
            roles: &self.roles,
        }
    }
}
