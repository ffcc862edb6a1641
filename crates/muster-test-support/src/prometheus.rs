//! A real Prometheus server (Debian's `prometheus`) on 127.0.0.1, for the
//! journey from a failing scrape to a page: its own storage, the
//! configuration and rules it was given; killed when dropped.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use crate::skip;

fn binary() -> Option<std::path::PathBuf> {
    crate::peers::program("MUSTER_TEST_PROMETHEUS", &["prometheus"])
}

pub struct Prometheus {
    pub address: SocketAddr,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Prometheus {
    /// Starts one with `config` (a `prometheus.yml` that may name
    /// `rules.yml` beside it) and `rules`, waiting until it is ready; `None`
    /// (with a note, or a failure under `MUSTER_TEST_REQUIRE_ALL=1`) when
    /// Prometheus is not installed.
    pub async fn start(config: &str, rules: &str) -> Option<Self> {
        let Some(binary) = binary() else {
            skip(
                "Prometheus is not installed (Debian package prometheus, or MUSTER_TEST_PROMETHEUS)",
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("prometheus.yml"), config).expect("write prometheus.yml");
        std::fs::write(dir.path().join("rules.yml"), rules).expect("write rules.yml");
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("its log");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new(&binary)
            .current_dir(dir.path())
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("its log, twice"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut prometheus = Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            child,
        };
        let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = prometheus.child.try_wait() {
                panic!("Prometheus exited ({status}):\n{}", prometheus.log());
            }
            let ready = client
                .get(format!("http://{}/-/ready", prometheus.address))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Some(prometheus);
            }
            assert!(
                tokio::time::Instant::now() < give_up,
                "Prometheus was not ready within 30 s:\n{}",
                prometheus.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What it has logged (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
