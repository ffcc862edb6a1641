//! On-call pages: every schedule with who is on call now, one schedule
//! with its 14-day timeline and overrides, the override forms, and the
//! iCalendar exports for a signed-in session (the API's need a token).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use muster_app::AppError;
use muster_app::oncall::{NewOverride, OnCallScope};
use muster_core::oncall::Shift;
use muster_core::{FieldError, OverrideId};
use muster_store::StoredOverride;
use muster_ui::pages::{SchedulePage, SchedulesPage};
use muster_ui::present::{self, OverrideRecord, ScheduleInputs, ScheduleListItem, zoned};
use muster_ui::view::{FieldMessage, Flash, OverrideForm};
use serde::Deserialize;

use super::actions::Empty;
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, render};
use crate::api::calendar::calendar;
use crate::state::AppState;

/// How far ahead the list and the schedule page look.
const DAYS: u32 = 14;

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n * 24)
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let summaries = state
        .app
        .list_schedules(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let now = state.app.now();
    let ahead = now.checked_add(days(i64::from(DAYS))).unwrap_or(now);
    let mut gaps: Vec<Vec<Shift>> = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        let view = state
            .app
            .schedule_view(actor, &summary.definition.name, now, ahead)
            .await
            .map_err(|e| user.fail(e))?;
        gaps.push(view.gaps);
    }
    let items: Vec<ScheduleListItem<'_>> = summaries
        .iter()
        .zip(&gaps)
        .map(|(s, gaps)| ScheduleListItem {
            definition: &s.definition,
            on_call: s.on_call_now.as_deref(),
            until: s.until,
            gaps,
        })
        .collect();
    // Names only: the list must show even if the catalog cannot be read.
    let catalog = state.app.catalog(actor).await.unwrap_or_default();
    let users = state.app.list_users(actor).await.unwrap_or_default();
    let problems = state
        .app
        .on_call_book()
        .await
        .map(|b| b.problems.clone())
        .unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &SchedulesPage {
            chrome: user.chrome(),
            flash: None,
            rows: present::schedule_rows(&items, &catalog, &users),
            problems,
        },
    ))
}

/// The schedule's time zone, or "not found" when the plan has no such schedule.
async fn zone_of(
    state: &AppState,
    user: &ConsoleUser,
    name: &str,
) -> Result<TimeZone, ConsoleError> {
    let book = state.app.on_call_book().await.map_err(|e| user.fail(e))?;
    book.schedules
        .get(name)
        .map(|d| d.schedule.time_zone.clone())
        .ok_or_else(|| user.fail(ConsoleError::not_found(&format!("Schedule {name:?}"))))
}

fn record(stored: &StoredOverride) -> OverrideRecord {
    OverrideRecord {
        id: stored.id.to_string(),
        over: stored.over.clone(),
        note: stored.note.clone(),
        created_by: stored.created_by,
    }
}

/// How the schedule page is shown: fresh, or with a refused override form.
struct Attempt {
    status: StatusCode,
    flash: Option<Flash>,
    form: Option<OverrideForm>,
    errors: Vec<FieldMessage>,
}

impl Attempt {
    fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            form: None,
            errors: Vec::new(),
        }
    }
}

async fn schedule_page(
    state: &AppState,
    user: &ConsoleUser,
    name: &str,
    attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let tz = zone_of(state, user, name).await?;
    let now = state.app.now();
    let (from, to) = zoned::day_window(&tz, now, DAYS);
    let view = state
        .app
        .schedule_view(actor, name, from, to)
        .await
        .map_err(|e| user.fail(e))?;
    // The current shift's end may lie beyond the window; ask for it exactly.
    let until = state
        .app
        .who_is_on_call(actor, OnCallScope::Schedule(name.to_owned()), now)
        .await
        .ok()
        .and_then(|entries| entries.into_iter().next())
        .and_then(|e| e.until);
    let users = state
        .app
        .list_users(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let catalog = state.app.catalog(actor).await.unwrap_or_default();
    let records: Vec<OverrideRecord> = view.overrides.iter().map(record).collect();
    let form = attempt
        .form
        .unwrap_or_else(|| present::default_override_form(&tz, now));
    let schedule = present::schedule_view(
        ScheduleInputs {
            definition: &view.definition,
            shifts: &view.shifts,
            layers: &view.layers,
            overrides: &records,
            from: view.from,
            to: view.to,
            now,
            on_call_now: view.on_call_now.as_deref(),
            on_call_until: until,
            users: &users,
            catalog: &catalog,
        },
        &form,
    );
    Ok(render(
        attempt.status,
        &SchedulePage {
            chrome: user.chrome(),
            flash: attempt.flash,
            schedule,
            form,
            errors: attempt.errors,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(name): Path<String>,
) -> Result<Response, ConsoleError> {
    schedule_page(&state, &user, &name, Attempt::fresh()).await
}

/// The override form's fields, as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverrideInput {
    user: String,
    start: String,
    end: String,
    replaces: String,
    note: String,
}

impl OverrideInput {
    fn echo(self) -> OverrideForm {
        OverrideForm {
            user: self.user,
            start: self.start,
            end: self.end,
            replaces: self.replaces,
            note: self.note,
        }
    }
}

/// A `datetime-local` value on the schedule's wall clock, as an instant.
fn wall_instant(field: &str, raw: &str, tz: &TimeZone) -> Result<Timestamp, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new(field, "choose a date and time"));
    }
    raw.parse::<DateTime>()
        .ok()
        .and_then(|wall| zoned::instant_of(wall, tz))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("expected a date and time like 2026-12-05T09:00, got {raw:?}"),
            )
        })
}

