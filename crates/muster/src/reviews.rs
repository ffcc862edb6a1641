//! The review reminder loop: every plan document has an owner and a review
//! period, and once a review falls due its owner is reminded. Until the
//! notification sinks exist a reminder is recorded (shown on the console's
//! overdue page) and logged. Recording is idempotent per document and due
//! date, so several nodes may run this loop side by side.

use std::time::Duration;

use muster_app::App;

/// How often overdue reviews are looked for: due dates are days, so a few
/// times an hour is prompt enough and costs one small query.
const EVERY: Duration = Duration::from_secs(15 * 60);

/// Runs until the returned handle is aborted.
pub fn spawn(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match app.record_review_reminders().await {
                Ok(recorded) => {
                    for reminder in recorded {
                        tracing::info!(
                            kind = %reminder.kind,
                            name = %reminder.name,
                            owner = reminder.owner.as_deref().unwrap_or("-"),
                            due = %reminder.due,
                            "plan review overdue; reminder recorded for its owner"
                        );
                    }
                }
                // A busy or restarting database is retried on the next tick.
                Err(error) => tracing::warn!(%error, "could not record review reminders"),
            }
        }
    })
}
