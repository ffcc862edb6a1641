//! The catalog's shapes: teams, services, functionalities, blast radius.
//! Entries are addressed by slug in the path; bodies carry everything else.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    pub email: String,
    /// `lead`, `member`, … (default `member`).
    #[serde(default = "member")]
    pub role: String,
}

fn member() -> String {
    "member".to_owned()
}

/// A team (request body of `PUT /teams/{slug}` without `slug`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Set by the server from the path; ignored in requests.
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Where the team talks, e.g. `#payments`.
    #[serde(default)]
    pub contact_channel: String,
    /// The escalation policy pages for this team go through.
    pub escalation_policy: Option<String>,
    #[serde(default)]
    pub members: Vec<TeamMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Link {
    #[serde(default)]
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub service: String,
    /// `hard` (it fails too) or `soft` (it degrades); default `hard`.
    #[serde(default = "hard")]
    pub criticality: String,
}

fn hard() -> String {
    "hard".to_owned()
}

/// A service (request body of `PUT /services/{slug}` without `slug`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub owner_team: Option<String>,
    /// 1 (most critical) to 4; default 3.
    pub tier: Option<u8>,
    /// `experimental`, `production` (default) or `deprecated`.
    pub lifecycle: Option<String>,
    /// What it is: `service` (default), `website`, `database`, …
    pub kind: Option<String>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub runbooks: Vec<Link>,
    /// How to roll it back, written for 3 a.m.
    #[serde(default)]
    pub rollback_plan: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub depends_on: Vec<Dependency>,
}

/// A customer-facing functionality (request body of `PUT /functionalities/{slug}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Functionality {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    /// In customers' words.
    #[serde(default)]
    pub description: String,
    /// Other words customers use ("sign in", "can't log in").
    #[serde(default)]
    pub aliases: Vec<String>,
    pub owner_team: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeamList {
    pub teams: Vec<Team>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunctionalityList {
    pub functionalities: Vec<Functionality>,
}

/// A service a failure reaches (or a functionality stands on).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImpactedService {
    pub service: String,
    pub owner_team: Option<String>,
    /// `hard`: fails too; `soft`: degrades.
    pub criticality: String,
    /// Dependency hops away.
    pub distance: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImpactedFunctionality {
    pub functionality: String,
    pub name: String,
    pub owner_team: Option<String>,
    /// `hard`: unavailable; `soft`: degraded.
    pub criticality: String,
}

/// What a failing service takes with it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlastRadius {
    pub service: String,
    pub services: Vec<ImpactedService>,
    pub functionalities: Vec<ImpactedFunctionality>,
    /// Every team that owns the service or something it takes down.
    pub teams: Vec<String>,
    /// Dependency cycles among the services involved.
    pub cycles: Vec<Vec<String>>,
}

/// The services a functionality stands on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Backing {
    pub functionality: String,
    pub services: Vec<ImpactedService>,
}

/// Someone a synced document names (a Backstage User), created if new.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncUser {
    pub email: String,
    #[serde(default)]
    pub name: String,
}

/// Body of `POST /api/v1/catalog/sync`: a whole desired catalog.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogSync {
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub functionalities: Vec<Functionality>,
    #[serde(default)]
    pub users: Vec<SyncUser>,
    /// Where the document comes from, e.g. `backstage:acme-corp.yaml`; what
    /// this sync writes is recorded under it.
    pub source: Option<String>,
    /// `nothing` (default): absent entries stay (would-delete); `own`: delete
    /// absent entries this source wrote earlier; `everything`: the document is
    /// the whole catalog.
    #[serde(default)]
    pub prune: Option<String>,
    /// Only compute the plan.
    #[serde(default)]
    pub dry_run: bool,
}

/// One line of a sync plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlannedChange {
    /// `team`, `service` or `functionality`.
    pub entry: String,
    pub slug: String,
    /// `create`, `update`, `unchanged`, `delete` or `would-delete`.
    pub action: String,
}

/// What a sync did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CatalogSyncResult {
    pub dry_run: bool,
    /// Whether anything was (or would be) written.
    pub changed: bool,
    pub changes: Vec<PlannedChange>,
}
