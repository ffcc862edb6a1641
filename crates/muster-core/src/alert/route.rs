//! Routes: ordered rules, owned by teams, that decide what an alert does.
//! A rule matches on labels, severity, source kind and summary text, and
//! may send the alert to a service or functionality, change its severity,
//! and then page, notify a channel only, open an incident, or drop it. The
//! first rule that matches decides, unless it says `continue`, in which
//! case later rules may add to (or override) what it set.

use crate::alert::matcher::{Matcher, all_match};
use crate::alert::{Alert, AlertSeverity};
use crate::catalog::Slug;
use crate::error::FieldError;
use crate::severity::SeverityCode;

/// Where a rule sends an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    Service(Slug),
    Functionality(Slug),
}

impl RouteTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Service(_) => "service",
            Self::Functionality(_) => "functionality",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Service(s) | Self::Functionality(s) => s.as_str(),
        }
    }
}

/// What happens to an alert once routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteEffect {
    /// Page through the target's (or the integration's) escalation policy.
    Page,
    /// A message to a channel, nobody paged ("the SLO is burning slowly").
    NotifyOnly { channel: String },
    /// Declare an incident at this severity on the target, which pages its
    /// owners as any declaration does, and attach the alert.
    OpenIncident { severity: SeverityCode },
    /// Keep the alert, tell nobody.
    Drop,
}

impl RouteEffect {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::NotifyOnly { .. } => "notify",
            Self::OpenIncident { .. } => "open_incident",
            Self::Drop => "drop",
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub name: String,
    pub team: Slug,
    pub matchers: Vec<Matcher>,
    /// The alert's severity is at least this.
    pub min_severity: Option<AlertSeverity>,
    /// The alert came from one of these source kinds (any when empty).
    pub sources: Vec<String>,
    /// The summary contains this text (case-insensitive).
    pub summary_contains: Option<String>,
    pub target: Option<RouteTarget>,
    pub set_severity: Option<AlertSeverity>,
    /// `None`: the rule only routes or re-rates, and the effect comes from a
    /// later rule or the default (page).
    pub effect: Option<RouteEffect>,
    /// When a later rule's effect replaces this one's: only if
    /// `continue_matching` lets the evaluation go on.
    pub continue_matching: bool,
    /// Mark the incident mitigated when every attached alert resolves.
    pub mitigate_on_resolve: bool,
}

impl Route {
    /// Checks the rule's own fields; `field` is where it sits (`routes[3]`).
    pub fn validate(&self, field: &str) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new(
                format!("{field}.name"),
                "must not be empty",
            ));
        }
        if let Some(text) = &self.summary_contains
            && text.trim().is_empty()
        {
            problems.push(FieldError::new(
                format!("{field}.summary_contains"),
                "must not be empty when given",
            ));
        }
        if let Some(RouteEffect::NotifyOnly { channel }) = &self.effect
            && channel.trim().is_empty()
        {
            problems.push(FieldError::new(
                format!("{field}.notify"),
                "names the channel to notify",
            ));
        }
        if self.effect.is_none() && self.target.is_none() && self.set_severity.is_none() {
            problems.push(FieldError::new(
                field,
                "does nothing: give it a target, a severity or an action (page, notify, open_incident, drop)",
            ));
        }
        problems
    }

    /// Whether this rule applies to `alert` from a `source_kind` integration.
    pub fn matches(&self, alert: &Alert, source_kind: &str) -> bool {
        all_match(&self.matchers, &alert.labels)
            && self.min_severity.is_none_or(|min| alert.severity >= min)
            && (self.sources.is_empty() || self.sources.iter().any(|s| s == source_kind))
            && self
                .summary_contains
                .as_ref()
                .is_none_or(|text| alert.summary.to_lowercase().contains(&text.to_lowercase()))
    }
}

/// What the rules decided for one alert, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision {
    /// The rules that matched, in order.
    pub matched: Vec<String>,
    /// Where the alert goes; `None`: where its integration is bound.
    pub target: Option<RouteTarget>,
    pub severity: AlertSeverity,
    pub effect: RouteEffect,
    pub mitigate_on_resolve: bool,
    /// Sentences for people: "why did this page?".
    pub reasons: Vec<String>,
}

