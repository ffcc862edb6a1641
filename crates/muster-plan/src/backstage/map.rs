//! Entities to catalog: indexing (duplicates, slug collisions), teams,
//! users and memberships, then services (in `services.rs`) and the core's
//! whole-catalog validation, mapped back to files and lines.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use muster_core::catalog::changes::{Catalog, EntryKind};
use muster_core::catalog::{Slug, Team, TeamMember};
use muster_core::user;

use super::entity::{self, Entity, Key, Kind, Problem, Reference};
use super::load::{File, located, place};
use super::{Import, ImportedUser, Located, Origin, Report};

/// The state of one mapping run.
pub(crate) struct Mapper<'a> {
    pub files: &'a [File],
    pub entities: &'a [Entity],
    pub report: &'a mut Report,
    index: HashMap<Key, usize>,
    /// Entities that take part (not duplicates).
    pub chosen: Vec<usize>,
}

impl<'a> Mapper<'a> {
    pub(crate) fn entity(&self, index: usize) -> &'a Entity {
        &self.entities[index]
    }

    /// An error about `entity`, at the key `path` when it can be found.
    pub(crate) fn error(&mut self, entity: usize, path: &[&str], message: impl AsRef<str>) {
        let e = &self.entities[entity];
        let at = located(self.files, e, path, format!("{e}: {}", message.as_ref()));
        self.report.errors.push(at);
    }

    pub(crate) fn warn(&mut self, entity: usize, path: &[&str], message: impl AsRef<str>) {
        let e = &self.entities[entity];
        let at = located(self.files, e, path, format!("{e}: {}", message.as_ref()));
        self.report.warnings.push(at);
    }

    /// Reports a field problem (its path is the key to point at).
    pub(crate) fn problem(&mut self, entity: usize, problem: &Problem) {
        let path: Vec<&str> = problem.path.iter().map(String::as_str).collect();
        self.error(entity, &path, problem.text());
    }

    /// Unwraps a field read, reporting its problem.
    pub(crate) fn read<T>(&mut self, entity: usize, read: Result<T, Problem>) -> Option<T> {
        read.map_err(|problem| self.problem(entity, &problem)).ok()
    }

    /// Resolves a reference written at `path` of `entity` to an entity of
    /// this import, reporting what is wrong with it.
    pub(crate) fn resolve(
        &mut self,
        entity: usize,
        path: &[&str],
        raw: &str,
        default_kind: Option<Kind>,
    ) -> Option<(Reference, usize)> {
        let field = path.join(".");
        let namespace = self.entities[entity].namespace.clone();
        let reference = match entity::parse_reference(raw, default_kind, &namespace) {
            Ok(reference) => reference,
            Err(reason) => {
                self.error(entity, path, format!("{field}: {reason}"));
                return None;
            }
        };
        match self.index.get(&reference.key()) {
            Some(&found) => Some((reference, found)),
            None => {
                self.error(
                    entity,
                    path,
                    format!(
                        "{field}: {raw:?} refers to {reference}, which this import does not define"
                    ),
                );
                None
            }
        }
    }

    /// "file:line" of an entity, for messages naming another definition.
    pub(crate) fn at(&self, entity: usize) -> String {
        let (file, line, _) = place(self.files, &self.entities[entity], &[]);
        format!("{}:{line}", file.display())
    }

    pub(crate) fn origin(&self, entity: usize) -> Origin {
        let e = &self.entities[entity];
        Origin {
            file: self.files[e.file].path.clone(),
            line: e.line,
        }
    }

    /// The chosen entities of some kinds, in reading order.
    pub(crate) fn of(&self, kinds: &[Kind]) -> Vec<usize> {
        self.chosen
            .iter()
            .copied()
            .filter(|&i| kinds.contains(&self.entities[i].kind))
            .collect()
    }
}

/// What each category of entity becomes, for slug collisions.
fn category(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Group => Some("team"),
        Kind::User => Some("user"),
        Kind::Component | Kind::Resource => Some("service"),
        Kind::System => Some("system tag"),
        Kind::Domain => Some("domain tag"),
        Kind::Api | Kind::Location => None,
    }
}

/// `displayName`, else `metadata.title`, else the name as written.
pub(crate) fn display(m: &mut Mapper<'_>, entity: usize, profile: bool) -> String {
    let doc = &m.entity(entity).doc;
    let mut candidates = Vec::new();
    if profile {
        candidates.push(vec!["spec", "profile", "displayName"]);
    }
    candidates.push(vec!["metadata", "title"]);
    candidates.push(vec!["metadata", "name"]);
    for path in candidates {
        if let Some(Some(text)) = m.read(entity, entity::str_at(doc, &path))
            && !text.trim().is_empty()
        {
            return text.trim().to_owned();
        }
    }
    m.entity(entity).name.clone()
}

