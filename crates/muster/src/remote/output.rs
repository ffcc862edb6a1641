//! Rendering answers as tables (for people) or JSON (for scripts).

use std::collections::HashMap;
use std::io::Write as _;

use comfy_table::{ContentArrangement, Table, presets};
use jiff::Timestamp;
use muster_api_types::{ApiToken, Incident, Task, TimelineEntry, User};
use serde::Serialize;
use uuid::Uuid;

use super::Failure;

/// Prints `value` as pretty JSON. The CLI decodes into the same DTO types the server
/// encodes from, so re-encoding reproduces the server's JSON field for field.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| anyhow::anyhow!("cannot encode JSON: {e}"))?;
    print_text(&format!("{text}\n"))
}

/// Writes to stdout without panicking when the reader has gone away (`| head`).
pub(crate) fn print_text(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot write to stdout: {e}").into()),
    }
}

/// A remark for the person at the terminal; kept off stdout so it never pollutes output a
/// script reads.
pub(crate) fn hint(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Who is who, to show names instead of ids.
#[derive(Debug, Default)]
pub(crate) struct Names(HashMap<Uuid, String>);

impl Names {
    pub fn from_users(users: &[User]) -> Self {
        Self(users.iter().map(|u| (u.id, display_user(u))).collect())
    }

    /// The user's name, or the id when the user is not known.
    pub fn of(&self, id: Uuid) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| id.to_string())
    }
}

fn display_user(user: &User) -> String {
    if user.name.trim().is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    }
}

/// "2026-11-26 17:22 UTC".
pub(crate) fn short_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn opt_time(at: Option<Timestamp>) -> String {
    at.map(short_time).unwrap_or_else(|| "-".to_owned())
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

pub(crate) fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // Tests must not wrap to the width of whatever terminal runs them.
    #[cfg(test)]
    table.force_no_tty();
    if !header.is_empty() {
        table.set_header(header.iter().copied());
    }
    table
}

/// comfy-table pads every cell; the right edge of a borderless table is only blanks.
pub(crate) fn finish(table: &Table) -> String {
    let mut text = String::new();
    for line in table.to_string().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn flags(incident: &Incident) -> String {
    let mut flags = Vec::new();
    if incident.drill {
        flags.push("drill");
    }
    if incident.private {
        flags.push("private");
    }
    flags.join(",")
}

pub(crate) fn incident_list(incidents: &[Incident]) -> String {
    if incidents.is_empty() {
        return "No incidents.\n".to_owned();
    }
    let mut table = new_table(&["REF", "SEV", "STATUS", "TITLE", "DECLARED", "FLAGS"]);
    for i in incidents {
        table.add_row(vec![
            i.reference.clone(),
            i.severity.clone(),
            i.status.clone(),
            i.title.clone(),
            short_time(i.declared_at),
            flags(i),
        ]);
    }
    finish(&table)
}

/// The fields of one incident, as a two-column table.
pub(crate) fn incident_summary(incident: &Incident, names: &Names) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row(
        "Incident",
        format!("{} {}", incident.reference, incident.title),
    );
    row("Status", incident.status.clone());
    row("Severity", incident.severity.clone());
    if !incident.tags.is_empty() {
        row("Tags", incident.tags.join(", "));
    }
    if !incident.runbooks.is_empty() {
        row("Runbooks", incident.runbooks.join(", "));
    }
    if incident.drill {
        row("Drill", "yes".to_owned());
    }
    row("Private", yes_no(incident.private).to_owned());
    row(
        "Declared",
        format!(
            "{} by {}",
            short_time(incident.declared_at),
            names.of(incident.declared_by)
        ),
    );
    row("Updated", short_time(incident.updated_at));
    row("Version", incident.version.to_string());
    if !incident.description.is_empty() {
        row("Description", incident.description.clone());
    }
    if !incident.impact.is_empty() {
        row("Impact", incident.impact.clone());
    }
    let affected = &incident.affected;
    if !affected.services.is_empty() {
        row("Services", affected.services.join(", "));
    }
    if !affected.functionalities.is_empty() {
        let lost: Vec<String> = affected
            .functionalities
            .iter()
            .map(|f| match f.criticality.as_str() {
                "hard" => format!("{} (down)", f.functionality),
                _ => format!("{} (degraded)", f.functionality),
            })
            .collect();
        row("Customers", lost.join(", "));
    }
    if !affected.teams.is_empty() {
        row("Teams", affected.teams.join(", "));
    }
    finish(&table)
}

