//! `muster incident ...`.

use jiff::Timestamp;
use muster_api_types::{
    DeclareIncident, Incident, IncidentList, IncidentQuery, MilestoneAction, NewTask, Task,
    TaskList, TimelineEntry, TimelinePage, UpdateIncident, UpdateTask,
};
use muster_client::Client;
use serde::Serialize;
use uuid::Uuid;

use super::cursor::{self, Paged};
use super::output::{self, Names, print_json, print_text};
use super::{Failure, IncidentCommand, OutputFormat, RemoteOptions, TaskCommand, connect};

pub(crate) async fn run(cmd: IncidentCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        IncidentCommand::Declare {
            title,
            severity,
            description,
            impact,
            tags,
            drill,
            private,
            started_at,
            detected_at,
            services,
            functionalities,
            scenario,
        } => {
            let body = DeclareIncident {
                title,
                severity,
                description: description.unwrap_or_default(),
                impact: impact.unwrap_or_default(),
                tags,
                drill,
                private,
                started_at,
                detected_at,
                services,
                functionalities,
                scenario,
            };
            let incident = client.declare_incident(&body).await?;
            show_summary(&incident, json)
        }
        IncidentCommand::List {
            status,
            severity,
            drill,
            tag,
            since,
            until,
            limit,
            all,
        } => {
            let query = IncidentQuery {
                status: comma_list(&status),
                severity: comma_list(&severity),
                drill,
                tag,
                declared_after: since.map(|t| t.to_string()),
                declared_before: until.map(|t| t.to_string()),
                cursor: None,
                limit,
            };
            list(&client, query, all, json).await
        }
        IncidentCommand::Show { incident } => show(&client, &incident, json).await,
        IncidentCommand::Scenario { incident, done } => {
            super::scenario::run(&client, &incident, done, json).await
        }
        IncidentCommand::Update {
            incident,
            title,
            severity,
            description,
            impact,
            tags,
            clear_tags,
            private,
            public,
        } => {
            let tags = if clear_tags {
                Some(Vec::new())
            } else {
                (!tags.is_empty()).then_some(tags)
            };
            let private = match (private, public) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let changes = UpdateIncident {
                version: 0,
                title,
                description,
                impact,
                severity,
                tags,
                private,
                drill: None,
            };
            update(&client, &incident, changes, json).await
        }
        IncidentCommand::Note { incident, text } => {
            let entry = client.add_note(&incident, &text).await?;
            if json {
                print_json(&entry)
            } else {
                print_text(&format!(
                    "Note added to {incident} at {}\n",
                    output::short_time(entry.occurred_at)
                ))
            }
        }
        IncidentCommand::Ack { incident, at } => {
            milestone(&client, Milestone::Acknowledged, &incident, at, json).await
        }
        IncidentCommand::Mitigate { incident, at } => {
            milestone(&client, Milestone::Mitigated, &incident, at, json).await
        }
        IncidentCommand::Resolve { incident, at } => {
            milestone(&client, Milestone::Resolved, &incident, at, json).await
        }
        IncidentCommand::Close { incident, at } => {
            milestone(&client, Milestone::Closed, &incident, at, json).await
        }
        IncidentCommand::Assign {
            incident,
            role,
            user,
        } => {
            let updated = client.assign_role(&incident, &role, &user).await?;
            if json {
                print_json(&updated)
            } else {
                print_text(&format!("{}: {role} is now {user}\n", updated.reference))
            }
        }
        IncidentCommand::Task(cmd) => task(&client, cmd, json).await,
    }
}

/// `--status a,b --status c` → `a,b,c`; nothing → no filter.
fn comma_list(values: &[String]) -> Option<String> {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

fn show_summary(incident: &Incident, json: bool) -> Result<(), Failure> {
    if json {
        print_json(incident)
    } else {
        print_text(&output::incident_summary(incident, &Names::default()))
    }
}

async fn list(
    client: &Client,
    mut query: IncidentQuery,
    all: bool,
    json: bool,
) -> Result<(), Failure> {
    let mut page: IncidentList = client.list_incidents(&query).await?;
    if all {
        page = cursor::follow(page, |cursor| {
            query.cursor = Some(cursor);
            let query = query.clone();
            async move { Ok(client.list_incidents(&query).await?) }
        })
        .await?;
    }
    if json {
        return print_json(&page);
    }
    print_text(&output::incident_list(&page.incidents))?;
    if page.next_cursor.is_some() {
        output::hint("There are more: add --all to see every page.");
    }
    Ok(())
}

/// What `incident show --output json` prints: the three answers it is made of.
#[derive(Serialize)]
struct Shown<'a> {
    incident: &'a Incident,
    tasks: &'a [Task],
    timeline: &'a [TimelineEntry],
}

