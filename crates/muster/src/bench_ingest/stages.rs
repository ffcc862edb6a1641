//! Where muster's latency went: each probe's path through the engine, read
//! back from the database after a latency run. Every hop leaves a time
//! behind (the alert's arrival, its page's trigger, the delivery's creation,
//! the recorded attempt), so the split needs no tracing.

use std::time::Duration;

use sqlx::Row;

use crate::bench::percentile;

/// The hops of one probe, in order: arrival → page → delivery → sent. (A
/// sent delivery's lease is cleared, so the claim leaves no time behind:
/// the last hop is the outbox's wait, the send and the record together.)
pub const HOPS: [&str; 3] = [
    "routed: alert stored → page triggered",
    "fired: page triggered → delivery written",
    "sent: delivery written → attempt recorded",
];

/// p50 and p99 in ms of each of [`HOPS`].
pub type Spread = [(f64, f64); 3];

/// One row per probe alert: its arrival, its page's trigger, its first
/// delivery's creation, and that delivery's first attempt.
const SQL: &str = "SELECT a.first_seen AS arrived, p.triggered_at AS paged, \
     MIN(d.created_at) AS written, MIN(t.at) AS sent \
     FROM alerts a JOIN alert_groups g ON g.group_id = a.group_id \
     JOIN pages p ON p.page_id = g.page_id \
     JOIN deliveries d ON d.page_id = p.page_id \
     JOIN delivery_attempts t ON t.delivery_id = d.delivery_id AND t.attempt = 1 \
     GROUP BY a.alert_id, a.first_seen, p.triggered_at";
const COLUMNS: [&str; 4] = ["arrived", "paged", "written", "sent"];

fn spread(mut hops: [Vec<Duration>; 3]) -> Spread {
    let mut out = [(0.0, 0.0); 3];
    for (hop, waits) in hops.iter_mut().enumerate() {
        waits.sort();
        out[hop] = (percentile(waits, 0.50), percentile(waits, 0.99));
    }
    out
}

fn waits(rows: &[[i64; 4]]) -> [Vec<Duration>; 3] {
    let mut hops: [Vec<Duration>; 3] = Default::default();
    for row in rows {
        for (hop, waits) in hops.iter_mut().enumerate() {
            let ms = u64::try_from(row[hop + 1] - row[hop]).unwrap_or(0);
            waits.push(Duration::from_millis(ms));
        }
    }
    hops
}

fn times(row: &impl Fn(&str) -> Result<i64, sqlx::Error>) -> Result<[i64; 4], sqlx::Error> {
    let mut times = [0i64; 4];
    for (at, column) in times.iter_mut().zip(COLUMNS) {
        *at = row(column)?;
    }
    Ok(times)
}

/// The split of the probes stored at `url`; none when no probe got through.
pub async fn read(url: &str) -> anyhow::Result<Option<Spread>> {
    let mut rows = Vec::new();
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await?;
        for row in sqlx::query(SQL).fetch_all(&pool).await? {
            rows.push(times(&|column| row.try_get(column))?);
        }
        pool.close().await;
    } else {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(muster_store_sqlite::SqliteStore::path_from_url(url))
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        for row in sqlx::query(SQL).fetch_all(&pool).await? {
            rows.push(times(&|column| row.try_get(column))?);
        }
        pool.close().await;
    }
    Ok((!rows.is_empty()).then(|| spread(waits(&rows))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hop_is_the_gap_between_its_two_times() {
        // Hops of 5, 2, 10 ms and of 1, 2, 6 ms.
        let split = spread(waits(&[[0, 5, 7, 17], [100, 101, 103, 109]]));
        // Of two, p50 and p99 both round to the larger.
        assert_eq!(split, [(5.0, 5.0), (2.0, 2.0), (10.0, 10.0)]);
    }

    #[test]
    fn a_clock_step_backwards_counts_as_no_wait() {
        let split = spread(waits(&[[10, 5, 5, 5]]));
        assert_eq!(split[0], (0.0, 0.0));
    }
}
