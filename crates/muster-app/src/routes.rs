//! The plan's alert routes as people read them, and a preview: what the
//! rules would decide for alerts already stored, with no side effects (no
//! page, no message, nothing written).

use std::collections::HashMap;

use muster_core::alert::Alert;
use muster_core::alert::route::{Route, RouteDecision, evaluate};
use muster_core::{Actor, Permission};
use muster_store::alerts::AlertFilter;

use crate::accounts::require;
use crate::{App, AppError};

/// The most stored alerts a preview decides.
pub const PREVIEW_ALERTS: u32 = 100;

/// Every team's rules, in the order they run.
#[derive(Debug, Clone, Default)]
pub struct AlertRoutes {
    pub routes: Vec<Route>,
    /// Stored `AlertRoutes` documents that could not be read (their rules
    /// do not run).
    pub problems: Vec<String>,
}

/// What the rules would decide for one stored alert.
#[derive(Debug, Clone)]
pub struct PreviewedAlert {
    pub alert: Alert,
    /// Its integration's name and kind (rules may match on the kind).
    pub integration: String,
    pub source_kind: String,
    /// The whole list's decision, as routing would make it now (without
    /// silences or open groups, which routing also weighs).
    pub decision: RouteDecision,
    /// With a chosen rule: it matches this alert on its own.
    pub rule_matches: bool,
    /// With a chosen rule: evaluation reaches it and it matches, so it
    /// takes part in the decision (else an earlier rule stopped first).
    pub rule_decides: bool,
}

/// A preview: of every rule, or of the one at `rule` (0-based, in order).
#[derive(Debug, Clone)]
pub struct RoutePreview {
    pub rule: Option<usize>,
    /// Newest first: with a chosen rule, only the alerts it matches.
    pub alerts: Vec<PreviewedAlert>,
    /// How many stored alerts were decided.
    pub considered: usize,
}

/// Whether rule `index` takes part in the decision for `alert`: the same
/// evaluation with that rule under a name no other rule can have.
fn decides(routes: &[Route], index: usize, alert: &Alert, kind: &str) -> bool {
    let marker = "\u{0}preview";
    let mut marked = routes.to_vec();
    if let Some(rule) = marked.get_mut(index) {
        rule.name = marker.to_owned();
    }
    evaluate(&marked, alert, kind)
        .matched
        .iter()
        .any(|m| m == marker)
}

impl App {
    /// The plan's alert routes, in evaluation order.
    pub async fn alert_routes(&self, actor: &Actor) -> Result<AlertRoutes, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let documents = self.store.load_plan_documents().await?;
        let plan = muster_plan::alerting::alerting(&documents);
        Ok(AlertRoutes {
            routes: plan.routes,
            problems: plan.problems,
        })
    }

    /// Runs the rules (or shows what rule `rule` catches) over the latest
    /// [`PREVIEW_ALERTS`] stored alerts. Decides only; writes nothing.
    pub async fn preview_routes(
        &self,
        actor: &Actor,
        routes: &[Route],
        rule: Option<usize>,
    ) -> Result<RoutePreview, AppError> {
        require(actor, Permission::ReadIncidents)?;
        if let Some(index) = rule
            && index >= routes.len()
        {
            return Err(AppError::invalid(
                "rule",
                format!(
                    "choose one of the {} rules, got number {}",
                    routes.len(),
                    index + 1
                ),
            ));
        }
        let integrations: HashMap<_, _> = self
            .store
            .integrations()
            .await?
            .into_iter()
            .map(|i| (i.id, (i.name, i.kind)))
            .collect();
        let alerts = self
            .store
            .alerts(&AlertFilter {
                limit: PREVIEW_ALERTS,
                ..AlertFilter::default()
            })
            .await?;
        let considered = alerts.len();
        let previewed = alerts
            .into_iter()
            .filter_map(|alert| {
                let (name, kind) = integrations
                    .get(&alert.integration)
                    .cloned()
                    .unwrap_or_else(|| (String::from("(gone)"), String::new()));
                let decision = evaluate(routes, &alert, &kind);
                let chosen = rule.and_then(|i| routes.get(i).map(|r| (i, r)));
                let (rule_matches, rule_decides) = match chosen {
                    Some((index, chosen)) => (
                        chosen.matches(&alert, &kind),
                        decides(routes, index, &alert, &kind),
                    ),
                    None => (false, false),
                };
                let shown = rule.is_none() || rule_matches || rule_decides;
                shown.then_some(PreviewedAlert {
                    alert,
                    integration: name,
                    source_kind: kind,
                    decision,
                    rule_matches,
                    rule_decides,
                })
            })
            .collect();
        Ok(RoutePreview {
            rule,
            alerts: previewed,
            considered,
        })
    }
}
