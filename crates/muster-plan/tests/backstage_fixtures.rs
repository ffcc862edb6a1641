//! The Backstage project's own example catalog (shared/fixtures/backstage),
//! when it is there.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use muster_core::catalog::changes::EntryKind;
use muster_core::catalog::{Lifecycle, Slug};
use muster_plan::backstage::{DiskSource, Import, Located, MemorySource, Source, import};

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/backstage");
    if dir.join("acme-corp.yaml").is_file() {
        return Some(dir);
    }
    // The fixtures are third-party files kept outside the repository; a
    // checkout without them skips, whatever else CI requires.
    eprintln!("skipping: shared fixtures not found at {}", dir.display());
    None
}

/// The fixtures from disk, plus an extra root file held in memory.
struct WithRoot {
    root: PathBuf,
    text: String,
}

impl Source for WithRoot {
    fn read(&self, path: &Path) -> Result<String, std::io::Error> {
        if path == self.root {
            MemorySource::new()
                .with(&self.root, self.text.clone())
                .read(path)
        } else {
            DiskSource.read(path)
        }
    }
}

/// Imports a made-up root listing `targets` (relative to the fixtures).
fn import_targets(dir: &Path, targets: &[&str]) -> Result<Import, Vec<Located>> {
    let list: String = targets.iter().map(|t| format!("    - ./{t}\n")).collect();
    let text = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: muster-test-root\nspec:\n  targets:\n{list}"
    );
    let root = dir.join("muster-test-root.yaml");
    import(
        &root,
        &WithRoot {
            root: root.clone(),
            text,
        },
    )
}

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

fn emails(import: &Import, team: &str) -> Vec<String> {
    let team = import.catalog.team(&slug(team)).unwrap();
    team.members
        .iter()
        .map(|m| {
            assert_eq!(m.role, "member");
            m.email.clone()
        })
        .collect()
}

#[test]
fn the_acme_organisation_becomes_teams_and_users() {
    let Some(dir) = fixtures() else { return };
    let import = import(&dir.join("acme-corp.yaml"), &DiskSource).unwrap();
    let teams: Vec<&str> = import
        .catalog
        .teams
        .iter()
        .map(|t| t.slug.as_str())
        .collect();
    assert_eq!(
        teams,
        [
            "acme-corp",
            "backstage",
            "boxoffice",
            "infrastructure",
            "team-a",
            "team-b",
            "team-c",
            "team-d",
            "team-e"
        ]
    );
    assert!(import.catalog.services.is_empty());
    let acme = import.catalog.team(&slug("acme-corp")).unwrap();
    assert_eq!(acme.name, "ACME Corp");
    assert_eq!(acme.description, "The acme-corp organization");
    assert_eq!(acme.contact_channel, "info@example.com");
    // No displayName and no title: the name.
    assert_eq!(import.catalog.team(&slug("team-a")).unwrap().name, "team-a");
    assert_eq!(
        import.catalog.team(&slug("team-e")).unwrap().name,
        "Team E With A Very Very Very Very Big Name Size"
    );
    assert_eq!(
        import
            .catalog
            .team(&slug("infrastructure"))
            .unwrap()
            .contact_channel,
        ""
    );

    // 17 User entities, 16 people: both `guest`s (default and development
    // namespaces) have guest@example.com, so they are one person.
    assert_eq!(import.users.len(), 16);
    let guest = import
        .users
        .iter()
        .find(|u| u.email == "guest@example.com")
        .unwrap();
    assert_eq!(
        (guest.slug.as_str(), guest.name.as_str()),
        ("guest", "Guest User")
    );
    let breanna = import
        .users
        .iter()
        .find(|u| u.slug.as_str() == "breanna.davison")
        .unwrap();
    assert_eq!(breanna.name, "breanna.davison");
    assert_eq!(breanna.email, "breanna-davison@example.com");
    assert_eq!(
        emails(&import, "team-a"),
        [
            "breanna-davison@example.com",
            "guest@example.com",
            "janelle-dawe@example.com",
            "nigel-manning@example.com"
        ]
    );
    assert_eq!(emails(&import, "team-b").len(), 5);
    assert_eq!(emails(&import, "team-c").len(), 5);
    assert_eq!(
        emails(&import, "team-d"),
        ["eva-macdowell@example.com", "lucy-sheehan@example.com"]
    );
    for empty in [
        "team-e",
        "acme-corp",
        "infrastructure",
        "backstage",
        "boxoffice",
    ] {
        assert!(emails(&import, empty).is_empty(), "{empty}");
    }

    assert_eq!(import.warnings.len(), 1, "{:?}", import.warnings);
    let warning = &import.warnings[0];
    assert!(warning.file.ends_with("acme/team-a-group.yaml"));
    assert_eq!(
        (warning.line, warning.column),
        (72, 5),
        "at spec.profile.email"
    );
    assert!(
        warning.message.starts_with(
            "User development/guest: has the same email (guest@example.com) as User guest ("
        ),
        "{warning}"
    );
    assert!(
        warning
            .message
            .ends_with("acme/team-a-group.yaml:51); muster imports them as one person"),
        "{warning}"
    );

    let origin = &import.origins[&(EntryKind::Team, slug("team-a"))];
    assert!(origin.file.ends_with("acme/team-a-group.yaml"));
    assert_eq!(origin.line, 1);
    let origin = &import.origins[&(EntryKind::Team, slug("acme-corp"))];
    assert!(origin.file.ends_with("acme/org.yaml"));
}

