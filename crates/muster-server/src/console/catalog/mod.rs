//! Catalog pages: the overview, a team, a service (with its blast radius and
//! neighbourhood graph), a functionality; and the forms that create, edit
//! and delete them. Forms post plain fields; list fields are one entry per
//! line. A refused form comes back with what was typed and the reasons
//! beside the fields.
//!
//! `pages` shows the catalog; `forms` creates, edits and deletes entries,
//! taking `inputs` (what forms post), turning them into core values with
//! `parse` and showing them again with `form_page`.

mod form_page;
mod forms;
mod inputs;
mod oncall;
mod pages;
mod parse;

use axum::http::StatusCode;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::EntryKind;
use muster_core::{Permission, Slug};

pub use forms::{
    create_functionality, create_service, create_team, delete_functionality, delete_service,
    delete_team, edit_functionality, edit_service, edit_team, new_functionality, new_service,
    new_team, update_functionality, update_service, update_team,
};
pub use oncall::{page_functionality, page_service, page_team};
pub use pages::{functionality, overview, service, team};

use super::ConsoleError;
use super::session::ConsoleUser;
use crate::state::AppState;

fn kind_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Team => "Team",
        EntryKind::Service => "Service",
        EntryKind::Functionality => "Functionality",
    }
}

/// The collection an entry lives in, as in paths and validation fields.
fn collection(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Team => "teams",
        EntryKind::Service => "services",
        EntryKind::Functionality => "functionalities",
    }
}

/// A slug in a path; anything that is not one names nothing.
fn path_slug(kind: EntryKind, raw: &str) -> Result<Slug, ConsoleError> {
    Slug::parse("slug", raw)
        .map_err(|_| ConsoleError::not_found(&format!("{} {raw:?}", kind_label(kind))))
}

fn not_found(kind: EntryKind, slug: &Slug) -> ConsoleError {
    ConsoleError::not_found(&format!("{} {slug}", kind_label(kind)))
}

async fn load(state: &AppState, user: &ConsoleUser) -> Result<Catalog, ConsoleError> {
    state
        .app
        .catalog(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e))
}

/// Editing forms are offered to those who may edit; the use cases check again.
fn require_editor(user: &ConsoleUser) -> Result<(), ConsoleError> {
    if user.principal.actor.can(Permission::ManageCatalog) {
        Ok(())
    } else {
        Err(user.fail(ConsoleError::page(
            StatusCode::FORBIDDEN,
            "Your role may read the catalog but not change it.",
        )))
    }
}
