//! Incidents, their timelines and tasks on SQLite.

use async_trait::async_trait;
use muster_core::{
    Incident, IncidentChange, IncidentId, IncidentNumber, Milestone, NewTimelineEntry, Task,
    TaskId, TimelineEntry,
};
use muster_store::runbooks;
use muster_store::sql::{self, Placeholders, SqlValue, affected_rows};
use muster_store::{
    IncidentFilter, IncidentPage, IncidentStore, PageInsert, StoreError, TimelineRecord,
    incident_select,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::SqliteStore;
use crate::codec::{
    self, backend, get, id, instant, optional_id, optional_instant, unique, version,
};

fn sql_error(error: sqlx::Error) -> StoreError {
    unique(error, "id", "")
}

pub(crate) async fn insert_timeline(
    c: &mut SqliteConnection,
    entries: &[NewTimelineEntry],
) -> Result<(), StoreError> {
    for entry in entries {
        let record = TimelineRecord::encode(&entry.event);
        sqlx::query(
            "INSERT INTO timeline_entries (entry_id, incident_id, occurred_at, actor_id, kind, subject, \
             old_value, new_value, text, user_id, task_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(entry.id.to_string())
        .bind(entry.incident_id.to_string())
        .bind(entry.occurred_at.as_millisecond())
        .bind(entry.actor.map(|a| a.to_string()))
        .bind(record.kind)
        .bind(record.subject)
        .bind(record.old_value)
        .bind(record.new_value)
        .bind(record.text)
        .bind(record.user_id.map(|u| u.to_string()))
        .bind(record.task_id.map(|t| t.to_string()))
        .execute(&mut *c)
        .await
        .map_err(|error| match unique(error, "entry_id", "") {
            StoreError::Missing { .. } => StoreError::Missing { entity: "incident" },
            other => other,
        })?;
    }
    Ok(())
}

/// Replaces the tags, roles and participants of `incident` with its current ones.
async fn write_members(
    c: &mut SqliteConnection,
    incident: &Incident,
    replace: bool,
) -> Result<(), StoreError> {
    let id = incident.id.to_string();
    if replace {
        for table in [
            "DELETE FROM incident_tags WHERE incident_id = ?1",
            "DELETE FROM incident_roles WHERE incident_id = ?1",
            "DELETE FROM incident_participants WHERE incident_id = ?1",
            "DELETE FROM incident_affected WHERE incident_id = ?1",
        ] {
            sqlx::query(table)
                .bind(&id)
                .execute(&mut *c)
                .await
                .map_err(backend)?;
        }
    }
    for tag in &incident.tags {
        sqlx::query("INSERT INTO incident_tags (incident_id, tag) VALUES (?1, ?2)")
            .bind(&id)
            .bind(tag)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    for (role, user) in &incident.roles {
        sqlx::query("INSERT INTO incident_roles (incident_id, role, user_id) VALUES (?1, ?2, ?3)")
            .bind(&id)
            .bind(role.as_str())
            .bind(user.to_string())
            .execute(&mut *c)
            .await
            .map_err(|e| match unique(e, "role", role.as_str()) {
                StoreError::Missing { .. } => StoreError::Missing { entity: "user" },
                other => other,
            })?;
    }
    for participant in &incident.participants {
        sqlx::query("INSERT INTO incident_participants (incident_id, user_id, joined_at) VALUES (?1, ?2, ?3)")
            .bind(&id)
            .bind(participant.user_id.to_string())
            .bind(participant.joined_at.as_millisecond())
            .execute(&mut *c)
            .await
            .map_err(|e| match unique(e, "participant", "") {
                StoreError::Missing { .. } => StoreError::Missing { entity: "user" },
                other => other,
            })?;
    }
    for (kind, slug, criticality) in affected_rows(&incident.affected) {
        sqlx::query("INSERT INTO incident_affected (incident_id, kind, slug, criticality) VALUES (?1, ?2, ?3, ?4)")
            .bind(&id)
            .bind(kind)
            .bind(slug)
            .bind(criticality)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

fn milestone(incident: &Incident, m: Milestone) -> Option<i64> {
    incident.milestones.get(m).map(|t| t.as_millisecond())
}

fn task(row: &SqliteRow) -> Result<Task, StoreError> {
    Ok(Task {
        id: id(row, "task_id")?,
        incident_id: id(row, "incident_id")?,
        title: get(row, "title")?,
        assignee: optional_id(row, "assignee_id")?,
        done_at: optional_instant(row, "done_at")?,
        created_by: id(row, "created_by")?,
        created_at: instant(row, "created_at")?,
        version: version(row)?,
    })
}

fn timeline_entry(row: &SqliteRow) -> Result<TimelineEntry, StoreError> {
    let record = TimelineRecord {
        kind: get(row, "kind")?,
        subject: get(row, "subject")?,
        old_value: get(row, "old_value")?,
        new_value: get(row, "new_value")?,
        text: get(row, "text")?,
        user_id: optional_id(row, "user_id")?,
        task_id: optional_id(row, "task_id")?,
    };
    Ok(TimelineEntry {
        id: id(row, "entry_id")?,
        incident_id: id(row, "incident_id")?,
        sequence: get(row, "sequence")?,
        occurred_at: instant(row, "occurred_at")?,
        actor: optional_id(row, "actor_id")?,
        event: record.decode()?,
    })
}

async fn current_version(
    c: &mut SqliteConnection,
    table: &'static str,
    id: String,
) -> Result<Option<i64>, StoreError> {
    let statement = match table {
        "tasks" => "SELECT version FROM tasks WHERE task_id = ?1",
        _ => "SELECT version FROM incidents WHERE incident_id = ?1",
    };
    sqlx::query_scalar(statement)
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)
}

fn lost_race(entity: &'static str, expected: u64, actual: Option<i64>) -> StoreError {
    match actual {
        None => StoreError::Missing { entity },
        Some(actual) => StoreError::VersionConflict {
            entity,
            expected,
            actual: u64::try_from(actual).unwrap_or(0),
        },
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Inserts a declared incident with its members, timeline and pages, drawing
/// its number, inside the caller's transaction.
pub(crate) async fn insert_incident_rows(
    c: &mut SqliteConnection,
    incident: &Incident,
    timeline: &[NewTimelineEntry],
    pages: &[PageInsert],
) -> Result<IncidentNumber, StoreError> {
    let number: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'incident_number' RETURNING value",
    )
    .fetch_one(&mut *c)
    .await
    .map_err(backend)?;
    sqlx::query(
        "INSERT INTO incidents (incident_id, number, title, description, impact, severity, status, \
         drill, private, declared_by, started_at, detected_at, acknowledged_at, mitigated_at, \
         resolved_at, closed_at, version, declared_at, updated_at, runbooks, runbooks_due_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )
    .bind(incident.id.to_string())
    .bind(number)
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(&incident.impact)
    .bind(incident.severity.as_str())
    .bind(incident.status().as_str())
    .bind(incident.drill)
    .bind(incident.private)
    .bind(incident.declared_by.to_string())
    .bind(milestone(incident, Milestone::Started))
    .bind(milestone(incident, Milestone::Detected))
    .bind(milestone(incident, Milestone::Acknowledged))
    .bind(milestone(incident, Milestone::Mitigated))
    .bind(milestone(incident, Milestone::Resolved))
    .bind(milestone(incident, Milestone::Closed))
    .bind(to_i64(incident.version))
    .bind(incident.declared_at.as_millisecond())
    .bind(incident.updated_at.as_millisecond())
    .bind(sql::encode_runbooks(&incident.runbooks))
    .bind(runbooks::mark_of(incident))
    .execute(&mut *c)
    .await
    .map_err(|e| match sql_error(e) {
        StoreError::Missing { .. } => StoreError::Missing { entity: "user" },
        other => other,
    })?;
    write_members(c, incident, false).await?;
    insert_timeline(c, timeline).await?;
    for insert in pages {
        crate::paging::insert_page_rows(c, &insert.page, &insert.events).await?;
    }
    Ok(IncidentNumber(u64::try_from(number).unwrap_or(0)))
}

/// Writes a decided change with compare-and-swap on the incident's version,
/// and its timeline entries; the caller's transaction holds it all.
pub(crate) async fn update_incident_rows(
    c: &mut SqliteConnection,
    change: &IncidentChange,
    timeline: &[NewTimelineEntry],
) -> Result<(), StoreError> {
    let incident = &change.incident;
    let done = sqlx::query(
        "UPDATE incidents SET title = ?1, description = ?2, impact = ?3, severity = ?4, status = ?5, \
         drill = ?6, private = ?7, started_at = ?8, detected_at = ?9, acknowledged_at = ?10, \
         mitigated_at = ?11, resolved_at = ?12, closed_at = ?13, version = ?14, updated_at = ?15, \
         runbooks = ?18, runbooks_due_at = ?19 WHERE incident_id = ?16 AND version = ?17",
    )
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(&incident.impact)
    .bind(incident.severity.as_str())
    .bind(incident.status().as_str())
    .bind(incident.drill)
    .bind(incident.private)
    .bind(milestone(incident, Milestone::Started))
    .bind(milestone(incident, Milestone::Detected))
    .bind(milestone(incident, Milestone::Acknowledged))
    .bind(milestone(incident, Milestone::Mitigated))
    .bind(milestone(incident, Milestone::Resolved))
    .bind(milestone(incident, Milestone::Closed))
    .bind(to_i64(incident.version))
    .bind(incident.updated_at.as_millisecond())
    .bind(incident.id.to_string())
    .bind(to_i64(change.expected_version))
    .bind(sql::encode_runbooks(&incident.runbooks))
    .bind(runbooks::mark_of(incident))
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    if done.rows_affected() == 0 {
        let actual = current_version(c, "incidents", incident.id.to_string()).await?;
        return Err(lost_race("incident", change.expected_version, actual));
    }
    write_members(c, incident, true).await?;
    insert_timeline(c, timeline).await?;
    Ok(())
}

/// Inserts a new task's row.
pub(crate) async fn insert_task_row(
    c: &mut SqliteConnection,
    new_task: &Task,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tasks (task_id, incident_id, title, assignee_id, done_at, created_by, created_at, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(new_task.id.to_string())
    .bind(new_task.incident_id.to_string())
    .bind(&new_task.title)
    .bind(new_task.assignee.map(|a| a.to_string()))
    .bind(new_task.done_at.map(|t| t.as_millisecond()))
    .bind(new_task.created_by.to_string())
    .bind(new_task.created_at.as_millisecond())
    .bind(to_i64(new_task.version))
    .execute(&mut *c)
    .await
    .map_err(sql_error)?;
    Ok(())
}

#[async_trait]
impl IncidentStore for SqliteStore {
    async fn insert_incident(
        &self,
        incident: &Incident,
        timeline: &[NewTimelineEntry],
        pages: &[PageInsert],
    ) -> Result<IncidentNumber, StoreError> {
        let incident = incident.clone();
        let timeline = timeline.to_vec();
        let pages = pages.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move { insert_incident_rows(c, &incident, &timeline, &pages).await })
            })
            .await
    }

    async fn apply_incident_change(
        &self,
        change: &IncidentChange,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError> {
        let change = change.clone();
        let timeline = timeline.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move { update_incident_rows(c, &change, &timeline).await })
            })
            .await
    }

    async fn find_incident(&self, incident_id: IncidentId) -> Result<Option<Incident>, StoreError> {
        sqlx::query(concat!(incident_select!(), " WHERE i.incident_id = ?1"))
            .bind(incident_id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
            .as_ref()
            .map(codec::incident)
            .transpose()
    }

    async fn find_incident_by_number(
        &self,
        number: IncidentNumber,
    ) -> Result<Option<Incident>, StoreError> {
        sqlx::query(concat!(incident_select!(), " WHERE i.number = ?1"))
            .bind(to_i64(number.0))
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
            .as_ref()
            .map(codec::incident)
            .transpose()
    }

    async fn list_incidents(&self, filter: &IncidentFilter) -> Result<IncidentPage, StoreError> {
        let statement = sql::incident_page(filter, Placeholders::QuestionNumbered);
        // The SQL is assembled from constant fragments; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(statement.sql));
        for value in statement.values {
            query = match value {
                SqlValue::Text(text) => query.bind(text),
                SqlValue::Int(int) => query.bind(int),
                SqlValue::Bool(flag) => query.bind(flag),
                SqlValue::User(user) => query.bind(user.to_string()),
                SqlValue::Id(id) => query.bind(id.to_string()),
            };
        }
        let rows = query.fetch_all(&self.readers).await.map_err(backend)?;
        let mut incidents = rows
            .iter()
            .map(codec::incident)
            .collect::<Result<Vec<_>, _>>()?;
        let has_more = incidents.len() > filter.limit as usize;
        incidents.truncate(filter.limit as usize);
        Ok(IncidentPage {
            incidents,
            has_more,
        })
    }

    async fn append_timeline(&self, entries: &[NewTimelineEntry]) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        if entries.len() == 1 {
            // One entry is one INSERT: atomic on its own (the common case: a note).
            return self
                .writer
                .write_statement(move |c| {
                    Box::pin(async move { insert_timeline(c, &entries).await })
                })
                .await;
        }
        self.writer
            .write(move |c| Box::pin(async move { insert_timeline(c, &entries).await }))
            .await
    }

    async fn list_timeline(
        &self,
        incident: IncidentId,
        after_sequence: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        sqlx::query(
            "SELECT sequence, entry_id, incident_id, occurred_at, actor_id, kind, subject, old_value, new_value, \
             text, user_id, task_id FROM timeline_entries WHERE incident_id = ?1 AND sequence > ?2 \
             ORDER BY sequence LIMIT ?3",
        )
        .bind(incident.to_string())
        .bind(after_sequence.unwrap_or(0))
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?
        .iter()
        .map(timeline_entry)
        .collect()
    }

    async fn insert_task(
        &self,
        new_task: &Task,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError> {
        let new_task = new_task.clone();
        let timeline = timeline.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    insert_task_row(c, &new_task).await?;
                    insert_timeline(c, &timeline).await
                })
            })
            .await
    }

    async fn apply_task_change(
        &self,
        next: &Task,
        expected_version: u64,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError> {
        let next = next.clone();
        let timeline = timeline.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE tasks SET title = ?1, assignee_id = ?2, done_at = ?3, version = ?4 \
                         WHERE task_id = ?5 AND version = ?6",
                    )
                    .bind(&next.title)
                    .bind(next.assignee.map(|a| a.to_string()))
                    .bind(next.done_at.map(|t| t.as_millisecond()))
                    .bind(to_i64(next.version))
                    .bind(next.id.to_string())
                    .bind(to_i64(expected_version))
                    .execute(&mut *c)
                    .await
                    .map_err(sql_error)?;
                    if done.rows_affected() == 0 {
                        let actual = current_version(c, "tasks", next.id.to_string()).await?;
                        return Err(lost_race("task", expected_version, actual));
                    }
                    insert_timeline(c, &timeline).await
                })
            })
            .await
    }

    async fn find_task(&self, task_id: TaskId) -> Result<Option<Task>, StoreError> {
        sqlx::query("SELECT * FROM tasks WHERE task_id = ?1")
            .bind(task_id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
            .as_ref()
            .map(task)
            .transpose()
    }

    async fn list_tasks(&self, incident: IncidentId) -> Result<Vec<Task>, StoreError> {
        sqlx::query("SELECT * FROM tasks WHERE incident_id = ?1 ORDER BY created_at, task_id")
            .bind(incident.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?
            .iter()
            .map(task)
            .collect()
    }
}
