//! The delivery queue on PostgreSQL.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::{PgPool, Postgres, QueryBuilder, Row, Transaction};
use time::OffsetDateTime;

use super::rows::{event_from_row, json, message_from_row, millis, time_at};
use crate::error::Context;
use crate::messages::{
    CarrierMessageId, EnqueueOutcome, EventRecord, InboxItem, MessageRecord, MessageState, MessageUpdate, NewMessage,
    SpendCharge,
};
use crate::{StoreError, StoreResult};

/// Rows per multi-row INSERT: far below PostgreSQL's 65,535 bound parameters per statement.
const ROWS_PER_INSERT: usize = 256;

/// Stores events in the order given, a few hundred rows per statement.
///
/// The seqs are drawn from the sequence first and sorted, so that they follow the order the events
/// are given in whatever order PostgreSQL would insert or return rows; the outbox entries take
/// them.
async fn insert_events(tx: &mut Transaction<'_, Postgres>, events: &[&EventRecord]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('message_events', 'seq')) FROM generate_series(1, $1)",
    )
    .bind(i64::try_from(events.len()).unwrap_or(i64::MAX))
    .fetch_all(&mut **tx)
    .await
    .context("numbering events")?;
    seqs.sort_unstable();
    for (chunk, chunk_seqs) in events.chunks(ROWS_PER_INSERT).zip(seqs.chunks(ROWS_PER_INSERT)) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (event, seq) in chunk.iter().zip(chunk_seqs) {
            let destinations = serde_json::to_string(&event.destinations)
                .map_err(|e| StoreError::Corrupt(format!("event destinations: {e}")))?;
            rows.push((*seq, event, destinations));
        }
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO message_events (seq, account_id, message_id, event_type, destinations, record, created_at) ",
        );
        query.push_values(rows, |mut row, (seq, event, destinations)| {
            row.push_bind(seq)
                .push_bind(&event.account_id)
                .push_bind(&event.message_id)
                .push_bind(&event.event_type)
                .push_bind(destinations)
                .push_bind(event.record.to_string())
                .push_bind(millis(event.created_at));
        });
        query.build().execute(&mut **tx).await.context("storing events")?;
        super::outbox::add_entries(tx, chunk, chunk_seqs).await?;
    }
    Ok(())
}

type SpendKey = (String, String, String);

/// The month's spend of each account and channel that a batch charges, locked and read once at
/// the start and kept up to date in memory as the batch's charges are admitted; written back once
/// per key.
struct SpendTotals {
    totals: Vec<(SpendKey, i64, bool)>,
}

impl SpendTotals {
    /// Locks the spend rows the batch charges (creating them at 0 if missing), in key order so
    /// that concurrent batches cannot deadlock, and reads them. Another transaction charging the
    /// same month waits until this one commits, then reads its total: no charge is lost and the
    /// limit holds across nodes.
    async fn lock(tx: &mut Transaction<'_, Postgres>, batch: &[NewMessage]) -> StoreResult<Self> {
        let mut keys: Vec<SpendKey> = batch
            .iter()
            .filter_map(|item| item.charge.as_ref())
            .map(|c| (c.account_id.clone(), c.channel.clone(), c.month.clone()))
            .collect();
        keys.sort();
        keys.dedup();
        let mut totals = Vec::with_capacity(keys.len());
        for key in keys {
            let (account_id, channel, month) = &key;
            sqlx::query(
                "INSERT INTO spend (account_id, channel, month, amount_micros) VALUES ($1, $2, $3, 0)
                 ON CONFLICT (account_id, channel, month) DO NOTHING",
            )
            .bind(account_id)
            .bind(channel)
            .bind(month)
            .execute(&mut **tx)
            .await
            .context("opening the month's spend")?;
            let spent: i64 = sqlx::query_scalar(
                "SELECT amount_micros FROM spend WHERE account_id = $1 AND channel = $2 AND month = $3 FOR UPDATE",
            )
            .bind(account_id)
            .bind(channel)
            .bind(month)
            .fetch_one(&mut **tx)
            .await
            .context("reading the month's spend")?;
            totals.push((key, spent, false));
        }
        Ok(SpendTotals { totals })
    }

