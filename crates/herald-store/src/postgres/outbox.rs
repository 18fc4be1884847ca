//! The event outbox on PostgreSQL.

use sqlx::{PgPool, Postgres, QueryBuilder, Row, Transaction};
use time::OffsetDateTime;

use super::rows::{millis, outbox_entry_from_row, time_at};
use crate::StoreResult;
use crate::error::Context;
use crate::messages::EventRecord;
use crate::outbox::{OutboxDepth, OutboxEntry};

/// Rows per multi-row INSERT, as for events.
const ROWS_PER_INSERT: usize = 256;

/// Whether an event destination names a sink: an ARN. Records stored before destinations were
/// ARNs name event destinations by name; they have nowhere to go.
fn is_arn(destination: &str) -> bool {
    destination.starts_with("arn:")
}

/// Adds one entry per event and ARN destination; `seqs` are the seqs `events` were stored under.
pub(super) async fn add_entries(
    tx: &mut Transaction<'_, Postgres>,
    events: &[&EventRecord],
    seqs: &[i64],
) -> StoreResult<()> {
    let entries: Vec<(i64, &str, i64)> = events
        .iter()
        .zip(seqs.iter().copied())
        .flat_map(|(event, seq)| {
            let at = millis(event.created_at);
            event.destinations.iter().filter(|d| is_arn(d)).map(move |sink| (seq, sink.as_str(), at))
        })
        .collect();
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut query =
            QueryBuilder::<Postgres>::new("INSERT INTO outbox (event_seq, sink, next_attempt_at, created_at) ");
        query.push_values(chunk, |mut row, (seq, sink, at)| {
            row.push_bind(*seq).push_bind(*sink).push_bind(*at).push_bind(*at);
        });
        query.build().execute(&mut **tx).await.context("adding events to the outbox")?;
    }
    Ok(())
}

pub(super) async fn due(pool: &PgPool, sink: &str, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<OutboxEntry>> {
    let rows = sqlx::query(
        "SELECT o.seq, o.sink, o.event_seq, o.attempts, o.first_failure_at, o.last_error, o.created_at,
                e.message_id, e.record
         FROM outbox o JOIN message_events e ON e.seq = o.event_seq
         WHERE o.sink = $1 AND NOT o.dead
           AND (SELECT next_attempt_at FROM outbox WHERE sink = $2 AND NOT dead ORDER BY seq LIMIT 1) <= $3
         ORDER BY o.seq LIMIT $4",
    )
    .bind(sink)
    .bind(sink)
    .bind(millis(now))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .context("reading the outbox")?;
    rows.iter().map(outbox_entry_from_row).collect()
}

pub(super) async fn delivered(pool: &PgPool, seqs: &[i64]) -> StoreResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM outbox WHERE seq = ANY($1)")
        .bind(seqs)
        .execute(pool)
        .await
        .context("removing delivered outbox entries")?;
    Ok(())
}

pub(super) async fn failed(
    pool: &PgPool,
    seqs: &[i64],
    error: &str,
    now: OffsetDateTime,
    next_attempt_at: OffsetDateTime,
) -> StoreResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, first_failure_at = COALESCE(first_failure_at, $2),
                           next_attempt_at = $3
         WHERE seq = ANY($4)",
    )
    .bind(error)
    .bind(millis(now))
    .bind(millis(next_attempt_at))
    .bind(seqs)
    .execute(pool)
    .await
    .context("recording failed outbox entries")?;
    Ok(())
}

pub(super) async fn bury(pool: &PgPool, sink: &str, failing_since: OffsetDateTime) -> StoreResult<u64> {
    let result = sqlx::query("UPDATE outbox SET dead = TRUE WHERE sink = $1 AND NOT dead AND first_failure_at < $2")
        .bind(sink)
        .bind(millis(failing_since))
        .execute(pool)
        .await
        .context("dead-lettering outbox entries")?;
    Ok(result.rows_affected())
}

pub(super) async fn trim(pool: &PgPool, sink: &str, keep: u64) -> StoreResult<u64> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    let result = sqlx::query(
        "DELETE FROM outbox WHERE sink = $1 AND NOT dead AND seq < (
             SELECT COALESCE(MIN(seq), 0) FROM (
                 SELECT seq FROM outbox WHERE sink = $2 AND NOT dead ORDER BY seq DESC LIMIT $3) AS kept)",
    )
    .bind(sink)
    .bind(sink)
    .bind(keep)
    .execute(pool)
    .await
    .context("trimming the outbox")?;
    Ok(result.rows_affected())
}

pub(super) async fn depth(pool: &PgPool) -> StoreResult<Vec<OutboxDepth>> {
    let rows = sqlx::query(
        "SELECT sink, COUNT(*) FILTER (WHERE NOT dead) AS pending, COUNT(*) FILTER (WHERE dead) AS dead,
                MIN(created_at) FILTER (WHERE NOT dead) AS oldest
         FROM outbox GROUP BY sink ORDER BY sink",
    )
    .fetch_all(pool)
    .await
    .context("measuring the outbox")?;
    rows.iter()
        .map(|row| {
            let count = |name: &str| -> StoreResult<u64> {
                let value: i64 = row.try_get(name).context("measuring the outbox")?;
                Ok(u64::try_from(value).unwrap_or(0))
            };
            let oldest: Option<i64> = row.try_get("oldest").context("measuring the outbox")?;
            Ok(OutboxDepth {
                sink: row.try_get("sink").context("measuring the outbox")?,
                pending: count("pending")?,
                dead: count("dead")?,
                oldest_pending: oldest.map(time_at).transpose()?,
            })
        })
        .collect()
}
