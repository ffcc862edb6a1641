//! Bad input, each problem reported at its file, line and column, and all
//! of them at once.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use muster_plan::backstage::{Import, Located, MemorySource, import};

fn run(files: &[(&str, &str)]) -> Result<Import, Vec<Located>> {
    let mut source = MemorySource::new();
    for (path, text) in files {
        source.insert(*path, *text);
    }
    import(Path::new(files[0].0), &source)
}

fn errors(files: &[(&str, &str)]) -> Vec<String> {
    run(files)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: website
  lifecycle: production
  owner: team-a
  dependsOn:
    - component:ghost
    - db
";

#[test]
fn references_to_things_the_import_does_not_define_are_errors() {
    let found = errors(&[("catalog-info.yaml", COMPONENT)]);
    assert_eq!(
        found,
        [
            "catalog-info.yaml:8:3: Component web: spec.owner: \"team-a\" refers to Group team-a, which this import does not define",
            "catalog-info.yaml:9:3: Component web: spec.dependsOn: \"component:ghost\" refers to Component ghost, which this import does not define",
            "catalog-info.yaml:9:3: Component web: spec.dependsOn: \"db\" needs a kind, like component:db or resource:db",
        ]
    );
}

#[test]
fn an_entity_defined_twice_names_the_first_definition() {
    let group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: Team-A\nspec:\n  type: team\n";
    let root = format!(
        "{group}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [./more.yaml]\n"
    );
    let more = format!(
        "# the same team again\n{}",
        group.replace("Team-A", "team-a")
    );
    let found = errors(&[("catalog-info.yaml", &root), ("more.yaml", &more)]);
    assert_eq!(
        found,
        [
            "more.yaml:5:3: Group team-a: is defined twice; the first definition is at catalog-info.yaml:1"
        ]
    );
    let namespaced = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: guest\n  namespace: development\nspec:\n  type: team\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: development-guest\nspec:\n  type: team\n";
    assert_eq!(
        errors(&[("g.yaml", namespaced)]),
        [
            "g.yaml:12:3: Group development-guest: becomes the muster team development-guest, as Group development/guest (g.yaml:1) does; rename one"
        ]
    );
}

#[test]
fn bad_yaml_and_unknown_kinds_are_all_reported_at_once() {
    let text = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: ok
spec:
  type: team
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: [broken
spec:
  type: team
---
apiVersion: backstage.io/v1alpha1
kind: Componnet
metadata:
  name: typo
---
apiVersion: v1
kind: Service
metadata:
  name: k8s
---
just text
";
    let found = errors(&[("catalog-info.yaml", text)]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found[0].starts_with("catalog-info.yaml:12:5: did not find expected ',' or ']'"),
        "the parser's own line and column: {found:#?}"
    );
    assert!(found[0].contains("at line 11 column 9"), "{found:#?}");
    assert_eq!(
        found[1],
        "catalog-info.yaml:16:1: kind: unknown kind \"Componnet\"; expected one of Component, Resource, System, Domain, API, Group, User, Location"
    );
    assert_eq!(
        found[2],
        "catalog-info.yaml:20:1: apiVersion: expected backstage.io/<version> (like backstage.io/v1alpha1), got \"v1\""
    );
    assert_eq!(
        found[3],
        "catalog-info.yaml:25:1: expected an entity (a mapping with apiVersion, kind, metadata and spec), got a string"
    );
}

#[test]
fn wrong_types_name_the_field_and_its_line() {
    let text = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  tags: web
  annotations:
    muster.io/tier: 9
spec:
  type: website
  lifecycle: production
  owner: [a, b]
  system: {name: x}
";
    assert_eq!(
        errors(&[("c.yaml", text)]),
        [
            "c.yaml:5:3: Component web: metadata.tags: expected a list of strings, got a string",
            "c.yaml:7:5: Component web: metadata.annotations.muster.io/tier: expected 1 (most critical) to 4",
            "c.yaml:11:3: Component web: spec.owner: expected a string, got a list",
            "c.yaml:12:3: Component web: spec.system: expected a string, got a mapping",
        ]
    );
    let missing = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\nspec:\n  lifecycle: production\n";
    assert_eq!(
        errors(&[("c.yaml", missing)]),
        [
            "c.yaml:1:1: Component web: spec.owner: is required",
            "c.yaml:1:1: Component web: spec.type: is required",
        ]
    );
}

#[test]
fn located_problems_read_as_file_line_column() {
    let at = Located {
        file: "a/b.yaml".into(),
        line: 3,
        column: 7,
        message: "spec.owner: is required".into(),
    };
    assert_eq!(at.to_string(), "a/b.yaml:3:7: spec.owner: is required");
    let whole = Located {
        line: 0,
        column: 0,
        ..at
    };
    assert_eq!(whole.to_string(), "a/b.yaml: spec.owner: is required");
}
