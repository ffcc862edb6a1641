//! The review reminder module: every plan document has an owner and a
//! review period, and once a review falls due its owner is reminded. A
//! reminder is recorded (shown on the console's overdue page) and logged;
//! recording is idempotent per document and due date, so every node may run
//! this module side by side.

use std::time::Duration;

use muster_app::App;
use tokio::sync::watch;

pub(crate) async fn run(app: App, every: Duration, mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
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
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopped.changed() => {}
        }
    }
}
