//! Herald's storage: one `Store` handle over a backend (embedded SQLite, or PostgreSQL for several nodes),
//! domain records that know nothing of the wire DTOs, and a conformance suite every backend runs.
//!
//! Each `Backend` method is one transaction, so a caller never sees half of a change (deleting
//! an app removes its channels and tags in the same commit).

mod audit;
mod error;
mod messages;
mod outbox;
mod postgres;
mod records;
mod rows;
mod secret_box;
mod sqlite;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

use std::sync::Arc;

use async_trait::async_trait;
use std::time::Duration;

use time::OffsetDateTime;

pub use audit::{AuditFilter, AuditRecord};
pub use error::StoreError;
pub use messages::{
    CarrierMessageId, EnqueueOutcome, EventRecord, InboxItem, MessageRecord, MessageState, MessageUpdate, NewMessage,
    SpendCharge,
};
pub use outbox::{OutboxDepth, OutboxEntry};
pub use postgres::PostgresBackend;
pub use records::{
    AccessKeyRecord, AccountRecord, AppRecord, ChannelRecord, EndpointRecord, ResourceChange, ResourceRecord,
    ResourceRef, Tag,
};
pub use secret_box::{SealedSecret, SecretBox, SecretBoxError};
pub use sqlite::SqliteBackend;

pub type StoreResult<T> = Result<T, StoreError>;