    /// Admits the charge unless it would pass its limit; says whether it was admitted.
    fn admit(&mut self, charge: &SpendCharge) -> bool {
        let Some((_, total, changed)) = self
            .totals
            .iter_mut()
            .find(|(k, _, _)| k.0 == charge.account_id && k.1 == charge.channel && k.2 == charge.month)
        else {
            // Every charge of the batch was locked up front.
            return false;
        };
        let after = total.saturating_add(charge.amount_micros);
        if after > charge.limit_micros {
            return false;
        }
        *total = after;
        *changed = true;
        true
    }

    async fn write(self, tx: &mut Transaction<'_, Postgres>) -> StoreResult<()> {
        for ((account_id, channel, month), total, changed) in self.totals {
            if !changed {
                continue;
            }
            sqlx::query("UPDATE spend SET amount_micros = $1 WHERE account_id = $2 AND channel = $3 AND month = $4")
                .bind(total)
                .bind(account_id)
                .bind(channel)
                .bind(month)
                .execute(&mut **tx)
                .await
                .context("charging the month's spend")?;
        }
        Ok(())
    }
}

pub(super) async fn enqueue(pool: &PgPool, batch: &[NewMessage]) -> StoreResult<Vec<EnqueueOutcome>> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut spend = SpendTotals::lock(&mut tx, batch).await?;
    let mut stored = Vec::with_capacity(batch.len());
    for item in batch {
        if let Some(charge) = &item.charge
            && !spend.admit(charge)
        {
            outcomes.push(EnqueueOutcome::SpendLimitReached);
            continue;
        }
        stored.push(item);
        outcomes.push(EnqueueOutcome::Stored);
    }
    spend.write(&mut tx).await?;
    for chunk in stored.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Postgres>::new(
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
    pool: &PgPool,
    owner: &str,
    now: OffsetDateTime,
    lease: Duration,
    busy_lanes: &[String],
    limit: u32,
) -> StoreResult<Vec<MessageRecord>> {
    let now_ms = millis(now);
    let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    // SKIP LOCKED: nodes claiming at the same time take different messages instead of waiting
    // for each other and then finding theirs gone.
    let rows = sqlx::query(
        "UPDATE messages SET lease_owner = $1, lease_until = $2
         WHERE id IN (SELECT id FROM messages
                      WHERE state <> 'final' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                        AND lane <> ALL($4)
                      ORDER BY due_at LIMIT $5
                      FOR UPDATE SKIP LOCKED)
         RETURNING *",
    )
    .bind(owner)
    .bind(until)
    .bind(now_ms)
    .bind(busy_lanes)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .context("claiming due messages")?;
    let mut messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
    messages.sort_by_key(|m| m.due_at);
    Ok(messages)
}

pub(super) async fn release_leases(pool: &PgPool, owner: &str) -> StoreResult<u64> {
    let result = sqlx::query("UPDATE messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1")
        .bind(owner)
        .execute(pool)
        .await
        .context("releasing leases")?;
    Ok(result.rows_affected())
}

