//! The layering rules of ARCHITECTURE.md, checked on every test run: each
//! crate may depend only on the workspace crates listed for it here.

use std::collections::BTreeMap;
use std::path::Path;

/// Allowed workspace dependencies (normal, not dev) per crate.
const ALLOWED: &[(&str, &[&str])] = &[
    ("muster-core", &[]),
    ("muster-store", &["muster-core"]),
    ("muster-store-sqlite", &["muster-core", "muster-store"]),
    ("muster-store-postgres", &["muster-core", "muster-store"]),
    ("muster-api-types", &["muster-core"]),
    ("muster-plan", &["muster-core"]),
    ("muster-sinks", &["muster-core"]),
    ("muster-ingest", &["muster-core"]),
    (
        "muster-engine",
        &["muster-core", "muster-store", "muster-app", "muster-sinks"],
    ),
    ("muster-ui", &["muster-core"]),
    ("muster-status", &["muster-core"]),
    (
        "muster-app",
        &[
            "muster-core",
            "muster-store",
            "muster-plan",
            "muster-ingest",
        ],
    ),
    (
        "muster-server",
        &[
            "muster-core",
            "muster-store",
            "muster-app",
            "muster-api-types",
            "muster-ui",
            "muster-status",
            "muster-plan",
            "muster-sinks",
            "muster-ingest",
        ],
    ),
    ("muster-client", &["muster-api-types"]),
    (
        "muster",
        &[
            "muster-core",
            "muster-store",
            "muster-store-sqlite",
            "muster-store-postgres",
            "muster-app",
            "muster-api-types",
            "muster-server",
            "muster-client",
            "muster-plan",
            "muster-engine",
            "muster-sinks",
            "muster-status",
            "muster-ingest",
        ],
    ),
    (
        "muster-test-support",
        &[
            "muster-core",
            "muster-store",
            "muster-store-sqlite",
            "muster-store-postgres",
            "muster-app",
            "muster-server",
            "muster-engine",
            "muster-sinks",
            "muster-status",
        ],
    ),
];

fn workspace_dependencies(manifest: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]" || line.starts_with("[dependencies.");
            if let Some(name) = line
                .strip_prefix("[dependencies.")
                .and_then(|l| l.strip_suffix(']'))
                && name.starts_with("muster")
            {
                deps.push(name.to_owned());
            }
            continue;
        }
        if in_dependencies {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            if name.starts_with("muster") {
                deps.push(name.to_owned());
            }
        }
    }
    deps
}

#[test]
fn crates_depend_only_inwards() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates folder");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(crates).expect("read crates") {
        let path = entry.expect("entry").path().join("Cargo.toml");
        let Ok(manifest) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let rules = allowed.get(name.as_str()).unwrap_or_else(|| {
            panic!("crate {name} has no layering rule; add it here and to ARCHITECTURE.md")
        });
        for dependency in workspace_dependencies(&manifest) {
            assert!(
                rules.contains(&dependency.as_str()),
                "{name} must not depend on {dependency}"
            );
        }
        seen.push(name);
    }
    assert!(
        seen.len() >= 10,
        "expected the whole workspace, saw {seen:?}"
    );
}

#[test]
fn the_architecture_map_mentions_every_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for (name, _) in ALLOWED {
        assert!(
            map.contains(&format!("`crates/{name}`")),
            "ARCHITECTURE.md does not describe crates/{name}"
        );
    }
}

#[test]
fn the_core_does_no_io() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-core/src");
    let mut stack = vec![core];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("read source");
            for forbidden in [
                "std::fs",
                "std::net",
                "tokio",
                "Timestamp::now",
                "SystemTime",
                "now_v7",
                "serde",
            ] {
                assert!(
                    !source.contains(forbidden),
                    "{} uses {forbidden}: the core must stay pure",
                    path.display()
                );
            }
        }
    }
}
