//! People: the list, a person's page (with their notification rules and
//! upcoming shifts), and the profile form that the person themselves or an
//! admin may post. A refused form comes back with what was typed and the
//! reasons beside the fields.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use muster_app::AppError;
use muster_core::{ContactMethodDraft, FieldError, User, UserPatch, UserRole};
use muster_ui::pages::{PeoplePage, UserPage};
use muster_ui::present;
use muster_ui::view::{FieldMessage, Flash, RulesView, UserForm};
use serde::Deserialize;

use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, describe, render};
use crate::state::AppState;

/// The profile form's fields, as posted. Email and role are only read from
/// an admin; the form shows them to nobody else.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserInput {
    name: String,
    email: String,
    role: String,
    time_zone: String,
    contact_methods: String,
}

/// How far ahead a person's page lists their shifts.
const SHIFT_DAYS: i64 = 14;

/// The deactivation form carries nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct DeactivateInput {}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let users = state
        .app
        .list_users(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e))?;
    Ok(render(
        StatusCode::OK,
        &PeoplePage {
            chrome: user.chrome(),
            flash: None,
            rows: present::user_rows(&users),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let target = find(&state, &user, &key).await?;
    Ok(person_page(&state, &user, &target, Extras::fresh()).await)
}

pub async fn update(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Verified(user, input): Verified<UserInput>,
) -> Result<Response, ConsoleError> {
    let target = find(&state, &user, &key).await?;
    let admin = user.principal.actor.is_admin();
    let outcome = match patch(&input, admin) {
        Ok(patch) => {
            state
                .app
                .update_user(&user.principal.actor, &target.id.to_string(), &patch)
                .await
        }
        Err(fields) => Err(AppError::Invalid(fields)),
    };
    match outcome {
        Ok(saved) => Ok(Redirect::to(&present::user_href(&saved)).into_response()),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(AppError::Invalid(fields)) => {
            let errors = field_messages(fields, &filled_lines(&input.contact_methods));
            let flash =
                Flash::error("The profile was not saved: please fix the fields marked below.");
            let extras = Extras::profile(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(flash),
                echo(input),
                errors,
            );
            Ok(person_page(&state, &user, &target, extras).await)
        }
        Err(error) => {
            let (status, message) = describe(error);
            let extras =
                Extras::profile(status, Some(Flash::error(message)), echo(input), Vec::new());
            Ok(person_page(&state, &user, &target, extras).await)
        }
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Verified(user, _): Verified<DeactivateInput>,
) -> Result<Response, ConsoleError> {
    let target = find(&state, &user, &key).await?;
    match state
        .app
        .deactivate_user(&user.principal.actor, &target.id.to_string())
        .await
    {
        Ok(done) => Ok(Redirect::to(&present::user_href(&done)).into_response()),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let (status, message) = describe(error);
            let extras = Extras {
                status,
                flash: Some(Flash::error(message)),
                ..Extras::fresh()
            };
            Ok(person_page(&state, &user, &target, extras).await)
        }
    }
}

pub(super) async fn find(
    state: &AppState,
    user: &ConsoleUser,
    key: &str,
) -> Result<User, ConsoleError> {
    state
        .app
        .find_user(&user.principal.actor, key)
        .await
        .map_err(|e| user.fail(e))
}

/// How a person's page is shown: fresh, or with a refused form.
pub(super) struct Extras {
    status: StatusCode,
    flash: Option<Flash>,
    /// The profile form as typed; `None` shows it as stored.
    form: Option<UserForm>,
    errors: Vec<FieldMessage>,
    /// The rules editor as typed; `None` shows the stored rules.
    rules: Option<RulesView>,
}

impl Extras {
    fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            form: None,
            errors: Vec::new(),
            rules: None,
        }
    }

    fn profile(
        status: StatusCode,
        flash: Option<Flash>,
        form: UserForm,
        errors: Vec<FieldMessage>,
    ) -> Self {
        Self {
            status,
            flash,
            form: Some(form),
            errors,
            rules: None,
        }
    }

    pub(super) fn rules(status: StatusCode, flash: Option<Flash>, rules: RulesView) -> Self {
        Self {
            status,
            flash,
            rules: Some(rules),
            ..Self::fresh()
        }
    }
}

