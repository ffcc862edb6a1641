//! `AlertRoutes`, checked by the reader the server routes with
//! ([`crate::alerting`]); the services and functionalities a rule routes
//! to must exist in the plan.

use super::Doc;
use crate::alerting;
use crate::oncall::read::Issue;
use crate::plan::export::stored;
use crate::plan::{Kind, rules};

pub(super) fn routes(d: &mut Doc<'_>) {
    let reading = alerting::read(&stored(d.doc));
    if let Err(issues) = &reading.result {
        for issue in issues {
            d.issue(issue);
        }
    }
    // Severities may come from muster.toml instead of the plan: checked
    // only when the plan defines its own.
    let plan_severities = d.plan.of_kind(Kind::Severity).next().is_some();
    for (path, kind, raw) in &reading.references {
        if *kind == Kind::Severity && !plan_severities {
            continue;
        }
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
