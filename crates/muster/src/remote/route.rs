//! `muster route test FILE.json --plan DIR`: which alert rule a payload
//! matches and what would happen, read with the same parsers and rules the
//! server uses, with no side effects (nothing is sent anywhere).

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use comfy_table::{ContentArrangement, Table, presets};
use muster_core::alert::route::{RouteEffect, RouteTarget, evaluate};
use muster_core::alert::{Received, Signal, SignalAction, receive};
use muster_core::{AlertId, IntegrationId};
use muster_ingest::alertmanager::{self, Flavour};
use muster_ingest::{MAX_BODY, pagerduty};
use muster_plan::plan;
use serde::Serialize;

use super::output::{print_json, print_text};
use super::plan::findings_failure;
use super::{EXIT_REJECTED, Failure, OutputFormat, RemoteOptions};

#[derive(Subcommand, Debug)]
pub enum RouteCommand {
    /// Which rule a payload (an Alertmanager or Grafana webhook, a PagerDuty
    /// event) matches in the plan's AlertRoutes, and what would happen: page,
    /// notify, open an incident or drop. Nothing is sent.
    Test {
        /// The payload, as the monitoring tool would POST it.
        file: PathBuf,
        /// The plan folder whose AlertRoutes to try.
        #[arg(long)]
        plan: PathBuf,
        /// What sent it (read from the payload when left out).
        #[arg(long, value_enum)]
        source: Option<Source>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    Alertmanager,
    Grafana,
    #[value(name = "pagerduty_events")]
    PagerdutyEvents,
}

impl Source {
    fn kind(self) -> &'static str {
        match self {
            Self::Alertmanager => "alertmanager",
            Self::Grafana => "grafana",
            Self::PagerdutyEvents => "pagerduty_events",
        }
    }

    /// Tells the payloads apart by their fields.
    fn detect(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        if value.get("alerts").is_some_and(serde_json::Value::is_array) {
            return Some(match value.get("version").and_then(|v| v.as_str()) {
                Some("1") => Self::Grafana,
                _ => Self::Alertmanager,
            });
        }
        (value.get("event_action").is_some() || value.get("routing_key").is_some())
            .then_some(Self::PagerdutyEvents)
    }
}

/// One alert's outcome, as printed.
#[derive(Debug, Serialize)]
struct Outcome {
    dedup_key: String,
    summary: String,
    action: &'static str,
    severity: String,
    matched: Vec<String>,
    /// `service:NAME` or `functionality:NAME`; none: the integration's own.
    target: Option<String>,
    effect: String,
    reasons: Vec<String>,
}

fn read_signals(body: &[u8], source: Source) -> Result<Vec<Signal>, Failure> {
    let rejected = |message: String| Failure {
        code: EXIT_REJECTED,
        message,
        fields: Default::default(),
    };
    match source {
        Source::Alertmanager | Source::Grafana => {
            let flavour = if source == Source::Grafana {
                Flavour::Grafana
            } else {
                Flavour::Alertmanager
            };
            alertmanager::parse(body, flavour)
                .map_err(|e| rejected(format!("not a {} payload: {e}", source.kind())))
        }
        Source::PagerdutyEvents => match pagerduty::parse_event(body) {
            Ok(event) => Ok(vec![event.signal]),
            Err(rejection) => {
                let refused = pagerduty::Refused::from(rejection);
                Err(rejected(format!(
                    "not a PagerDuty event: {}: {}",
                    refused.message,
                    refused.errors.join("; ")
                )))
            }
        },
    }
}

fn describe(effect: &RouteEffect) -> String {
    match effect {
        RouteEffect::Page => "page".into(),
        RouteEffect::NotifyOnly { channel } => format!("notify {channel} (nobody paged)"),
        RouteEffect::OpenIncident { severity } => format!("open a {severity} incident"),
        RouteEffect::Drop => "drop (kept, tells nobody)".into(),
    }
}

fn target(target: &RouteTarget) -> String {
    format!("{}:{}", target.kind(), target.name())
}

fn test(
    file: &Path,
    dir: &Path,
    source: Option<Source>,
    opts: &RemoteOptions,
) -> Result<(), Failure> {
    let body = std::fs::read(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    if body.len() > MAX_BODY {
        return Err(Failure::usage(format!(
            "{} is larger than the {} KB an ingest endpoint accepts",
            file.display(),
            MAX_BODY / 1024
        )));
    }
    let source = source.or_else(|| Source::detect(&body)).ok_or_else(|| {
        Failure::usage(format!(
            "cannot tell what sent {}: give --source alertmanager, grafana or pagerduty_events",
            file.display()
        ))
    })?;
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let loaded = plan::load(dir).map_err(|findings| findings_failure(&findings))?;
    let findings = plan::validate(&loaded);
    if !findings.is_empty() {
        return Err(findings_failure(&findings));
    }
    let routes = muster_plan::alerting::alerting(&loaded.stored_documents()).routes;
    let now = jiff::Timestamp::now();
    let mut outcomes = Vec::new();
    for signal in read_signals(&body, source)? {
        let action = signal.action;
        let (dedup_key, summary) = (signal.dedup_key.clone(), signal.summary.clone());
        // As if nothing were open under this key: what a first trigger does.
        let trigger = Signal {
            action: SignalAction::Trigger,
            ..signal
        };
        let Received::Opened(alert) = receive(
            None,
            trigger,
            IntegrationId(uuid::Uuid::nil()),
            AlertId(uuid::Uuid::nil()),
            now,
        ) else {
            continue;
        };
        let decision = evaluate(&routes, &alert, source.kind());
        let effect = match action {
            SignalAction::Trigger => describe(&decision.effect),
            SignalAction::Acknowledge => "acknowledge the open alert (no one is paged)".into(),
            SignalAction::Resolve => {
                if decision.mitigate_on_resolve {
                    "resolve the open alert; an incident whose alerts all resolve is marked mitigated".into()
                } else {
                    "resolve the open alert".into()
                }
            }
        };
        outcomes.push(Outcome {
            dedup_key,
            summary,
            action: action.as_str(),
            severity: decision.severity.to_string(),
            matched: decision.matched,
            target: decision.target.as_ref().map(target),
            effect,
            reasons: decision.reasons,
        });
    }
    if opts.output == OutputFormat::Json {
        return print_json(&outcomes);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "alert", "signal", "severity", "rule", "target", "would",
        ]);
    for o in &outcomes {
        table.add_row(vec![
            format!("{}\n{}", o.summary, o.dedup_key),
            o.action.to_owned(),
            o.severity.clone(),
            if o.matched.is_empty() {
                "(none)".to_owned()
            } else {
                o.matched.join(" → ")
            },
            o.target
                .clone()
                .unwrap_or_else(|| "(the integration's)".to_owned()),
            o.effect.clone(),
        ]);
    }
    let mut text = format!("{table}\n");
    for o in &outcomes {
        text.push_str(&format!("{}: {}\n", o.dedup_key, o.reasons.join("; ")));
    }
    print_text(&text)
}

pub(crate) fn run(cmd: RouteCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    match cmd {
        RouteCommand::Test { file, plan, source } => test(&file, &plan, source, opts),
    }
}
