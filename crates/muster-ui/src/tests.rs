//! Rendering tests: pages render, escape what users typed, and carry the ids
//! and CSRF fields the server and browser tests rely on.

use askama::Template;
use muster_core::{
    Actor, Incident, IncidentId, IncidentNumber, NewIncident, RoleCatalog, SeverityScale,
    TimelineEntry, TimelineEntryId, Timestamp, User, UserId, UserRole,
};
use uuid::Uuid;

use crate::pages::{IncidentLive, IncidentPage};
use crate::present::{IncidentInputs, incident_view};
use crate::view::{Chrome, Me};

fn user(name: &str) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        email: format!("{}@example.com", name.to_lowercase()),
        name: name.to_owned(),
        role: UserRole::Admin,
        created_at: Timestamp::from_second(1_700_000_000).unwrap(),
    }
}

fn declared(title: &str, by: &User) -> (Incident, Vec<TimelineEntry>) {
    let actor = Actor {
        user_id: by.id,
        role: by.role,
    };
    let scale = SeverityScale::standard();
    let roles = RoleCatalog::standard();
    let rules = muster_core::IncidentRules {
        severities: &scale,
        roles: &roles,
    };
    let now = Timestamp::from_second(1_700_000_100).unwrap();
    let input = NewIncident {
        title: title.to_owned(),
        ..NewIncident::default()
    };
    let (mut incident, events) =
        Incident::declare(IncidentId(Uuid::now_v7()), input, &actor, &rules, now).unwrap();
    incident.number = IncidentNumber(7);
    let entries = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| TimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident.id,
            sequence: i as i64 + 1,
            occurred_at: now,
            actor: Some(by.id),
            event,
        })
        .collect();
    (incident, entries)
}

fn chrome(can_write: bool) -> Chrome {
    Chrome::new(Some(Me {
        name: "Ada".into(),
        csrf_token: "msc_token123".into(),
        can_write,
    }))
}

fn page(title: &str, can_write: bool) -> String {
    let ada = user("Ada");
    let (incident, timeline) = declared(title, &ada);
    let scale = SeverityScale::standard();
    let roles = RoleCatalog::standard();
    let view = incident_view(IncidentInputs {
        incident: &incident,
        tasks: &[],
        timeline: &timeline,
        users: std::slice::from_ref(&ada),
        severities: &scale,
        roles: &roles,
        me: ada.id,
    });
    IncidentPage {
        chrome: chrome(can_write),
        flash: None,
        incident: view,
        oob: false,
    }
    .render()
    .unwrap()
}

#[test]
fn incident_page_has_the_ids_and_tokens_forms_rely_on() {
    let html = page("Checkout down", true);
    for id in [
        "id=\"incident-status\"",
        "id=\"timeline\"",
        "id=\"note-text\"",
        "id=\"note-submit\"",
        "id=\"action-acknowledge\"",
        "id=\"action-resolve\"",
        "id=\"assign-commander\"",
        "id=\"assign-commander-user\"",
    ] {
        assert!(html.contains(id), "missing {id}");
    }
    assert!(
        !html.contains("id=\"action-close\""),
        "closing needs a resolution first"
    );
    assert!(html.contains(r#"name="csrf_token" value="msc_token123""#));
    assert!(html.contains(r#"hx-headers='{"X-CSRF-Token": "msc_token123"}'"#));
    assert!(html.contains("/incidents/INC-7/timeline?seen=1"));
    assert!(html.contains("Declared SEV3: Checkout down"));
}

#[test]
fn user_text_is_escaped() {
    let html = page("<script>alert(1)</script>", true);
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

#[test]
fn viewers_get_no_write_controls() {
    let html = page("Read only", false);
    assert!(!html.contains("id=\"note-form\""));
    assert!(!html.contains("id=\"action-resolve\""));
    assert!(html.contains("id=\"timeline\""));
}

#[test]
fn live_fragment_swaps_the_timeline_and_the_rest_out_of_band() {
    let ada = user("Ada");
    let (incident, timeline) = declared("Disk full", &ada);
    let scale = SeverityScale::standard();
    let roles = RoleCatalog::standard();
    let view = incident_view(IncidentInputs {
        incident: &incident,
        tasks: &[],
        timeline: &timeline,
        users: std::slice::from_ref(&ada),
        severities: &scale,
        roles: &roles,
        me: ada.id,
    });
    let html = IncidentLive {
        chrome: chrome(true),
        incident: view,
        oob: true,
        replace_flash: false,
        flash: None,
        fresh_note: true,
        fresh_task: false,
    }
    .render()
    .unwrap();
    assert!(html.trim_start().starts_with("<div id=\"timeline\""));
    assert!(!html.contains("<html"));
    for id in [
        "incident-header",
        "milestones",
        "roles",
        "participants",
        "tasks-list",
        "note-form",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\" ")) || html.contains(&format!("id=\"{id}\"")),
            "{id}"
        );
    }
    assert_eq!(html.matches("hx-swap-oob=\"true\"").count(), 7);
    assert!(!html.contains("id=\"task-form\""));
    assert!(!html.contains("id=\"flash\""));
}

#[test]
fn assets_are_embedded_with_hashed_urls() {
    let css = crate::asset("muster.css").unwrap();
    assert!(css.content_type.starts_with("text/css"));
    assert!(crate::asset_href("htmx.min.js").starts_with("/assets/htmx.min.js?v="));
    let htmx = crate::asset("htmx.min.js").unwrap();
    assert!(
        std::str::from_utf8(&htmx.bytes)
            .unwrap()
            .starts_with("/*! htmx 2")
    );
    assert!(crate::asset("../Cargo.toml").is_none());
}
