//! The catalog forms' fields, as posted, and echoing them back into a form.

use muster_ui::view::{FunctionalityForm, ServiceForm, TeamForm};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamInput {
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) contact_channel: String,
    pub(super) escalation_policy: String,
    pub(super) members: String,
}

impl TeamInput {
    pub(super) fn echo(self) -> TeamForm {
        TeamForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            contact_channel: self.contact_channel,
            escalation_policy: self.escalation_policy,
            members: self.members,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceInput {
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) owner_team: String,
    pub(super) tier: String,
    pub(super) lifecycle: String,
    pub(super) kind: String,
    pub(super) rollback_plan: String,
    pub(super) depends_on: String,
    pub(super) links: String,
    pub(super) runbooks: String,
    pub(super) tags: String,
}

impl ServiceInput {
    pub(super) fn echo(self) -> ServiceForm {
        ServiceForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            owner_team: self.owner_team,
            tier: self.tier,
            lifecycle: self.lifecycle,
            kind: self.kind,
            rollback_plan: self.rollback_plan,
            depends_on: self.depends_on,
            links: self.links,
            runbooks: self.runbooks,
            tags: self.tags,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FunctionalityInput {
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) aliases: String,
    pub(super) owner_team: String,
    pub(super) services: String,
}

impl FunctionalityInput {
    pub(super) fn echo(self) -> FunctionalityForm {
        FunctionalityForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            aliases: self.aliases,
            owner_team: self.owner_team,
            services: self.services,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteInput {
    /// The confirmation box: `yes` when ticked.
    pub(super) confirm: String,
}
