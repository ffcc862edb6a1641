//! Incidents, their timelines and tasks on PostgreSQL.

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
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::PostgresStore;
use crate::codec::{
    self, backend, get, id, instant, optional_id, optional_instant, unique, version,
};

fn sql_error(error: sqlx::Error) -> StoreError {
    unique(error, "id", "")
}

/// Narrows the generic "referenced record" of a foreign-key violation to the
/// entity the statement could only have missed.
fn missing_as(entity: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |error| match error {
        StoreError::Missing { .. } => StoreError::Missing { entity },
        other => other,
    }
}

pub(crate) async fn insert_timeline(
    c: &mut PgConnection,
    entries: &[NewTimelineEntry],
) -> Result<(), StoreError> {
    // Sequence values are drawn at insert, not at commit. Holding the incident's
    // row lock until commit makes each incident's entries commit in sequence
    // order, so a reader paging "after sequence N" never skips a late commit.
    let mut locked: Vec<IncidentId> = Vec::new();
    for entry in entries {
        if !locked.contains(&entry.incident_id) {
            sqlx::query("SELECT 1 FROM incidents WHERE incident_id = $1 FOR UPDATE")
                .bind(entry.incident_id.as_uuid())
                .fetch_optional(&mut *c)
                .await
                .map_err(backend)?;
            locked.push(entry.incident_id);
        }
    }
    for entry in entries {
        let record = TimelineRecord::encode(&entry.event);
        sqlx::query(
            "INSERT INTO timeline_entries (entry_id, incident_id, occurred_at, actor_id, kind, subject, \
             old_value, new_value, text, user_id, task_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.id.as_uuid())
        .bind(entry.incident_id.as_uuid())
        .bind(entry.occurred_at.as_millisecond())
        .bind(entry.actor.map(|a| a.as_uuid()))
        .bind(record.kind)
        .bind(record.subject)
        .bind(record.old_value)
        .bind(record.new_value)
        .bind(record.text)
        .bind(record.user_id.map(|u| u.as_uuid()))
        .bind(record.task_id.map(|t| t.as_uuid()))
        .execute(&mut *c)
        .await
        .map_err(|error| missing_as("incident")(unique(error, "entry_id", "")))?;
    }
    Ok(())
}

/// One entry (a note) in one autocommitted statement: the CTE takes the same
/// incident row lock as [`insert_timeline`], so sequence order is commit order,
/// without the round trips of an explicit transaction.
async fn append_one(pool: &PgPool, entry: &NewTimelineEntry) -> Result<(), StoreError> {
    let record = TimelineRecord::encode(&entry.event);
    let inserted = sqlx::query(
        "WITH locked AS (SELECT incident_id FROM incidents WHERE incident_id = $2 FOR UPDATE) \
         INSERT INTO timeline_entries (entry_id, incident_id, occurred_at, actor_id, kind, subject, \
         old_value, new_value, text, user_id, task_id) \
         SELECT $1, locked.incident_id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM locked",
    )
    .bind(entry.id.as_uuid())
    .bind(entry.incident_id.as_uuid())
    .bind(entry.occurred_at.as_millisecond())
    .bind(entry.actor.map(|a| a.as_uuid()))
    .bind(record.kind)
    .bind(record.subject)
    .bind(record.old_value)
    .bind(record.new_value)
    .bind(record.text)
    .bind(record.user_id.map(|u| u.as_uuid()))
    .bind(record.task_id.map(|t| t.as_uuid()))
    .execute(pool)
    .await
    .map_err(|error| missing_as("incident")(unique(error, "entry_id", "")))?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Missing { entity: "incident" });
    }
    Ok(())
}

