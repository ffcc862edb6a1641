//! Size and speed: ten thousand entities, YAML bombs, oversize files and
//! the limits that keep one import bounded.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use muster_core::catalog::{Criticality, Slug};
use muster_plan::backstage::{DiskSource, MAX_ENTITIES, MAX_FILE_BYTES, MemorySource, import};

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

#[test]
fn ten_thousand_components_import_in_well_under_a_few_seconds() {
    let mut text = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: core\nspec:\n  owner: team-0\n",
    );
    for t in 0..100 {
        write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\nspec:\n  type: team\n  profile:\n    email: team-{t}@example.com\n  children: []\n"
        )
        .unwrap();
    }
    for i in 0..10_000 {
        write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  description: Service number {i}\n  tags: [generated]\n  links:\n    - url: https://grafana.example.com/d/{i}\n      title: Dashboard\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n  system: core\n",
            i % 100
        )
        .unwrap();
        if i % 10 != 0 {
            writeln!(text, "  dependsOn: [component:svc-{}]", i - 1).unwrap();
        }
    }
    let bytes = text.len();
    let source = MemorySource::new().with("big/catalog-info.yaml", text);
    let start = Instant::now();
    let import = import(Path::new("big/catalog-info.yaml"), &source).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "backstage import: 10,101 entities ({} KiB) parsed and mapped in {elapsed:?} ({} build)",
        bytes / 1024,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    assert_eq!(import.catalog.services.len(), 10_000);
    assert_eq!(import.catalog.teams.len(), 100);
    assert!(import.warnings.is_empty(), "{:?}", import.warnings.first());
    let svc = import.catalog.service(&slug("svc-1234")).unwrap();
    assert_eq!(svc.owner_team, Some(slug("team-34")));
    assert_eq!(svc.depends_on, [(slug("svc-1233"), Criticality::Hard)]);
    assert_eq!(svc.tags, ["generated", "system:core"]);
    assert_eq!(svc.links[0].url, "https://grafana.example.com/d/1234");
    assert!(
        import
            .catalog
            .service(&slug("svc-1230"))
            .unwrap()
            .depends_on
            .is_empty()
    );
    assert_eq!(import.origins.len(), 10_100);
}

#[test]
fn a_billion_laughs_fails_fast_with_a_clear_error() {
    let mut text = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lol\n  annotations:\n    a0: &a0 \"lol\"\n",
    );
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        writeln!(text, "    a{level}: &a{level} [{refs}]").unwrap();
    }
    text.push_str("spec:\n  type: service\n  lifecycle: production\n  owner: nobody\n");
    let source = MemorySource::new().with("lol.yaml", text);
    let start = Instant::now();
    let errors = import(Path::new("lol.yaml"), &source).unwrap_err();
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors[0].to_string();
    assert!(error.starts_with("lol.yaml:"), "{error}");
    assert!(error.contains("billion laughs"), "{error}");

    // Wide rather than deep: one big anchored list, aliased many times, stays
    // under the parser's own repetition limit but not under the node budget.
    let items = vec!["x"; 5_000].join(", ");
    let aliases = vec!["*wide"; 1_000].join(", ");
    let text = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: wide\n  annotations:\n    a: &wide [{items}]\nspec:\n  many: [{aliases}]\n"
    );
    let source = MemorySource::new().with("wide.yaml", text);
    let start = Instant::now();
    let errors = import(Path::new("wide.yaml"), &source).unwrap_err();
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors[0].to_string();
    assert!(error.starts_with("wide.yaml:6:"), "{error}");
    assert!(
        error.ends_with(
            ": the document expands to more than 100000 YAML nodes (aliases included); \
             refused, as a \"billion laughs\" document would be"
        ),
        "{error}"
    );

    // Anchors and aliases in moderation are fine.
    let modest = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  description: &d Same words twice
spec:
  type: team
  profile:
    displayName: *d
";
    let source = MemorySource::new().with("ok.yaml", modest);
    let import = import(Path::new("ok.yaml"), &source).unwrap();
    assert_eq!(import.catalog.teams[0].name, "Same words twice");
}

#[test]
fn oversize_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &root,
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets: [./huge.yaml]\n",
    )
    .unwrap();
    // Sparse: no 16 MiB are written, and none are read.
    let huge = std::fs::File::create(dir.path().join("huge.yaml")).unwrap();
    huge.set_len(MAX_FILE_BYTES + 1).unwrap();
    let errors = import(&root, &DiskSource).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].column), (6, 3));
    assert!(
        errors[0].message.ends_with(&format!(
            "huge.yaml: the file is {} bytes; files over 16 MiB are refused",
            MAX_FILE_BYTES + 1
        )),
        "{}",
        errors[0]
    );
    let errors = import(&dir.path().join("huge.yaml"), &DiskSource).unwrap_err();
    assert_eq!(errors[0].line, 0, "the root as a whole");

    // A source that does not check is checked after reading.
    let big = "#".repeat(MAX_FILE_BYTES as usize + 1);
    let source = MemorySource::new().with("big.yaml", big);
    let errors = import(Path::new("big.yaml"), &source).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        format!(
            "big.yaml: the file is {} bytes; files over 16 MiB are refused",
            MAX_FILE_BYTES + 1
        )
    );

    let binary = dir.path().join("binary.yaml");
    std::fs::write(&binary, [0x61, 0xff, 0xfe]).unwrap();
    let errors = import(&binary, &DiskSource).unwrap_err();
    assert!(errors[0].message.contains("not UTF-8"), "{}", errors[0]);
}

#[test]
fn the_number_of_entities_is_bounded() {
    let text = "---\n{}\n".repeat(MAX_ENTITIES + 1);
    let source = MemorySource::new().with("many.yaml", text);
    let errors = import(Path::new("many.yaml"), &source).unwrap_err();
    let last = errors.last().unwrap().to_string();
    assert_eq!(
        last,
        format!(
            "many.yaml:{}:1: the import holds more than {MAX_ENTITIES} entities; refused",
            2 * MAX_ENTITIES + 2
        )
    );
}
