//! The catalog: who owns what. Teams, services and the dependencies between
//! them, and the customer-facing functionalities services back.

pub mod changes;
pub use changes::Catalog;
pub mod graph;
pub mod impact;
pub mod search;

use std::fmt;
use std::str::FromStr;

use crate::error::{FieldError, Validation};
use crate::text;

/// The name a catalog entry goes by in references, URLs and the CLI
/// (`checkout-api`). Backstage's rule: runs of `[a-z0-9]` joined by single
/// `-`, `_` or `.`, at most 63 characters; compared in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub const MAX: usize = 63;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let slug = raw.trim().to_lowercase();
        let separators = ['-', '_', '.'];
        let valid = !slug.is_empty()
            && slug.len() <= Self::MAX
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || separators.contains(&c))
            && !slug.starts_with(separators)
            && !slug.ends_with(separators)
            && !slug.as_bytes().windows(2).any(|w| {
                separators.contains(&(w[0] as char)) && separators.contains(&(w[1] as char))
            });
        if valid {
            Ok(Self(slug))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "expected letters and digits joined by single '-', '_' or '.' (at most {} characters), got {raw:?}",
                    Self::MAX
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much a dependant suffers when its dependency fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criticality {
    /// The dependant fails too.
    Hard,
    /// The dependant degrades but works.
    Soft,
}

impl Criticality {
    pub const ALL: [Criticality; 2] = [Self::Hard, Self::Soft];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hard => "hard",
            Self::Soft => "soft",
        }
    }
}

impl FromStr for Criticality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hard" => Ok(Self::Hard),
            "soft" => Ok(Self::Soft),
            other => Err(format!("expected hard or soft, got {other:?}")),
        }
    }
}

impl fmt::Display for Criticality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a service is in its life; only production services must be owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lifecycle {
    Experimental,
    Production,
    Deprecated,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 3] = [Self::Experimental, Self::Production, Self::Deprecated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Experimental => "experimental",
            Self::Production => "production",
            Self::Deprecated => "deprecated",
        }
    }
}

impl FromStr for Lifecycle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("expected experimental, production or deprecated, got {s:?}"))
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A titled link (dashboards, repositories, runbooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: String,
}

impl Link {
    pub fn new(field: &str, title: &str, url: &str) -> Result<Self, FieldError> {
        let url = url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || url.len() > 2048 || url.chars().any(char::is_whitespace) {
            return Err(FieldError::new(
                field,
                format!("expected an http(s) URL, got {url:?}"),
            ));
        }
        let title = if title.trim().is_empty() {
            url
        } else {
            title.trim()
        };
        Ok(Self {
            title: text::bounded(field, title, text::TITLE_MAX)?,
            url: url.to_owned(),
        })
    }
}

/// Someone in a team, by email, with their role in it (`lead`, `member`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub email: String,
    pub role: String,
}

/// A team that owns services and functionalities and gets paged for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub slug: Slug,
    pub name: String,
    pub description: String,
    /// Where the team talks, e.g. `#payments` or an email list.
    pub contact_channel: String,
    /// The escalation policy pages for this team go through (by name).
    pub escalation_policy: Option<Slug>,
    pub members: Vec<TeamMember>,
}

/// A catalog entry: something that runs and can break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub owner_team: Option<Slug>,
    /// 1 is the most critical.
    pub tier: u8,
    pub lifecycle: Lifecycle,
    /// What kind of thing it is (`service`, `website`, `database`, …).
    pub kind: String,
    pub links: Vec<Link>,
    pub runbooks: Vec<Link>,
    /// How to roll this service back, written for 3 a.m.
    pub rollback_plan: String,
    /// Grouping (Backstage systems and domains land here as `system:x`).
    pub tags: Vec<String>,
    /// What this service needs, and how badly.
    pub depends_on: Vec<(Slug, Criticality)>,
}

/// What customers use, in their words ("Login", "Checkout").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Functionality {
    pub slug: Slug,
    pub name: String,
    /// How customers describe it, and how they describe it breaking.
    pub description: String,
    /// Other words customers use ("sign in", "can't log in").
    pub aliases: Vec<String>,
    pub owner_team: Option<Slug>,
    pub services: Vec<Slug>,
}

pub const TIER_MAX: u8 = 4;

fn name_of(field: &str, name: &str, slug: &Slug) -> Result<String, FieldError> {
    if name.trim().is_empty() {
        Ok(slug.to_string())
    } else {
        text::required(field, name, text::TITLE_MAX)
    }
}

