//! Silences: the list (current, or every one), the form that adds one
//! (pre-filled from an alert's labels for "silence similar"), and the
//! button that ends one now. A refused form comes back with each problem
//! beside its field.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use muster_app::AppError;
use muster_app::silences::{NewSilence, WindowDraft};
use muster_core::{FieldError, SilenceId};
use muster_ui::pages::SilencesPage;
use muster_ui::present::{self, SilenceRecord};
use muster_ui::view::{FieldMessage, Flash, SilenceForm};
use serde::Deserialize;

use super::actions::Empty;
use super::alerts::alert_id;
use super::oncall::field_messages;
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, ConsoleQuery, describe, render};
use crate::state::AppState;

/// The longest a silence may be asked for (the core's own limit says why).
const MAX_MINUTES: i64 = 366 * 24 * 60;

/// The form's fields; problems on others are named on top.
const FIELDS: [&str; 6] = [
    "matchers",
    "duration",
    "ends_at",
    "comment",
    "time_zone",
    "windows",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Any value lists ended silences too.
    ended: String,
    /// Pre-fill the form from this alert's labels.
    alert: String,
}

/// How the page is shown: fresh, or with a refused form.
struct Attempt {
    status: StatusCode,
    flash: Option<Flash>,
    form: SilenceForm,
    errors: Vec<FieldMessage>,
}

async fn silences_page(
    state: &AppState,
    user: &ConsoleUser,
    show_ended: bool,
    attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let stored = state
        .app
        .silences(actor, show_ended)
        .await
        .map_err(|e| user.fail(e))?;
    let users = state.app.list_users(actor).await.unwrap_or_default();
    let records: Vec<SilenceRecord<'_>> = stored
        .iter()
        .map(|s| SilenceRecord {
            silence: &s.silence,
            created_by: s.created_by,
            created_at: s.created_at,
        })
        .collect();
    Ok(render(
        attempt.status,
        &SilencesPage {
            chrome: user.chrome(),
            flash: attempt.flash,
            rows: present::silence_rows(&records, &users, state.app.now(), user.me().can_write),
            show_ended,
            form: attempt.form,
            errors: attempt.errors,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<ListQuery>,
) -> Result<Response, ConsoleError> {
    let mut attempt = Attempt {
        status: StatusCode::OK,
        flash: None,
        form: present::blank_silence_form(),
        errors: Vec::new(),
    };
    if !query.alert.is_empty() {
        let found = match alert_id(&query.alert) {
            Ok(id) => state
                .app
                .alert(&user.principal.actor, id)
                .await
                .map_err(|e| user.fail(e)),
            Err(error) => Err(user.fail(error)),
        };
        match found {
            Ok(detail) => attempt.form = present::silence_form_for(&detail.alert),
            // Say so, and offer the blank form: the alert is not needed to silence.
            Err(_) => {
                attempt.flash = Some(Flash::error(
                    "That alert was not found; the form starts empty.",
                ));
            }
        }
    }
    silences_page(&state, &user, !query.ended.is_empty(), attempt).await
}

/// The silence form, as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SilenceInput {
    matchers: String,
    duration: String,
    ends_at: String,
    comment: String,
    time_zone: String,
    windows: String,
}

impl SilenceInput {
    fn echo(self) -> SilenceForm {
        SilenceForm {
            matchers: self.matchers,
            duration: self.duration,
            ends_at: self.ends_at,
            comment: self.comment,
            time_zone: self.time_zone,
            windows: self.windows,
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// "2h", "90m", "1d 12h", "45" (minutes): what people type for how long.
fn duration(raw: &str) -> Result<Option<SignedDuration>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refuse = || {
        FieldError::new(
            "duration",
            format!("expected a duration like 2h, 90m or 1d 12h, got {raw:?}"),
        )
    };
    let mut minutes: i64 = 0;
    let mut number = String::new();
    let mut unit = String::new();
    let mut add = |number: &mut String, unit: &mut String| -> Result<(), FieldError> {
        if number.is_empty() {
            return if unit.is_empty() {
                Ok(())
            } else {
                Err(refuse())
            };
        }
        let n: i64 = number.parse().map_err(|_| refuse())?;
        let per = match unit.as_str() {
            "" | "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "d" | "day" | "days" => 24 * 60,
            "w" | "week" | "weeks" => 7 * 24 * 60,
            _ => return Err(refuse()),
        };
        minutes = n
            .checked_mul(per)
            .and_then(|m| minutes.checked_add(m))
            .ok_or_else(refuse)?;
        number.clear();
        unit.clear();
        Ok(())
    };
    for c in raw.chars() {
        if c.is_ascii_digit() {
            if !unit.is_empty() {
                add(&mut number, &mut unit)?;
            }
            number.push(c);
        } else if c.is_alphabetic() {
            unit.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == ',' {
            continue;
        } else {
            return Err(refuse());
        }
    }
    add(&mut number, &mut unit)?;
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(FieldError::new(
            "duration",
            format!("from 1 minute to 366 days, got {raw:?}"),
        ));
    }
    Ok(Some(SignedDuration::from_mins(minutes)))
}

/// A `datetime-local` value in UTC.
fn utc_end(raw: &str) -> Result<Option<jiff::Timestamp>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|wall| jiff::tz::TimeZone::UTC.to_timestamp(wall).ok())
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                "ends_at",
                format!("expected a date and time like 2026-12-24T18:00, got {raw:?}"),
            )
        })
}

