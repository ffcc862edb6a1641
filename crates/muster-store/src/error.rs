//! Storage errors, in terms the application can map to answers.

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A compare-and-swap on `version` lost: someone else changed the record first.
    #[error("{entity} was changed concurrently: expected version {expected}, found {actual}")]
    VersionConflict {
        entity: &'static str,
        expected: u64,
        actual: u64,
    },
    /// A unique value is already taken.
    #[error("{field} {value:?} is already taken")]
    Duplicate { field: &'static str, value: String },
    /// A referenced row does not exist (e.g. a task of an unknown incident).
    #[error("{entity} does not exist")]
    Missing { entity: &'static str },
    /// The write would leave nobody able to administer the installation: no
    /// active admin would remain.
    #[error("the write would leave no active admin")]
    LastAdmin,
    /// The database could not be reached or refused service; retrying may help.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read back; a bug or a hand-edited database.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Backend(String),
}
