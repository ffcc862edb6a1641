//! Small catalogs written here: the mapping rules and how Locations are
//! followed (bad input is in backstage_errors.rs).

#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use muster_core::catalog::changes::EntryKind;
use muster_core::catalog::{Criticality, Lifecycle, Link, Service, Slug, TeamMember};
use muster_plan::backstage::{Import, Located, MemorySource, Source, import};

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

/// Counts how often each file is read.
struct Counting {
    files: MemorySource,
    reads: RefCell<BTreeMap<PathBuf, usize>>,
}

impl Source for Counting {
    fn read(&self, path: &Path) -> Result<String, std::io::Error> {
        *self
            .reads
            .borrow_mut()
            .entry(path.to_path_buf())
            .or_default() += 1;
        self.files.read(path)
    }
}

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

const ROOT: &str = "apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: company
spec:
  targets:
    - ./org/teams.yaml
    - ./services/payments.yaml
";

const TEAMS: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  title: Payments Team
  description: Money in, money out
spec:
  type: team
  profile:
    email: Payments@Example.com
  children: []
  members: [user:ops/Ada]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
  namespace: infra
spec:
  type: team
  profile:
    displayName: Platform
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ada
  namespace: ops
spec:
  profile:
    displayName: Ada Lovelace
    email: ada@example.com
  memberOf: [group:default/payments, group:infra/platform]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: grace
spec:
  memberOf: [payments]
";

const SERVICES: &str = "apiVersion: backstage.io/v1alpha1
kind: Domain
metadata:
  name: commerce
spec:
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: checkout
spec:
  owner: payments
  domain: commerce
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-api
  title: Checkout API
  description: Takes the money
  tags: [rust, c++]
  annotations:
    muster.io/tier: \"1\"
    muster.io/rollback-plan: Redeploy the previous tag.
  links:
    - url: https://grafana.example.com/d/checkout
      title: Dashboard
    - url: https://wiki.example.com/checkout
      title: How to fix it
      type: runbook
    - url: ftp://files.example.com/x
      title: Old files
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  system: checkout
  dependsOn: [resource:payments-db, component:infra/ledger, api:checkout]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  namespace: infra
spec:
  type: service
  lifecycle: beta
  owner: platform
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
spec:
  type: database
  owner: user:ops/ada
  dependencyOf: [component:infra/ledger]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: checkout
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: 'openapi: 3.0.0'
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: new-service
spec: {}
";

fn mini() -> Result<Import, Vec<Located>> {
    run(&[
        ("catalog-info.yaml", ROOT),
        ("org/teams.yaml", TEAMS),
        ("services/payments.yaml", SERVICES),
    ])
}

#[test]
fn a_small_company_maps_to_teams_users_and_services() {
    let import = mini().unwrap();
    let teams: Vec<(&str, &str, &str)> = import
        .catalog
        .teams
        .iter()
        .map(|t| (t.slug.as_str(), t.name.as_str(), t.contact_channel.as_str()))
        .collect();
    assert_eq!(
        teams,
        [
            ("infra-platform", "Platform", ""),
            ("payments", "Payments Team", "payments@example.com")
        ]
    );
    let member = |email: &str| TeamMember {
        email: email.into(),
        role: "member".into(),
    };
    assert_eq!(
        import.catalog.teams[1].members,
        [
            member("ada@example.com"),
            member("grace@users.backstage.invalid")
        ]
    );
    assert_eq!(import.catalog.teams[0].members, [member("ada@example.com")]);
    let users: Vec<(&str, &str, &str)> = import
        .users
        .iter()
        .map(|u| (u.slug.as_str(), u.name.as_str(), u.email.as_str()))
        .collect();
    assert_eq!(
        users,
        [
            ("ops-ada", "Ada Lovelace", "ada@example.com"),
            ("grace", "grace", "grace@users.backstage.invalid")
        ]
    );

    let link = |title: &str, url: &str| Link::new("l", title, url).unwrap();
    assert_eq!(
        import.catalog.service(&slug("checkout-api")).unwrap(),
        &Service {
            slug: slug("checkout-api"),
            name: "Checkout API".into(),
            description: "Takes the money".into(),
            owner_team: Some(slug("payments")),
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![link("Dashboard", "https://grafana.example.com/d/checkout")],
            runbooks: vec![link("How to fix it", "https://wiki.example.com/checkout")],
            rollback_plan: "Redeploy the previous tag.".into(),
            tags: vec![
                "domain:commerce".into(),
                "rust".into(),
                "system:checkout".into()
            ],
            depends_on: vec![
                (slug("infra-ledger"), Criticality::Hard),
                (slug("payments-db"), Criticality::Hard)
            ],
        }
    );
    let ledger = import.catalog.service(&slug("infra-ledger")).unwrap();
    assert_eq!(ledger.owner_team, Some(slug("infra-platform")));
    assert_eq!(ledger.lifecycle, Lifecycle::Experimental);
    assert_eq!(ledger.tier, 3);
    assert_eq!(
        ledger.depends_on,
        [(slug("payments-db"), Criticality::Hard)]
    );
    let db = import.catalog.service(&slug("payments-db")).unwrap();
    assert_eq!(
        (db.owner_team.as_ref(), db.lifecycle),
        (None, Lifecycle::Production)
    );
    assert_eq!(db.kind, "database");
    assert!(import.catalog.validate().is_empty());

    let origin = &import.origins[&(EntryKind::Service, slug("infra-ledger"))];
    assert_eq!(
        (origin.file.as_path(), origin.line),
        (Path::new("services/payments.yaml"), 41)
    );
    assert_eq!(import.origins.len(), 5);

    let warnings: Vec<String> = import.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "org/teams.yaml:36:1: User grace: has no spec.profile.email; imported as grace@users.backstage.invalid",
            "services/payments.yaml:22:3: Component checkout-api: metadata.tags: \"c++\" has '+' or '#', which muster tags cannot hold; left out",
            "services/payments.yaml:26:3: Component checkout-api: metadata.links: expected an http(s) URL, got \"ftp://files.example.com/x\"; left out",
            "services/payments.yaml:39:3: Component checkout-api: spec.dependsOn: \"api:checkout\" is an API; muster records dependencies between services (Components and Resources) only, so it is left out",
            "services/payments.yaml:48:3: Component infra/ledger: spec.lifecycle: \"beta\" is not one of production, experimental or deprecated; imported as experimental",
            "services/payments.yaml:57:3: Resource payments-db: spec.owner: \"user:ops/ada\" is a User; muster services are owned by teams, so this one is imported without an owner team",
            "services/payments.yaml:70:1: Template (scaffolder.backstage.io/v1beta3) is not something muster imports; skipped",
        ]
    );
    // The same files give the same import: re-importing plans no change.
    assert_eq!(mini().unwrap(), import);
}

