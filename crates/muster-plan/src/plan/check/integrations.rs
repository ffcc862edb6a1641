//! `Integration` documents, checked by the reader the server applies them
//! with ([`crate::integrations`]); the service or team each is bound to must
//! exist in the plan. Also where each names an environment variable for a
//! secret, so whoever applies the plan can read it there.

use std::path::PathBuf;

use super::Doc;
use crate::integrations;
use crate::oncall::read::Issue;
use crate::plan::export::stored;
use crate::plan::{Finding, Kind, Plan, rules};

pub(super) fn integration(d: &mut Doc<'_>) {
    let reading = integrations::read(&stored(d.doc));
    if let Err(issues) = &reading.result {
        for issue in issues {
            d.issue(issue);
        }
    }
    for (path, kind, raw) in &reading.references {
        if d.plan.get(*kind, raw).is_none() {
            d.issue(&Issue {
                path: path.clone(),
                value: Some(raw.clone()),
                rule: rules::UNKNOWN_REFERENCE,
                message: format!("no {kind} named {raw:?}"),
            });
        }
    }
}

/// An environment variable an Integration document names for its secret,
/// and where: the value is read where the plan is applied, never written in
/// the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReference {
    /// The variable, e.g. `GRAFANA_SIGNING_SECRET`.
    pub variable: String,
    /// The integration that needs it.
    pub integration: String,
    /// The key naming it (`signing_secret_env`).
    pub field: &'static str,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl SecretReference {
    /// The finding of a variable with no value: `why` says where it was looked for.
    pub fn unset(&self, why: &str) -> Finding {
        Finding {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            rule: rules::MISSING_SECRET,
            message: format!(
                "{} {}: {}: {} {why}",
                Kind::Integration,
                self.integration,
                self.field,
                self.variable
            ),
        }
    }
}

/// Every secret the plan's integrations name by environment variable, in
/// file order (documents that do not read are left out: [`super::validate`]
/// reports them).
pub fn secret_references(plan: &Plan) -> Vec<SecretReference> {
    let mut found = Vec::new();
    let mut out = Vec::new();
    for doc in plan.of_kind(Kind::Integration) {
        let Ok(integration) = integrations::read(&stored(doc)).result else {
            continue;
        };
        let Some(variable) = integration.signing_secret_env else {
            continue;
        };
        let d = Doc {
            plan,
            doc,
            out: &mut out,
        };
        let (line, column) = d.place(&["signing_secret_env"], None);
        found.push(SecretReference {
            variable,
            integration: integration.name,
            field: "signing_secret_env",
            file: doc.file.clone(),
            line,
            column,
        });
    }
    found
}
