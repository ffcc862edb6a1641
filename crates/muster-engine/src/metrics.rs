//! The engine's telemetry: `muster_engine_*` counters and histograms.

use muster_core::Timestamp;
use muster_core::paging::{AttemptOutcome, Delivery, SinkKind};
use muster_store::Fired;

/// Registers the help text of every engine metric.
pub fn describe_metrics() {
    metrics::describe_counter!(
        "muster_engine_steps_fired_total",
        "Escalation steps fired by this node."
    );
    metrics::describe_histogram!(
        "muster_engine_step_lateness_seconds",
        metrics::Unit::Seconds,
        "How long after its due time an escalation step fired."
    );
    metrics::describe_histogram!(
        "muster_engine_delivery_wait_seconds",
        metrics::Unit::Seconds,
        "How long a due delivery waited in the outbox before this node claimed it."
    );
    metrics::describe_counter!(
        "muster_engine_delivery_attempts_total",
        "Delivery send attempts by this node, by sink and outcome (sent, retryable, permanent)."
    );
}

pub(crate) fn fired(fired: &[Fired], now: Timestamp) {
    if fired.is_empty() {
        return;
    }
    metrics::counter!("muster_engine_steps_fired_total").increment(fired.len() as u64);
    for step in fired {
        let late = now.duration_since(step.due_at).as_secs_f64().max(0.0);
        metrics::histogram!("muster_engine_step_lateness_seconds").record(late);
    }
}

pub(crate) fn claimed(deliveries: &[Delivery], now: Timestamp) {
    for delivery in deliveries {
        let waited = now.duration_since(delivery.due_at).as_secs_f64().max(0.0);
        metrics::histogram!("muster_engine_delivery_wait_seconds").record(waited);
    }
}

pub(crate) fn attempt(sink: SinkKind, outcome: &AttemptOutcome) {
    let outcome = match outcome {
        AttemptOutcome::Sent => "sent",
        AttemptOutcome::Retryable { .. } => "retryable",
        AttemptOutcome::Permanent { .. } => "permanent",
    };
    metrics::counter!("muster_engine_delivery_attempts_total", "sink" => sink.as_str(), "outcome" => outcome)
        .increment(1);
}