async fn show(client: &Client, key: &str, json: bool) -> Result<(), Failure> {
    // Names are a nicety: a caller who may not list users still gets the incident.
    let users = async {
        if json {
            None
        } else {
            client.list_users().await.ok()
        }
    };
    let (incident, tasks, timeline, users) = tokio::join!(
        client.get_incident(key),
        client.list_tasks(key),
        full_timeline(client, key),
        users
    );
    let incident = incident?;
    let TaskList { tasks } = tasks?;
    let timeline = timeline?;
    if json {
        return print_json(&Shown {
            incident: &incident,
            tasks: &tasks,
            timeline: &timeline,
        });
    }
    let names = users
        .map(|u| Names::from_users(&u.users))
        .unwrap_or_default();
    print_text(&output::incident_detail(
        &incident, &tasks, &timeline, &names,
    ))
}

async fn full_timeline(client: &Client, key: &str) -> Result<Vec<TimelineEntry>, Failure> {
    let first = client.timeline(key, None, None).await?;
    let all = cursor::follow(first, |cursor| async move {
        Ok(client.timeline(key, Some(&cursor), None).await?)
    })
    .await?;
    Ok(all.entries)
}

/// `changes.version` is ignored: the version sent is the one just read, so a change made by
/// someone else in between is refused (409) rather than overwritten.
async fn update(
    client: &Client,
    key: &str,
    mut changes: UpdateIncident,
    json: bool,
) -> Result<(), Failure> {
    let nothing = changes.title.is_none()
        && changes.description.is_none()
        && changes.impact.is_none()
        && changes.severity.is_none()
        && changes.tags.is_none()
        && changes.private.is_none()
        && changes.drill.is_none();
    if nothing {
        return Err(Failure::usage(
            "nothing to update: give --title, --severity, --description, --impact, --tag, \
             --clear-tags, --private or --public",
        ));
    }
    let current = client.get_incident(key).await?;
    changes.version = current.version;
    // The id, not the key the user typed, so the PATCH lands on the incident just read.
    let updated = client
        .update_incident(&current.id.to_string(), &changes)
        .await?;
    show_summary(&updated, json)
}

#[derive(Clone, Copy)]
enum Milestone {
    Acknowledged,
    Mitigated,
    Resolved,
    Closed,
}

async fn milestone(
    client: &Client,
    which: Milestone,
    key: &str,
    at: Option<Timestamp>,
    json: bool,
) -> Result<(), Failure> {
    let body = MilestoneAction { at, version: None };
    let incident = match which {
        Milestone::Acknowledged => client.acknowledge(key, &body).await,
        Milestone::Mitigated => client.mitigate(key, &body).await,
        Milestone::Resolved => client.resolve(key, &body).await,
        Milestone::Closed => client.close(key, &body).await,
    }?;
    if json {
        return print_json(&incident);
    }
    let m = &incident.milestones;
    let (word, when) = match which {
        Milestone::Acknowledged => ("acknowledged", m.acknowledged_at),
        Milestone::Mitigated => ("mitigated", m.mitigated_at),
        Milestone::Resolved => ("resolved", m.resolved_at),
        Milestone::Closed => ("closed", m.closed_at),
    };
    let when = when
        .map(|t| format!(" at {}", output::short_time(t)))
        .unwrap_or_default();
    print_text(&format!(
        "{} {word}{when}; status is now {}\n",
        incident.reference, incident.status
    ))
}

async fn task(client: &Client, cmd: TaskCommand, json: bool) -> Result<(), Failure> {
    let (key, given, change) = match cmd {
        TaskCommand::Add {
            incident,
            title,
            assignee,
        } => {
            let task = client
                .add_task(&incident, &NewTask { title, assignee })
                .await?;
            return if json {
                print_json(&task)
            } else {
                print_text(&output::task_line(&task))
            };
        }
        TaskCommand::List { incident } => {
            let users = async {
                if json {
                    None
                } else {
                    client.list_users().await.ok()
                }
            };
            let (tasks, users) = tokio::join!(client.list_tasks(&incident), users);
            let tasks = tasks?;
            if json {
                return print_json(&tasks);
            }
            let names = users
                .map(|u| Names::from_users(&u.users))
                .unwrap_or_default();
            return print_text(&output::task_list(&tasks.tasks, &names));
        }
        TaskCommand::Done { incident, task } => (incident, task, TaskChange::Done(true)),
        TaskCommand::Reopen { incident, task } => (incident, task, TaskChange::Done(false)),
        TaskCommand::Assign {
            incident,
            task,
            user,
        } => (incident, task, TaskChange::Assign(user)),
    };
    let TaskList { tasks } = client.list_tasks(&key).await?;
    let id = resolve_task(&tasks, &key, &given)?.id;
    let body = match change {
        TaskChange::Done(done) => UpdateTask {
            done: Some(done),
            ..UpdateTask::default()
        },
        TaskChange::Assign(user) => UpdateTask {
            assignee: Some(Some(user)),
            ..UpdateTask::default()
        },
    };
    let task = client.update_task(&key, id, &body).await?;
    if json {
        print_json(&task)
    } else {
        print_text(&output::task_line(&task))
    }
}

