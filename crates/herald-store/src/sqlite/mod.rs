//! The embedded default: SQLite in WAL mode through sqlx.

mod audit;
mod messages;
mod outbox;
mod rows;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::audit::{AuditFilter, AuditRecord};
use crate::error::Context;
use crate::messages::{EnqueueOutcome, EventRecord, InboxItem, MessageRecord, MessageState, MessageUpdate, NewMessage};
use crate::outbox::{OutboxDepth, OutboxEntry};
use crate::records::{
    AccessKeyRecord, AccountRecord, AppRecord, ChannelRecord, EndpointRecord, ResourceChange, ResourceRecord,
    ResourceRef, Tag,
};
use crate::{Backend, StoreError, StoreResult};
use rows::{app_from_row, channel_from_row, endpoint_from_row, key_from_row, millis, resource_from_row};

pub struct SqliteBackend {
    /// Reads; several connections, each with its own snapshot.
    pool: SqlitePool,
    /// Every write, on one connection. SQLite has one write lock: writers that race for it on
    /// several connections get SQLITE_BUSY and sleep in the busy handler (milliseconds each,
    /// seconds under load), while writers queued for one connection wait only for each other.
    writer: SqlitePool,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at a `sqlite:` URL and migrates it.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL sync is durable across process crashes, which is what an
            // acknowledged request needs; FULL also survives power loss at a large cost.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // Queued writers wait for the one connection as long as SQLite would have let them.
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .context("opening the SQLite database")?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("opening the SQLite database")?;
        Ok(SqliteBackend { pool, writer })
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    async fn count_accounts(&self) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await
            .context("counting accounts")?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn create_account(&self, account: &AccountRecord, key: &AccessKeyRecord) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        sqlx::query("INSERT INTO accounts (id, created_at) VALUES (?, ?)")
            .bind(&account.id)
            .bind(millis(account.created_at))
            .execute(&mut *tx)
            .await
            .context("inserting an account")?;
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, account_id, sealed_secret, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&key.access_key_id)
        .bind(&key.account_id)
        .bind(key.secret.as_bytes())
        .bind(millis(key.created_at))
        .execute(&mut *tx)
        .await
        .context("inserting an access key")?;
        tx.commit().await.context("committing a new account")
    }

    async fn find_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>> {
        let row = sqlx::query("SELECT * FROM access_keys WHERE access_key_id = ?")
            .bind(access_key_id)
            .fetch_optional(&self.pool)
            .await
            .context("looking up an access key")?;
        row.map(|r| key_from_row(&r)).transpose()
    }

    async fn first_access_key(&self) -> StoreResult<Option<AccessKeyRecord>> {
        let row = sqlx::query("SELECT * FROM access_keys ORDER BY created_at, access_key_id LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .context("looking up the first access key")?;
        row.map(|r| key_from_row(&r)).transpose()
    }

    async fn insert_app(&self, app: &AppRecord, tags: &[Tag]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        sqlx::query("INSERT INTO apps (account_id, id, name, created_at, settings) VALUES (?, ?, ?, ?, ?)")
            .bind(&app.account_id)
            .bind(&app.id)
            .bind(&app.name)
            .bind(millis(app.created_at))
            .bind(app.settings.to_string())
            .execute(&mut *tx)
            .await
            .context("inserting an app")?;
        let resource = ResourceRef::new("app", &app.id);
        for tag in tags {
            upsert_tag(&mut tx, &app.account_id, &resource, tag).await?;
        }
        tx.commit().await.context("committing a new app")
    }

    async fn get_app(&self, account_id: &str, app_id: &str) -> StoreResult<Option<AppRecord>> {
        let row = sqlx::query("SELECT * FROM apps WHERE account_id = ? AND id = ?")
            .bind(account_id)
            .bind(app_id)
            .fetch_optional(&self.pool)
            .await
            .context("reading an app")?;
        row.map(|r| app_from_row(&r)).transpose()
    }

    async fn list_apps(&self, account_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<AppRecord>> {
        let rows = sqlx::query("SELECT * FROM apps WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?")
            .bind(account_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .context("listing apps")?;
        rows.iter().map(app_from_row).collect()
    }

    async fn update_app_settings(
        &self,
        account_id: &str,
        app_id: &str,
        settings: &serde_json::Value,
    ) -> StoreResult<bool> {
        let result = sqlx::query("UPDATE apps SET settings = ? WHERE account_id = ? AND id = ?")
            .bind(settings.to_string())
            .bind(account_id)
            .bind(app_id)
            .execute(&self.writer)
            .await
            .context("updating app settings")?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_app(&self, account_id: &str, app_id: &str) -> StoreResult<Option<AppRecord>> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        let row = sqlx::query("DELETE FROM apps WHERE account_id = ? AND id = ? RETURNING *")
            .bind(account_id)
            .bind(app_id)
            .fetch_optional(&mut *tx)
            .await
            .context("deleting an app")?;
        let Some(row) = row else { return Ok(None) };
        let app = app_from_row(&row)?;
        // Channels go with the app through the foreign key; tags are keyed by resource.
        sqlx::query("DELETE FROM tags WHERE account_id = ? AND resource_type = 'app' AND resource_id = ?")
            .bind(account_id)
            .bind(app_id)
            .execute(&mut *tx)
            .await
            .context("deleting an app's tags")?;
        tx.commit().await.context("committing an app deletion")?;
        Ok(Some(app))
    }

    async fn get_channel(&self, account_id: &str, app_id: &str, kind: &str) -> StoreResult<Option<ChannelRecord>> {
        let row = sqlx::query("SELECT * FROM channels WHERE account_id = ? AND app_id = ? AND kind = ?")
            .bind(account_id)
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await
            .context("reading a channel")?;
        row.map(|r| channel_from_row(&r)).transpose()
    }

    async fn list_channels(&self, account_id: &str, app_id: &str) -> StoreResult<Vec<ChannelRecord>> {
        let rows = sqlx::query("SELECT * FROM channels WHERE account_id = ? AND app_id = ? ORDER BY kind")
            .bind(account_id)
            .bind(app_id)
            .fetch_all(&self.pool)
            .await
            .context("listing channels")?;
        rows.iter().map(channel_from_row).collect()
    }

    async fn put_channel(&self, channel: &ChannelRecord, expected_version: Option<i64>) -> StoreResult<()> {
        let credentials = channel.credentials.as_ref().map(|c| c.as_bytes().to_vec());
        let written = match expected_version {
            None => sqlx::query(
                "INSERT INTO channels (account_id, app_id, kind, enabled, attributes, sealed_credentials, version, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(&channel.account_id)
            .bind(&channel.app_id)
            .bind(&channel.kind)
            .bind(channel.enabled)
            .bind(channel.attributes.to_string())
            .bind(credentials)
            .bind(channel.version)
            .bind(millis(channel.created_at))
            .bind(millis(channel.updated_at))
            .execute(&self.writer)
            .await
            .context("inserting a channel")?,
            Some(expected) => sqlx::query(
                "UPDATE channels SET enabled = ?, attributes = ?, sealed_credentials = ?, version = ?, updated_at = ?
                 WHERE account_id = ? AND app_id = ? AND kind = ? AND version = ?",
            )
            .bind(channel.enabled)
            .bind(channel.attributes.to_string())
            .bind(credentials)
            .bind(channel.version)
            .bind(millis(channel.updated_at))
            .bind(&channel.account_id)
            .bind(&channel.app_id)
            .bind(&channel.kind)
            .bind(expected)
            .execute(&self.writer)
            .await
            .context("updating a channel")?,
        };
        if written.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "channel {} of app {} changed concurrently",
                channel.kind, channel.app_id
            )))
        }
    }

    async fn delete_channel(&self, account_id: &str, app_id: &str, kind: &str) -> StoreResult<Option<ChannelRecord>> {
        let row = sqlx::query("DELETE FROM channels WHERE account_id = ? AND app_id = ? AND kind = ? RETURNING *")
            .bind(account_id)
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.writer)
            .await
            .context("deleting a channel")?;
        row.map(|r| channel_from_row(&r)).transpose()
    }

    async fn put_endpoints(&self, endpoints: &[EndpointRecord]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        for endpoint in endpoints {
            sqlx::query(
                "INSERT INTO endpoints (account_id, app_id, id, channel_type, address, user_id, endpoint_status, opt_out, document, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (account_id, app_id, id) DO UPDATE SET
                    channel_type = excluded.channel_type, address = excluded.address, user_id = excluded.user_id,
                    endpoint_status = excluded.endpoint_status, opt_out = excluded.opt_out,
                    document = excluded.document, updated_at = excluded.updated_at",
            )
            .bind(&endpoint.account_id)
            .bind(&endpoint.app_id)
            .bind(&endpoint.id)
            .bind(&endpoint.channel_type)
            .bind(&endpoint.address)
            .bind(&endpoint.user_id)
            .bind(&endpoint.endpoint_status)
            .bind(&endpoint.opt_out)
            .bind(endpoint.document.to_string())
            .bind(millis(endpoint.created_at))
            .bind(millis(endpoint.updated_at))
            .execute(&mut *tx)
            .await
            .context("writing an endpoint")?;
        }
        tx.commit().await.context("committing endpoints")
    }

    async fn get_endpoint(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_id: &str,
    ) -> StoreResult<Option<EndpointRecord>> {
        let row = sqlx::query("SELECT * FROM endpoints WHERE account_id = ? AND app_id = ? AND id = ?")
            .bind(account_id)
            .bind(app_id)
            .bind(endpoint_id)
            .fetch_optional(&self.pool)
            .await
            .context("reading an endpoint")?;
        row.map(|r| endpoint_from_row(&r)).transpose()
    }

    async fn get_endpoints(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_ids: &[String],
    ) -> StoreResult<Vec<EndpointRecord>> {
        let mut found = Vec::with_capacity(endpoint_ids.len());
        // SQLite limits bound parameters per statement; ask in slices.
        // SQLite limits bound parameters per statement; ask in slices.
        for ids in endpoint_ids.chunks(500) {
            let placeholders = vec!["?"; ids.len()].join(", ");
            let sql = format!("SELECT * FROM endpoints WHERE account_id = ? AND app_id = ? AND id IN ({placeholders})");
            // Only placeholders are formatted into the statement; every value is bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).bind(app_id);
            for id in ids {
                query = query.bind(id);
            }
            let rows = query.fetch_all(&self.pool).await.context("reading endpoints")?;
            for row in &rows {
                found.push(endpoint_from_row(row)?);
            }
        }
        Ok(found)
    }

    async fn delete_endpoint(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_id: &str,
    ) -> StoreResult<Option<EndpointRecord>> {
        let row = sqlx::query("DELETE FROM endpoints WHERE account_id = ? AND app_id = ? AND id = ? RETURNING *")
            .bind(account_id)
            .bind(app_id)
            .bind(endpoint_id)
            .fetch_optional(&self.writer)
            .await
            .context("deleting an endpoint")?;
        row.map(|r| endpoint_from_row(&r)).transpose()
    }

    async fn user_endpoints(&self, account_id: &str, app_id: &str, user_id: &str) -> StoreResult<Vec<EndpointRecord>> {
        let rows =
            sqlx::query("SELECT * FROM endpoints WHERE account_id = ? AND app_id = ? AND user_id = ? ORDER BY id")
                .bind(account_id)
                .bind(app_id)
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .context("reading a user's endpoints")?;
        rows.iter().map(endpoint_from_row).collect()
    }

    async fn delete_user_endpoints(
        &self,
        account_id: &str,
        app_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<EndpointRecord>> {
        let mut rows =
            sqlx::query("DELETE FROM endpoints WHERE account_id = ? AND app_id = ? AND user_id = ? RETURNING *")
                .bind(account_id)
                .bind(app_id)
                .bind(user_id)
                .fetch_all(&self.writer)
                .await
                .context("deleting a user's endpoints")?
                .iter()
                .map(endpoint_from_row)
                .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rows)
    }

    async fn endpoints_by_address(
        &self,
        account_id: &str,
        app_id: &str,
        address: &str,
    ) -> StoreResult<Vec<EndpointRecord>> {
        let rows =
            sqlx::query("SELECT * FROM endpoints WHERE account_id = ? AND app_id = ? AND address = ? ORDER BY id")
                .bind(account_id)
                .bind(app_id)
                .bind(address)
                .fetch_all(&self.pool)
                .await
                .context("reading endpoints by address")?;
        rows.iter().map(endpoint_from_row).collect()
    }

    async fn get_resource(
        &self,
        account_id: &str,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<Option<ResourceRecord>> {
        let row = sqlx::query("SELECT * FROM resources WHERE account_id = ? AND resource_type = ? AND id = ?")
            .bind(account_id)
            .bind(resource_type)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("reading a resource")?;
        row.map(|r| resource_from_row(&r)).transpose()
    }

    async fn find_resource_by_name(
        &self,
        account_id: &str,
        resource_type: &str,
        name: &str,
    ) -> StoreResult<Option<ResourceRecord>> {
        let row = sqlx::query("SELECT * FROM resources WHERE account_id = ? AND resource_type = ? AND name = ?")
            .bind(account_id)
            .bind(resource_type)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .context("reading a resource by name")?;
        row.map(|r| resource_from_row(&r)).transpose()
    }

    async fn list_resources(
        &self,
        account_id: &str,
        resource_type: &str,
        parent_id: Option<&str>,
    ) -> StoreResult<Vec<ResourceRecord>> {
        // rowid breaks ties between resources created in the same millisecond by insertion order.
        let rows = match parent_id {
            Some(parent) => sqlx::query(
                "SELECT * FROM resources WHERE account_id = ? AND resource_type = ? AND parent_id = ? ORDER BY created_at, rowid",
            )
            .bind(account_id)
            .bind(resource_type)
            .bind(parent)
            .fetch_all(&self.pool)
            .await,
            None => sqlx::query("SELECT * FROM resources WHERE account_id = ? AND resource_type = ? ORDER BY created_at, rowid")
                .bind(account_id)
                .bind(resource_type)
                .fetch_all(&self.pool)
                .await,
        }
        .context("listing resources")?;
        rows.iter().map(resource_from_row).collect()
    }

    async fn count_resources(&self, account_id: &str, resource_type: &str) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE account_id = ? AND resource_type = ?")
                .bind(account_id)
                .bind(resource_type)
                .fetch_one(&self.pool)
                .await
                .context("counting resources")?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn write_resources(&self, changes: &[ResourceChange]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        for change in changes {
            let (written, what) = match change {
                ResourceChange::Put { record, expected_version: None } => {
                    let result = sqlx::query(
                        "INSERT INTO resources (account_id, resource_type, id, name, parent_id, document, version, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    )
                    .bind(&record.account_id)
                    .bind(&record.resource_type)
                    .bind(&record.id)
                    .bind(&record.name)
                    .bind(&record.parent_id)
                    .bind(record.document.to_string())
                    .bind(record.version)
                    .bind(millis(record.created_at))
                    .bind(millis(record.updated_at))
                    .execute(&mut *tx)
                    .await
                    .context("inserting a resource")?;
                    (result.rows_affected(), format!("{} {} already exists", record.resource_type, record.id))
                }
                ResourceChange::Put { record, expected_version: Some(expected) } => {
                    let result = sqlx::query(
                        "UPDATE resources SET name = ?, parent_id = ?, document = ?, version = ?, updated_at = ?
                         WHERE account_id = ? AND resource_type = ? AND id = ? AND version = ?",
                    )
                    .bind(&record.name)
                    .bind(&record.parent_id)
                    .bind(record.document.to_string())
                    .bind(record.version)
                    .bind(millis(record.updated_at))
                    .bind(&record.account_id)
                    .bind(&record.resource_type)
                    .bind(&record.id)
                    .bind(expected)
                    .execute(&mut *tx)
                    .await;
                    let result = match result {
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                            return Err(StoreError::Conflict(format!("{} name is taken", record.resource_type)));
                        }
                        other => other.context("updating a resource")?,
                    };
                    (result.rows_affected(), format!("{} {} changed concurrently", record.resource_type, record.id))
                }
                ResourceChange::Delete { account_id, resource_type, id, expected_version } => {
                    let result = sqlx::query(
                        "DELETE FROM resources WHERE account_id = ? AND resource_type = ? AND id = ? AND version = ?",
                    )
                    .bind(account_id)
                    .bind(resource_type)
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await
                    .context("deleting a resource")?;
                    (result.rows_affected(), format!("{resource_type} {id} changed concurrently"))
                }
            };
            if written != 1 {
                return Err(StoreError::Conflict(what));
            }
        }
        tx.commit().await.context("committing resources")
    }

    async fn list_tags(&self, account_id: &str, resource: &ResourceRef) -> StoreResult<Vec<Tag>> {
        let rows = sqlx::query(
            "SELECT key, value FROM tags WHERE account_id = ? AND resource_type = ? AND resource_id = ? ORDER BY key",
        )
        .bind(account_id)
        .bind(&resource.resource_type)
        .bind(&resource.resource_id)
        .fetch_all(&self.pool)
        .await
        .context("listing tags")?;
        rows.iter()
            .map(|r| {
                Ok(Tag {
                    key: r.try_get("key").context("reading a tag")?,
                    value: r.try_get("value").context("reading a tag")?,
                })
            })
            .collect()
    }

    async fn tag_resource(&self, account_id: &str, resource: &ResourceRef, tags: &[Tag]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        for tag in tags {
            upsert_tag(&mut tx, account_id, resource, tag).await?;
        }
        tx.commit().await.context("committing tags")
    }

    async fn untag_resource(&self, account_id: &str, resource: &ResourceRef, keys: &[String]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.context("starting a transaction")?;
        for key in keys {
            sqlx::query("DELETE FROM tags WHERE account_id = ? AND resource_type = ? AND resource_id = ? AND key = ?")
                .bind(account_id)
                .bind(&resource.resource_type)
                .bind(&resource.resource_id)
                .bind(key)
                .execute(&mut *tx)
                .await
                .context("removing a tag")?;
        }
        tx.commit().await.context("committing tag removal")
    }

    async fn enqueue_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<EnqueueOutcome>> {
        messages::enqueue(&self.writer, batch).await
    }

    async fn claim_messages(
        &self,
        owner: &str,
        now: time::OffsetDateTime,
        lease: Duration,
        busy_lanes: &[String],
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>> {
        messages::claim(&self.writer, owner, now, lease, busy_lanes, limit).await
    }

    async fn release_leases(&self, owner: &str) -> StoreResult<u64> {
        messages::release_leases(&self.writer, owner).await
    }

    async fn update_messages(&self, updates: &[MessageUpdate]) -> StoreResult<Vec<bool>> {
        messages::update(&self.writer, updates).await
    }

    async fn get_message(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        messages::get(&self.pool, id).await
    }

    async fn find_message_by_carrier_id(
        &self,
        carrier: &str,
        candidates: &[String],
    ) -> StoreResult<Option<(MessageRecord, u32)>> {
        messages::find_by_carrier_id(&self.pool, carrier, candidates).await
    }

    async fn list_messages(&self, state: MessageState, limit: u32) -> StoreResult<Vec<MessageRecord>> {
        messages::list(&self.pool, state, limit).await
    }

    async fn count_messages(&self, state: MessageState) -> StoreResult<u64> {
        messages::count(&self.pool, state).await
    }

    async fn append_events(&self, events: &[EventRecord]) -> StoreResult<()> {
        messages::append_events(&self.writer, events).await
    }

    async fn message_events(&self, message_id: &str) -> StoreResult<Vec<EventRecord>> {
        messages::events_of(&self.pool, message_id).await
    }

    async fn events_after(&self, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>> {
        messages::events_after(&self.pool, after_seq, limit).await
    }

    async fn spend_in_month(&self, account_id: &str, channel: &str, month: &str) -> StoreResult<i64> {
        messages::spend_in_month(&self.pool, account_id, channel, month).await
    }

    async fn push_inbox(&self, items: &[InboxItem]) -> StoreResult<()> {
        messages::push_inbox(&self.writer, items).await
    }

    async fn peek_inbox(&self, limit: u32) -> StoreResult<Vec<InboxItem>> {
        messages::peek_inbox(&self.pool, limit).await
    }

    async fn settle_inbox(&self, done: &[i64], retry: &[i64]) -> StoreResult<()> {
        messages::settle_inbox(&self.writer, done, retry).await
    }

    async fn outbox_due(&self, sink: &str, now: time::OffsetDateTime, limit: u32) -> StoreResult<Vec<OutboxEntry>> {
        outbox::due(&self.pool, sink, now, limit).await
    }

    async fn outbox_delivered(&self, seqs: &[i64]) -> StoreResult<()> {
        outbox::delivered(&self.writer, seqs).await
    }

    async fn outbox_failed(
        &self,
        seqs: &[i64],
        error: &str,
        now: time::OffsetDateTime,
        next_attempt_at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        outbox::failed(&self.writer, seqs, error, now, next_attempt_at).await
    }

    async fn outbox_bury(&self, sink: &str, failing_since: time::OffsetDateTime) -> StoreResult<u64> {
        outbox::bury(&self.writer, sink, failing_since).await
    }

    async fn outbox_trim(&self, sink: &str, keep: u64) -> StoreResult<u64> {
        outbox::trim(&self.writer, sink, keep).await
    }

    async fn outbox_depth(&self) -> StoreResult<Vec<OutboxDepth>> {
        outbox::depth(&self.pool).await
    }

    async fn list_account_ids(&self) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .context("listing accounts")
    }

    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<()> {
        audit::append(&self.writer, records).await
    }

    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        audit::list(&self.pool, filter).await
    }

    async fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: time::OffsetDateTime,
        ttl: std::time::Duration,
    ) -> StoreResult<bool> {
        let now = crate::rows::millis(now);
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let result = sqlx::query(
            "INSERT INTO leases (name, owner, until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
             WHERE leases.owner = excluded.owner OR leases.until < $4",
        )
        .bind(name)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(&self.writer)
        .await
        .context("taking a lease")?;
        Ok(result.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.writer)
            .await
            .context("giving a lease up")?;
        Ok(())
    }
}

async fn upsert_tag(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    account_id: &str,
    resource: &ResourceRef,
    tag: &Tag,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tags (account_id, resource_type, resource_id, key, value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, resource_type, resource_id, key) DO UPDATE SET value = excluded.value",
    )
    .bind(account_id)
    .bind(&resource.resource_type)
    .bind(&resource.resource_id)
    .bind(&tag.key)
    .bind(&tag.value)
    .execute(&mut **tx)
    .await
    .context("writing a tag")?;
    Ok(())
}