#[test]
fn domains_alone_import_and_systems_alone_name_what_they_miss() {
    let Some(dir) = fixtures() else { return };
    let domains = import(&dir.join("all-domains.yaml"), &DiskSource).unwrap();
    assert_eq!(domains.catalog, Default::default());
    assert!(domains.warnings.is_empty());

    let errors = import(&dir.join("all-systems.yaml"), &DiskSource).unwrap_err();
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].ends_with(
            "systems/artist-engagement-portal-system.yaml:10:3: System artist-engagement-portal: \
             spec.domain: \"artists\" refers to Domain artists, which this import does not define"
        ),
        "{errors:#?}"
    );

    let errors = import(&dir.join("all-resources.yaml"), &DiskSource).unwrap_err();
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0]
            .contains("resources/artists-db-resource.yaml:8:3: Resource artists-db: spec.owner:")
    );
    assert!(
        errors[1].contains(":9:3: Resource artists-db: spec.system: \"artist-engagement-portal\"")
    );
}

#[test]
fn the_whole_example_catalog_becomes_teams_and_services() {
    let Some(dir) = fixtures() else { return };
    let import = import_targets(
        &dir,
        &[
            "acme-corp.yaml",
            "all-systems.yaml",
            "all-domains.yaml",
            "all-resources.yaml",
            "components/artist-lookup-component.yaml",
            "components/www-artist-component.yaml",
            "components/wayback-archive-component.yaml",
            "components/wayback-search-component.yaml",
            "apis/wayback-archive-api.yaml",
            "apis/wayback-search-api.yaml",
        ],
    )
    .unwrap();
    let services: Vec<&str> = import
        .catalog
        .services
        .iter()
        .map(|s| s.slug.as_str())
        .collect();
    assert_eq!(
        services,
        [
            "artist-lookup",
            "artists-db",
            "wayback-archive",
            "wayback-search",
            "www-artist"
        ]
    );
    let db = import.catalog.service(&slug("artists-db")).unwrap();
    assert_eq!(db.owner_team, Some(slug("team-a")));
    assert_eq!(db.kind, "database");
    assert_eq!(db.lifecycle, Lifecycle::Production);
    assert_eq!(db.tier, 3);
    assert_eq!(db.description, "Stores artist details");
    assert_eq!(
        db.tags,
        ["domain:artists", "system:artist-engagement-portal"]
    );

    let lookup = import.catalog.service(&slug("artist-lookup")).unwrap();
    assert_eq!(lookup.lifecycle, Lifecycle::Experimental);
    assert_eq!(lookup.kind, "service");
    assert_eq!(lookup.links.len(), 7);
    assert_eq!(lookup.links[3].title, "Dashboard");
    assert_eq!(lookup.links[3].url, "https://example.com/dashboard");
    assert!(lookup.runbooks.is_empty());
    assert_eq!(
        lookup.tags,
        [
            "data",
            "domain:artists",
            "java",
            "system:artist-engagement-portal"
        ]
    );
    let www = import.catalog.service(&slug("www-artist")).unwrap();
    assert_eq!(www.kind, "website");
    assert!(www.depends_on.is_empty());
    let archive = import.catalog.service(&slug("wayback-archive")).unwrap();
    assert_eq!(archive.tags, Vec::<String>::new());
    assert_eq!(archive.owner_team, Some(slug("team-a")));
    assert_eq!(import.catalog.teams.len(), 9);
    assert!(import.catalog.validate().is_empty());
    let origin = &import.origins[&(EntryKind::Service, slug("www-artist"))];
    assert!(
        origin
            .file
            .ends_with("components/www-artist-component.yaml")
    );
    // Importing again gives the same result: the plan of a re-import is "unchanged".
    let again = import_targets(
        &dir,
        &[
            "acme-corp.yaml",
            "all-systems.yaml",
            "all-domains.yaml",
            "all-resources.yaml",
            "components/artist-lookup-component.yaml",
            "components/www-artist-component.yaml",
            "components/wayback-archive-component.yaml",
            "components/wayback-search-component.yaml",
            "apis/wayback-archive-api.yaml",
            "apis/wayback-search-api.yaml",
        ],
    )
    .unwrap();
    assert_eq!(again, import);
}

#[test]
fn the_invalid_component_is_refused_with_its_line_and_reason() {
    let Some(dir) = fixtures() else { return };
    let errors = import(&dir.join("components/invalid-component.yaml"), &DiskSource).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .file
            .ends_with("components/invalid-component.yaml")
    );
    assert_eq!((errors[0].line, errors[0].column), (4, 3));
    assert_eq!(
        errors[0].message,
        "metadata.name: expected letters and digits joined by single '-', '_' or '.' \
         (at most 63 characters), got \"invalid component\""
    );
    // Among a whole catalog it still fails the import, and only it is blamed.
    let errors = import_targets(
        &dir,
        &[
            "acme-corp.yaml",
            "all-systems.yaml",
            "all-domains.yaml",
            "components/invalid-component.yaml",
        ],
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .to_string()
            .contains("invalid-component.yaml:4:3: metadata.name:")
    );
}
