//! Outside programs the tests drive (Python's aiosmtpd, Synapse), and
//! waiting for them without sleeping blindly.

use std::future::Future;
use std::process::Stdio;
use std::time::Duration;

/// Whether every optional outside program must be present (CI), so that a
/// skip becomes a failure.
pub fn require_all() -> bool {
    std::env::var("MUSTER_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Prints why a test is skipped, or fails it when CI requires everything.
pub fn skip(reason: &str) {
    assert!(!require_all(), "MUSTER_TEST_REQUIRE_ALL=1 but {reason}");
    eprintln!("skipping: {reason}");
}

/// A Python interpreter that can import `module`: the one named by the
/// environment variable `env` if set, else `python3`.
pub async fn python_with(module: &str, env: &str) -> Option<String> {
    let python = std::env::var(env)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let status = tokio::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    match status {
        Ok(status) if status.success() => Some(python),
        _ => None,
    }
}

/// Polls `check` until it gives a value, failing after `deadline`.
pub async fn until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let give_up = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
