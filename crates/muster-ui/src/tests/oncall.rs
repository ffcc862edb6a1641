//! On-call pages: the schedule list and a schedule's page with its
//! timeline, gaps, overrides and form.

use askama::Template;
use jiff::Timestamp;
use jiff::civil::{Weekday, date, time};
use jiff::tz::TimeZone;
use muster_core::catalog::Catalog;
use muster_core::oncall::{
    Layer, Override, Restriction, Rotation, Schedule, ScheduleDefinition, ShiftLength,
};

use super::{chrome, user};
use crate::pages::{SchedulePage, SchedulesPage};
use crate::present::{self, OverrideRecord, ScheduleInputs, ScheduleListItem, zoned};
use crate::view::FieldMessage;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Ana and Bo weekly from Monday 2026-11-30 09:00 Amsterdam time, on
/// weekdays 09:00–17:00 only.
fn definition() -> ScheduleDefinition {
    let rotation = Rotation::new(
        vec!["ada@example.com".into(), "bo@example.com".into()],
        ShiftLength::Weeks(1),
        time(9, 0, 0, 0),
        date(2026, 11, 30),
    )
    .unwrap();
    let tz = TimeZone::get("Europe/Amsterdam").unwrap();
    ScheduleDefinition {
        name: "identity-primary".into(),
        owner: Some("identity".into()),
        description: String::new(),
        time_zone: "Europe/Amsterdam".into(),
        schedule: Schedule {
            time_zone: tz,
            layers: vec![Layer {
                name: "weekdays".into(),
                rotation,
                restrictions: vec![Restriction {
                    days: vec![
                        Weekday::Monday,
                        Weekday::Tuesday,
                        Weekday::Wednesday,
                        Weekday::Thursday,
                        Weekday::Friday,
                    ],
                    from: time(9, 0, 0, 0),
                    to: time(17, 0, 0, 0),
                }],
            }],
            overrides: Vec::new(),
        },
    }
}

fn render(can_write: bool, errors: Vec<FieldMessage>) -> String {
    let mut definition = definition();
    let now = at("2026-12-01T10:00:00Z");
    let tz = definition.schedule.time_zone.clone();
    let (from, to) = zoned::day_window(&tz, now, 14);
    let over = Override::new(
        "bo@example.com".into(),
        at("2026-12-02T08:00:00Z"),
        at("2026-12-02T16:00:00Z"),
        None,
    )
    .unwrap();
    let layers_alone = vec![("weekdays".to_owned(), definition.schedule.shifts(from, to))];
    definition.schedule.overrides = vec![over.clone()];
    let shifts = definition.schedule.shifts(from, to);
    let ada = user("Ada");
    let bo = user("Bo");
    let records = vec![OverrideRecord {
        id: "0190-over".into(),
        over,
        note: "swap <3".into(),
        created_by: ada.id,
    }];
    let users = vec![ada, bo];
    let form = present::default_override_form(&tz, now);
    let view = present::schedule_view(
        ScheduleInputs {
            definition: &definition,
            shifts: &shifts,
            layers: &layers_alone,
            overrides: &records,
            from,
            to,
            now,
            on_call_now: Some("ada@example.com"),
            on_call_until: Some(at("2026-12-01T16:00:00Z")),
            users: &users,
            catalog: &Catalog::default(),
        },
        &form,
    );
    assert_eq!(view.on_call_until.as_deref(), Some("Tue 1 Dec 17:00 CET"));
    assert_eq!(view.timeline.days.len(), 14);
    assert!(view.timeline.days[0].today);
    assert_eq!(view.timeline.days[0].weekday, "Tue");
    assert_eq!(view.timeline.days[0].date, "1 Dec");
    assert_eq!(view.timeline.days[1].date, "2");
    SchedulePage {
        chrome: chrome(can_write),
        flash: None,
        schedule: view,
        form,
        errors,
    }
    .render()
    .unwrap()
}

#[test]
fn a_schedule_page_draws_shifts_gaps_and_overrides() {
    let html = render(true, Vec::new());
    for needle in [
        "id=\"rota-final\"",
        "data-kind=\"gap\"",
        "data-kind=\"override\"",
        // Exact spans on hover, on the schedule's clock.
        "<title>Ada: Tue 1 Dec 09:00 CET – Tue 1 Dec 17:00 CET (Europe/Amsterdam)</title>",
        "<title>Bo (override): Wed 2 Dec 09:00 CET – Wed 2 Dec 17:00 CET (Europe/Amsterdam)</title>",
        "Nobody on call Tue 1 Dec 17:00 – Wed 2 Dec 09:00 CET",
        "Mon–Fri 09:00–17:00",
        "Mondays at 09:00",
        "class=\"rota-now\"",
        "2026-12-01 08:00 UTC",
        "id=\"override-form\"",
        "value=\"2026-12-02T09:00\"",
        "Times are in Europe/Amsterdam",
        "name=\"csrf_token\" value=\"msc_token123\"",
        "/schedules/identity-primary/overrides/0190-over/delete",
        "/schedules/identity-primary/shifts.ics",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("swap <3"), "notes are escaped");
    assert!(!html.contains(" style="), "the CSP forbids inline styles");
}

#[test]
fn viewers_see_the_schedule_but_no_forms() {
    let html = render(false, Vec::new());
    assert!(html.contains("id=\"rota-final\""));
    assert!(!html.contains("id=\"override-form\""));
    assert!(!html.contains("override-remove"));
}

#[test]
fn override_errors_sit_beside_their_fields() {
    let html = render(
        true,
        vec![FieldMessage {
            field: "end".into(),
            message: "an override ends after it starts".into(),
        }],
    );
    let end = html.find("id=\"override-end\"").unwrap();
    let error = html.find("an override ends after it starts").unwrap();
    let replaces = html.find("id=\"override-replaces\"").unwrap();
    assert!(
        end < error && error < replaces,
        "the message follows its field"
    );
}

#[test]
fn the_list_flags_gaps_and_says_who_is_on_call() {
    let definition = definition();
    let tz = definition.schedule.time_zone.clone();
    let now = at("2026-12-01T10:00:00Z");
    let (from, to) = zoned::day_window(&tz, now, 14);
    let gaps = definition.schedule.gaps(from, to);
    let users = vec![user("Ada")];
    let rows = present::schedule_rows(
        &[ScheduleListItem {
            definition: &definition,
            on_call: Some("ada@example.com"),
            until: Some(at("2026-12-01T16:00:00Z")),
            gaps: &gaps,
        }],
        &Catalog::default(),
        &users,
    );
    assert!(rows[0].has_gap);
    assert_eq!(rows[0].on_call.as_deref(), Some("Ada"));
    let html = SchedulesPage {
        chrome: chrome(true),
        flash: None,
        rows,
        problems: Vec::new(),
    }
    .render()
    .unwrap();
    assert!(html.contains("Gap in next 14 days"));
    assert!(html.contains("until Tue 1 Dec 17:00 CET"));
    assert!(html.contains("href=\"/schedules/identity-primary\""));
}
