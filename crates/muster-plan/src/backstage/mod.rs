//! Backstage `catalog-info.yaml` files in, the desired muster catalog out.
//!
//! [`import`] reads a root file through a [`Source`], follows `Location`
//! entities to the files they list, and maps what it found:
//!
//! | Backstage | muster |
//! | --- | --- |
//! | `Group` (any `spec.type`: organization, department, team, …) | a [`Team`](muster_core::catalog::Team) |
//! | `User` | an [`ImportedUser`], and a `member` of every team in `spec.memberOf` (and of every Group listing it in `spec.members`) |
//! | `Component`, `Resource` | a [`Service`](muster_core::catalog::Service) |
//! | `System`, `Domain` | the tags `system:<name>` and `domain:<name>` on the services of the system |
//! | `API`, `Location` | nothing (read; a Location's targets are followed) |
//! | `Template` and kinds of other API groups (`scaffolder.backstage.io/…`, `example.com/v1`) | skipped with a warning |
//! | anything else under `backstage.io/…`, or no/odd `apiVersion` | an error |
//!
//! **Names.** `metadata.name` follows Backstage's rule (letters and digits
//! joined by single `-`, `_` or `.`, at most 63; compared in lowercase) and
//! becomes the slug. Entities outside the `default` namespace become
//! `<namespace>-<name>` (`development/guest` → `development-guest`); two
//! entities landing on the same slug are an error. References
//! (`team-a`, `group:team-a`, `group:default/team-a`) default to the
//! referring entity's namespace, as in Backstage.
//!
//! **Teams.** Name from `spec.profile.displayName`, else `metadata.title`, else
//! the name; `contact_channel` is `spec.profile.email`; members have role
//! `member`, sorted by email. `spec.parent`/`spec.children` are not kept:
//! muster's teams are flat.
//!
//! **Users.** Email from `spec.profile.email`, else `<slug>@users.backstage.invalid`
//! (the reserved `.invalid` domain never delivers), with a warning. muster
//! knows people by email: two Users with the same email are one person (the
//! first definition names them; memberships are merged; a warning says so).
//!
//! **Services.** `spec.owner` is required: a Group becomes `owner_team`; a
//! User owner leaves the service without a team, with a warning. `lifecycle`
//! is `production`, `experimental` or `deprecated`; any other value becomes
//! `experimental` with a warning; a Resource without one is `production`.
//! `kind` is `spec.type`. `tier` is the annotation `muster.io/tier` (1–4), else
//! 3. `rollback_plan` is the annotation `muster.io/rollback-plan`.
//! `metadata.links` with http(s) URLs become links, or runbooks when their
//! title or `type` mentions "runbook"; other schemes are dropped with a
//! warning. `spec.dependsOn` (`component:x`, `resource:default/x`) are hard
//! dependencies, and so are the reverse edges of `spec.dependencyOf`;
//! dependencies on other kinds (an API, a System) are dropped with a warning;
//! `providesApis`/`consumesApis` are not read.
//!
//! **Self-contained.** Every reference that muster uses (owners, `memberOf`,
//! `members`, `dependsOn`, `dependencyOf`, `system`, a system's `domain`) must
//! name an entity of the same import, or the import fails: the import cannot
//! know what already exists elsewhere. References muster does not use
//! (a system's or domain's owner, `subdomainOf`, `parent`, `children`,
//! APIs) are not checked.
//!
//! **Safety.** Files over [`MAX_FILE_BYTES`], more than [`MAX_FILES`] files,
//! more than [`MAX_TOTAL_BYTES`] in all, more than [`MAX_ENTITIES`] entities,
//! Locations nested deeper than [`MAX_LOCATION_DEPTH`] are refused. Anchors and
//! aliases are allowed, but every value an alias expands to counts against
//! [`MAX_DOCUMENT_NODES`] per document and [`MAX_TOTAL_NODES`] per import, so a
//! "billion laughs" document fails after a few thousand nodes. Location
//! targets must be relative paths that stay inside the root file's folder;
//! URLs, absolute paths and globs are refused. A file listed twice is read
//! once; a Location cycle is reported as a warning and not followed.
//!
//! **Errors** are all collected (every file, every document) and returned
//! together; any error means no [`Import`]. Positions are the file's own
//! lines: syntax errors at the parser's line and column, other problems at
//! the key they concern when it is written in block style, else at the
//! entity's first line.

