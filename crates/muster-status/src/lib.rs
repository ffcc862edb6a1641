//! The public status page: the published projection customers see, and
//! nothing else. `statuspage` holds the wire shapes of Atlassian
//! Statuspage's public API v2 (`/api/v2/summary.json` and its siblings),
//! field for field, so any Statuspage consumer reads muster's page; `site`
//! renders the whole site (HTML, JSON, feeds) as bytes from the core's
//! projection, for the status listener and the static export alike.

pub mod config;
mod feeds;
pub mod html;
pub mod json;
pub mod site;
pub mod statuspage;

pub use config::{ConfigError, PageConfig};
pub use site::{Asset, Site};
