//! The soundness rules: what a plan can parse yet still leave nobody
//! responsible or nobody told.

use std::collections::BTreeSet;

use muster_core::catalog::{Catalog, Lifecycle, Slug};

use super::Doc;
use crate::backstage::fields;
use crate::plan::{Finding, Kind, Plan, rules};

/// The five soundness rules, and dependency cycles.
pub(super) fn soundness(plan: &Plan, catalog: &Catalog, out: &mut Vec<Finding>) {
    let doc_of = |kind: Kind, slug: &Slug| plan.get(kind, slug.as_str());
    for service in &catalog.services {
        if service.lifecycle == Lifecycle::Production
            && service.owner_team.is_none()
            && let Some(doc) = doc_of(Kind::Service, &service.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::SERVICE_WITHOUT_OWNER,
                "a production service needs an owner team".into(),
            );
        }
    }
    let owners: BTreeSet<&Slug> = catalog
        .services
        .iter()
        .filter_map(|s| s.owner_team.as_ref())
        .chain(
            catalog
                .functionalities
                .iter()
                .filter_map(|f| f.owner_team.as_ref()),
        )
        .collect();
    for team in &catalog.teams {
        if owners.contains(&team.slug)
            && team.escalation_policy.is_none()
            && let Some(doc) = doc_of(Kind::Team, &team.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::TEAM_WITHOUT_ESCALATION_POLICY,
                "the team owns services or functionalities but has no escalation_policy".into(),
            );
        }
    }
    for functionality in &catalog.functionalities {
        if functionality.owner_team.is_none()
            && let Some(doc) = doc_of(Kind::Functionality, &functionality.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::FUNCTIONALITY_WITHOUT_OWNER,
                "a functionality needs an owner team".into(),
            );
        }
    }
    let told: BTreeSet<String> = plan
        .of_kind(Kind::StakeholderGroup)
        .flat_map(|group| fields::maps_at(&group.node, &["policies"]).unwrap_or_default())
        .flat_map(|policy| fields::strings_at(policy, &["severities"]).unwrap_or_default())
        .map(|s| Kind::Severity.key(s))
        .collect();
    for doc in plan.of_kind(Kind::Severity) {
        if !told.contains(&Kind::Severity.key(&doc.name)) {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::SEVERITY_WITHOUT_AUDIENCE,
                "no stakeholder group's policy covers this severity: nobody is told".into(),
            );
        }
    }
    super::references::cycles(plan, catalog, out);
}