/// Runs `routes` in order over `alert` (from a `source_kind` integration).
/// Nothing matching means the default: page the integration's owners.
pub fn evaluate(routes: &[Route], alert: &Alert, source_kind: &str) -> RouteDecision {
    let mut decision = RouteDecision {
        matched: Vec::new(),
        target: None,
        severity: alert.severity,
        effect: RouteEffect::Page,
        mitigate_on_resolve: true,
        reasons: Vec::new(),
    };
    let mut effect_set = false;
    for route in routes {
        // A re-rated severity counts for the rules after it.
        let mut seen = alert.clone();
        seen.severity = decision.severity;
        if !route.matches(&seen, source_kind) {
            continue;
        }
        decision.matched.push(route.name.clone());
        let mut said = vec![format!(
            "rule {:?} (team {}) matched",
            route.name, route.team
        )];
        if let Some(target) = &route.target {
            decision.target = Some(target.clone());
            said.push(format!("routed to {} {}", target.kind(), target.name()));
        }
        if let Some(severity) = route.set_severity {
            decision.severity = severity;
            said.push(format!("severity set to {severity}"));
        }
        if let Some(effect) = &route.effect {
            decision.effect = effect.clone();
            decision.mitigate_on_resolve = route.mitigate_on_resolve;
            effect_set = true;
            said.push(match effect {
                RouteEffect::Page => "pages".to_owned(),
                RouteEffect::NotifyOnly { channel } => format!("notifies {channel} only"),
                RouteEffect::OpenIncident { severity } => {
                    format!("opens a {severity} incident")
                }
                RouteEffect::Drop => "drops it".to_owned(),
            });
        }
        decision.reasons.push(said.join(", "));
        if !route.continue_matching {
            break;
        }
    }
    if decision.matched.is_empty() {
        decision
            .reasons
            .push("no rule matched: the integration's owners are paged".to_owned());
    } else if !effect_set {
        decision
            .reasons
            .push("no matching rule chose an action: paged".to_owned());
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::tests::alert_with;

    fn slug(s: &str) -> Slug {
        Slug::parse("slug", s).unwrap()
    }

    fn rule(name: &str, matchers: &[&str], effect: Option<RouteEffect>) -> Route {
        Route {
            name: name.to_owned(),
            team: slug("sre"),
            matchers: matchers
                .iter()
                .map(|m| Matcher::parse("m", m).unwrap())
                .collect(),
            min_severity: None,
            sources: Vec::new(),
            summary_contains: None,
            target: None,
            set_severity: None,
            effect,
            continue_matching: false,
            mitigate_on_resolve: true,
        }
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let slo = rule(
            "slo-burn",
            &["alertname=~\"SLOBurn.*\"", "window=6h"],
            Some(RouteEffect::NotifyOnly {
                channel: "#sre".into(),
            }),
        );
        let down = rule(
            "down",
            &["alertname=TargetDown"],
            Some(RouteEffect::OpenIncident {
                severity: SeverityCode::new("SEV2"),
            }),
        );
        let routes = [slo, down];

        let slow = alert_with(&[("alertname", "SLOBurnRate"), ("window", "6h")]);
        let decided = evaluate(&routes, &slow, "alertmanager");
        assert_eq!(decided.matched, ["slo-burn"]);
        assert_eq!(
            decided.effect,
            RouteEffect::NotifyOnly {
                channel: "#sre".into()
            }
        );

        let dead = alert_with(&[("alertname", "TargetDown")]);
        assert_eq!(
            evaluate(&routes, &dead, "alertmanager").effect.kind(),
            "open_incident"
        );

        let other = alert_with(&[("alertname", "DiskFull")]);
        let default = evaluate(&routes, &other, "alertmanager");
        assert!(default.matched.is_empty());
        assert_eq!(default.effect, RouteEffect::Page);
        assert!(
            default.reasons[0].contains("no rule matched"),
            "{default:?}"
        );
    }

    #[test]
    fn continue_lets_a_routing_rule_hand_over_to_an_action_rule() {
        let mut to_checkout = rule("checkout", &["service=checkout"], None);
        to_checkout.target = Some(RouteTarget::Service(slug("checkout-api")));
        to_checkout.set_severity = Some(AlertSeverity::Critical);
        to_checkout.continue_matching = true;
        let mut critical = rule("critical-opens", &[], None);
        critical.min_severity = Some(AlertSeverity::Critical);
        critical.effect = Some(RouteEffect::OpenIncident {
            severity: SeverityCode::new("SEV1"),
        });
        let alert = alert_with(&[("service", "checkout")]);
        assert_eq!(alert.severity, AlertSeverity::Warning);
        let decided = evaluate(&[to_checkout, critical], &alert, "alertmanager");
        assert_eq!(decided.matched, ["checkout", "critical-opens"]);
        assert_eq!(
            decided.target,
            Some(RouteTarget::Service(slug("checkout-api")))
        );
        assert_eq!(decided.severity, AlertSeverity::Critical);
        assert_eq!(decided.effect.kind(), "open_incident");
        assert_eq!(decided.reasons.len(), 2, "{:?}", decided.reasons);
    }

    #[test]
    fn sources_and_summary_text_narrow_a_rule() {
        let mut grafana_only = rule("grafana", &[], Some(RouteEffect::Drop));
        grafana_only.sources = vec!["grafana".into()];
        grafana_only.summary_contains = Some("TEST".into());
        let mut alert = alert_with(&[]);
        alert.summary = "this is a test alert".into();
        assert!(grafana_only.matches(&alert, "grafana"));
        assert!(!grafana_only.matches(&alert, "alertmanager"));
        alert.summary = "real".into();
        assert!(!grafana_only.matches(&alert, "grafana"));
    }

    #[test]
    fn a_rule_that_does_nothing_is_refused() {
        let idle = rule("idle", &["a=b"], None);
        let problems = idle.validate("routes[2]");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "routes[2]");
        let mut unnamed = rule(" ", &[], Some(RouteEffect::Page));
        unnamed.effect = Some(RouteEffect::NotifyOnly {
            channel: String::new(),
        });
        let fields: Vec<String> = unnamed
            .validate("routes[0]")
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["routes[0].name", "routes[0].notify"]);
    }
}