#[test]
fn locations_are_read_once_and_cycles_are_not_followed() {
    let group = |name: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n"
        )
    };
    let location = |name: &str, targets: &[&str]| {
        let list: String = targets.iter().map(|t| format!("    - {t}\n")).collect();
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{list}"
        )
    };
    let files = MemorySource::new()
        .with(
            "a.yaml",
            format!(
                "{}---\n{}",
                location("a", &["./sub/b.yaml", "./sub/c.yaml"]),
                group("x")
            ),
        )
        .with("sub/b.yaml", location("b", &["../a.yaml", "./c.yaml"]))
        .with("sub/c.yaml", group("y"));
    let source = Counting {
        files,
        reads: RefCell::default(),
    };
    let import = import(Path::new("a.yaml"), &source).unwrap();
    let teams: Vec<&str> = import
        .catalog
        .teams
        .iter()
        .map(|t| t.slug.as_str())
        .collect();
    assert_eq!(teams, ["x", "y"]);
    assert!(
        source.reads.borrow().values().all(|n| *n == 1),
        "{:?}",
        source.reads
    );
    assert_eq!(source.reads.borrow().len(), 3);
    let warnings: Vec<String> = import.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "sub/b.yaml:6:3: spec.targets: \"../a.yaml\" closes a Location cycle (a.yaml → sub/b.yaml → a.yaml); not followed again"
        ]
    );
}

#[test]
fn location_targets_that_cannot_be_followed_are_errors_at_their_line() {
    let root = "apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  target: ./missing.yaml
  targets:
    - https://example.com/catalog-info.yaml
    - /etc/passwd
    - ../outside.yaml
";
    let found = errors(&[("catalog/catalog-info.yaml", root)]);
    assert_eq!(
        found,
        [
            "catalog/catalog-info.yaml:6:3: cannot read catalog/missing.yaml: no file catalog/missing.yaml",
            "catalog/catalog-info.yaml:7:3: spec.targets: \"https://example.com/catalog-info.yaml\": URL targets are not followed; list files relative to this one",
            "catalog/catalog-info.yaml:7:3: spec.targets: \"/etc/passwd\": absolute paths are not followed; targets are relative to this file",
            "catalog/catalog-info.yaml:7:3: spec.targets: \"../outside.yaml\": points outside the folder of the root file; refused",
        ]
    );
    let optional = root.replace("spec:\n", "spec:\n  presence: optional\n");
    let found = errors(&[("catalog/catalog-info.yaml", &optional)]);
    assert_eq!(
        found.len(),
        3,
        "a missing optional target is only a warning: {found:#?}"
    );
    let missing_root = run(&[("x.yaml", "")]);
    assert!(missing_root.is_ok());
    let unreadable = import(Path::new("nowhere.yaml"), &MemorySource::new()).unwrap_err();
    assert_eq!(
        unreadable[0].to_string(),
        "nowhere.yaml: no file nowhere.yaml"
    );
}