/// Replaces the tags, roles and participants of `incident` with its current ones.
async fn write_members(
    c: &mut PgConnection,
    incident: &Incident,
    replace: bool,
) -> Result<(), StoreError> {
    let id = incident.id.as_uuid();
    if replace {
        for table in [
            "DELETE FROM incident_tags WHERE incident_id = $1",
            "DELETE FROM incident_roles WHERE incident_id = $1",
            "DELETE FROM incident_participants WHERE incident_id = $1",
            "DELETE FROM incident_affected WHERE incident_id = $1",
        ] {
            sqlx::query(table)
                .bind(id)
                .execute(&mut *c)
                .await
                .map_err(backend)?;
        }
    }
    for tag in &incident.tags {
        sqlx::query("INSERT INTO incident_tags (incident_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    for (role, user) in &incident.roles {
        sqlx::query("INSERT INTO incident_roles (incident_id, role, user_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(role.as_str())
            .bind(user.as_uuid())
            .execute(&mut *c)
            .await
            .map_err(|e| missing_as("user")(unique(e, "role", role.as_str())))?;
    }
    for participant in &incident.participants {
        sqlx::query("INSERT INTO incident_participants (incident_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(participant.user_id.as_uuid())
            .bind(participant.joined_at.as_millisecond())
            .execute(&mut *c)
            .await
            .map_err(|e| missing_as("user")(unique(e, "participant", "")))?;
    }
    for (kind, slug, criticality) in affected_rows(&incident.affected) {
        sqlx::query("INSERT INTO incident_affected (incident_id, kind, slug, criticality) VALUES ($1, $2, $3, $4)")
            .bind(id)
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

fn task(row: &PgRow) -> Result<Task, StoreError> {
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

fn timeline_entry(row: &PgRow) -> Result<TimelineEntry, StoreError> {
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

/// The table whose `version` a compare-and-swap checks.
#[derive(Clone, Copy)]
enum Versioned {
    Incident,
    Task,
}

async fn current_version(
    c: &mut PgConnection,
    table: Versioned,
    id: uuid::Uuid,
) -> Result<Option<i64>, StoreError> {
    let statement = match table {
        Versioned::Task => "SELECT version FROM tasks WHERE task_id = $1",
        Versioned::Incident => "SELECT version FROM incidents WHERE incident_id = $1",
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
    tx: &mut PgConnection,
    incident: &Incident,
    timeline: &[NewTimelineEntry],
    pages: &[PageInsert],
) -> Result<IncidentNumber, StoreError> {
    // The row lock taken by this UPDATE serialises concurrent declarations
    // until commit, and a rollback returns the number: no gaps, no duplicates.
    let number: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'incident_number' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)?;
    sqlx::query(
        "INSERT INTO incidents (incident_id, number, title, description, impact, severity, status, \
         drill, private, declared_by, started_at, detected_at, acknowledged_at, mitigated_at, \
         resolved_at, closed_at, version, declared_at, updated_at, runbooks, runbooks_due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(incident.id.as_uuid())
    .bind(number)
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(&incident.impact)
    .bind(incident.severity.as_str())
    .bind(incident.status().as_str())
    .bind(incident.drill)
    .bind(incident.private)
    .bind(incident.declared_by.as_uuid())
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
    .execute(&mut *tx)
    .await
    .map_err(|e| missing_as("user")(sql_error(e)))?;
    write_members(&mut *tx, incident, false).await?;
    insert_timeline(&mut *tx, timeline).await?;
    for insert in pages {
        crate::paging::insert_page_rows(&mut *tx, &insert.page, &insert.events).await?;
    }
    Ok(IncidentNumber(u64::try_from(number).unwrap_or(0)))
}

/// Writes a decided change with compare-and-swap on the incident's version,
/// and its timeline entries; the caller's transaction holds it all.
pub(crate) async fn update_incident_rows(
    c: &mut PgConnection,
    change: &IncidentChange,
    timeline: &[NewTimelineEntry],
) -> Result<(), StoreError> {
    let incident = &change.incident;
    let done = sqlx::query(
        "UPDATE incidents SET title = $1, description = $2, impact = $3, severity = $4, status = $5, \
         drill = $6, private = $7, started_at = $8, detected_at = $9, acknowledged_at = $10, \
         mitigated_at = $11, resolved_at = $12, closed_at = $13, version = $14, updated_at = $15, \
         runbooks = $18, runbooks_due_at = $19 WHERE incident_id = $16 AND version = $17",
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
    .bind(incident.id.as_uuid())
    .bind(to_i64(change.expected_version))
    .bind(sql::encode_runbooks(&incident.runbooks))
    .bind(runbooks::mark_of(incident))
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    if done.rows_affected() == 0 {
        let actual = current_version(&mut *c, Versioned::Incident, incident.id.as_uuid()).await?;
        return Err(lost_race("incident", change.expected_version, actual));
    }
    write_members(&mut *c, incident, true).await?;
    insert_timeline(&mut *c, timeline).await?;
    Ok(())
}

/// Inserts a new task's row.
pub(crate) async fn insert_task_row(
    c: &mut PgConnection,
    new_task: &Task,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tasks (task_id, incident_id, title, assignee_id, done_at, created_by, created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_task.id.as_uuid())
    .bind(new_task.incident_id.as_uuid())
    .bind(&new_task.title)
    .bind(new_task.assignee.map(|a| a.as_uuid()))
    .bind(new_task.done_at.map(|t| t.as_millisecond()))
    .bind(new_task.created_by.as_uuid())
    .bind(new_task.created_at.as_millisecond())
    .bind(to_i64(new_task.version))
    .execute(&mut *c)
    .await
    .map_err(sql_error)?;
    Ok(())
}

#[async_trait]
impl IncidentStore for PostgresStore {
    async fn insert_incident(
        &self,
        incident: &Incident,
        timeline: &[NewTimelineEntry],
        pages: &[PageInsert],
    ) -> Result<IncidentNumber, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let number = insert_incident_rows(&mut tx, incident, timeline, pages).await?;
        tx.commit().await.map_err(backend)?;
        Ok(number)
    }

    async fn apply_incident_change(
        &self,
        change: &IncidentChange,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        update_incident_rows(&mut tx, change, timeline).await?;
        tx.commit().await.map_err(backend)
    }

    async fn find_incident(&self, incident_id: IncidentId) -> Result<Option<Incident>, StoreError> {
        sqlx::query(concat!(incident_select!(), " WHERE i.incident_id = $1"))
            .bind(incident_id.as_uuid())
            .fetch_optional(&self.pool)
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
        sqlx::query(concat!(incident_select!(), " WHERE i.number = $1"))
            .bind(to_i64(number.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(codec::incident)
            .transpose()
    }

    async fn list_incidents(&self, filter: &IncidentFilter) -> Result<IncidentPage, StoreError> {
        let statement = sql::incident_page(filter, Placeholders::DollarNumbered);
        // The SQL is assembled from constant fragments; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(statement.sql));
        for value in statement.values {
            query = match value {
                SqlValue::Text(text) => query.bind(text),
                SqlValue::Int(int) => query.bind(int),
                SqlValue::Bool(flag) => query.bind(flag),
                SqlValue::User(user) => query.bind(user.as_uuid()),
                SqlValue::Id(id) => query.bind(id),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(backend)?;
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
        if let [entry] = entries {
            return append_one(&self.pool, entry).await;
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        insert_timeline(&mut tx, entries).await?;
        tx.commit().await.map_err(backend)
    }

    async fn list_timeline(
        &self,
        incident: IncidentId,
        after_sequence: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        sqlx::query(
            "SELECT sequence, entry_id, incident_id, occurred_at, actor_id, kind, subject, old_value, new_value, \
             text, user_id, task_id FROM timeline_entries WHERE incident_id = $1 AND sequence > $2 \
             ORDER BY sequence LIMIT $3",
        )
        .bind(incident.as_uuid())
        .bind(after_sequence.unwrap_or(0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        insert_task_row(&mut tx, new_task).await?;
        insert_timeline(&mut tx, timeline).await?;
        tx.commit().await.map_err(backend)
    }

    async fn apply_task_change(
        &self,
        next: &Task,
        expected_version: u64,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let done = sqlx::query(
            "UPDATE tasks SET title = $1, assignee_id = $2, done_at = $3, version = $4 \
             WHERE task_id = $5 AND version = $6",
        )
        .bind(&next.title)
        .bind(next.assignee.map(|a| a.as_uuid()))
        .bind(next.done_at.map(|t| t.as_millisecond()))
        .bind(to_i64(next.version))
        .bind(next.id.as_uuid())
        .bind(to_i64(expected_version))
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?;
        if done.rows_affected() == 0 {
            let actual = current_version(&mut tx, Versioned::Task, next.id.as_uuid()).await?;
            return Err(lost_race("task", expected_version, actual));
        }
        insert_timeline(&mut tx, timeline).await?;
        tx.commit().await.map_err(backend)
    }

    async fn find_task(&self, task_id: TaskId) -> Result<Option<Task>, StoreError> {
        sqlx::query("SELECT * FROM tasks WHERE task_id = $1")
            .bind(task_id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(task)
            .transpose()
    }

    async fn list_tasks(&self, incident: IncidentId) -> Result<Vec<Task>, StoreError> {
        sqlx::query("SELECT * FROM tasks WHERE incident_id = $1 ORDER BY created_at, task_id")
            .bind(incident.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(task)
            .collect()
    }
}
