//! On-call data on PostgreSQL: schedule overrides, notification rules, the
//! link signing key and the engine leases (one row per node: several nodes
//! run engines side by side here).

use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::escalation::NotificationRule;
use muster_core::{OverrideId, UserId};
use muster_store::paging::{decode_override, decode_rule, statements};
use muster_store::{EngineClaim, StoreError, StoredOverride};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use uuid::Uuid;

use crate::codec::{Row, backend, get, unique};

pub(crate) async fn insert_override(
    pool: &PgPool,
    over: &StoredOverride,
) -> Result<(), StoreError> {
    sqlx::query(statements::INSERT_OVERRIDE)
        .bind(over.id.as_uuid())
        .bind(&over.schedule)
        .bind(&over.over.user)
        .bind(&over.over.replaces)
        .bind(over.over.start.as_millisecond())
        .bind(over.over.end.as_millisecond())
        .bind(&over.note)
        .bind(over.created_by.as_uuid())
        .bind(over.created_at.as_millisecond())
        .execute(pool)
        .await
        .map_err(|e| unique(e, "id", &over.id.to_string()))?;
    Ok(())
}

pub(crate) async fn find_override(
    pool: &PgPool,
    id: OverrideId,
) -> Result<Option<StoredOverride>, StoreError> {
    let text = format!("{} WHERE override_id = $1", statements::OVERRIDE_COLUMNS);
    // Constant text; the id is bound.
    sqlx::query(AssertSqlSafe(text))
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(backend)?
        .map(|r| decode_override(&Row(&r)))
        .transpose()
}

pub(crate) async fn list_overrides(
    pool: &PgPool,
    schedule: Option<&str>,
    ending_after: Timestamp,
) -> Result<Vec<StoredOverride>, StoreError> {
    let text = format!(
        "{} WHERE ends_at > $1 AND ($2::TEXT IS NULL OR schedule = $2) ORDER BY starts_at, override_id",
        statements::OVERRIDE_COLUMNS
    );
    // Constant text; the values are bound.
    let rows = sqlx::query(AssertSqlSafe(text))
        .bind(ending_after.as_millisecond())
        .bind(schedule)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_override(&Row(r))).collect()
}

pub(crate) async fn rules_of(
    pool: &PgPool,
    user: UserId,
) -> Result<Vec<NotificationRule>, StoreError> {
    let rows = sqlx::query(statements::RULES_OF)
        .bind(user.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_rule(&Row(r))).collect()
}

pub(crate) async fn all_rules(
    pool: &PgPool,
) -> Result<Vec<(UserId, Vec<NotificationRule>)>, StoreError> {
    let rows = sqlx::query(statements::ALL_RULES)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let mut out: Vec<(UserId, Vec<NotificationRule>)> = Vec::new();
    for row in &rows {
        let user = UserId(get::<Uuid>(row, "user_id")?);
        let rule = decode_rule(&Row(row))?;
        match out.last_mut() {
            Some((last, rules)) if *last == user => rules.push(rule),
            _ => out.push((user, vec![rule])),
        }
    }
    Ok(out)
}

pub(crate) async fn set_rules(
    c: &mut PgConnection,
    user: UserId,
    rules: &[NotificationRule],
) -> Result<(), StoreError> {
    sqlx::query(statements::DELETE_RULES)
        .bind(user.as_uuid())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    for (position, rule) in rules.iter().enumerate() {
        sqlx::query(statements::INSERT_RULE)
            .bind(user.as_uuid())
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
    pool: &PgPool,
    name: &str,
    fresh: &[u8; 32],
) -> Result<Vec<u8>, StoreError> {
    // Two nodes starting together both insert; one wins, both read its key.
    sqlx::query(statements::INSERT_KEY)
        .bind(name)
        .bind(fresh.to_vec())
        .bind(Timestamp::now().as_millisecond())
        .execute(pool)
        .await
        .map_err(backend)?;
    sqlx::query_scalar(statements::KEY_OF)
        .bind(name)
        .fetch_one(pool)
        .await
        .map_err(backend)
}

/// Each node's engine lease row.
pub(crate) fn engine_module(node: &str) -> String {
    format!("engine:{node}")
}

pub(crate) async fn claim_engine(
    pool: &PgPool,
    node: &str,
    now: Timestamp,
    lease: SignedDuration,
) -> Result<EngineClaim, StoreError> {
    let until = now.saturating_add(lease).unwrap_or(now).as_millisecond();
    sqlx::query(
        "INSERT INTO engine_leases (module, owner, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (module) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
    )
    .bind(engine_module(node))
    .bind(node)
    .bind(until)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(EngineClaim::Granted)
}
