//! `Runbook` documents, checked by the reader the server runs them with
//! ([`crate::runbooks`]); what each names (severities, the catalog, roles,
//! schedules, stakeholder groups, task forces, status-page components) must
//! exist in the plan.

use super::{BUILTIN_ROLES, Doc};
use crate::oncall::read::Issue;
use crate::plan::export::stored;
use crate::plan::{Kind, rules};
use crate::runbooks;

pub(super) fn runbook(d: &mut Doc<'_>) {
    let reading = runbooks::read(&stored(d.doc));
    if let Err(issues) = &reading.result {
        for issue in issues {
            d.issue(issue);
        }
    }
    for (path, kind, raw) in &reading.references {
        let built_in = *kind == Kind::Role && BUILTIN_ROLES.contains(&raw.as_str());
        if !built_in && d.plan.get(*kind, raw).is_none() {
            d.issue(&Issue {
                path: path.clone(),
                value: Some(raw.clone()),
                rule: rules::UNKNOWN_REFERENCE,
                message: format!("no {kind} named {raw:?}"),
            });
        }
    }
}
