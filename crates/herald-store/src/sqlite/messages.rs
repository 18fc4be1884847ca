//! The delivery queue on SQLite.

use std::time::Duration;

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

use super::rows::{event_from_row, json, message_from_row, millis, time_at};
use crate::error::Context;
use crate::messages::{
    EnqueueOutcome, EventRecord, InboxItem, MessageRecord, MessageState, MessageUpdate, NewMessage, SpendCharge,
};
use crate::{StoreError, StoreResult};

/// Rows per multi-row INSERT: far below SQLite's limit of bound variables per statement.
const ROWS_PER_INSERT: usize = 256;

/// Stores events in the order given, a few hundred rows per statement.
async fn insert_events(tx: &mut Transaction<'_, Sqlite>, events: &[&EventRecord]) -> StoreResult<()> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for event in chunk {
            let destinations = serde_json::to_string(&event.destinations)
                .map_err(|e| StoreError::Corrupt(format!("event destinations: {e}")))?;
            rows.push((event, destinations));
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO message_events (account_id, message_id, event_type, destinations, record, created_at) ",
        );
        query.push_values(rows, |mut row, (event, destinations)| {
            row.push_bind(&event.account_id)
                .push_bind(&event.message_id)
                .push_bind(&event.event_type)
                .push_bind(destinations)
                .push_bind(event.record.to_string())
                .push_bind(millis(event.created_at));
        });
        let stored = query.build().execute(&mut **tx).await.context("storing events")?;
        // One multi-row INSERT on the one writer: the chunk's seqs are consecutive.
        let first_seq = stored.last_insert_rowid() - i64::try_from(chunk.len()).unwrap_or(0) + 1;
        super::outbox::add_entries(tx, chunk, first_seq).await?;
    }
    Ok(())
}

/// The month's spend of each account and channel that a batch charges, read once and kept up to
/// date in memory as the batch's charges are admitted; written back once per key.
#[derive(Default)]
struct SpendTotals {
    totals: Vec<((String, String, String), i64, bool)>,
}

impl SpendTotals {
    /// Admits the charge unless it would pass its limit; says whether it was admitted.
    async fn admit(&mut self, tx: &mut Transaction<'_, Sqlite>, charge: &SpendCharge) -> StoreResult<bool> {
        let key = (charge.account_id.clone(), charge.channel.clone(), charge.month.clone());
        let at = match self.totals.iter().position(|(k, _, _)| *k == key) {
            Some(at) => at,
            None => {
                let spent: Option<i64> = sqlx::query_scalar(
                    "SELECT amount_micros FROM spend WHERE account_id = ? AND channel = ? AND month = ?",
                )
                .bind(&charge.account_id)
                .bind(&charge.channel)
                .bind(&charge.month)
                .fetch_optional(&mut **tx)
                .await
                .context("reading the month's spend")?;
                self.totals.push((key, spent.unwrap_or(0), false));
                self.totals.len() - 1
            }
        };
        let (_, total, changed) = &mut self.totals[at];
        let after = total.saturating_add(charge.amount_micros);
        if after > charge.limit_micros {
            return Ok(false);
        }
        *total = after;
        *changed = true;
        Ok(true)
    }

    async fn write(self, tx: &mut Transaction<'_, Sqlite>) -> StoreResult<()> {
        for ((account_id, channel, month), total, changed) in self.totals {
            if !changed {
                continue;
            }
            sqlx::query(
                "INSERT INTO spend (account_id, channel, month, amount_micros) VALUES (?, ?, ?, ?)
                 ON CONFLICT (account_id, channel, month) DO UPDATE SET amount_micros = excluded.amount_micros",
            )
            .bind(account_id)
            .bind(channel)
            .bind(month)
            .bind(total)
            .execute(&mut **tx)
            .await
            .context("charging the month's spend")?;
        }
        Ok(())
    }
}

