//! Scheduled maintenance: announced to subscribers when a person schedules
//! it, then reminded, started and completed by the engine's look at the
//! windows that are due, each step told once (an optimistic version keeps
//! two nodes from telling it twice).

use muster_core::status_page::MaintenanceStatus;
use muster_core::status_page::maintenance::{
    Maintenance, MaintenanceNotice, NewMaintenance, move_by_hand, next_look, notice_due, schedule,
    tell,
};
use muster_core::{Actor, MaintenanceId, Permission, PublicUpdateId, Timestamp};
use muster_store::StoreError;
use muster_store::status_page::MaintenanceWrite;
use uuid::Uuid;

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

    /// Moves a window on by hand (`in_progress` early, `verifying`,
    /// `completed`), telling subscribers.
    pub async fn move_maintenance(
        &self,
        actor: &Actor,
        id: MaintenanceId,
        status: &str,
        body: Option<&str>,
    ) -> Result<Maintenance, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let to = MaintenanceStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status.trim())
            .ok_or_else(|| {
                AppError::invalid(
                    "status",
                    format!("expected in_progress, verifying or completed, got {status:?}"),
                )
            })?;
        let now = self.now();
        let current = self
            .store
            .find_maintenance(id)
            .await?
            .ok_or_else(|| AppError::not_found("maintenance", id))?;
        let next = move_by_hand(&current, to, body, PublicUpdateId(Uuid::now_v7()), now)?;
        let headline = match to {
            MaintenanceStatus::Verifying => "Maintenance being verified",
            MaintenanceStatus::Completed => "Maintenance completed",
            _ => "Maintenance in progress",
        };
        self.write_told(&current, next, headline, now).await
    }

    /// Ends a window now (early, or one that overran), telling subscribers.
    pub async fn complete_maintenance(
        &self,
        actor: &Actor,
        id: MaintenanceId,
    ) -> Result<Maintenance, AppError> {
        self.move_maintenance(actor, id, MaintenanceStatus::Completed.as_str(), None)
            .await
    }

    async fn write_told(
        &self,
        current: &Maintenance,
        next: Maintenance,
        headline: &str,
        now: Timestamp,
    ) -> Result<Maintenance, AppError> {
        let body = next
            .updates
            .last()
            .map(|u| u.body.clone())
            .unwrap_or_default();
        let deliveries = self
            .maintenance_notices(&next, headline, &body, now)
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
            let headline = match notice {
                MaintenanceNotice::Reminder => "Maintenance reminder",
                MaintenanceNotice::Started => "Maintenance in progress",
                MaintenanceNotice::Completed => "Maintenance completed",
            };
            match self.write_told(&current, next, headline, now).await {
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
