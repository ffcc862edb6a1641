//! Domain errors: what was wrong with a request, in words a user can act on.

use std::fmt;

/// One rejected input field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the API names it, e.g. `title` or `milestones.resolved_at`.
    pub field: String,
    /// Lowercase, no trailing period: what was expected and what came.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why the domain refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The input itself is malformed or out of range.
    #[error("invalid input: {}", join(.0))]
    Invalid(Vec<FieldError>),
    /// The input is well-formed but the incident's current state forbids it
    /// (e.g. closing an incident that is not resolved).
    #[error("{message}")]
    InvalidTransition { message: String },
    /// The actor may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The change was based on an outdated version of the record.
    #[error("version conflict: expected version {expected}, current version is {actual}")]
    VersionConflict { expected: u64, actual: u64 },
}

impl DomainError {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The field errors of an `Invalid`, or the whole error as one field-less entry.
    pub fn into_fields(self) -> Vec<FieldError> {
        match self {
            Self::Invalid(fields) => fields,
            other => vec![FieldError::new("", other.to_string())],
        }
    }

    pub fn transition(message: impl Into<String>) -> Self {
        Self::InvalidTransition {
            message: message.into(),
        }
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field errors so a request reports every problem at once, not just the first.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Records the error of `result` under its own field, returning the value if any.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.errors))
        }
    }
}