pub(super) async fn enqueue(pool: &SqlitePool, batch: &[NewMessage]) -> StoreResult<Vec<EnqueueOutcome>> {
    // IMMEDIATE: the charges read before they write, and a deferred transaction that another
    // writer overtakes between the two cannot upgrade its lock (SQLITE_BUSY_SNAPSHOT).
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.context("starting a transaction")?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut spend = SpendTotals::default();
    let mut stored = Vec::with_capacity(batch.len());
    for item in batch {
        if let Some(charge) = &item.charge
            && !spend.admit(&mut tx, charge).await?
        {
            outcomes.push(EnqueueOutcome::SpendLimitReached);
            continue;
        }
        stored.push(item);
        outcomes.push(EnqueueOutcome::Stored);
    }
    spend.write(&mut tx).await?;
    for chunk in stored.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, account_id, channel, state, lane, due_at, attempts, last_error, document,
                                   version, created_at, updated_at) ",
        );
        query.push_values(chunk, |mut row, item| {
            let message = &item.message;
            row.push_bind(&message.id)
                .push_bind(&message.account_id)
                .push_bind(&message.channel)
                .push_bind(message.state.as_str())
                .push_bind(&message.lane)
                .push_bind(millis(message.due_at))
                .push_bind(message.attempts)
                .push_bind(&message.last_error)
                .push_bind(message.document.to_string())
                .push_bind(message.version)
                .push_bind(millis(message.created_at))
                .push_bind(millis(message.updated_at));
        });
        query.build().execute(&mut *tx).await.context("storing messages")?;
    }
    let events: Vec<&EventRecord> = stored.iter().flat_map(|item| &item.events).collect();
    insert_events(&mut tx, &events).await?;
    tx.commit().await.context("committing accepted messages")?;
    Ok(outcomes)
}

pub(super) async fn claim(
    pool: &SqlitePool,
    owner: &str,
    now: OffsetDateTime,
    lease: Duration,
    busy_lanes: &[String],
    limit: u32,
) -> StoreResult<Vec<MessageRecord>> {
    let now_ms = millis(now);
    let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let mut query = QueryBuilder::<Sqlite>::new("UPDATE messages SET lease_owner = ");
    query.push_bind(owner).push(", lease_until = ").push_bind(until);
    query.push(" WHERE id IN (SELECT id FROM messages WHERE state <> 'final' AND due_at <= ").push_bind(now_ms);
    query.push(" AND (lease_until IS NULL OR lease_until < ").push_bind(now_ms).push(")");
    if !busy_lanes.is_empty() {
        query.push(" AND lane NOT IN (");
        let mut lanes = query.separated(", ");
        for lane in busy_lanes {
            lanes.push_bind(lane);
        }
        query.push(")");
    }
    query.push(" ORDER BY due_at LIMIT ").push_bind(i64::from(limit)).push(") RETURNING ");
    query.push("*");
    let rows = query.build().fetch_all(pool).await.context("claiming due messages")?;
    let mut messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
    messages.sort_by_key(|m| m.due_at);
    Ok(messages)
}

pub(super) async fn release_leases(pool: &SqlitePool, owner: &str) -> StoreResult<u64> {
    let result = sqlx::query("UPDATE messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?")
        .bind(owner)
        .execute(pool)
        .await
        .context("releasing leases")?;
    Ok(result.rows_affected())
}

pub(super) async fn update(pool: &SqlitePool, updates: &[MessageUpdate]) -> StoreResult<Vec<bool>> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let now = millis(OffsetDateTime::now_utc());
    let mut applied = Vec::with_capacity(updates.len());
    let mut carrier_ids = Vec::new();
    let mut events = Vec::new();
    for change in updates {
        let result = sqlx::query(
            "UPDATE messages SET state = ?, lane = ?, due_at = ?, attempts = ?, last_error = ?, document = ?,
                                 version = version + 1, updated_at = ?, lease_owner = NULL, lease_until = NULL
             WHERE id = ? AND version = ?",
        )
        .bind(change.state.as_str())
        .bind(&change.lane)
        .bind(millis(change.due_at))
        .bind(change.attempts)
        .bind(&change.last_error)
        .bind(change.document.to_string())
        .bind(now)
        .bind(&change.id)
        .bind(change.expected_version)
        .execute(&mut *tx)
        .await
        .context("updating a message")?;
        if result.rows_affected() == 0 {
            applied.push(false);
            continue;
        }
        carrier_ids.extend(change.carrier_ids.iter().map(|id| (&change.id, id)));
        events.extend(&change.events);
        applied.push(true);
    }
    for chunk in carrier_ids.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO message_carrier_ids (carrier, carrier_message_id, message_id, part) ",
        );
        query.push_values(chunk, |mut row, (message_id, id)| {
            row.push_bind(&id.carrier)
                .push_bind(&id.carrier_message_id)
                .push_bind(*message_id)
                .push_bind(i64::from(id.part));
        });
        // A carrier that reuses an id: the newer message has it now.
        query.push(
            " ON CONFLICT (carrier, carrier_message_id) DO UPDATE SET message_id = excluded.message_id,
                                                                     part = excluded.part",
        );
        query.build().execute(&mut *tx).await.context("storing carrier message ids")?;
    }
    insert_events(&mut tx, &events).await?;
    tx.commit().await.context("committing message updates")?;
    Ok(applied)
}

