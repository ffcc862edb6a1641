//! The one error type of use cases; the server maps it to HTTP once.

use muster_core::{DomainError, FieldError};
use muster_store::StoreError;

/// Why a use case did not complete. Nothing was written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {}", join(.0))]
    Invalid(Vec<FieldError>),
    #[error("{entity} {key} not found")]
    NotFound { entity: &'static str, key: String },
    /// No or bad credentials.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// A stale version, a taken unique value, or a state that forbids the command.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A state that forbids the command, blamed on one field of the request
    /// (attaching an alert to a resolved incident blames `incident`).
    #[error("{message}")]
    ConflictOn {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// A unique value (an email) is already taken: a conflict on that field.
    #[error("{message}")]
    Taken {
        field: &'static str,
        message: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(entity: &'static str, key: impl ToString) -> Self {
        Self::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(fields) => Self::Invalid(fields),
            DomainError::InvalidTransition { message } => Self::Conflict {
                code: "invalid_transition",
                message,
            },
            DomainError::Forbidden(message) => Self::Forbidden(message),
            DomainError::VersionConflict { expected, actual } => Self::Conflict {
                code: "version_conflict",
                message: format!(
                    "the record changed since you read it: you sent version {expected}, it is now at version {actual}; reload and retry"
                ),
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::VersionConflict {
                entity,
                expected,
                actual,
            } => Self::Conflict {
                code: "version_conflict",
                message: if expected == actual {
                    format!("the {entity} changed since you read it; reload and retry")
                } else {
                    format!(
                        "the {entity} changed since you read it: you sent version {expected}, it is now at version {actual}; reload and retry"
                    )
                },
            },
            StoreError::Duplicate { field, value } => Self::Taken {
                field,
                message: format!("{field} {value:?} is already taken"),
            },
            StoreError::Missing { entity } => Self::NotFound {
                entity,
                key: String::from("(referenced)"),
            },
            StoreError::LastAdmin => Self::Conflict {
                code: "last_admin",
                message: "this would leave no active admin; make another user an admin first"
                    .into(),
            },
            StoreError::Unavailable(message) => Self::Unavailable(message),
            StoreError::Corrupt(message) | StoreError::Backend(message) => Self::Internal(message),
        }
    }
}

fn join(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