enum TaskChange {
    Done(bool),
    Assign(String),
}

/// A task by its number in `task list`, its id, or a unique start of its id.
fn resolve_task<'a>(tasks: &'a [Task], incident: &str, given: &str) -> Result<&'a Task, Failure> {
    let given = given.trim();
    let missing = || Failure::not_found(format!("{incident} has no task {given}"));
    if let Ok(id) = Uuid::parse_str(given) {
        return tasks.iter().find(|t| t.id == id).ok_or_else(missing);
    }
    if !given.is_empty() && given.bytes().all(|b| b.is_ascii_digit()) {
        let index: usize = given.parse().map_err(|_| missing())?;
        return index
            .checked_sub(1)
            .and_then(|i| tasks.get(i))
            .ok_or_else(missing);
    }
    let prefix = given.to_ascii_lowercase();
    let mut matches = tasks
        .iter()
        .filter(|t| !prefix.is_empty() && t.id.to_string().starts_with(&prefix));
    match (matches.next(), matches.next()) {
        (Some(task), None) => Ok(task),
        (None, _) => Err(missing()),
        (Some(_), Some(_)) => Err(Failure::usage(format!(
            "{given} matches several tasks of {incident}: give more of the id"
        ))),
    }
}

impl Paged for IncidentList {
    fn take_cursor(&mut self) -> Option<String> {
        self.next_cursor.take()
    }
    fn append(&mut self, next: Self) {
        self.incidents.extend(next.incidents);
        self.next_cursor = next.next_cursor;
    }
}

impl Paged for TimelinePage {
    fn take_cursor(&mut self) -> Option<String> {
        self.next_cursor.take()
    }
    fn append(&mut self, next: Self) {
        self.entries.extend(next.entries);
        self.next_cursor = next.next_cursor;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{EXIT_NOT_FOUND, EXIT_USAGE};
    use super::*;

    fn task(id: &str) -> Task {
        Task {
            id: Uuid::parse_str(id).unwrap(),
            incident_id: Uuid::nil(),
            title: "t".into(),
            assignee_id: None,
            done: false,
            done_at: None,
            created_by: Uuid::nil(),
            created_at: "2026-11-26T17:00:00Z".parse().unwrap(),
            version: 1,
        }
    }

    #[test]
    fn finds_tasks_by_number_id_or_prefix() {
        let tasks = [
            task("0193a5b0-aaaa-7000-8000-000000000001"),
            task("0193a5b0-bbbb-7000-8000-000000000002"),
        ];
        let find = |given: &str| resolve_task(&tasks, "INC-1", given).map(|t| t.id);
        assert_eq!(find("1").unwrap(), tasks[0].id);
        assert_eq!(find("2").unwrap(), tasks[1].id);
        assert_eq!(find(&tasks[1].id.to_string()).unwrap(), tasks[1].id);
        assert_eq!(find("0193A5B0-BB").unwrap(), tasks[1].id);
        assert_eq!(find("0").unwrap_err().code, EXIT_NOT_FOUND);
        assert_eq!(find("3").unwrap_err().code, EXIT_NOT_FOUND);
        assert_eq!(
            find("99999999999999999999999").unwrap_err().code,
            EXIT_NOT_FOUND
        );
        assert_eq!(find("ffff").unwrap_err().code, EXIT_NOT_FOUND);
        assert_eq!(find("").unwrap_err().code, EXIT_NOT_FOUND);
        assert_eq!(find("0193a5b0-").unwrap_err().code, EXIT_USAGE);
        assert_eq!(
            find("00000000-0000-0000-0000-000000000000")
                .unwrap_err()
                .code,
            EXIT_NOT_FOUND
        );
    }

    #[test]
    fn comma_lists_drop_blanks() {
        assert_eq!(comma_list(&[]), None);
        assert_eq!(comma_list(&[" ".into()]), None);
        assert_eq!(
            comma_list(&["active".into(), " acknowledged ".into()]),
            Some("active,acknowledged".into())
        );
    }
}