impl Team {
    /// Checks a team's own fields (references are checked against the whole catalog).
    pub fn validate(&self, at: &str) -> Result<(), Vec<FieldError>> {
        let mut validation = Validation::new();
        validation.check(name_of(&format!("{at}name"), &self.name, &self.slug));
        validation.check(text::bounded(
            &format!("{at}description"),
            &self.description,
            text::LONG_TEXT_MAX,
        ));
        validation.check(text::bounded(
            &format!("{at}contact_channel"),
            &self.contact_channel,
            text::TITLE_MAX,
        ));
        for (index, member) in self.members.iter().enumerate() {
            validation.check(crate::user::email(
                &format!("{at}members[{index}].email"),
                &member.email,
            ));
            if self.members[..index]
                .iter()
                .any(|m| m.email == member.email)
            {
                validation.push(
                    format!("{at}members[{index}]"),
                    "the same person is listed twice",
                );
            }
            validation.check(text::required(
                &format!("{at}members[{index}].role"),
                &member.role,
                32,
            ));
        }
        validation.finish().map_err(crate::DomainError::into_fields)
    }
}

impl Service {
    pub fn validate(&self, at: &str) -> Result<(), Vec<FieldError>> {
        let mut validation = Validation::new();
        validation.check(name_of(&format!("{at}name"), &self.name, &self.slug));
        validation.check(text::bounded(
            &format!("{at}description"),
            &self.description,
            text::LONG_TEXT_MAX,
        ));
        validation.check(text::bounded(
            &format!("{at}rollback_plan"),
            &self.rollback_plan,
            text::LONG_TEXT_MAX,
        ));
        validation.check(text::tags(&format!("{at}tags"), &self.tags));
        if !(1..=TIER_MAX).contains(&self.tier) {
            validation.push(
                format!("{at}tier"),
                format!(
                    "expected 1 (most critical) to {TIER_MAX}, got {}",
                    self.tier
                ),
            );
        }
        for (index, (target, _)) in self.depends_on.iter().enumerate() {
            if *target == self.slug {
                validation.push(
                    format!("{at}depends_on[{index}]"),
                    "a service cannot depend on itself",
                );
            }
            if self.depends_on[..index].iter().any(|(t, _)| t == target) {
                validation.push(
                    format!("{at}depends_on[{index}]"),
                    format!("{target} is listed twice"),
                );
            }
        }
        validation.finish().map_err(crate::DomainError::into_fields)
    }
}

impl Functionality {
    pub fn validate(&self, at: &str) -> Result<(), Vec<FieldError>> {
        let mut validation = Validation::new();
        validation.check(name_of(&format!("{at}name"), &self.name, &self.slug));
        validation.check(text::bounded(
            &format!("{at}description"),
            &self.description,
            text::LONG_TEXT_MAX,
        ));
        for (index, alias) in self.aliases.iter().enumerate() {
            validation.check(text::required(
                &format!("{at}aliases[{index}]"),
                alias,
                text::TITLE_MAX,
            ));
        }
        validation.finish().map_err(crate::DomainError::into_fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_backstages_naming_rule() {
        assert_eq!(
            Slug::parse("name", " Checkout-API ").unwrap().as_str(),
            "checkout-api"
        );
        for good in ["a", "team_a", "wayback.search", "x1-y2"] {
            assert!(Slug::parse("name", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "invalid component",
            "-lead",
            "trail.",
            "dou--ble",
            "a/b",
            &"x".repeat(64),
        ] {
            assert!(Slug::parse("name", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_must_be_web_urls() {
        assert!(Link::new("links[0]", "Grafana", "https://grafana.example.com/d/1").is_ok());
        assert_eq!(
            Link::new("l", "", "https://x.example").unwrap().title,
            "https://x.example"
        );
        assert!(Link::new("l", "x", "javascript:alert(1)").is_err());
        assert!(Link::new("l", "x", "https://a b").is_err());
    }

    #[test]
    fn services_refuse_self_and_duplicate_dependencies_and_bad_tiers() {
        let slug = |s: &str| Slug::parse("s", s).unwrap();
        let service = Service {
            slug: slug("checkout"),
            name: String::new(),
            description: String::new(),
            owner_team: None,
            tier: 9,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: vec![
                (slug("checkout"), Criticality::Hard),
                (slug("db"), Criticality::Hard),
                (slug("db"), Criticality::Soft),
            ],
        };
        let errors = service.validate("services[0].").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "services[0].tier",
                "services[0].depends_on[0]",
                "services[0].depends_on[2]"
            ]
        );
    }
}
