//! The public status page: the published projection customers see, and
//! nothing else. `statuspage` holds the wire shapes of Atlassian
//! Statuspage's public API v2 (`/api/v2/summary.json` and its siblings),
//! field for field, so any Statuspage consumer reads muster's page.

pub mod statuspage;