/// `incident show`: everything about one incident, section by section.
pub(crate) fn incident_detail(
    incident: &Incident,
    tasks: &[Task],
    timeline: &[TimelineEntry],
    names: &Names,
) -> String {
    let mut text = incident_summary(incident, names);

    let m = &incident.milestones;
    let mut milestones = new_table(&["MILESTONE", "AT"]);
    for (name, at) in [
        ("started", m.started_at),
        ("detected", m.detected_at),
        ("acknowledged", m.acknowledged_at),
        ("mitigated", m.mitigated_at),
        ("resolved", m.resolved_at),
        ("closed", m.closed_at),
    ] {
        milestones.add_row(vec![name.to_owned(), opt_time(at)]);
    }
    section(&mut text, "Milestones", Some(&milestones));

    let roles = (!incident.roles.is_empty()).then(|| {
        let mut table = new_table(&["ROLE", "USER"]);
        for r in &incident.roles {
            table.add_row(vec![r.role.clone(), names.of(r.user_id)]);
        }
        table
    });
    section(&mut text, "Roles", roles.as_ref());

    let participants = (!incident.participants.is_empty()).then(|| {
        let mut table = new_table(&["USER", "JOINED"]);
        for p in &incident.participants {
            table.add_row(vec![names.of(p.user_id), short_time(p.joined_at)]);
        }
        table
    });
    section(&mut text, "Participants", participants.as_ref());

    let tasks = (!tasks.is_empty()).then(|| task_table(tasks, names));
    section(&mut text, "Tasks", tasks.as_ref());

    let timeline = (!timeline.is_empty()).then(|| {
        let mut table = new_table(&["TIME", "WHO", "WHAT"]);
        for entry in timeline {
            let who = entry
                .actor_id
                .map(|id| names.of(id))
                .unwrap_or_else(|| "muster".to_owned());
            table.add_row(vec![short_time(entry.occurred_at), who, entry_text(entry)]);
        }
        table
    });
    section(&mut text, "Timeline", timeline.as_ref());
    text
}

/// A note's summary does not carry its text, so show both.
fn entry_text(entry: &TimelineEntry) -> String {
    match &entry.text {
        Some(body) if !body.is_empty() && !entry.summary.contains(body.as_str()) => {
            format!("{}\n{body}", entry.summary)
        }
        _ => entry.summary.clone(),
    }
}

pub(crate) fn section(text: &mut String, title: &str, table: Option<&Table>) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    match table {
        Some(table) => text.push_str(&finish(table)),
        None => text.push_str("  none\n"),
    }
}

/// Numbered as `task done INC-42 <number>` expects.
fn task_table(tasks: &[Task], names: &Names) -> Table {
    let mut table = new_table(&["#", "DONE", "TITLE", "ASSIGNEE", "ID"]);
    for (index, task) in tasks.iter().enumerate() {
        let id = task.id.to_string();
        table.add_row(vec![
            (index + 1).to_string(),
            if task.done { "x" } else { " " }.to_owned(),
            task.title.clone(),
            task.assignee_id
                .map(|id| names.of(id))
                .unwrap_or_else(|| "-".to_owned()),
            id,
        ]);
    }
    table
}

pub(crate) fn task_list(tasks: &[Task], names: &Names) -> String {
    if tasks.is_empty() {
        return "No tasks.\n".to_owned();
    }
    finish(&task_table(tasks, names))
}

pub(crate) fn task_line(task: &Task) -> String {
    let state = if task.done { "done" } else { "open" };
    format!("Task {} ({state}): {}\n", task.id, task.title)
}

