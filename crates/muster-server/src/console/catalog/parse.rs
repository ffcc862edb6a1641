//! Turning what forms send into core values (list fields are one entry per
//! line), and mapping validation errors back onto the form's fields.

use muster_app::AppError;
use muster_core::catalog::changes::EntryKind;
use muster_core::catalog::{
    Criticality, Functionality, Lifecycle, Link, Service, Team, TeamMember,
};
use muster_core::{FieldError, Slug};
use muster_ui::view::FieldMessage;

use super::collection;
use super::inputs::{FunctionalityInput, ServiceInput, TeamInput};

fn lines(raw: &str) -> impl Iterator<Item = (usize, &str)> {
    raw.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
}

fn optional_slug(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Slug> {
    match raw.trim() {
        "" => None,
        raw => Slug::parse(field, raw).map_err(|e| errors.push(e)).ok(),
    }
}

/// `email:role` lines; the role defaults to `member`.
fn parse_members(raw: &str, errors: &mut Vec<FieldError>) -> Vec<TeamMember> {
    lines(raw)
        .filter_map(|(index, line)| {
            let (email, role) = line.split_once(':').unwrap_or((line, "member"));
            match muster_core::user::email(&format!("members[{index}].email"), email) {
                Ok(email) => Some(TeamMember {
                    email,
                    role: role.trim().to_owned(),
                }),
                Err(error) => {
                    errors.push(error);
                    None
                }
            }
        })
        .collect()
}

/// `service:hard|soft` lines; the criticality defaults to hard.
fn parse_dependencies(raw: &str, errors: &mut Vec<FieldError>) -> Vec<(Slug, Criticality)> {
    lines(raw)
        .filter_map(|(index, line)| {
            let field = format!("depends_on[{index}]");
            let (target, criticality) = line.split_once(':').unwrap_or((line, "hard"));
            let target = Slug::parse(&field, target).map_err(|e| errors.push(e)).ok();
            let criticality = criticality
                .trim()
                .to_lowercase()
                .parse::<Criticality>()
                .map_err(|m| errors.push(FieldError::new(field.clone(), m)))
                .ok();
            Some((target?, criticality?))
        })
        .collect()
}

/// `title url` lines (the URL last; a bare URL is its own title).
fn parse_links(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Vec<Link> {
    lines(raw)
        .filter_map(|(index, line)| {
            let (title, url) = line.rsplit_once(char::is_whitespace).unwrap_or(("", line));
            Link::new(&format!("{field}[{index}]"), title, url)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect()
}

fn parse_slugs(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Vec<Slug> {
    lines(raw)
        .filter_map(|(index, line)| {
            Slug::parse(&format!("{field}[{index}]"), line)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect()
}

fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, AppError> {
    match value {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(AppError::Invalid(errors)),
    }
}

pub(super) fn parse_team(form: &TeamInput) -> Result<Team, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let escalation_policy =
        optional_slug("escalation_policy", &form.escalation_policy, &mut errors);
    let members = parse_members(&form.members, &mut errors);
    let team = slug.map(|slug| Team {
        slug,
        name: form.name.trim().to_owned(),
        description: form.description.trim().to_owned(),
        contact_channel: form.contact_channel.trim().to_owned(),
        escalation_policy,
        members,
    });
    finish(team, errors)
}

pub(super) fn parse_service(form: &ServiceInput) -> Result<Service, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let owner_team = optional_slug("owner_team", &form.owner_team, &mut errors);
    let tier = form
        .tier
        .trim()
        .parse::<u8>()
        .map_err(|_| {
            errors.push(FieldError::new(
                "tier",
                format!("expected a number, got {:?}", form.tier),
            ))
        })
        .ok();
    let lifecycle = form
        .lifecycle
        .parse::<Lifecycle>()
        .map_err(|m| errors.push(FieldError::new("lifecycle", m)))
        .ok();
    let depends_on = parse_dependencies(&form.depends_on, &mut errors);
    let links = parse_links("links", &form.links, &mut errors);
    let runbooks = parse_links("runbooks", &form.runbooks, &mut errors);
    let kind = match form.kind.trim() {
        "" => String::from("service"),
        kind => kind.to_owned(),
    };
    let service = match (slug, tier, lifecycle) {
        (Some(slug), Some(tier), Some(lifecycle)) => Some(Service {
            slug,
            name: form.name.trim().to_owned(),
            description: form.description.trim().to_owned(),
            owner_team,
            tier,
            lifecycle,
            kind,
            links,
            runbooks,
            rollback_plan: form.rollback_plan.trim().to_owned(),
            tags: crate::console::incidents::split_tags(&form.tags),
            depends_on,
        }),
        _ => None,
    };
    finish(service, errors)
}

pub(super) fn parse_functionality(form: &FunctionalityInput) -> Result<Functionality, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let owner_team = optional_slug("owner_team", &form.owner_team, &mut errors);
    let services = parse_slugs("services", &form.services, &mut errors);
    let functionality = slug.map(|slug| Functionality {
        slug,
        name: form.name.trim().to_owned(),
        description: form.description.trim().to_owned(),
        aliases: lines(&form.aliases).map(|(_, a)| a.to_owned()).collect(),
        owner_team,
        services,
    });
    finish(functionality, errors)
}

/// Splits validation errors into those of this form's fields and the rest.
/// `services[api].depends_on[2]` (or `depends_on[2]`) is the third line of
/// the `depends_on` field; errors about other entries are not this form's.
pub(super) fn field_messages(
    kind: EntryKind,
    slug: &str,
    errors: Vec<FieldError>,
) -> (Vec<FieldMessage>, Vec<String>) {
    let prefix = format!("{}[{slug}].", collection(kind));
    let mut fields: Vec<FieldMessage> = Vec::new();
    let mut others = Vec::new();
    for error in errors {
        let other_entry = ["teams[", "services[", "functionalities["]
            .iter()
            .any(|c| error.field.starts_with(c));
        let path = match error.field.strip_prefix(&prefix) {
            Some(path) => Some(path),
            None if other_entry => None,
            None => Some(error.field.as_str()),
        };
        let Some(path) = path else {
            others.push(format!("{}: {}", error.field, error.message));
            continue;
        };
        let name_end = path.find(['[', '.']).unwrap_or(path.len());
        let (name, rest) = path.split_at(name_end);
        let message = match rest
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(index) => format!("line {}: {}", index + 1, error.message),
            None => error.message,
        };
        match fields.iter_mut().find(|f| f.field == name) {
            Some(existing) => {
                existing.message.push_str("; ");
                existing.message.push_str(&message);
            }
            None => fields.push(FieldMessage {
                field: name.to_owned(),
                message,
            }),
        }
    }
    (fields, others)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_fields_are_parsed_line_by_line() {
        let mut errors = Vec::new();
        let members = parse_members(
            "ada@example.com:lead\n\n  grace@example.com \nnot-an-email",
            &mut errors,
        );
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].role, "lead");
        assert_eq!(members[1].role, "member");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "members[3].email");

        let mut errors = Vec::new();
        let deps = parse_dependencies("db:hard\ncache : soft\nsearch\nx:maybe", &mut errors);
        assert_eq!(
            deps.iter()
                .map(|(s, c)| format!("{s}:{c}"))
                .collect::<Vec<_>>(),
            ["db:hard", "cache:soft", "search:hard"]
        );
        assert_eq!(errors[0].field, "depends_on[3]");

        let mut errors = Vec::new();
        let links = parse_links(
            "links",
            "Main dashboard https://grafana.example.com/d/1\nhttps://x.example\nbad ftp://x",
            &mut errors,
        );
        assert_eq!(links[0].title, "Main dashboard");
        assert_eq!(links[1].title, "https://x.example");
        assert_eq!(errors[0].field, "links[2]");
    }

    #[test]
    fn validation_fields_land_on_the_form_fields() {
        let errors = vec![
            FieldError::new("services[api].owner_team", "no team named x"),
            FieldError::new("services[api].depends_on[1]", "no service named y"),
            FieldError::new("depends_on[2]", "expected hard or soft"),
            FieldError::new("slug", "bad"),
            FieldError::new("services[web].depends_on[0]", "no service named api"),
        ];
        let (fields, others) = field_messages(EntryKind::Service, "api", errors);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("owner_team", "no team named x"),
                (
                    "depends_on",
                    "line 2: no service named y; line 3: expected hard or soft"
                ),
                ("slug", "bad"),
            ]
        );
        assert_eq!(
            others,
            ["services[web].depends_on[0]: no service named api"]
        );
    }
}
