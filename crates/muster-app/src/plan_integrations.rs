//! The integrations a plan declares, against those stored: which a plan
//! apply creates, updates, retires or leaves alone. Pure, so a dry run and an
//! apply decide the same; only [`writes`] makes keys.
//!
//! The plan owns the integrations it made (origin plan) and nothing else: a
//! hand-made integration of a name the plan declares is a conflict, never
//! taken over, and one the plan does not name is never retired.

use std::collections::{BTreeMap, BTreeSet};

use muster_core::catalog::Catalog;
use muster_core::plan::PlanDocument;
use muster_core::{FieldError, IntegrationId, Slug, Timestamp, UserId};
use muster_ingest::generic::Mapping;
use muster_plan::integrations::{PlanIntegration, integrations};
use muster_store::alerts::{Integration, IntegrationOrigin, IntegrationSettings, IntegrationWrite};
use uuid::Uuid;

use crate::alerts::new_key;
use crate::integration_config::IntegrationConfig;
use crate::{AppError, secrets};

/// The secrets a plan names, by environment variable, as the applier sent
/// them. Never stored but in the settings of the integration that needs it.
pub type PlanSecrets = BTreeMap<String, String>;

/// What happens to one integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntegrationAction {
    Create,
    Update,
    Unchanged,
    /// The plan made it and no longer names it: out of service, its alerts kept.
    Retire,
}

impl IntegrationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Retire => "retire",
        }
    }
}

/// One integration as the plan wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredIntegration {
    pub name: String,
    pub kind: String,
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    pub config: IntegrationConfig,
    /// A secret the plan names but the applier did not send (a dry run
    /// without it): compared as unchanged, never written.
    pub secret_unknown: bool,
}

/// What an apply does (or, dry, would do) to one integration.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationChange {
    pub action: IntegrationAction,
    pub name: String,
    pub kind: String,
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    /// What an update changes: `kind`, `service`, `team`, or a setting
    /// (`mapping`, `signing_secret`, …), never a secret's value.
    pub changed: Vec<&'static str>,
    /// A create that brings back a retired integration of the name (its
    /// alerts are its history; it gets a new key).
    pub revived: bool,
    /// A created integration's key, on a real apply: shown this once.
    pub key: Option<String>,
    id: Option<IntegrationId>,
    desired: Option<DesiredIntegration>,
}

fn invalid(name: &str, field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(format!("Integration {name}.{field}"), message)
}

fn config(
    plan: PlanIntegration,
    secrets: &PlanSecrets,
    need_secrets: bool,
    problems: &mut Vec<FieldError>,
) -> Option<DesiredIntegration> {
    let name = plan.name.clone();
    let mapping = match plan
        .mapping
        .map(|m| serde_json::from_value::<Mapping>(m.into()))
    {
        Some(Ok(mapping)) => Some(mapping),
        Some(Err(e)) => {
            problems.push(invalid(&name, "mapping", e.to_string()));
            return None;
        }
        None => None,
    };
    let mut secret_unknown = false;
    let signing_secret = match &plan.signing_secret_env {
        None => None,
        Some(variable) => match secrets.get(variable) {
            Some(secret) => Some(secret.clone()),
            None if need_secrets => {
                problems.push(invalid(
                    &name,
                    "signing_secret_env",
                    format!(
                        "{variable} was not sent with the plan: `muster plan apply` reads it from its environment"
                    ),
                ));
                return None;
            }
            None => {
                secret_unknown = true;
                // Stands in for the unknown secret only while the settings
                // are checked (a timestamp header needs one); never kept.
                Some("unknown".to_owned())
            }
        },
    };
    let checked = IntegrationConfig {
        mapping,
        signing_secret,
        timestamp_header: plan.timestamp_header,
        interval_seconds: plan.interval_seconds,
        grace_seconds: plan.grace_seconds,
    }
    .check(&plan.source);
    match checked {
        Ok(mut config) => {
            if secret_unknown {
                config.signing_secret = None;
            }
            Some(DesiredIntegration {
                name,
                kind: plan.source,
                service: plan.service,
                team: plan.team,
                config,
                secret_unknown,
            })
        }
        Err(fields) => {
            problems.extend(
                fields
                    .into_iter()
                    .map(|f| invalid(&name, &f.field, f.message)),
            );
            None
        }
    }
}

