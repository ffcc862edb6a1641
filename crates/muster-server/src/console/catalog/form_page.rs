//! Showing a catalog form: fresh, or refused with what was typed and the
//! reasons beside the fields.

use axum::http::StatusCode;
use axum::response::Response;
use muster_app::AppError;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::EntryKind;
use muster_ui::pages::{FormFrame, FunctionalityFormPage, ServiceFormPage, TeamFormPage};
use muster_ui::present;
use muster_ui::view::{FieldMessage, Flash, FunctionalityForm, ServiceForm, TeamForm};

use super::collection;
use super::parse::field_messages;
use crate::console::session::ConsoleUser;
use crate::console::{describe, render};

/// What a refused form says on top, naming errors no field shows.
fn refusal(what: &str, others: &[String], message: Option<String>) -> Flash {
    let mut text = message.unwrap_or_else(|| {
        format!("The {what} was not saved: please fix the fields marked below.")
    });
    for other in others {
        text.push(' ');
        text.push_str(other);
        text.push('.');
    }
    Flash::error(text)
}

fn frame(kind: EntryKind, slug: Option<&str>) -> FormFrame {
    let base = collection(kind);
    match slug {
        None => FormFrame {
            creating: true,
            action: format!("/{base}"),
            cancel_href: String::from("/catalog"),
            delete_href: None,
        },
        Some(slug) => FormFrame {
            creating: false,
            action: format!("/{base}/{slug}"),
            cancel_href: format!("/{base}/{slug}"),
            delete_href: Some(format!("/{base}/{slug}/delete")),
        },
    }
}

fn known_services(catalog: &Catalog) -> Vec<String> {
    let mut slugs: Vec<String> = catalog
        .services
        .iter()
        .map(|s| s.slug.to_string())
        .collect();
    slugs.sort();
    slugs
}

/// How a form page is shown: fresh, or refused with reasons.
pub(super) struct Outcome {
    status: StatusCode,
    flash: Option<Flash>,
    errors: Vec<FieldMessage>,
}

impl Outcome {
    pub(super) fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            errors: Vec::new(),
        }
    }

    /// A refusal from a use case (or from parsing the form).
    pub(super) fn refused(kind: EntryKind, slug: &str, error: AppError) -> Self {
        let what = kind.as_str();
        match error {
            AppError::Invalid(fields) => {
                let (errors, others) = field_messages(kind, slug, fields);
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    flash: Some(refusal(what, &others, None)),
                    errors,
                }
            }
            error => {
                let (status, message) = describe(error);
                Self {
                    status,
                    flash: Some(Flash::error(message)),
                    errors: Vec::new(),
                }
            }
        }
    }
}

pub(super) fn team_form_page(
    user: &ConsoleUser,
    editing: Option<&str>,
    form: TeamForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &TeamFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Team, editing),
            form,
            errors: outcome.errors,
        },
    )
}

pub(super) fn service_form_page(
    user: &ConsoleUser,
    catalog: &Catalog,
    editing: Option<&str>,
    form: ServiceForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &ServiceFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Service, editing),
            owners: present::team_options(catalog, &form.owner_team),
            tiers: present::tier_options(&form.tier),
            lifecycles: present::lifecycle_options(&form.lifecycle),
            known_services: known_services(catalog),
            form,
            errors: outcome.errors,
        },
    )
}

pub(super) fn functionality_form_page(
    user: &ConsoleUser,
    catalog: &Catalog,
    editing: Option<&str>,
    form: FunctionalityForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &FunctionalityFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Functionality, editing),
            owners: present::team_options(catalog, &form.owner_team),
            known_services: known_services(catalog),
            form,
            errors: outcome.errors,
        },
    )
}