pub(crate) fn token_list(tokens: &[ApiToken]) -> String {
    if tokens.is_empty() {
        return "No tokens.\n".to_owned();
    }
    let mut table = new_table(&["ID", "NAME", "CREATED", "REVOKED"]);
    for t in tokens {
        table.add_row(vec![
            t.id.to_string(),
            t.name.clone(),
            short_time(t.created_at),
            opt_time(t.revoked_at),
        ]);
    }
    finish(&table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_api_types::{Milestones, Participant, RoleAssignment};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn user(id: u128, name: &str, email: &str) -> User {
        User {
            id: Uuid::from_u128(id),
            email: email.into(),
            name: name.into(),
            role: "responder".into(),
            time_zone: "UTC".into(),
            contact_methods: vec![],
            created_at: at("2026-01-01T00:00:00Z"),
            deactivated_at: None,
        }
    }

    fn incident() -> Incident {
        Incident {
            id: Uuid::from_u128(100),
            number: 42,
            reference: "INC-42".into(),
            title: "Login broken".into(),
            description: "Users get a 500 on /login".into(),
            impact: String::new(),
            severity: "SEV1".into(),
            status: "acknowledged".into(),
            drill: false,
            private: true,
            declared_by: Uuid::from_u128(1),
            tags: vec!["auth".into(), "web".into()],
            milestones: Milestones {
                started_at: None,
                detected_at: Some(at("2026-11-26T17:20:00Z")),
                acknowledged_at: Some(at("2026-11-26T17:25:10Z")),
                mitigated_at: None,
                resolved_at: None,
                closed_at: None,
            },
            roles: vec![RoleAssignment {
                role: "commander".into(),
                user_id: Uuid::from_u128(2),
            }],
            participants: vec![Participant {
                user_id: Uuid::from_u128(3),
                joined_at: at("2026-11-26T17:30:00Z"),
            }],
            affected: Default::default(),
            runbooks: Vec::new(),
            version: 7,
            declared_at: at("2026-11-26T17:22:59Z"),
            updated_at: at("2026-11-26T17:30:00Z"),
        }
    }

    fn task(id: u128, title: &str, done: bool, assignee: Option<u128>) -> Task {
        Task {
            id: Uuid::from_u128(id),
            incident_id: Uuid::from_u128(100),
            title: title.into(),
            assignee_id: assignee.map(Uuid::from_u128),
            done,
            done_at: None,
            created_by: Uuid::from_u128(1),
            created_at: at("2026-11-26T17:31:00Z"),
            version: 1,
        }
    }

    fn note(text: &str, actor: Option<u128>) -> TimelineEntry {
        TimelineEntry {
            id: Uuid::from_u128(900),
            sequence: 1,
            occurred_at: at("2026-11-26T17:40:00Z"),
            actor_id: actor.map(Uuid::from_u128),
            kind: "note".into(),
            summary: "Note added".into(),
            text: Some(text.into()),
            subject: None,
            old_value: None,
            new_value: None,
            user_id: None,
            task_id: None,
        }
    }

    #[test]
    fn short_times_are_minutes_in_utc() {
        assert_eq!(
            short_time(at("2026-11-26T18:22:59+01:00")),
            "2026-11-26 17:22 UTC"
        );
    }

    #[test]
    fn lists_incidents_one_per_row() {
        let mut drill = incident();
        drill.reference = "INC-43".into();
        drill.drill = true;
        drill.private = false;
        let text = incident_list(&[incident(), drill]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].contains("REF") && lines[0].contains("DECLARED"));
        assert!(lines[1].contains("INC-42") && lines[1].contains("Login broken"));
        assert!(lines[1].contains("2026-11-26 17:22 UTC") && lines[1].contains("private"));
        assert!(lines[2].contains("INC-43") && lines[2].contains("drill"));
        assert_eq!(incident_list(&[]), "No incidents.\n");
    }

    #[test]
    fn shows_an_incident_with_names_instead_of_ids() {
        let names = Names::from_users(&[
            user(1, "Dana Declarer", "dana@example.com"),
            user(2, "Casey Commander", "casey@example.com"),
            user(3, "", "pat@example.com"),
        ]);
        let tasks = [
            task(10, "Roll back deploy", true, Some(2)),
            task(11, "Tell support", false, None),
        ];
        let timeline = [note("DB failover started", Some(2)), note("auto", None)];
        let text = incident_detail(&incident(), &tasks, &timeline, &names);

        for expected in [
            "INC-42 Login broken",
            "acknowledged",
            "SEV1",
            "auth, web",
            "2026-11-26 17:22 UTC by Dana Declarer",
            "Users get a 500 on /login",
            "Milestones",
            "2026-11-26 17:25 UTC",
            "commander",
            "Casey Commander",
            "pat@example.com",
            "Roll back deploy",
            "Tell support",
            "DB failover started",
            "muster",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains(&Uuid::from_u128(2).to_string()), "{text}");
        assert!(text.lines().all(|l| l == l.trim_end()), "{text}");

        // Unknown people fall back to their ids rather than vanishing.
        let text = incident_detail(&incident(), &[], &[], &Names::default());
        assert!(text.contains(&Uuid::from_u128(2).to_string()));
        assert!(text.contains("Tasks\n  none\n"));
    }

    #[test]
    fn numbers_tasks_from_one() {
        let tasks = [
            task(10, "First", false, None),
            task(11, "Second", true, None),
        ];
        let text = task_list(&tasks, &Names::default());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].trim_start().starts_with("1 ") && lines[1].contains("First"));
        assert!(lines[2].trim_start().starts_with("2 ") && lines[2].contains("Second"));
    }
}
