//! The event outbox on SQLite.

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
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

/// Adds one entry per event and ARN destination. `first_seq` is the seq the first of `events`
/// was stored under; the others follow it in order (one multi-row INSERT on the one writer).
pub(super) async fn add_entries(
    tx: &mut Transaction<'_, Sqlite>,
    events: &[&EventRecord],
    first_seq: i64,
) -> StoreResult<()> {
    let entries: Vec<(i64, &str, i64)> = events
        .iter()
        .zip(first_seq..)
        .flat_map(|(event, seq)| {
            let at = millis(event.created_at);
            event.destinations.iter().filter(|d| is_arn(d)).map(move |sink| (seq, sink.as_str(), at))
        })
        .collect();
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut query =
            QueryBuilder::<Sqlite>::new("INSERT INTO outbox (event_seq, sink, next_attempt_at, created_at) ");
        query.push_values(chunk, |mut row, (seq, sink, at)| {
            row.push_bind(*seq).push_bind(*sink).push_bind(*at).push_bind(*at);
        });
        query.build().execute(&mut **tx).await.context("adding events to the outbox")?;
    }
    Ok(())
}

pub(super) async fn due(
    pool: &SqlitePool,
    sink: &str,
    now: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<OutboxEntry>> {
    let rows = sqlx::query(
        "SELECT o.seq, o.sink, o.event_seq, o.attempts, o.first_failure_at, o.last_error, o.created_at,
                e.message_id, e.record
         FROM outbox o JOIN message_events e ON e.seq = o.event_seq
         WHERE o.sink = ? AND o.dead = 0
           AND (SELECT next_attempt_at FROM outbox WHERE sink = ? AND dead = 0 ORDER BY seq LIMIT 1) <= ?
         ORDER BY o.seq LIMIT ?",
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

/// Runs the statement `head` writes, with " WHERE seq IN (...)" appended, over `seqs` in
/// chunks, in one transaction.
async fn for_seqs(
    pool: &SqlitePool,
    seqs: &[i64],
    head: impl Fn(&mut QueryBuilder<Sqlite>),
    what: &'static str,
) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for chunk in seqs.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new("");
        head(&mut query);
        query.push(" WHERE seq IN (");
        let mut list = query.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        query.push(")");
        query.build().execute(&mut *tx).await.context(what)?;
    }
    tx.commit().await.context(what)
}

pub(super) async fn delivered(pool: &SqlitePool, seqs: &[i64]) -> StoreResult<()> {
    let head = |query: &mut QueryBuilder<Sqlite>| {
        query.push("DELETE FROM outbox");
    };
    for_seqs(pool, seqs, head, "removing delivered outbox entries").await
}

pub(super) async fn failed(
    pool: &SqlitePool,
    seqs: &[i64],
    error: &str,
    now: OffsetDateTime,
    next_attempt_at: OffsetDateTime,
) -> StoreResult<()> {
    let head = |query: &mut QueryBuilder<Sqlite>| {
        query.push("UPDATE outbox SET attempts = attempts + 1, last_error = ");
        query.push_bind(error.to_owned());
        query.push(", first_failure_at = COALESCE(first_failure_at, ");
        query.push_bind(millis(now));
        query.push("), next_attempt_at = ");
        query.push_bind(millis(next_attempt_at));
    };
    for_seqs(pool, seqs, head, "recording failed outbox entries").await
}

pub(super) async fn bury(pool: &SqlitePool, sink: &str, failing_since: OffsetDateTime) -> StoreResult<u64> {
    let result = sqlx::query("UPDATE outbox SET dead = 1 WHERE sink = ? AND dead = 0 AND first_failure_at < ?")
        .bind(sink)
        .bind(millis(failing_since))
        .execute(pool)
        .await
        .context("dead-lettering outbox entries")?;
    Ok(result.rows_affected())
}

pub(super) async fn trim(pool: &SqlitePool, sink: &str, keep: u64) -> StoreResult<u64> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    let result = sqlx::query(
        "DELETE FROM outbox WHERE sink = ? AND dead = 0 AND seq < (
             SELECT COALESCE(MIN(seq), 0) FROM (
                 SELECT seq FROM outbox WHERE sink = ? AND dead = 0 ORDER BY seq DESC LIMIT ?))",
    )
    .bind(sink)
    .bind(sink)
    .bind(keep)
    .execute(pool)
    .await
    .context("trimming the outbox")?;
    Ok(result.rows_affected())
}

pub(super) async fn depth(pool: &SqlitePool) -> StoreResult<Vec<OutboxDepth>> {
    let rows = sqlx::query(
        "SELECT sink, SUM(dead = 0) AS pending, SUM(dead = 1) AS dead,
                MIN(CASE WHEN dead = 0 THEN created_at END) AS oldest
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