/// Field errors as the form shows them: several for one field joined.
pub(super) fn field_messages(fields: Vec<FieldError>) -> Vec<FieldMessage> {
    let mut out: Vec<FieldMessage> = Vec::new();
    for error in fields {
        match out.iter_mut().find(|m| m.field == error.field) {
            Some(existing) => {
                existing.message.push_str("; ");
                existing.message.push_str(&error.message);
            }
            None => out.push(FieldMessage {
                field: error.field,
                message: error.message,
            }),
        }
    }
    out
}

pub async fn create_override(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Verified(user, input): Verified<OverrideInput>,
) -> Result<Response, ConsoleError> {
    let tz = zone_of(&state, &user, &name).await?;
    let mut errors = Vec::new();
    if input.user.trim().is_empty() {
        errors.push(FieldError::new("user", "choose who covers"));
    }
    let start = wall_instant("start", &input.start, &tz).map_err(|e| errors.push(e));
    let end = wall_instant("end", &input.end, &tz).map_err(|e| errors.push(e));
    let outcome = match (start, end, errors.is_empty()) {
        (Ok(start), Ok(end), true) => {
            state
                .app
                .create_override(
                    &user.principal.actor,
                    &name,
                    NewOverride {
                        user: input.user.trim().to_owned(),
                        start,
                        end,
                        replaces: Some(input.replaces.trim().to_owned()).filter(|r| !r.is_empty()),
                        note: input.note.clone(),
                    },
                )
                .await
        }
        _ => Err(AppError::Invalid(errors)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&present::schedule_href(&name)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let attempt = Attempt {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                flash: Some(Flash::error(
                    "The override was not saved: please fix the fields marked below.",
                )),
                form: Some(input.echo()),
                errors: field_messages(fields),
            };
            schedule_page(&state, &user, &name, attempt).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

pub async fn delete_override(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let id = id
        .parse::<OverrideId>()
        .map_err(|_| user.fail(ConsoleError::not_found("Override")))?;
    state
        .app
        .delete_override(&user.principal.actor, id, Some(&name))
        .await
        .map_err(|e| user.fail(e))?;
    Ok(Redirect::to(&present::schedule_href(&name)).into_response())
}

/// What the API's export covers: a week back, 90 days ahead.
fn ics_window(now: Timestamp) -> (Timestamp, Timestamp) {
    let from = now.checked_sub(days(7)).unwrap_or(now);
    (from, from.checked_add(days(97)).unwrap_or(from))
}

fn ics(body: String, filename: &str) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (
                header::CONTENT_TYPE,
                String::from("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{safe}.ics\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `/schedules/{name}/shifts.ics`: the API's export, for this session.
pub async fn schedule_ics(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(name): Path<String>,
) -> Result<Response, ConsoleError> {
    let now = state.app.now();
    let (from, to) = ics_window(now);
    let view = state
        .app
        .schedule_view(&user.principal.actor, &name, from, to)
        .await
        .map_err(|e| user.fail(e))?;
    let shifts: Vec<(String, Shift)> = view.shifts.into_iter().map(|s| (name.clone(), s)).collect();
    Ok(ics(
        calendar(&format!("On call: {name}"), &shifts, now),
        &name,
    ))
}

/// `/people/{key}/shifts.ics`: a person's shifts on every schedule.
pub async fn person_ics(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let now = state.app.now();
    let (from, to) = ics_window(now);
    let person = state
        .app
        .find_user(actor, &key)
        .await
        .map_err(|e| user.fail(e))?;
    let shifts = state
        .app
        .shifts_of(actor, &person.email, from, to)
        .await
        .map_err(|e| user.fail(e))?;
    Ok(ics(
        calendar(&format!("On call: {}", person.name), &shifts, now),
        "on-call",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_fields_become_instants_on_the_schedule_clock() {
        let tz = TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC);
        let at = wall_instant("start", "2026-12-05T09:00", &tz).map(|t| t.to_string());
        assert_eq!(at.as_deref(), Ok("2026-12-05T08:00:00Z"));
        let bad = wall_instant("end", "tomorrow", &tz).map_err(|e| e.field);
        assert_eq!(bad, Err(String::from("end")));
        let merged = field_messages(vec![
            FieldError::new("end", "a"),
            FieldError::new("end", "b"),
        ]);
        assert_eq!(merged[0].message, "a; b");
    }
}
