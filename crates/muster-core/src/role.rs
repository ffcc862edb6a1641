//! Incident roles: the four built in, plus custom ones from configuration.

use std::fmt;

use crate::error::{DomainError, Validation};

/// The code of a role, e.g. `commander`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleCode(String);

impl RoleCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The built-in role that leads the response; reminders escalate to it.
    pub fn commander() -> Self {
        Self::new("commander")
    }

    /// The built-in role that keeps stakeholders informed; update reminders go to it first.
    pub fn communications() -> Self {
        Self::new("communications")
    }
}

impl fmt::Display for RoleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role people can hold during an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    pub code: RoleCode,
    pub name: String,
    pub description: String,
}

/// Every role an incident may have, built-in ones first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCatalog {
    roles: Vec<RoleDefinition>,
}

const BUILT_IN: [(&str, &str, &str); 4] = [
    (
        "commander",
        "Incident commander",
        "Leads the response, makes decisions, delegates.",
    ),
    (
        "communications",
        "Communications lead",
        "Keeps stakeholders and customers informed.",
    ),
    (
        "scribe",
        "Scribe",
        "Keeps the timeline complete as things happen.",
    ),
    (
        "operations",
        "Operations lead",
        "Coordinates the hands-on technical work.",
    ),
];

impl RoleCatalog {
    /// The built-in roles plus `custom` ones; custom codes must not collide.
    pub fn with_custom(custom: Vec<RoleDefinition>) -> Result<Self, DomainError> {
        let mut roles: Vec<RoleDefinition> = BUILT_IN
            .iter()
            .map(|(code, name, description)| RoleDefinition {
                code: RoleCode::new(*code),
                name: (*name).to_owned(),
                description: (*description).to_owned(),
            })
            .collect();
        let mut validation = Validation::new();
        for (index, role) in custom.into_iter().enumerate() {
            let code = role.code.as_str();
            // '-' too: the plan names its Role documents as slugs
            // (`customer-liaison`), and its runbooks assign them by that name.
            if code.is_empty()
                || code.len() > 32
                || code.starts_with(['-', '_'])
                || code.ends_with(['-', '_'])
                || !code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            {
                validation.push(
                    format!("roles[{index}].code"),
                    format!(
                        "expected lowercase letters and digits, joined by '-' or '_' (1-32 chars), got {code:?}"
                    ),
                );
            } else if roles.iter().any(|r| r.code == role.code) {
                validation.push(
                    format!("roles[{index}].code"),
                    format!("role {code:?} is already defined"),
                );
            } else {
                roles.push(role);
            }
        }
        validation.finish()?;
        Ok(Self { roles })
    }

    pub fn standard() -> Self {
        Self::with_custom(Vec::new()).expect("built-in roles are valid")
    }

    pub fn all(&self) -> &[RoleDefinition] {
        &self.roles
    }

    pub fn resolve(&self, field: &str, code: &str) -> Result<RoleCode, DomainError> {
        self.roles
            .iter()
            .find(|r| r.code.as_str() == code)
            .map(|r| r.code.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = self.roles.iter().map(|r| r.code.as_str()).collect();
                DomainError::invalid(
                    field,
                    format!(
                        "unknown role {code:?}; expected one of {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_roles_extend_the_built_ins_and_may_not_shadow_them() {
        let custom = RoleDefinition {
            code: RoleCode::new("customer_liaison"),
            name: "Customer liaison".into(),
            description: String::new(),
        };
        let catalog = RoleCatalog::with_custom(vec![custom]).unwrap();
        assert_eq!(catalog.all().len(), 5);
        assert!(catalog.resolve("role", "customer_liaison").is_ok());
        let error = catalog.resolve("role", "janitor").unwrap_err();
        assert!(error.to_string().contains("commander"));

        let shadow = RoleDefinition {
            code: RoleCode::new("commander"),
            name: "Boss".into(),
            description: String::new(),
        };
        assert!(RoleCatalog::with_custom(vec![shadow]).is_err());
    }

    #[test]
    fn codes_are_written_as_the_config_or_the_plan_writes_them() {
        let role = |code: &str| RoleDefinition {
            code: RoleCode::new(code),
            name: code.into(),
            description: String::new(),
        };
        let catalog =
            RoleCatalog::with_custom(vec![role("customer-liaison"), role("legal_counsel")]);
        assert!(catalog.is_ok_and(|c| c.resolve("role", "customer-liaison").is_ok()));
        for bad in ["", "-lead", "lead_", "Lead", "two words", &"x".repeat(33)] {
            assert!(
                RoleCatalog::with_custom(vec![role(bad)]).is_err(),
                "{bad:?}"
            );
        }
    }
}
