//! iCalendar export of on-call shifts (RFC 5545): one VEVENT per shift, in
//! UTC over a window, so calendar apps never drift across DST. Per
//! schedule and per person; subscribe with any calendar that takes a URL
//! and a bearer token, or download once.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, Event, EventLike};
use jiff::{SignedDuration, Timestamp};
use muster_api_types::ErrorBody;
use muster_api_types::oncall::ShiftsQuery;
use muster_core::oncall::Shift;

use crate::api::oncall::window;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

fn utc(at: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(at.as_millisecond()).unwrap_or_default()
}

/// A stable UID: the same shift is the same event on every refresh.
fn uid(schedule: &str, shift: &Shift) -> String {
    let clean: String = schedule
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{clean}-{}-{}@muster",
        shift.start.as_second(),
        shift.end.as_second()
    )
}

pub(crate) fn calendar(name: &str, shifts: &[(String, Shift)], now: Timestamp) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    for (schedule, shift) in shifts {
        let Some(user) = &shift.user else { continue };
        calendar.push(
            Event::new()
                .uid(&uid(schedule, shift))
                .summary(&format!("On call: {schedule} ({user})"))
                .description(&format!("{user} is on call for {schedule}."))
                .starts(utc(shift.start))
                .ends(utc(shift.end))
                .timestamp(utc(now))
                .done(),
        );
    }
    calendar.done().to_string()
}

fn ics(body: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}.ics\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn ics_window(state: &AppState, query: &ShiftsQuery) -> Result<(Timestamp, Timestamp), ApiError> {
    let now = state.app.now();
    let from = now
        .checked_sub(SignedDuration::from_hours(7 * 24))
        .unwrap_or(now);
    window(query, from, 97)
}

/// A schedule's shifts as iCalendar (default: 7 days ago to 90 days ahead).
#[utoipa::path(get, path = "/schedules/{name}/shifts.ics", tag = "oncall", params(("name" = String, Path), ShiftsQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn schedule_ics(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    Query(query): Query<ShiftsQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = ics_window(&state, &query)?;
    let view = state
        .app
        .schedule_view(&caller.actor, &name, from, to)
        .await?;
    let shifts: Vec<(String, Shift)> = view.shifts.into_iter().map(|s| (name.clone(), s)).collect();
    Ok(ics(
        calendar(&format!("On call: {name}"), &shifts, state.app.now()),
        &name,
    ))
}

/// A person's shifts on every schedule as iCalendar.
#[utoipa::path(get, path = "/users/{id}/shifts.ics", tag = "oncall", params(("id" = String, Path, description = "User id or email"), ShiftsQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn user_ics(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Query(query): Query<ShiftsQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = ics_window(&state, &query)?;
    let user = state.app.find_user(&caller.actor, &id).await?;
    let shifts = state
        .app
        .shifts_of(&caller.actor, &user.email, from, to)
        .await?;
    Ok(ics(
        calendar(&format!("On call: {}", user.name), &shifts, state.app.now()),
        "on-call",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_shift_in_utc_and_gaps_left_out() {
        let at = |s: &str| s.parse::<Timestamp>().expect("instant");
        let shifts = vec![
            (
                "identity-primary".to_owned(),
                Shift {
                    user: Some("ana@example.com".into()),
                    start: at("2026-10-24T07:00:00Z"),
                    end: at("2026-10-25T08:00:00Z"),
                },
            ),
            (
                "identity-primary".to_owned(),
                Shift {
                    user: None,
                    start: at("2026-10-25T08:00:00Z"),
                    end: at("2026-10-25T09:00:00Z"),
                },
            ),
        ];
        let text = calendar("On call", &shifts, at("2026-10-01T00:00:00Z"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
        assert!(text.contains("DTSTART:20261024T070000Z"), "{text}");
        assert!(text.contains("DTEND:20261025T080000Z"), "{text}");
        assert!(text.contains("UID:identity-primary-1792825200-1792915200@muster"));
    }
}
