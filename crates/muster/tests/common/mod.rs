//! Starting the real `muster` binary for tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const BINARY: &str = env!("CARGO_BIN_EXE_muster");

pub struct Server {
    pub child: Child,
    pub base: String,
    /// The public status page's listener.
    pub status: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `muster serve` on a free port and waits for it to say where it listens.
pub fn start(database_url: &str) -> Server {
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--status-listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("MUSTER_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start muster serve");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            for (kind, marker) in [(0, "listening on "), (1, "public status page on ")] {
                if let Some(rest) = line.split(marker).nth(1) {
                    let address = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = sender.send((kind, address));
                }
            }
        }
    });
    let (mut base, mut status) = (String::new(), String::new());
    while base.is_empty() || status.is_empty() {
        let (kind, address) = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("muster serve did not report its addresses");
        if kind == 0 {
            base = address;
        } else {
            status = address;
        }
    }
    Server {
        child,
        base,
        status,
    }
}

/// `muster admin token` straight on the database: creates the user if needed.
pub fn admin_token(database_url: &str, email: &str, role: &str) -> String {
    let output = Command::new(BINARY)
        .args([
            "admin",
            "token",
            "--email",
            email,
            "--role",
            role,
            "--database-url",
            database_url,
        ])
        .output()
        .expect("run muster admin token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// The texts of every note on INC-1's timeline, following the cursor.
pub async fn stored_notes(base: &str, token: &str) -> std::collections::HashSet<String> {
    let http = reqwest::Client::new();
    let mut notes = std::collections::HashSet::new();
    let mut cursor = String::new();
    loop {
        let page: serde_json::Value = http
            .get(format!(
                "{base}/api/v1/incidents/INC-1/timeline?limit=1000&cursor={cursor}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("timeline")
            .json()
            .await
            .expect("json");
        for entry in page["entries"].as_array().into_iter().flatten() {
            if let Some(text) = entry["text"].as_str().filter(|_| entry["kind"] == "note") {
                notes.insert(text.to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return notes,
        }
    }
}

/// The CLI pointed at one server with one token, in a home of its own.
pub struct Cli {
    pub url: String,
    pub token: String,
    pub home: tempfile::TempDir,
}

impl Cli {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BINARY)
            .args(args)
            .env("MUSTER_URL", &self.url)
            .env("MUSTER_TOKEN", &self.token)
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("HOME", self.home.path())
            .env_remove("MUSTER_PROFILE")
            .output()
            .expect("run muster")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "muster {args:?} failed ({:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    pub fn code(&self, args: &[&str]) -> (i32, String) {
        let output = self.run(args);
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// The API's own answer, to compare the CLI's JSON with.
    pub fn api(&self, path: &str) -> serde_json::Value {
        reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .expect("GET")
            .error_for_status()
            .expect("2xx")
            .json()
            .expect("JSON")
    }
}

/// A server on a fresh SQLite file with `examples/plan/` applied, and the
/// CLI pointed at it as an admin. Keep the directory and the server alive
/// as long as the CLI is used.
pub fn example_server() -> (tempfile::TempDir, Server, Cli) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    cli.ok(&["plan", "apply", &examples.display().to_string()]);
    (dir, server, cli)
}