/// One window per line: `sat,sun 22:00-06:00`, or `02:00-04:00` for every day.
fn windows(text: &str) -> Result<Vec<WindowDraft>, FieldError> {
    lines(text)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let refuse = || {
                FieldError::new(
                    "windows",
                    format!(
                        "line {}: expected days and times like sat,sun 22:00-06:00, got {line:?}",
                        i + 1
                    ),
                )
            };
            let line = line.replace(" - ", "-").replace(" – ", "–");
            let (days, times) = match line.rsplit_once(char::is_whitespace) {
                Some((days, times)) => (days, times),
                None => ("", line.as_str()),
            };
            let (from, to) = times.split_once(['-', '–']).ok_or_else(refuse)?;
            Ok(WindowDraft {
                days: days
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect(),
                from: from.trim().to_owned(),
                to: to.trim().to_owned(),
            })
        })
        .collect()
}

/// The app names fields as the API does (`matchers[1]`, `windows[0].from`,
/// `recurrence.windows`); the form has one field per list, so a problem
/// goes beside it, saying which line.
fn form_errors(fields: Vec<FieldError>) -> (Vec<FieldError>, Vec<String>) {
    let mut shown = Vec::new();
    let mut elsewhere = Vec::new();
    for error in fields {
        let (base, rest) = match error.field.find(['[', '.']) {
            Some(at) => error.field.split_at(at),
            None => (error.field.as_str(), ""),
        };
        let base = if base == "recurrence" {
            "windows"
        } else {
            base
        };
        let line = rest
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse::<usize>().ok());
        let message = match line {
            Some(n) => format!("line {}: {}", n + 1, error.message),
            None => error.message.clone(),
        };
        if FIELDS.contains(&base) {
            shown.push(FieldError::new(base, message));
        } else {
            elsewhere.push(format!("{}: {message}", error.field));
        }
    }
    (shown, elsewhere)
}

pub async fn create(
    State(state): State<AppState>,
    Verified(user, input): Verified<SilenceInput>,
) -> Result<Response, ConsoleError> {
    let mut problems = Vec::new();
    let duration = duration(&input.duration).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let ends_at = utc_end(&input.ends_at).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let windows = windows(&input.windows).unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    let outcome = if problems.is_empty() {
        let time_zone = Some(input.time_zone.trim().to_owned()).filter(|z| !z.is_empty());
        state
            .app
            .create_silence(
                &user.principal.actor,
                NewSilence {
                    matchers: lines(&input.matchers),
                    starts_at: None,
                    ends_at,
                    duration,
                    comment: input.comment.clone(),
                    time_zone,
                    windows,
                },
            )
            .await
    } else {
        Err(AppError::Invalid(problems))
    };
    match outcome {
        Ok(created) => Ok(Redirect::to(&present::silence_href(created.silence.id)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let (shown, elsewhere) = form_errors(fields);
            let mut message =
                String::from("The silence was not saved: please fix the fields marked below.");
            if !elsewhere.is_empty() {
                message.push(' ');
                message.push_str(&elsewhere.join(". "));
            }
            let attempt = Attempt {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                flash: Some(Flash::error(message)),
                form: input.echo(),
                errors: field_messages(shown),
            };
            silences_page(&state, &user, false, attempt).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// Ends a silence now; one that ended already says so on the list.
pub async fn expire(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let id = raw
        .parse::<SilenceId>()
        .map_err(|_| user.fail(ConsoleError::not_found("Silence")))?;
    match state.app.expire_silence(&user.principal.actor, id).await {
        Ok(_) => Ok(Redirect::to("/silences").into_response()),
        Err(error @ AppError::Conflict { .. }) => {
            let (status, message) = describe(error);
            let attempt = Attempt {
                status,
                flash: Some(Flash::error(message)),
                form: present::blank_silence_form(),
                errors: Vec::new(),
            };
            silences_page(&state, &user, true, attempt).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        let minutes = |raw: &str| duration(raw).map(|d| d.map(|d| d.as_mins()));
        assert_eq!(minutes("2h"), Ok(Some(120)));
        assert_eq!(minutes("90m"), Ok(Some(90)));
        assert_eq!(minutes("1d 12h"), Ok(Some(36 * 60)));
        assert_eq!(minutes("1d12h30m"), Ok(Some(36 * 60 + 30)));
        assert_eq!(minutes("45"), Ok(Some(45)));
        assert_eq!(minutes(" "), Ok(None));
        for bad in [
            "soon",
            "2x",
            "h",
            "0m",
            "400d",
            "-5m",
            "99999999999999999999w",
        ] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_are_days_then_times() {
        let read = windows("sat,sun 22:00-06:00\n\n02:00–04:00").unwrap_or_default();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].days, ["sat", "sun"]);
        assert_eq!(
            (read[0].from.as_str(), read[0].to.as_str()),
            ("22:00", "06:00")
        );
        assert!(read[1].days.is_empty());
        let bad = windows("mon 09:00").map_err(|e| e.message);
        assert!(
            bad.as_ref().is_err_and(|m| m.starts_with("line 1:")),
            "{bad:?}"
        );
    }

    #[test]
    fn problems_go_beside_their_field_with_the_line() {
        let (shown, elsewhere) = form_errors(vec![
            FieldError::new("matchers[1]", "bad"),
            FieldError::new("windows[0].from", "expected HH:MM"),
            FieldError::new("recurrence.windows", "at least one"),
            FieldError::new("starts_at", "odd"),
        ]);
        let fields: Vec<(&str, &str)> = shown
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("matchers", "line 2: bad"),
                ("windows", "line 1: expected HH:MM"),
                ("windows", "at least one"),
            ]
        );
        assert_eq!(elsewhere, ["starts_at: odd"]);
    }
}
