//! `muster status export DIR` against the real binary: after an update is
//! published, the export holds the whole public site as static files — the
//! same JSON bytes the status listener serves, every page its links point
//! to, both feeds — and it still works with the server stopped, which is
//! the point: a plain web server elsewhere keeps the page up.

mod common;

use std::path::Path;
use std::process::Command;

use common::{BINARY, example_server};

/// Exports the page that lives at `url` (links in it name that address).
fn export(database: &str, url: &str, dir: &Path) -> std::process::Output {
    Command::new(BINARY)
        .args(["status", "export", "--database-url", database])
        .arg(dir)
        .env("MUSTER_LOG", "warn")
        .env("MUSTER_STATUS_URL", url)
        .output()
        .expect("run muster status export")
}

/// Every root-relative link of an exported page, as the file a static
/// host would serve for it.
fn linked_files(html: &str) -> Vec<String> {
    html.split("href=\"/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|path| {
            let path = path.split('#').next().unwrap_or_default();
            if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_owned()
            }
        })
        .collect()
}

#[test]
fn the_export_is_the_whole_public_site_and_needs_no_running_server() {
    let (dir, mut server, cli) = example_server();
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let client = reqwest::blocking::Client::new();
    let declared: serde_json::Value = client
        .post(format!("{}/api/v1/incidents", cli.url))
        .bearer_auth(&cli.token)
        .json(&serde_json::json!({"title": "Checkout errors"}))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("declared");
    let reference = declared["reference"].as_str().expect("a reference");
    // Published from the CLI, after a preview that publishes nothing.
    let preview = cli.ok(&[
        "update",
        "publish",
        reference,
        "--status",
        "identified",
        "--name",
        "Checkout is slow",
        "--message",
        "Payments take up to a minute; we found the cause.",
        "--component",
        "payments=degraded_performance",
        "--preview",
    ]);
    assert!(preview.contains("Would be published"), "{preview}");
    let (code, message) = cli.code(&[
        "update",
        "publish",
        reference,
        "--status",
        "identified",
        "--component",
        "payments",
    ]);
    assert_ne!(code, 0);
    assert!(message.contains("COMPONENT=STATUS"), "{message}");
    let (code, message) = cli.code(&[
        "update",
        "publish",
        reference,
        "--status",
        "sideways",
        "--message",
        "x",
    ]);
    assert_ne!(code, 0);
    assert!(message.contains("status"), "{message}");
    let published = cli.json(&[
        "update",
        "publish",
        reference,
        "--status",
        "identified",
        "--name",
        "Checkout is slow",
        "--message",
        "Payments take up to a minute; we found the cause.",
        "--component",
        "payments=degraded_performance",
    ]);
    assert_eq!(published["preview"], false);
    let public_id = published["incident"]["id"].as_str().expect("a public id");

    let site = tempfile::tempdir().expect("an export directory");
    let out = export(&database, &server.status, site.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "index.html",
        "history/index.html",
        "history.atom",
        "history.rss",
        "api/v2/summary.json",
        "api/v2/status.json",
        "api/v2/components.json",
        "api/v2/incidents.json",
        "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "api/v2/scheduled-maintenances/active.json",
    ] {
        assert!(site.path().join(file).is_file(), "{file} is exported");
    }
    let story = site
        .path()
        .join(format!("incidents/{public_id}/index.html"));
    let story = std::fs::read_to_string(&story).expect("the incident's own page");
    assert!(story.contains("Checkout is slow"));

    // The same bytes the listener serves.
    let live = client
        .get(format!("{}/api/v2/summary.json", server.status))
        .send()
        .and_then(|r| r.bytes())
        .expect("the live summary");
    let exported = std::fs::read(site.path().join("api/v2/summary.json")).expect("exported");
    assert_eq!(
        String::from_utf8_lossy(&live),
        String::from_utf8_lossy(&exported)
    );
    let summary: muster_status::statuspage::Summary =
        serde_json::from_slice(&exported).expect("a Statuspage summary");
    assert_eq!(summary.status.indicator, "minor");
    assert_eq!(summary.incidents[0].name, "Checkout is slow");

    // Every page the front page links to is in the export; no leftovers.
    let index = std::fs::read_to_string(site.path().join("index.html")).expect("index");
    assert!(index.contains("Checkout is slow") && index.contains("Degraded performance"));
    for file in linked_files(&index) {
        assert!(
            site.path().join(&file).is_file(),
            "{file} is linked but not exported"
        );
    }
    let partials = walk(site.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "partial"))
        .count();
    assert_eq!(partials, 0);

    // With muster stopped, the export still works from the database.
    let status_url = server.status.clone();
    let _ = server.child.kill();
    let _ = server.child.wait();
    let again = tempfile::tempdir().expect("a second export directory");
    let out = export(&database, &status_url, again.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(
            &std::fs::read(again.path().join("api/v2/summary.json")).expect("exported again")
        ),
        String::from_utf8_lossy(&exported)
    );

    // Into a file instead of a directory: a message and a non-zero exit.
    let blocker = again.path().join("api");
    std::fs::remove_dir_all(&blocker).expect("remove");
    std::fs::write(&blocker, "not a directory").expect("write a file");
    let out = export(&database, &status_url, again.path());
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("cannot create"), "{message}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
