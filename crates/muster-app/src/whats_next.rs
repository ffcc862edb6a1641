//! The "what's next" panel of an incident, assembled from what is stored:
//! the attached runbooks' agendas, the roles they want, the stakeholder
//! groups their notify steps have not told yet, the severity's update
//! cadence, and the open tasks. The core's `whats_next` decides; this only
//! gathers its inputs.

use muster_core::runbook::{NextRun, StepAction, roles_wanted};
use muster_core::stakeholder::cadence::{CadenceState, UpdateCadence};
use muster_core::stakeholder::{StakeholderUpdate, UpdateFacts, update_due};
use muster_core::whats_next::{WhatsNext, WhatsNextInput, whats_next};
use muster_core::{Actor, Incident, RoleCode, Task};

use crate::incidents::IncidentKey;
use crate::runbook_steps::attached_in;
use crate::scenarios::{ScenarioComparison, comparison_in};
use crate::step_actions::StepContext;
use crate::{App, AppError};

/// The panel with what it was built from that the page shows beside it.
#[derive(Debug, Clone)]
pub struct IncidentWhatsNext {
    pub incident: Incident,
    pub panel: WhatsNext,
    /// The severity's cadence, when it has one (the panel carries its state).
    pub cadence: Option<UpdateCadence>,
    pub tasks: Vec<Task>,
    /// The scenario it was started from, against what happened.
    pub scenario: Option<ScenarioComparison>,
}

impl App {
    /// What the responders of `key` should do next.
    pub async fn whats_next(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<IncidentWhatsNext, AppError> {
        // One read of the timeline serves the runbooks, the cadence and
        // the scenario: the console asks for this on every live refresh.
        let incident = self.get_incident(actor, key).await?;
        let timeline = self.whole_timeline(incident.id).await?;
        let attached = attached_in(&incident, &timeline);
        let runbooks = self.runbooks_with_agendas(incident, attached).await?;
        let incident = runbooks.incident;
        let plan = self.routing_context().await?;
        let users = self.store.list_users().await?;
        let now = self.now();
        let context = StepContext {
            incident: &incident,
            users: &users,
            plan: &plan,
            now,
        };

        let mut wanted = roles_wanted(runbooks.attached.iter().map(|a| &a.runbook));
        let cadence = self
            .cadence_of(&incident, &plan, Some(&timeline), now)
            .await?;
        if matches!(&cadence, Some((_, state)) if !matches!(state, CadenceState::Stopped { .. })) {
            // Someone has to write the updates the cadence owes.
            wanted.insert(RoleCode::communications());
        }

        // The groups a notify step of an attached runbook has yet to tell.
        let facts = UpdateFacts {
            severity: incident.severity.clone(),
            declared_at: incident.declared_at,
            milestones: incident.milestones,
            audience: context.audience(),
        };
        let mut stakeholder_updates: Vec<(String, StakeholderUpdate)> = Vec::new();
        for (attached, agenda) in runbooks.attached.iter().zip(&runbooks.agendas) {
            for (step, progress) in attached.runbook.steps().iter().zip(&agenda.steps) {
                let StepAction::NotifyStakeholders { group } = &step.action else {
                    continue;
                };
                let told = matches!(progress.next, NextRun::Finished)
                    && !progress.latest.as_ref().is_some_and(|r| r.is_pending());
                if told {
                    continue;
                }
                if let Some(group) = plan.audiences.group(group) {
                    stakeholder_updates
                        .push((group.name().to_owned(), update_due(group, &facts, now)));
                }
            }
        }

        let panel = whats_next(
            &WhatsNextInput {
                agendas: &runbooks.agendas,
                roles_wanted: &wanted,
                roles: &incident.roles,
                stakeholder_updates: &stakeholder_updates,
                cadence: cadence.as_ref().map(|(_, state)| state),
            },
            now,
        );
        let tasks = self.store.list_tasks(incident.id).await?;
        let scenario = comparison_in(&incident, &timeline, now);
        Ok(IncidentWhatsNext {
            scenario,
            incident,
            panel,
            cadence: cadence.map(|(cadence, _)| cadence),
            tasks,
        })
    }
}
