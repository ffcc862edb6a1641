//! Scheduled maintenance: announced to subscribers when a person schedules
//! it, then reminded, started and completed by the engine's look at the
//! windows that are due, each step told once (an optimistic version keeps
//! two nodes from telling it twice).

use muster_core::status_page::MaintenanceStatus;
use muster_core::status_page::maintenance::{
    Maintenance, MaintenanceNotice, NewMaintenance, next_look, notice_due, schedule, tell,
};
use muster_core::{Actor, MaintenanceId, Permission, PublicUpdateId, Timestamp};
use muster_store::StoreError;
use muster_store::status_page::MaintenanceWrite;
use uuid::Uuid;

use super::notices::capitalised;
use crate::accounts::require;
use crate::{App, AppError};

fn window_words(m: &Maintenance) -> String {
    format!(
        "{} to {} (UTC)",
        m.starts_at.strftime("%Y-%m-%d %H:%M"),
        m.ends_at.strftime("%Y-%m-%d %H:%M")
    )
}

impl App {
    async fn maintenance_notices(
        &self,
        m: &Maintenance,
        headline: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<Vec<muster_core::paging::Delivery>, AppError> {
        let subject = format!(
            "[{}] {headline}: {}",
            self.settings.status_page.name, m.name
        );
        let body = format!(
            "{body}\n\nWhen: {}\nAffected: {}",
            window_words(m),
            m.components.join(", ")
        );
        let affected: Vec<&str> = m.components.iter().map(String::as_str).collect();
        let link = self.status_url(&format!("/incidents/{}", m.id));
        self.subscriber_notices(&affected, &subject, &body, &link, now)
            .await
    }

    /// Schedules a window and announces it to subscribers.
    pub async fn schedule_maintenance(
        &self,
        actor: &Actor,
        new: NewMaintenance,
    ) -> Result<Maintenance, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let names = self.component_names().await?;
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        let now = self.now();
        let ids = (
            MaintenanceId(Uuid::now_v7()),
            PublicUpdateId(Uuid::now_v7()),
        );
        let maintenance = schedule(new, &known, ids, actor.user_id, now)?;
        let announcement = maintenance
            .updates
            .first()
            .map(|u| u.body.clone())
            .unwrap_or_default();
        let deliveries = self
            .maintenance_notices(&maintenance, "Scheduled maintenance", &announcement, now)
            .await?;
        self.store
            .write_maintenance(&MaintenanceWrite {
                maintenance: maintenance.clone(),
                expected_version: None,
                next_look_at: next_look(
                    &maintenance,
                    self.settings.status_page.maintenance_reminder,
                ),
                deliveries,
            })
            .await?;
        self.status_page_changed();
        self.wake_engine();
        Ok(maintenance)
    }

    pub async fn maintenances(&self, actor: &Actor) -> Result<Vec<Maintenance>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.list_maintenances().await?)
    }

    /// Ends a window early (or marks an overrun one done), telling
    /// subscribers.
    pub async fn complete_maintenance(
        &self,
        actor: &Actor,
        id: MaintenanceId,
    ) -> Result<Maintenance, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let now = self.now();
        let current = self
            .store
            .find_maintenance(id)
            .await?
            .ok_or_else(|| AppError::not_found("maintenance", id))?;
        if current.told.completed || current.set_by_hand == Some(MaintenanceStatus::Completed) {
            return Err(AppError::Conflict {
                code: "invalid_transition",
                message: "this maintenance is completed already".into(),
            });
        }
        let mut next = tell(
            &current,
            MaintenanceNotice::Completed,
            PublicUpdateId(Uuid::now_v7()),
            now,
        );
        next.set_by_hand = Some(MaintenanceStatus::Completed);
        self.write_told(&current, next, MaintenanceNotice::Completed, now)
            .await
    }

    async fn write_told(
        &self,
        current: &Maintenance,
        next: Maintenance,
        notice: MaintenanceNotice,
        now: Timestamp,
    ) -> Result<Maintenance, AppError> {
        let headline = match notice {
            MaintenanceNotice::Reminder => "Maintenance reminder".to_owned(),
            other => capitalised(&format!(
                "maintenance {}",
                match other {
                    MaintenanceNotice::Started => "in progress",
                    _ => "completed",
                }
            )),
        };
        let body = next
            .updates
            .last()
            .map(|u| u.body.clone())
            .unwrap_or_default();
        let deliveries = self
            .maintenance_notices(&next, &headline, &body, now)
            .await?;
        self.store
            .write_maintenance(&MaintenanceWrite {
                maintenance: next.clone(),
                expected_version: Some(current.version),
                next_look_at: next_look(&next, self.settings.status_page.maintenance_reminder),
                deliveries,
            })
            .await?;
        self.status_page_changed();
        self.wake_engine();
        Ok(next)
    }

    /// The engine's look at the windows that are due: each owed notice is
    /// published and sent once. Returns how many were told.
    pub async fn tell_maintenances_due(&self) -> Result<usize, AppError> {
        let now = self.now();
        let lead = self.settings.status_page.maintenance_reminder;
        let mut told = 0;
        for current in self.store.maintenances_due(now).await? {
            let Some(notice) = notice_due(&current, lead, now) else {
                // Looked at early (a clock step, a hand change): look again
                // when it is due.
                let mut same = current.clone();
                same.version += 1;
                let written = self
                    .store
                    .write_maintenance(&MaintenanceWrite {
                        maintenance: same,
                        expected_version: Some(current.version),
                        next_look_at: next_look(&current, lead).filter(|at| *at > now),
                        deliveries: Vec::new(),
                    })
                    .await;
                skip_lost_race(written)?;
                continue;
            };
            let next = tell(&current, notice, PublicUpdateId(Uuid::now_v7()), now);
            match self.write_told(&current, next, notice, now).await {
                Ok(_) => told += 1,
                Err(AppError::Conflict {
                    code: "version_conflict",
                    ..
                }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(told)
    }

    /// When the engine should next look at a window.
    pub async fn next_maintenance_look(&self) -> Result<Option<Timestamp>, AppError> {
        let lead = self.settings.status_page.maintenance_reminder;
        Ok(self
            .store
            .list_maintenances()
            .await?
            .iter()
            .filter_map(|m| next_look(m, lead))
            .min())
    }
}

/// Another node wrote the window first: it did the work.
fn skip_lost_race(written: Result<(), StoreError>) -> Result<(), AppError> {
    match written {
        Ok(()) | Err(StoreError::VersionConflict { .. }) => Ok(()),
        Err(other) => Err(other.into()),
    }
}