pub(crate) fn map(files: &[File], entities: &[Entity], report: &mut Report) -> Import {
    let mut m = Mapper {
        files,
        entities,
        report,
        index: HashMap::new(),
        chosen: Vec::new(),
    };
    let mut by_slug: HashMap<(&str, Slug), usize> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        if let Some(&first) = m.index.get(&e.key()) {
            let message = format!(
                "is defined twice; the first definition is at {}",
                m.at(first)
            );
            m.error(i, &["metadata", "name"], message);
            continue;
        }
        if let Some(category) = category(e.kind) {
            match by_slug.entry((category, e.slug.clone())) {
                Entry::Occupied(first) => {
                    let first = *first.get();
                    let message = format!(
                        "becomes the muster {category} {}, as {} ({}) does; rename one",
                        e.slug,
                        m.entity(first),
                        m.at(first)
                    );
                    m.error(i, &["metadata", "name"], message);
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        m.index.insert(e.key(), i);
        m.chosen.push(i);
    }

    let mut origins = BTreeMap::new();
    let mut teams: Vec<(usize, Team)> = Vec::new();
    let mut team_of: HashMap<usize, usize> = HashMap::new();
    for i in m.of(&[Kind::Group]) {
        team_of.insert(i, teams.len());
        teams.push((i, team(&mut m, i)));
        origins.insert((EntryKind::Team, m.entity(i).slug.clone()), m.origin(i));
    }
    let users = users(&mut m, &team_of, &mut teams);
    teams.sort_by(|a, b| a.1.slug.cmp(&b.1.slug));
    let services = super::services::services(&mut m);
    for (i, service) in &services {
        origins.insert((EntryKind::Service, service.slug.clone()), m.origin(*i));
    }

    let catalog = Catalog {
        teams: teams.into_iter().map(|(_, t)| t).collect(),
        services: services.into_iter().map(|(_, s)| s).collect(),
        functionalities: Vec::new(),
    };
    for error in catalog.validate() {
        report_validation(&mut m, &error.field, &error.message);
    }
    Import {
        catalog,
        users,
        origins,
        warnings: Vec::new(),
    }
}

fn team(m: &mut Mapper<'_>, i: usize) -> Team {
    let doc = &m.entity(i).doc;
    let description = m
        .read(i, entity::str_at(doc, &["metadata", "description"]))
        .flatten()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let email_path = ["spec", "profile", "email"];
    let contact_channel = match m.read(i, entity::str_at(doc, &email_path)).flatten() {
        None => String::new(),
        Some(raw) => match user::email("spec.profile.email", raw) {
            Ok(email) => email,
            Err(error) => {
                m.error(i, &email_path, error.to_string());
                String::new()
            }
        },
    };
    Team {
        slug: m.entity(i).slug.clone(),
        name: display(m, i, true),
        description,
        contact_channel,
        escalation_policy: None,
        members: Vec::new(),
    }
}

/// Users (one per email) and their memberships, written into `teams`.
fn users(
    m: &mut Mapper<'_>,
    team_of: &HashMap<usize, usize>,
    teams: &mut [(usize, Team)],
) -> Vec<ImportedUser> {
    let mut users: Vec<(usize, ImportedUser)> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    let mut user_of: HashMap<usize, usize> = HashMap::new();
    let mut memberships: Vec<(usize, usize)> = Vec::new();
    let email_path = ["spec", "profile", "email"];
    for i in m.of(&[Kind::User]) {
        let e = m.entity(i);
        let email = match m.read(i, entity::str_at(&e.doc, &email_path)).flatten() {
            Some(raw) => match user::email("spec.profile.email", raw) {
                Ok(email) => email,
                Err(error) => {
                    m.error(i, &email_path, error.to_string());
                    continue;
                }
            },
            None => {
                let email = format!("{}@users.backstage.invalid", e.slug);
                m.warn(
                    i,
                    &[],
                    format!("has no spec.profile.email; imported as {email}"),
                );
                email
            }
        };
        let name = display(m, i, true);
        if name.chars().count() > muster_core::text::TITLE_MAX {
            let message = format!(
                "the display name is longer than {} characters",
                muster_core::text::TITLE_MAX
            );
            m.error(i, &["spec", "profile", "displayName"], message);
        }
        match by_email.entry(email.clone()) {
            Entry::Occupied(first) => {
                let first = *first.get();
                let message = format!(
                    "has the same email ({email}) as {} ({}); muster imports them as one person",
                    m.entity(users[first].0),
                    m.at(users[first].0)
                );
                m.warn(i, &email_path, message);
                user_of.insert(i, first);
            }
            Entry::Vacant(slot) => {
                slot.insert(users.len());
                user_of.insert(i, users.len());
                users.push((
                    i,
                    ImportedUser {
                        email,
                        name,
                        slug: e.slug.clone(),
                    },
                ));
            }
        }
        let doc = &e.doc;
        let path = ["spec", "memberOf"];
        for raw in m
            .read(i, entity::strings_at(doc, &path))
            .unwrap_or_default()
        {
            if let Some(team) = lookup(m, i, &path, raw, Kind::Group, team_of) {
                memberships.push((team, user_of[&i]));
            }
        }
    }
    for group in m.of(&[Kind::Group]) {
        let path = ["spec", "members"];
        let doc = &m.entity(group).doc;
        for raw in m
            .read(group, entity::strings_at(doc, &path))
            .unwrap_or_default()
        {
            if let Some(user) = lookup(m, group, &path, raw, Kind::User, &user_of) {
                memberships.push((team_of[&group], user));
            }
        }
    }
    for (team, user) in memberships {
        let email = &users[user].1.email;
        let members = &mut teams[team].1.members;
        if !members.iter().any(|member| &member.email == email) {
            members.push(TeamMember {
                email: email.clone(),
                role: "member".into(),
            });
        }
    }
    for (_, team) in teams.iter_mut() {
        team.members.sort_by(|a, b| a.email.cmp(&b.email));
    }
    let mut users: Vec<ImportedUser> = users.into_iter().map(|(_, u)| u).collect();
    users.sort_by(|a, b| a.email.cmp(&b.email));
    users
}

/// Resolves a reference that must be of `kind`, and what it became.
fn lookup(
    m: &mut Mapper<'_>,
    i: usize,
    path: &[&str],
    raw: &str,
    kind: Kind,
    became: &HashMap<usize, usize>,
) -> Option<usize> {
    let (reference, found) = m.resolve(i, path, raw, Some(kind))?;
    if reference.kind != kind {
        let message = format!(
            "{}: {raw:?} is {}, not {}",
            path.join("."),
            reference.kind.a(),
            kind.a()
        );
        m.error(i, path, message);
        return None;
    }
    // A User that failed (a bad email) has no entry: it was reported already.
    became.get(&found).copied()
}

/// Maps the core's `services[slug].field` errors back to the entity.
fn report_validation(m: &mut Mapper<'_>, field: &str, message: &str) {
    let parsed = [("teams[", Kind::Group), ("services[", Kind::Component)]
        .into_iter()
        .find_map(|(prefix, kind)| {
            let rest = field.strip_prefix(prefix)?;
            let (slug, rest) = rest.split_once(']')?;
            Some((
                kind,
                slug.to_owned(),
                rest.trim_start_matches('.').to_owned(),
            ))
        });
    let found = parsed.as_ref().and_then(|(kind, slug, _)| {
        m.chosen.iter().copied().find(|&i| {
            let e = m.entity(i);
            let same_kind = match kind {
                Kind::Group => e.kind == Kind::Group,
                _ => matches!(e.kind, Kind::Component | Kind::Resource),
            };
            same_kind && e.slug.as_str() == slug
        })
    });
    let (Some((_, _, rest)), Some(i)) = (parsed, found) else {
        let file = m.files.first().map(|f| f.path.clone()).unwrap_or_default();
        m.report.errors.push(Located {
            file,
            line: 0,
            column: 0,
            message: format!("{field}: {message}"),
        });
        return;
    };
    let head = rest.split(['[', '.']).next().unwrap_or_default();
    let path: &[&str] = match head {
        "name" => &["metadata", "title"],
        "description" => &["metadata", "description"],
        "contact_channel" => &["spec", "profile", "email"],
        "tags" => &["metadata", "tags"],
        "tier" | "rollback_plan" => &["metadata", "annotations"],
        "depends_on" => &["spec", "dependsOn"],
        "owner_team" => &["spec", "owner"],
        _ => &[],
    };
    m.error(i, path, format!("{rest}: {message}"));
}
