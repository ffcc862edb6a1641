//! On-call data on SQLite: schedule overrides, notification rules, the link
//! signing key and the engine lease (exclusive: one engine per file).

use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::escalation::NotificationRule;
use muster_core::{OverrideId, UserId};
use muster_store::paging::{decode_override, decode_rule, statements};
use muster_store::{EngineClaim, StoreError, StoredOverride};
use sqlx::{AssertSqlSafe, SqliteConnection, SqlitePool};

use crate::codec::{Row, backend, get, millis, unique};

pub(crate) async fn insert_override(
    c: &mut SqliteConnection,
    over: &StoredOverride,
) -> Result<(), StoreError> {
    sqlx::query(statements::INSERT_OVERRIDE)
        .bind(over.id.to_string())
        .bind(&over.schedule)
        .bind(&over.over.user)
        .bind(&over.over.replaces)
        .bind(over.over.start.as_millisecond())
        .bind(over.over.end.as_millisecond())
        .bind(&over.note)
        .bind(over.created_by.to_string())
        .bind(over.created_at.as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(|e| unique(e, "id", &over.id.to_string()))?;
    Ok(())
}

pub(crate) async fn find_override(
    readers: &SqlitePool,
    id: OverrideId,
) -> Result<Option<StoredOverride>, StoreError> {
    let text = format!("{} WHERE override_id = $1", statements::OVERRIDE_COLUMNS);
    // Constant text; the id is bound.
    sqlx::query(AssertSqlSafe(text))
        .bind(id.to_string())
        .fetch_optional(readers)
        .await
        .map_err(backend)?
        .map(|r| decode_override(&Row(&r)))
        .transpose()
}

pub(crate) async fn list_overrides(
    readers: &SqlitePool,
    schedule: Option<&str>,
    ending_after: Timestamp,
) -> Result<Vec<StoredOverride>, StoreError> {
    let text = format!(
        "{} WHERE ends_at > $1 AND ($2 IS NULL OR schedule = $2) ORDER BY starts_at, override_id",
        statements::OVERRIDE_COLUMNS
    );
    // Constant text; the values are bound.
    let rows = sqlx::query(AssertSqlSafe(text))
        .bind(ending_after.as_millisecond())
        .bind(schedule)
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_override(&Row(r))).collect()
}

pub(crate) async fn rules_of(
    readers: &SqlitePool,
    user: UserId,
) -> Result<Vec<NotificationRule>, StoreError> {
    let rows = sqlx::query(statements::RULES_OF)
        .bind(user.to_string())
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_rule(&Row(r))).collect()
}

pub(crate) async fn all_rules(
    readers: &SqlitePool,
) -> Result<Vec<(UserId, Vec<NotificationRule>)>, StoreError> {
    let rows = sqlx::query(statements::ALL_RULES)
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    let mut out: Vec<(UserId, Vec<NotificationRule>)> = Vec::new();
    for row in &rows {
        let raw: String = get(row, "user_id")?;
        let user = UserId(crate::codec::uuid(&raw)?);
        let rule = decode_rule(&Row(row))?;
        match out.last_mut() {
            Some((last, rules)) if *last == user => rules.push(rule),
            _ => out.push((user, vec![rule])),
        }
    }
    Ok(out)
}

pub(crate) async fn set_rules(
    c: &mut SqliteConnection,
    user: UserId,
    rules: &[NotificationRule],
) -> Result<(), StoreError> {
    sqlx::query(statements::DELETE_RULES)
        .bind(user.to_string())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    for (position, rule) in rules.iter().enumerate() {
        sqlx::query(statements::INSERT_RULE)
            .bind(user.to_string())
            .bind(position as i64)
            .bind(rule.kind.as_str())
            .bind(rule.after.as_millis() as i64)
            .execute(&mut *c)
            .await
            .map_err(|e| match unique(e, "user", "") {
                StoreError::Missing { .. } => StoreError::Missing { entity: "user" },
                other => other,
            })?;
    }
    Ok(())
}

pub(crate) async fn signing_key(
    c: &mut SqliteConnection,
    name: &str,
    fresh: &[u8; 32],
) -> Result<Vec<u8>, StoreError> {
    sqlx::query(statements::INSERT_KEY)
        .bind(name)
        .bind(fresh.to_vec())
        .bind(jiff::Timestamp::now().as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    sqlx::query_scalar(statements::KEY_OF)
        .bind(name)
        .fetch_one(&mut *c)
        .await
        .map_err(backend)
}

pub(crate) async fn claim_engine(
    c: &mut SqliteConnection,
    node: &str,
    now: Timestamp,
    lease: SignedDuration,
) -> Result<EngineClaim, StoreError> {
    let until = now.saturating_add(lease).unwrap_or(now).as_millisecond();
    let held = sqlx::query("SELECT owner, expires_at FROM engine_leases WHERE module = 'engine'")
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?;
    if let Some(row) = held {
        let owner: String = get(&row, "owner")?;
        let expires: i64 = get(&row, "expires_at")?;
        if owner != node && expires > now.as_millisecond() {
            return Ok(EngineClaim::HeldBy {
                owner,
                until: millis(expires)?,
            });
        }
    }
    write_lease(c, node, until).await?;
    Ok(EngineClaim::Granted)
}

pub(crate) async fn write_lease(
    c: &mut SqliteConnection,
    node: &str,
    until: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO engine_leases (module, owner, expires_at) VALUES ('engine', ?1, ?2) \
         ON CONFLICT (module) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
    )
    .bind(node)
    .bind(until)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}