/// The storage operations Herald needs. Every backend implements all of them with the same
/// meaning; `conformance::run_all` checks that.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    // Accounts and their access keys.
    async fn count_accounts(&self) -> StoreResult<u64>;
    async fn create_account(&self, account: &AccountRecord, key: &AccessKeyRecord) -> StoreResult<()>;
    async fn find_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>>;
    /// The oldest access key: the root key made on first start.
    async fn first_access_key(&self) -> StoreResult<Option<AccessKeyRecord>>;

    // Pinpoint apps.
    async fn insert_app(&self, app: &AppRecord, tags: &[Tag]) -> StoreResult<()>;
    async fn get_app(&self, account_id: &str, app_id: &str) -> StoreResult<Option<AppRecord>>;
    /// Apps ordered by id, starting after `after`, at most `limit`.
    async fn list_apps(&self, account_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<AppRecord>>;
    /// Replaces the app's settings document; `false` when the app does not exist.
    async fn update_app_settings(
        &self,
        account_id: &str,
        app_id: &str,
        settings: &serde_json::Value,
    ) -> StoreResult<bool>;
    /// Deletes the app with everything in it (channels, tags); returns what was deleted.
    async fn delete_app(&self, account_id: &str, app_id: &str) -> StoreResult<Option<AppRecord>>;

    // Channels of an app, one per kind.
    async fn get_channel(&self, account_id: &str, app_id: &str, kind: &str) -> StoreResult<Option<ChannelRecord>>;
    async fn list_channels(&self, account_id: &str, app_id: &str) -> StoreResult<Vec<ChannelRecord>>;
    /// Writes a channel if its stored version is still `expected_version` (`None`: must not
    /// exist yet). A concurrent writer makes this fail with `StoreError::Conflict`.
    async fn put_channel(&self, channel: &ChannelRecord, expected_version: Option<i64>) -> StoreResult<()>;
    async fn delete_channel(&self, account_id: &str, app_id: &str, kind: &str) -> StoreResult<Option<ChannelRecord>>;

    // Endpoints of an app.
    /// Creates or replaces endpoints, all in one transaction; `created_at` of an existing
    /// endpoint is kept.
    async fn put_endpoints(&self, endpoints: &[EndpointRecord]) -> StoreResult<()>;
    async fn get_endpoint(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_id: &str,
    ) -> StoreResult<Option<EndpointRecord>>;
    /// The endpoints with these ids that exist, in no particular order.
    async fn get_endpoints(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_ids: &[String],
    ) -> StoreResult<Vec<EndpointRecord>>;
    async fn delete_endpoint(
        &self,
        account_id: &str,
        app_id: &str,
        endpoint_id: &str,
    ) -> StoreResult<Option<EndpointRecord>>;
    /// A user's endpoints, ordered by id.
    async fn user_endpoints(&self, account_id: &str, app_id: &str, user_id: &str) -> StoreResult<Vec<EndpointRecord>>;
    async fn delete_user_endpoints(
        &self,
        account_id: &str,
        app_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<EndpointRecord>>;
    /// Endpoints whose address is `address`, ordered by id.
    async fn endpoints_by_address(
        &self,
        account_id: &str,
        app_id: &str,
        address: &str,
    ) -> StoreResult<Vec<EndpointRecord>>;

    // Document resources (SMS and voice v2).
    async fn get_resource(
        &self,
        account_id: &str,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<Option<ResourceRecord>>;
    async fn find_resource_by_name(
        &self,
        account_id: &str,
        resource_type: &str,
        name: &str,
    ) -> StoreResult<Option<ResourceRecord>>;
    /// Resources of a type, optionally only those of one parent, in the order they were created.
    async fn list_resources(
        &self,
        account_id: &str,
        resource_type: &str,
        parent_id: Option<&str>,
    ) -> StoreResult<Vec<ResourceRecord>>;
    async fn count_resources(&self, account_id: &str, resource_type: &str) -> StoreResult<u64>;
    /// Applies every change or none. A version that moved on, a resource that already exists, or
    /// a name already taken is `StoreError::Conflict`.
    async fn write_resources(&self, changes: &[ResourceChange]) -> StoreResult<()>;

    // Tags on any resource.
    async fn list_tags(&self, account_id: &str, resource: &ResourceRef) -> StoreResult<Vec<Tag>>;
    /// Adds or overwrites the given keys.
    async fn tag_resource(&self, account_id: &str, resource: &ResourceRef, tags: &[Tag]) -> StoreResult<()>;
    async fn untag_resource(&self, account_id: &str, resource: &ResourceRef, keys: &[String]) -> StoreResult<()>;

    // The SMS, voice and media delivery queue.
    /// Stores each message with its charge and events, all in one transaction; a message whose
    /// charge would pass its limit is left out (`SpendLimitReached`), the others are stored.
    async fn enqueue_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<EnqueueOutcome>>;
    /// Leases up to `limit` messages that are not final and are due, oldest due first, skipping
    /// the `busy_lanes`, for `lease` from `now`. A message whose lease ran out (its holder died)
    /// is due again.
    async fn claim_messages(
        &self,
        owner: &str,
        now: time::OffsetDateTime,
        lease: std::time::Duration,
        busy_lanes: &[String],
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>>;
    /// Hands back every message `owner` holds: a node that restarts takes its work up at once
    /// instead of waiting for its old leases to run out.
    async fn release_leases(&self, owner: &str) -> StoreResult<u64>;
    /// Applies each update whose message is still at its expected version, with its carrier ids
    /// and events, in one transaction. Returns, per update, whether it was applied.
    async fn update_messages(&self, updates: &[MessageUpdate]) -> StoreResult<Vec<bool>>;
    async fn get_message(&self, id: &str) -> StoreResult<Option<MessageRecord>>;
    /// The message and part a carrier's id names, trying each candidate notation in order.
    async fn find_message_by_carrier_id(
        &self,
        carrier: &str,
        candidates: &[String],
    ) -> StoreResult<Option<(MessageRecord, u32)>>;
    /// The messages in a state, most urgent first: what an operator looks at.
    async fn list_messages(&self, state: MessageState, limit: u32) -> StoreResult<Vec<MessageRecord>>;
    async fn count_messages(&self, state: MessageState) -> StoreResult<u64>;
    /// Stores events that belong to no queued message (inbound messages).
    async fn append_events(&self, events: &[EventRecord]) -> StoreResult<()>;
    /// A message's events in the order they happened.
    async fn message_events(&self, message_id: &str) -> StoreResult<Vec<EventRecord>>;
    /// Events after `after_seq`, oldest first.
    async fn events_after(&self, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>>;
    /// What an account was charged for a channel in a month, in millionths of a dollar.
    async fn spend_in_month(&self, account_id: &str, channel: &str, month: &str) -> StoreResult<i64>;
    async fn push_inbox(&self, items: &[InboxItem]) -> StoreResult<()>;
    /// Unprocessed items, those tried least first, then the oldest: items that keep failing
    /// never hold up fresh ones.
    async fn peek_inbox(&self, limit: u32) -> StoreResult<Vec<InboxItem>>;
    /// Removes processed items and counts another attempt on those to try again.
    async fn settle_inbox(&self, done: &[i64], retry: &[i64]) -> StoreResult<()>;

    // The event outbox. Events whose `destinations` are ARNs get one entry per ARN when they
    // are stored, in the same transaction.

    /// A sink's oldest entries that are not dead, oldest first, when the oldest is due at `now`;
    /// none otherwise. Entries wait behind a failed one, so each message's records reach the
    /// sink in order.
    async fn outbox_due(&self, sink: &str, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<OutboxEntry>>;
    /// Removes entries their sink has taken.
    async fn outbox_delivered(&self, seqs: &[i64]) -> StoreResult<()>;
    /// Counts a failed attempt on entries and puts their next attempt at `next_attempt_at`.
    async fn outbox_failed(
        &self,
        seqs: &[i64],
        error: &str,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Dead-letters a sink's entries that first failed before `failing_since`; answers how many.
    async fn outbox_bury(&self, sink: &str, failing_since: OffsetDateTime) -> StoreResult<u64>;
    /// Drops a sink's oldest pending entries beyond the newest `keep`; answers how many.
    async fn outbox_trim(&self, sink: &str, keep: u64) -> StoreResult<u64>;
    /// Pending and dead entries per sink.
    async fn outbox_depth(&self) -> StoreResult<Vec<OutboxDepth>>;

    // Read-only views for metrics, and the audit log.

    /// Every account's id, in order.
    async fn list_account_ids(&self) -> StoreResult<Vec<String>>;
    /// Appends API call records, in the order given.
    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<()>;
    /// The records the filter matches, oldest first.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;

    // Named leases between nodes.

    /// Takes or renews the lease `name` for `owner` until `now + ttl`: granted when nobody holds
    /// it, `owner` already does, or the holder's lease ran out before `now`. Answers whether
    /// `owner` holds it now.
    async fn acquire_lease(&self, name: &str, owner: &str, now: OffsetDateTime, ttl: Duration) -> StoreResult<bool>;
    /// Gives the lease up if `owner` holds it.
    async fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()>;
}

/// The handle the rest of Herald holds: cheap to clone, backend chosen at start-up.
pub type Store = Arc<dyn Backend>;

/// Opens the backend a database URL names and brings its schema up to date.
pub async fn open(database_url: &str) -> StoreResult<Store> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteBackend::open(database_url).await?))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresBackend::open(database_url).await?))
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL {database_url:?}: this build supports sqlite:, postgres:// and postgresql:// URLs"
        )))
    }
}