pub(super) async fn get(pool: &SqlitePool, id: &str) -> StoreResult<Option<MessageRecord>> {
    let row = sqlx::query("SELECT * FROM messages WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("reading a message")?;
    row.as_ref().map(message_from_row).transpose()
}

pub(super) async fn find_by_carrier_id(
    pool: &SqlitePool,
    carrier: &str,
    candidates: &[String],
) -> StoreResult<Option<(MessageRecord, u32)>> {
    for candidate in candidates {
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT message_id, part FROM message_carrier_ids WHERE carrier = ? AND carrier_message_id = ?",
        )
        .bind(carrier)
        .bind(candidate)
        .fetch_optional(pool)
        .await
        .context("looking up a carrier message id")?;
        if let Some((message_id, part)) = found
            && let Some(message) = get(pool, &message_id).await?
        {
            return Ok(Some((message, u32::try_from(part).unwrap_or(0))));
        }
    }
    Ok(None)
}

pub(super) async fn list(pool: &SqlitePool, state: MessageState, limit: u32) -> StoreResult<Vec<MessageRecord>> {
    let rows = sqlx::query("SELECT * FROM messages WHERE state = ? ORDER BY due_at LIMIT ?")
        .bind(state.as_str())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .context("listing messages")?;
    rows.iter().map(message_from_row).collect()
}

pub(super) async fn count(pool: &SqlitePool, state: MessageState) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE state = ?")
        .bind(state.as_str())
        .fetch_one(pool)
        .await
        .context("counting messages")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(super) async fn append_events(pool: &SqlitePool, events: &[EventRecord]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    insert_events(&mut tx, &events.iter().collect::<Vec<_>>()).await?;
    tx.commit().await.context("committing events")
}

pub(super) async fn events_of(pool: &SqlitePool, message_id: &str) -> StoreResult<Vec<EventRecord>> {
    let rows = sqlx::query("SELECT * FROM message_events WHERE message_id = ? ORDER BY seq")
        .bind(message_id)
        .fetch_all(pool)
        .await
        .context("reading a message's events")?;
    rows.iter().map(event_from_row).collect()
}

pub(super) async fn events_after(pool: &SqlitePool, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>> {
    let rows = sqlx::query("SELECT * FROM message_events WHERE seq > ? ORDER BY seq LIMIT ?")
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .context("reading events")?;
    rows.iter().map(event_from_row).collect()
}

pub(super) async fn spend_in_month(
    pool: &SqlitePool,
    account_id: &str,
    channel: &str,
    month: &str,
) -> StoreResult<i64> {
    let spent: Option<i64> =
        sqlx::query_scalar("SELECT amount_micros FROM spend WHERE account_id = ? AND channel = ? AND month = ?")
            .bind(account_id)
            .bind(channel)
            .bind(month)
            .fetch_optional(pool)
            .await
            .context("reading the month's spend")?;
    Ok(spent.unwrap_or(0))
}

pub(super) async fn push_inbox(pool: &SqlitePool, items: &[InboxItem]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for chunk in items.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO inbox (kind, document, attempts, created_at) ");
        query.push_values(chunk, |mut row, item| {
            row.push_bind(&item.kind)
                .push_bind(item.document.to_string())
                .push_bind(item.attempts)
                .push_bind(millis(item.created_at));
        });
        query.build().execute(&mut *tx).await.context("storing inbox items")?;
    }
    tx.commit().await.context("committing inbox items")
}

pub(super) async fn peek_inbox(pool: &SqlitePool, limit: u32) -> StoreResult<Vec<InboxItem>> {
    let rows =
        sqlx::query("SELECT seq, kind, document, attempts, created_at FROM inbox ORDER BY attempts, seq LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .context("reading the inbox")?;
    rows.iter()
        .map(|row| {
            let document: String = row.try_get("document").context("reading an inbox item")?;
            Ok(InboxItem {
                seq: row.try_get("seq").context("reading an inbox item")?,
                kind: row.try_get("kind").context("reading an inbox item")?,
                document: json(&document, "inbox item")?,
                attempts: row.try_get("attempts").context("reading an inbox item")?,
                created_at: time_at(row.try_get("created_at").context("reading an inbox item")?)?,
            })
        })
        .collect()
}

pub(super) async fn settle_inbox(pool: &SqlitePool, done: &[i64], retry: &[i64]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for (statement, seqs) in
        [("DELETE FROM inbox WHERE seq IN (", done), ("UPDATE inbox SET attempts = attempts + 1 WHERE seq IN (", retry)]
    {
        for chunk in seqs.chunks(ROWS_PER_INSERT) {
            let mut query = QueryBuilder::<Sqlite>::new(statement);
            let mut list = query.separated(", ");
            for seq in chunk {
                list.push_bind(*seq);
            }
            query.push(")");
            query.build().execute(&mut *tx).await.context("settling the inbox")?;
        }
    }
    tx.commit().await.context("committing the inbox")
}