pub(super) async fn update(pool: &PgPool, updates: &[MessageUpdate]) -> StoreResult<Vec<bool>> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let now = millis(OffsetDateTime::now_utc());
    let mut applied = Vec::with_capacity(updates.len());
    let mut carrier_ids: Vec<(&String, &CarrierMessageId)> = Vec::new();
    let mut events = Vec::new();
    for change in updates {
        let result = sqlx::query(
            "UPDATE messages SET state = $1, lane = $2, due_at = $3, attempts = $4, last_error = $5, document = $6,
                                 version = version + 1, updated_at = $7, lease_owner = NULL, lease_until = NULL
             WHERE id = $8 AND version = $9",
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
    // ON CONFLICT DO UPDATE cannot touch one row twice in a statement: keep the last of the
    // batch for each carrier id, as SQLite's row-by-row upsert ends up with.
    let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(carrier_ids.len());
    for (at, (_, id)) in carrier_ids.iter().enumerate() {
        last.insert((id.carrier.as_str(), id.carrier_message_id.as_str()), at);
    }
    let carrier_ids: Vec<_> = carrier_ids
        .iter()
        .enumerate()
        .filter(|(at, (_, id))| last.get(&(id.carrier.as_str(), id.carrier_message_id.as_str())) == Some(at))
        .map(|(_, pair)| *pair)
        .collect();
    for chunk in carrier_ids.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Postgres>::new(
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

pub(super) async fn get(pool: &PgPool, id: &str) -> StoreResult<Option<MessageRecord>> {
    let row = sqlx::query("SELECT * FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("reading a message")?;
    row.as_ref().map(message_from_row).transpose()
}

pub(super) async fn find_by_carrier_id(
    pool: &PgPool,
    carrier: &str,
    candidates: &[String],
) -> StoreResult<Option<(MessageRecord, u32)>> {
    for candidate in candidates {
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT message_id, part FROM message_carrier_ids WHERE carrier = $1 AND carrier_message_id = $2",
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

pub(super) async fn list(pool: &PgPool, state: MessageState, limit: u32) -> StoreResult<Vec<MessageRecord>> {
    let rows = sqlx::query("SELECT * FROM messages WHERE state = $1 ORDER BY due_at LIMIT $2")
        .bind(state.as_str())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .context("listing messages")?;
    rows.iter().map(message_from_row).collect()
}

pub(super) async fn count(pool: &PgPool, state: MessageState) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE state = $1")
        .bind(state.as_str())
        .fetch_one(pool)
        .await
        .context("counting messages")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(super) async fn append_events(pool: &PgPool, events: &[EventRecord]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    insert_events(&mut tx, &events.iter().collect::<Vec<_>>()).await?;
    tx.commit().await.context("committing events")
}

pub(super) async fn events_of(pool: &PgPool, message_id: &str) -> StoreResult<Vec<EventRecord>> {
    let rows = sqlx::query("SELECT * FROM message_events WHERE message_id = $1 ORDER BY seq")
        .bind(message_id)
        .fetch_all(pool)
        .await
        .context("reading a message's events")?;
    rows.iter().map(event_from_row).collect()
}

pub(super) async fn events_after(pool: &PgPool, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>> {
    let rows = sqlx::query("SELECT * FROM message_events WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .context("reading events")?;
    rows.iter().map(event_from_row).collect()
}

pub(super) async fn spend_in_month(pool: &PgPool, account_id: &str, channel: &str, month: &str) -> StoreResult<i64> {
    let spent: Option<i64> =
        sqlx::query_scalar("SELECT amount_micros FROM spend WHERE account_id = $1 AND channel = $2 AND month = $3")
            .bind(account_id)
            .bind(channel)
            .bind(month)
            .fetch_optional(pool)
            .await
            .context("reading the month's spend")?;
    Ok(spent.unwrap_or(0))
}

pub(super) async fn push_inbox(pool: &PgPool, items: &[InboxItem]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for chunk in items.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Postgres>::new("INSERT INTO inbox (kind, document, attempts, created_at) ");
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

pub(super) async fn peek_inbox(pool: &PgPool, limit: u32) -> StoreResult<Vec<InboxItem>> {
    let rows =
        sqlx::query("SELECT seq, kind, document, attempts, created_at FROM inbox ORDER BY attempts, seq LIMIT $1")
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

pub(super) async fn settle_inbox(pool: &PgPool, done: &[i64], retry: &[i64]) -> StoreResult<()> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for (statement, seqs) in [
        ("DELETE FROM inbox WHERE seq = ANY($1)", done),
        ("UPDATE inbox SET attempts = attempts + 1 WHERE seq = ANY($1)", retry),
    ] {
        if seqs.is_empty() {
            continue;
        }
        sqlx::query(statement).bind(seqs).execute(&mut *tx).await.context("settling the inbox")?;
    }
    tx.commit().await.context("committing the inbox")
}