/// The integrations the plan's documents declare, with their secrets from
/// `secrets`; a secret not sent is refused when `need_secrets` (an apply),
/// and left unknown otherwise (a dry run). Each must be bound to a service
/// or team of `catalog` (the catalog as the apply leaves it).
pub fn desired(
    documents: &[PlanDocument],
    secrets: &PlanSecrets,
    need_secrets: bool,
    catalog: &Catalog,
) -> Result<Vec<DesiredIntegration>, AppError> {
    let read = integrations(documents);
    let mut problems: Vec<FieldError> = read
        .problems
        .into_iter()
        .map(|problem| FieldError::new("Integration", problem))
        .collect();
    let mut out = Vec::new();
    for plan in read.integrations {
        let Some(wanted) = config(plan, secrets, need_secrets, &mut problems) else {
            continue;
        };
        let known = match (&wanted.service, &wanted.team) {
            (Some(s), _) => catalog.services.iter().any(|x| &x.slug == s),
            (_, Some(t)) => catalog.teams.iter().any(|x| &x.slug == t),
            (None, None) => false,
        };
        if !known {
            let (field, slug) = match (&wanted.service, &wanted.team) {
                (Some(s), _) => ("service", s.as_str()),
                (_, Some(t)) => ("team", t.as_str()),
                (None, None) => ("service", ""),
            };
            problems.push(invalid(
                &wanted.name,
                field,
                format!("no {field} named {slug}"),
            ));
            continue;
        }
        out.push(wanted);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// The settings in which `stored` differs from `wanted`, by name.
fn differences(
    stored: &Integration,
    wanted: &DesiredIntegration,
) -> Result<Vec<&'static str>, AppError> {
    let now = IntegrationConfig::of(stored)?;
    let want = &wanted.config;
    let mut changed = Vec::new();
    let pairs = [
        ("kind", stored.kind != wanted.kind),
        ("service", stored.service != wanted.service),
        ("team", stored.team != wanted.team),
        ("mapping", now.mapping != want.mapping),
        (
            "signing_secret",
            !wanted.secret_unknown && now.signing_secret != want.signing_secret,
        ),
        (
            "timestamp_header",
            now.timestamp_header != want.timestamp_header,
        ),
        (
            "interval_seconds",
            now.interval_seconds != want.interval_seconds,
        ),
        ("grace_seconds", now.grace_seconds != want.grace_seconds),
    ];
    for (field, differs) in pairs {
        if differs {
            changed.push(field);
        }
    }
    Ok(changed)
}

/// What turns the stored integrations into `desired`, by name. A hand-made
/// integration of a name the plan declares is refused (409, field `name`).
pub fn changes(
    stored: &[Integration],
    desired: Vec<DesiredIntegration>,
) -> Result<Vec<IntegrationChange>, AppError> {
    let by_name: BTreeMap<&str, &Integration> =
        stored.iter().map(|i| (i.name.as_str(), i)).collect();
    let wanted: BTreeSet<String> = desired.iter().map(|d| d.name.clone()).collect();
    let mut out = Vec::new();
    for want in desired {
        let current = by_name.get(want.name.as_str()).copied();
        let (action, changed, revived) = match current {
            None => (IntegrationAction::Create, Vec::new(), false),
            Some(found) if found.origin == IntegrationOrigin::Hand => {
                return Err(AppError::ConflictOn {
                    code: "integration_made_by_hand",
                    field: "name",
                    message: format!(
                        "integration {} was made by hand (API, CLI or console), and a plan never takes one over: give the plan's another name",
                        found.name
                    ),
                });
            }
            Some(found) if found.retired_at.is_some() => {
                (IntegrationAction::Create, Vec::new(), true)
            }
            Some(found) => {
                let changed = differences(found, &want)?;
                let action = if changed.is_empty() {
                    IntegrationAction::Unchanged
                } else {
                    IntegrationAction::Update
                };
                (action, changed, false)
            }
        };
        out.push(IntegrationChange {
            action,
            name: want.name.clone(),
            kind: want.kind.clone(),
            service: want.service.clone(),
            team: want.team.clone(),
            changed,
            revived,
            key: None,
            id: current.map(|c| c.id),
            desired: Some(want),
        });
    }
    for gone in stored.iter().filter(|i| {
        i.origin == IntegrationOrigin::Plan && i.retired_at.is_none() && !wanted.contains(&i.name)
    }) {
        out.push(IntegrationChange {
            action: IntegrationAction::Retire,
            name: gone.name.clone(),
            kind: gone.kind.clone(),
            service: gone.service.clone(),
            team: gone.team.clone(),
            changed: Vec::new(),
            revived: false,
            key: None,
            id: Some(gone.id),
            desired: None,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn settings(want: &DesiredIntegration) -> IntegrationSettings {
    IntegrationSettings {
        kind: want.kind.clone(),
        service: want.service.clone(),
        team: want.team.clone(),
        config: want.config.encode(),
    }
}

/// The store writes of `changes`, made at `now` by `by`: each created
/// integration gets a fresh key, set on its change to be shown once.
pub fn writes(
    changes: &mut [IntegrationChange],
    now: Timestamp,
    by: UserId,
) -> Result<Vec<IntegrationWrite>, AppError> {
    let mut out = Vec::new();
    for change in changes.iter_mut() {
        let write = match (change.action, change.id, &change.desired) {
            (IntegrationAction::Unchanged, _, _) => continue,
            (IntegrationAction::Retire, Some(id), _) => IntegrationWrite::Retire { id, at: now },
            (IntegrationAction::Update, Some(id), Some(want)) => IntegrationWrite::Update {
                id,
                settings: settings(want),
            },
            (IntegrationAction::Create, id, Some(want)) => {
                let key = new_key()?;
                let key_digest = secrets::digest(&key);
                change.key = Some(key);
                match id {
                    Some(id) => IntegrationWrite::Revive {
                        id,
                        settings: settings(want),
                        key_digest,
                        at: now,
                        by,
                    },
                    None => IntegrationWrite::Insert(Integration {
                        id: IntegrationId(Uuid::now_v7()),
                        name: want.name.clone(),
                        kind: want.kind.clone(),
                        service: want.service.clone(),
                        team: want.team.clone(),
                        key_digest,
                        config: want.config.encode(),
                        created_at: now,
                        created_by: by,
                        origin: IntegrationOrigin::Plan,
                        retired_at: None,
                    }),
                }
            }
            (action, _, _) => {
                return Err(AppError::Internal(format!(
                    "integration change {} of {} lacks what it writes",
                    action.as_str(),
                    change.name
                )));
            }
        };
        out.push(write);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
