//! Declaring an incident: the names people type resolved in the catalog,
//! what it takes down assessed, the runbooks whose conditions hold attached,
//! the pages it raises decided, and all of it committed in one write.

use muster_core::catalog::Catalog;
use muster_core::catalog::impact::assess;
use muster_core::catalog::search::rank;
use muster_core::paging::PageTarget;
use muster_core::plan::PlanDocument;
use muster_core::runbook::{PlannedRunbook, attach_due};
use muster_core::{
    Actor, FieldError, Incident, IncidentId, NewIncident, Permission, Slug, TimelineEvent,
};
use muster_plan::runbooks::RunbooksPlan;
use muster_store::routing::IncidentInsert;
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::entries;
use crate::{App, AppError};

/// Names as people type them → catalog entries, or an error per name.
fn resolve_targets(
    catalog: &Catalog,
    services: &[String],
    functionalities: &[String],
) -> Result<(Vec<Slug>, Vec<Slug>), AppError> {
    let mut errors = Vec::new();
    let mut found_services = Vec::new();
    for (index, raw) in services.iter().enumerate() {
        match Slug::parse("service", raw)
            .ok()
            .filter(|s| catalog.service(s).is_some())
        {
            Some(slug) => found_services.push(slug),
            None => errors.push(FieldError::new(
                format!("services[{index}]"),
                format!("no service named {raw:?}"),
            )),
        }
    }
    let mut found_functionalities = Vec::new();
    for (index, raw) in functionalities.iter().enumerate() {
        let exact = Slug::parse("functionality", raw)
            .ok()
            .filter(|s| catalog.functionality(s).is_some());
        let matched = exact.or_else(|| {
            rank(raw, &catalog.functionalities)
                .first()
                .map(|(f, _)| f.slug.clone())
        });
        match matched {
            Some(slug) => found_functionalities.push(slug),
            None => {
                let known: Vec<&str> = catalog
                    .functionalities
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect();
                errors.push(FieldError::new(
                    format!("functionalities[{index}]"),
                    format!(
                        "no functionality matches {raw:?}; known: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok((found_services, found_functionalities))
    } else {
        Err(AppError::Invalid(errors))
    }
}

impl App {
    pub async fn declare_incident(
        &self,
        actor: &Actor,
        input: NewIncident,
    ) -> Result<Incident, AppError> {
        self.declare_incident_on(actor, input, &[], &[]).await
    }

    /// Declares an incident on services and functionalities (as customers
    /// say them: "can't log in" finds Login), recording what they take with
    /// them and the teams that own it all.
    pub async fn declare_incident_on(
        &self,
        actor: &Actor,
        input: NewIncident,
        services: &[String],
        functionalities: &[String],
    ) -> Result<Incident, AppError> {
        let insert = self
            .declaration(actor, input, services, functionalities, Vec::new())
            .await?;
        self.commit_declaration(insert).await
    }

    /// Declares an incident, started from the plan's scenario `scenario`
    /// when one is named (see [`App::declare_from_scenario`]).
    pub async fn declare_incident_from(
        &self,
        actor: &Actor,
        input: NewIncident,
        services: &[String],
        functionalities: &[String],
        scenario: Option<&str>,
    ) -> Result<Incident, AppError> {
        match scenario.map(str::trim).filter(|s| !s.is_empty()) {
            Some(scenario) => {
                self.declare_from_scenario(actor, input, services, functionalities, scenario)
                    .await
            }
            None => {
                self.declare_incident_on(actor, input, services, functionalities)
                    .await
            }
        }
    }

    /// Stores a decided declaration and numbers it.
    pub(crate) async fn commit_declaration(
        &self,
        insert: IncidentInsert,
    ) -> Result<Incident, AppError> {
        let IncidentInsert {
            mut incident,
            timeline,
            pages,
        } = insert;
        incident.number = self
            .store
            .insert_incident(&incident, &timeline, &pages)
            .await?;
        self.declared(&incident, pages.len());
        Ok(incident)
    }

    /// What declaring writes, decided but not stored: the incident (not yet
    /// numbered), its first timeline entries with `extra` after the
    /// declaration's own, and the pages it raises on its services and
    /// functionalities. For declarations committed with more (an alert
    /// attached, `attach.rs`).
    pub(crate) async fn declaration(
        &self,
        actor: &Actor,
        mut input: NewIncident,
        services: &[String],
        functionalities: &[String],
        extra: Vec<TimelineEvent>,
    ) -> Result<IncidentInsert, AppError> {
        let mut catalog = None;
        let mut targets = Vec::new();
        if !services.is_empty() || !functionalities.is_empty() {
            let loaded = self.store.load_catalog().await?;
            let (services, functionalities) = resolve_targets(&loaded, services, functionalities)?;
            input.affected = assess(&loaded, &services, &functionalities);
            // What customers cannot do pages the team that owns it first
            // ("pitchfork alerting"), then the owners of named services.
            targets.extend(functionalities.into_iter().map(PageTarget::Functionality));
            targets.extend(services.into_iter().map(PageTarget::Service));
            catalog = Some(loaded);
        }
        let now = self.now();
        let (mut incident, mut events) = Incident::declare(
            IncidentId(Uuid::now_v7()),
            input,
            actor,
            &self.settings.rules(),
            now,
        )?;
        // The plan's runbooks come with the routing context: read once a
        // second at most, and again at once after an apply on this node.
        let context = self.routing_context().await?;
        events.extend(attach_due(
            &mut incident,
            &context.runbooks,
            &self.settings.severities,
        ));
        let (pages, paging) = match &catalog {
            Some(catalog) => {
                self.declaration_pages(&incident, catalog, targets, now)
                    .await?
            }
            None => (Vec::new(), Vec::new()),
        };
        events.extend(extra);
        events.extend(paging);
        let timeline = entries(incident.id, actor, now, events);
        Ok(IncidentInsert {
            incident,
            timeline,
            pages,
        })
    }

    /// The plan's runbooks by name, and the stored documents that do not read.
    pub async fn runbooks(&self, actor: &Actor) -> Result<RunbooksPlan, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let documents = self.store.load_plan_documents().await?;
        Ok(muster_plan::runbooks::runbooks(&documents))
    }

    /// After a declaration committed (numbered): log it, and let the engine
    /// fire the pages it raised.
    pub(crate) fn declared(&self, incident: &Incident, pages: usize) {
        tracing::info!(incident = %incident.number, severity = %incident.severity, pages, "incident declared");
        self.wake_steps();
        if pages > 0 {
            self.wake_engine();
        }
    }
}

/// The runbooks among the plan's documents, to attach by condition. A
/// document that does not read (an apply validates them, so only one stored
/// before a reader change) attaches to nothing, and says so in the log.
pub(crate) fn runbooks_of(documents: &[PlanDocument]) -> Vec<PlannedRunbook> {
    let plan = muster_plan::runbooks::runbooks(documents);
    for problem in &plan.problems {
        tracing::warn!(%problem, "a runbook of the plan does not read; it attaches to nothing");
    }
    plan.runbooks
}