/// A person's page: profile, contact methods, notification rules (for
/// themselves and admins) and their shifts of the next 14 days.
pub(super) async fn person_page(
    state: &AppState,
    user: &ConsoleUser,
    target: &User,
    extras: Extras,
) -> Response {
    let actor = &user.principal.actor;
    let own = actor.user_id == target.id;
    let can_edit = own || actor.is_admin();
    let href = present::user_href(target);
    let rules = match (can_edit, extras.rules) {
        (false, _) => None,
        (true, Some(rules)) => Some(rules),
        // The editor is an extra: a failed read leaves it out, not the page.
        (true, None) => state
            .app
            .notification_rules(actor, target)
            .await
            .ok()
            .map(|stored| {
                present::rules_view(
                    &stored,
                    &present::rule_inputs(&stored),
                    &[],
                    format!("{href}/notification-rules"),
                )
            }),
    };
    let now = state.app.now();
    let ahead = now
        .checked_add(SignedDuration::from_hours(SHIFT_DAYS * 24))
        .unwrap_or(now);
    let shifts = state
        .app
        .shifts_of(actor, &target.email, now, ahead)
        .await
        .unwrap_or_default();
    let zone = TimeZone::get(&target.time_zone).unwrap_or(TimeZone::UTC);
    let form = extras.form.unwrap_or_else(|| present::user_form(target));
    render(
        extras.status,
        &UserPage {
            chrome: user.chrome(),
            flash: extras.flash,
            user: present::user_view(target),
            can_edit,
            is_admin: actor.is_admin(),
            own,
            roles: present::role_options(&form.role),
            form,
            errors: extras.errors,
            rules,
            shifts: present::person_shift_rows(&shifts, &zone, now),
            shifts_zone: target.time_zone.clone(),
            ics_href: format!("{href}/shifts.ics"),
        },
    )
}

fn echo(input: UserInput) -> UserForm {
    UserForm {
        name: input.name,
        email: input.email,
        role: input.role,
        time_zone: input.time_zone,
        contact_methods: input.contact_methods,
    }
}

fn patch(input: &UserInput, admin: bool) -> Result<UserPatch, Vec<FieldError>> {
    let role = if admin && !input.role.trim().is_empty() {
        Some(
            input
                .role
                .parse::<UserRole>()
                .map_err(|m| vec![FieldError::new("role", m)])?,
        )
    } else {
        None
    };
    Ok(UserPatch {
        name: Some(input.name.clone()),
        email: (admin && !input.email.trim().is_empty()).then(|| input.email.clone()),
        role,
        time_zone: Some(input.time_zone.clone()),
        contact_methods: Some(
            contact_drafts(&input.contact_methods)
                .into_iter()
                .map(|(_, draft)| draft)
                .collect(),
        ),
    })
}

/// One contact method per non-blank line: `kind:address`, then an optional
/// label after the first space. The core validates what comes out.
/// Each comes with its line number in the textarea (1-based), so errors can
/// point at the line the person sees even when blank lines come first.
fn contact_drafts(text: &str) -> Vec<(usize, ContactMethodDraft)> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(number, line)| {
            let (kind, rest) = line.split_once(':').unwrap_or((line, ""));
            let (address, label) = rest
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((rest, ""));
            (
                number + 1,
                ContactMethodDraft {
                    kind: kind.trim().to_owned(),
                    address: address.trim().to_owned(),
                    label: label.trim().to_owned(),
                },
            )
        })
        .collect()
}

/// The textarea line of each contact method, in order.
fn filled_lines(text: &str) -> Vec<usize> {
    contact_drafts(text).into_iter().map(|(n, _)| n).collect()
}

/// The textarea shows every contact method's problem, by line.
fn field_messages(fields: Vec<FieldError>, lines: &[usize]) -> Vec<FieldMessage> {
    let mut messages: Vec<FieldMessage> = Vec::new();
    for error in fields {
        let line = contact_index(&error.field).map(|i| lines.get(i).copied().unwrap_or(i + 1));
        let (field, message) = match line {
            Some(line) => (
                String::from("contact_methods"),
                format!("line {line}: {}", error.message),
            ),
            None => (error.field, error.message),
        };
        match messages.iter_mut().find(|m| m.field == field) {
            Some(existing) => {
                existing.message.push_str("; ");
                existing.message.push_str(&message);
            }
            None => messages.push(FieldMessage { field, message }),
        }
    }
    messages
}

/// `contact_methods[2].address` is the third contact method.
fn contact_index(field: &str) -> Option<usize> {
    let index = field.strip_prefix("contact_methods[")?.split(']').next()?;
    index.parse::<usize>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_lines_split_kind_address_and_label() {
        let text = "sms:+14155550123 Work phone\n\n chat:@ada \nbogus";
        assert_eq!(filled_lines(text), [1, 3, 4], "blank lines still count");
        let drafts: Vec<ContactMethodDraft> =
            contact_drafts(text).into_iter().map(|(_, d)| d).collect();
        assert_eq!(drafts.len(), 3);
        assert_eq!(
            (
                drafts[0].kind.as_str(),
                drafts[0].address.as_str(),
                drafts[0].label.as_str()
            ),
            ("sms", "+14155550123", "Work phone")
        );
        assert_eq!(drafts[1].address, "@ada");
        assert_eq!(drafts[2].kind, "bogus");
        assert_eq!(contact_index("contact_methods[2].address"), Some(2));
        assert_eq!(contact_index("time_zone"), None);
        let messages = field_messages(
            vec![FieldError::new("contact_methods[1].address", "bad")],
            &filled_lines(text),
        );
        assert_eq!(messages[0].message, "line 3: bad");
    }
}
