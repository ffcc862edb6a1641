//! "Why did this page?": the decision routing stores with each alert
//! ([`decision_json`]) and its typed reading ([`explain`]), for the API and
//! the console alike. Writer and reader live together so they agree.

use jiff::Timestamp;
use muster_core::alert::route::{RouteDecision, RouteEffect};
use muster_core::alert::routing::Routed;
use serde_json::json;

/// The decision as stored and shown: "why did this page?".
pub(crate) fn decision_json(decision: &RouteDecision, routed: &Routed) -> String {
    json!({
        "matched": decision.matched,
        "target": decision.target.as_ref().map(|t| format!("{} {}", t.kind(), t.name())),
        "severity": decision.severity.as_str(),
        "effect": if routed.silenced_by.is_some() { "silenced" } else { decision.effect.kind() },
        "channel": match &decision.effect {
            RouteEffect::NotifyOnly { channel } => Some(channel.as_str()),
            _ => None,
        },
        "mitigate_on_resolve": decision.mitigate_on_resolve,
        "reasons": decision.reasons,
    })
    .to_string()
}

/// A stored decision read back ([`decision_json`] wrote it): "why did this
/// page?", typed, for the API and the console alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    /// Routing has decided this alert at least once.
    pub decided: bool,
    /// Its latest change is not acted on yet.
    pub pending: bool,
    /// The rules that matched, in order.
    pub matched: Vec<String>,
    /// "service checkout-api"; `None`: where its integration is bound.
    pub target: Option<String>,
    pub severity: Option<String>,
    /// `page`, `notify`, `open_incident`, `drop` or `silenced`.
    pub effect: Option<String>,
    /// The channel a notify-only rule told.
    pub channel: Option<String>,
    pub mitigate_on_resolve: Option<bool>,
    /// Sentences for people, in the order they were decided.
    pub reasons: Vec<String>,
    pub silenced_by: Option<muster_core::SilenceId>,
    pub silenced_until: Option<Timestamp>,
    pub group: Option<muster_core::alert::routing::AlertGroup>,
}

/// Reads the stored routing of an alert. A decision that is not the JSON
/// this module writes reads as undecided rather than failing the page.
pub fn explain(found: &muster_store::routing::AlertRouting) -> Explanation {
    let decision: Option<serde_json::Map<String, serde_json::Value>> = found
        .decision
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    let text = |name: &str| {
        decision
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let texts = |name: &str| -> Vec<String> {
        decision
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Explanation {
        decided: decision.is_some(),
        pending: found.pending,
        matched: texts("matched"),
        target: text("target"),
        severity: text("severity"),
        effect: text("effect"),
        channel: text("channel"),
        mitigate_on_resolve: decision
            .as_ref()
            .and_then(|d| d.get("mitigate_on_resolve"))
            .and_then(serde_json::Value::as_bool),
        reasons: texts("reasons"),
        silenced_by: found.silenced_by,
        silenced_until: found.silenced_until,
        group: found.group.clone(),
    }
}

#[cfg(test)]
mod tests {
    use muster_store::routing::AlertRouting;

    use muster_core::alert::AlertSeverity;
    use muster_core::alert::routing::Action;
    use uuid::Uuid;

    use super::*;

    fn stored(decision: Option<&str>) -> AlertRouting {
        AlertRouting {
            decision: decision.map(str::to_owned),
            group: None,
            silenced_by: None,
            silenced_until: None,
            pending: false,
        }
    }

    #[test]
    fn a_stored_decision_reads_back_typed() {
        let decision = RouteDecision {
            matched: vec!["checkout-down".into()],
            target: Some(muster_core::alert::route::RouteTarget::Service(
                muster_core::Slug::parse("service", "checkout-api").expect("a slug"),
            )),
            severity: AlertSeverity::Critical,
            effect: RouteEffect::NotifyOnly {
                channel: "#storefront".into(),
            },
            mitigate_on_resolve: false,
            reasons: vec!["rule \"checkout-down\" (team storefront) matched".into()],
        };
        let routed = Routed {
            alert: muster_core::AlertId(Uuid::nil()),
            route_seq: 1,
            group: None,
            decision: Some(decision.clone()),
            silenced_by: None,
            silenced_until: None,
            action: Action::Nothing,
        };
        // What routing writes is what the pages read.
        let json = decision_json(&decision, &routed);
        let why = explain(&stored(Some(&json)));
        assert!(why.decided);
        assert_eq!(why.matched, ["checkout-down"]);
        assert_eq!(why.target.as_deref(), Some("service checkout-api"));
        assert_eq!(why.effect.as_deref(), Some("notify"));
        assert_eq!(why.channel.as_deref(), Some("#storefront"));
        assert_eq!(why.mitigate_on_resolve, Some(false));
        assert_eq!(why.reasons.len(), 1);
    }

    #[test]
    fn no_decision_or_a_broken_one_reads_as_undecided() {
        for decision in [None, Some("not json"), Some("[1, 2]")] {
            let why = explain(&stored(decision));
            assert!(!why.decided, "{decision:?}");
            assert!(why.matched.is_empty() && why.effect.is_none());
        }
    }
}
