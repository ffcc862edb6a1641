//! Incidents started from the plan's scenarios: the declaration attaches
//! the scenario's runbooks (whatever their conditions say) and keeps the
//! scenario as it was then; the incident page compares its expected
//! timeline with what happened, and people mark its actions done.

use std::collections::BTreeMap;

use muster_core::scenario::{Expectation, Happened, MomentComparison, Scenario, compare_timeline};
use muster_core::{
    Actor, Incident, NewIncident, Permission, TimelineEntry, TimelineEvent, Timestamp,
};
use muster_store::routing::IncidentInsert;

use crate::accounts::require;
use crate::incidents::{IncidentKey, entries};
use crate::{App, AppError};

/// A scenario's expected timeline against an incident started from it.
#[derive(Debug, Clone)]
pub struct ScenarioComparison {
    pub incident: Incident,
    pub scenario: Scenario,
    /// T: when impact started (or the declaration, when that is unknown).
    pub zero: Timestamp,
    pub moments: Vec<MomentComparison>,
}

impl App {
    /// Declares an incident from the plan's scenario `scenario`: its
    /// runbooks attach at once, and the scenario is kept with it.
    pub async fn declare_from_scenario(
        &self,
        actor: &Actor,
        input: NewIncident,
        services: &[String],
        functionalities: &[String],
        scenario: &str,
    ) -> Result<Incident, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let plan = self.routing_context().await?;
        let Some(planned) = plan.scenarios.get(scenario) else {
            let known: Vec<&str> = plan
                .scenarios
                .scenarios
                .iter()
                .map(|s| s.scenario.name())
                .collect();
            return Err(AppError::invalid(
                "scenario",
                format!(
                    "the plan has no scenario named {scenario:?}; known: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        let name = planned.scenario.name().to_owned();
        // The validator makes every scenario name runbooks that exist; one
        // stored before that, or that no longer reads, must not keep an
        // incident from being declared mid-outage: the others attach.
        let mut attach = Vec::new();
        for runbook in planned.scenario.runbooks() {
            match plan.runbooks.iter().find(|p| p.runbook.name() == runbook) {
                Some(found) => attach.push(found.clone()),
                None => tracing::warn!(
                    scenario = %name, %runbook,
                    "a scenario names a runbook the plan lacks; the incident is declared without it"
                ),
            }
        }
        let started = TimelineEvent::ScenarioStarted {
            scenario: name.clone(),
            snapshot: planned.snapshot.clone(),
        };
        let mut insert = self
            .declaration(actor, input, services, functionalities, vec![started])
            .await?;
        let IncidentInsert {
            incident, timeline, ..
        } = &mut insert;
        let mut events = Vec::new();
        for planned in attach {
            let runbook = planned.runbook.name().clone();
            if incident.runbooks.contains(&runbook) {
                continue;
            }
            incident.runbooks.push(runbook.clone());
            events.push(TimelineEvent::RunbookAttached {
                runbook: runbook.to_string(),
                reason: format!("the scenario {name} exercises it"),
                snapshot: planned.snapshot.clone(),
            });
        }
        timeline.extend(entries(incident.id, actor, incident.declared_at, events));
        self.commit_declaration(insert).await
    }

    /// The expected timeline of the scenario `key` was started from, against
    /// what happened; `None` for an incident not started from one.
    pub async fn scenario_comparison(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<Option<ScenarioComparison>, AppError> {
        let incident = self.get_incident(actor, key).await?;
        let timeline = self.whole_timeline(incident.id).await?;
        Ok(comparison_in(&incident, &timeline, self.now()))
    }

    /// Marks action `index` (from 0) of the scenario's expected timeline
    /// done, now.
    pub async fn mark_scenario_action(
        &self,
        actor: &Actor,
        key: IncidentKey,
        index: usize,
    ) -> Result<ScenarioComparison, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let Some(comparison) = self.scenario_comparison(actor, key).await? else {
            return Err(AppError::not_found("scenario of incident", key));
        };
        let moments = comparison.scenario.expected_timeline();
        let action = match moments.get(index).map(|m| &m.expectation) {
            Some(Expectation::Action(action)) => action.clone(),
            Some(other) => {
                return Err(AppError::invalid(
                    "moment",
                    format!(
                        "moment {index} is \"{}\", which muster sees happen; only actions are marked done",
                        other.describe()
                    ),
                ));
            }
            None => {
                return Err(AppError::invalid(
                    "moment",
                    format!(
                        "the scenario has moments 0 to {}, not {index}",
                        moments.len().saturating_sub(1)
                    ),
                ));
            }
        };
        let done = comparison.moments.iter().any(|m| {
            m.index == index
                && matches!(
                    m.outcome,
                    muster_core::scenario::MomentOutcome::OnTime { .. }
                        | muster_core::scenario::MomentOutcome::Late { .. }
                )
        });
        if done {
            return Err(AppError::ConflictOn {
                code: "already_done",
                field: "moment",
                message: format!("\"{action}\" is marked done already"),
            });
        }
        let index_stored =
            u32::try_from(index).map_err(|_| AppError::invalid("moment", "no such moment"))?;
        let entry = entries(
            comparison.incident.id,
            actor,
            self.now(),
            vec![TimelineEvent::ScenarioActionDone {
                scenario: comparison.scenario.name().to_owned(),
                index: index_stored,
                action,
            }],
        );
        self.store.append_timeline(&entry).await?;
        self.scenario_comparison(actor, key)
            .await?
            .ok_or_else(|| AppError::not_found("scenario", comparison.incident.number))
    }
}

/// The comparison for `incident` from its whole `timeline`, as of `now`;
/// `None` when it was not started from a scenario.
pub(crate) fn comparison_in(
    incident: &Incident,
    timeline: &[TimelineEntry],
    now: Timestamp,
) -> Option<ScenarioComparison> {
    let scenario = started_from(timeline)?;
    let happened = happened(incident, timeline);
    let moments = compare_timeline(&scenario, &happened, now);
    Some(ScenarioComparison {
        zero: happened.zero(),
        incident: incident.clone(),
        scenario,
        moments,
    })
}

/// The scenario an incident was started from, as it was then.
fn started_from(timeline: &[TimelineEntry]) -> Option<Scenario> {
    timeline.iter().find_map(|entry| match &entry.event {
        TimelineEvent::ScenarioStarted { scenario, snapshot } => {
            let read = muster_plan::scenarios::from_snapshot(scenario, snapshot);
            if read.is_none() {
                tracing::warn!(%scenario, "the snapshot of a scenario does not read");
            }
            read
        }
        _ => None,
    })
}

/// What happened, from the incident and its timeline: the first time each
/// role was filled, the first update, each action first marked done.
fn happened(incident: &Incident, timeline: &[TimelineEntry]) -> Happened {
    let mut roles_filled = BTreeMap::new();
    let mut first_update = None;
    let mut first_status = None;
    let mut actions_done = BTreeMap::new();
    for entry in timeline {
        match &entry.event {
            TimelineEvent::RoleAssigned { role, .. } => {
                roles_filled
                    .entry(role.clone())
                    .or_insert(entry.occurred_at);
            }
            TimelineEvent::UpdatePosted { .. } => {
                first_update.get_or_insert(entry.occurred_at);
            }
            TimelineEvent::StatusUpdatePublished { .. } => {
                first_status.get_or_insert(entry.occurred_at);
            }
            TimelineEvent::ScenarioActionDone { index, .. } => {
                actions_done
                    .entry(*index as usize)
                    .or_insert(entry.occurred_at);
            }
            _ => {}
        }
    }
    Happened {
        declared_at: incident.declared_at,
        milestones: incident.milestones,
        roles_filled,
        first_stakeholder_update_at: first_update,
        first_status_update_at: first_status,
        actions_done,
    }
}