mod entity;
pub(crate) mod fields;
mod load;
mod map;
mod node;
mod services;
pub(crate) mod yaml;

pub use services::{DEFAULT_TIER, ROLLBACK_ANNOTATION, TIER_ANNOTATION};

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use muster_core::catalog::Slug;
use muster_core::catalog::changes::{Catalog, EntryKind};

/// The largest file read (16 MiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The most bytes one import reads across all its files.
pub const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// The most files one import reads.
pub const MAX_FILES: usize = 10_000;
/// The most entities (documents) one import reads.
pub const MAX_ENTITIES: usize = 100_000;
/// The most YAML nodes one document may expand to, aliases included.
pub const MAX_DOCUMENT_NODES: usize = 100_000;
/// The most YAML nodes one import may expand to, aliases included.
pub const MAX_TOTAL_NODES: usize = 20_000_000;
/// How deep Locations may point to Locations.
pub const MAX_LOCATION_DEPTH: usize = 32;

/// Reads files on demand, so tests and the CLI can supply them (the CLI
/// reads disk, or serves one fetched URL as the root).
pub trait Source {
    fn read(&self, path: &Path) -> Result<String, io::Error>;
}

/// The file system. Refuses files over [`MAX_FILE_BYTES`] before reading
/// them, and files that are not UTF-8.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskSource;

fn too_large(bytes: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "the file is {bytes} bytes; files over {} MiB are refused",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

impl Source for DiskSource {
    fn read(&self, path: &Path) -> Result<String, io::Error> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        if size > MAX_FILE_BYTES {
            return Err(too_large(size));
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        String::from_utf8(bytes).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    error.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

/// Files held in memory, by path: for tests, and for a root fetched from a
/// URL. A path that was not added is "not found".
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<PathBuf, String>,
}

impl MemorySource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> &mut Self {
        self.files.insert(path.into(), text.into());
        self
    }

    /// Builder form of [`insert`](Self::insert).
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.insert(path, text);
        self
    }
}

impl Source for MemorySource {
    fn read(&self, path: &Path) -> Result<String, io::Error> {
        self.files.get(path).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no file {}", path.display()),
            )
        })
    }
}

/// What an import produced: the desired catalog and who is in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Import {
    /// Teams and services, each sorted by slug (no functionalities:
    /// Backstage has none).
    pub catalog: Catalog,
    /// The people the Users describe, sorted by email, one per email.
    pub users: Vec<ImportedUser>,
    /// Where each team and service was defined.
    pub origins: BTreeMap<(EntryKind, Slug), Origin>,
    /// What was imported differently from how it was written, or skipped.
    pub warnings: Vec<Located>,
}

/// A Backstage User, as a person muster can know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedUser {
    /// Lowercase; `spec.profile.email`, else `<slug>@users.backstage.invalid`.
    pub email: String,
    /// `spec.profile.displayName`, else `metadata.title`, else the name.
    pub name: String,
    /// The User's name (`<namespace>-<name>` outside `default`).
    pub slug: Slug,
}

/// Where an imported entity was defined: its file and first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub line: usize,
}

/// A problem (or warning) at a place in a file. `line` and `column` are
/// 1-based; `line == 0` means the file as a whole (it could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for Located {}

/// Reads `root` and every file its Locations list, and maps the entities to
/// a catalog. Every problem is reported (all at once, sorted by file and
/// line); any problem means `Err`.
pub fn import(root: &Path, source: &dyn Source) -> Result<Import, Vec<Located>> {
    let loaded = load::load(root, source);
    let load::Loaded {
        files,
        entities,
        mut report,
    } = loaded;
    let mut import = map::map(&files, &entities, &mut report);
    report.errors.sort_by(order);
    report.warnings.sort_by(order);
    if report.errors.is_empty() {
        import.warnings = report.warnings;
        Ok(import)
    } else {
        Err(report.errors)
    }
}

fn order(a: &Located, b: &Located) -> std::cmp::Ordering {
    (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column))
}

/// Errors and warnings gathered along the way.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub errors: Vec<Located>,
    pub warnings: Vec<Located>,
}
