//! Row helpers both backends share: timestamps are stored as milliseconds since the epoch and
//! JSON documents as text, and the records' columns have the same names and types everywhere.

use time::OffsetDateTime;

use crate::{StoreError, StoreResult};

pub(crate) fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn time_at(millis: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {millis}: {e}")))
}

pub(crate) fn json(text: &str, what: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what} is not JSON: {e}")))
}

/// The record readers for one backend's row type: the same code, compiled once per driver.
macro_rules! record_readers {
    ($row:ty) => {
        pub(super) fn key_from_row(row: &$row) -> StoreResult<AccessKeyRecord> {
            Ok(AccessKeyRecord {
                access_key_id: row.try_get("access_key_id").context("reading an access key")?,
                account_id: row.try_get("account_id").context("reading an access key")?,
                secret: SealedSecret::from_stored(row.try_get("sealed_secret").context("reading an access key")?),
                created_at: time_at(row.try_get("created_at").context("reading an access key")?)?,
            })
        }

        pub(super) fn app_from_row(row: &$row) -> StoreResult<AppRecord> {
            let settings: String = row.try_get("settings").context("reading an app")?;
            Ok(AppRecord {
                account_id: row.try_get("account_id").context("reading an app")?,
                id: row.try_get("id").context("reading an app")?,
                name: row.try_get("name").context("reading an app")?,
                created_at: time_at(row.try_get("created_at").context("reading an app")?)?,
                settings: json(&settings, "app settings")?,
            })
        }

        pub(super) fn channel_from_row(row: &$row) -> StoreResult<ChannelRecord> {
            let attributes: String = row.try_get("attributes").context("reading a channel")?;
            let credentials: Option<Vec<u8>> = row.try_get("sealed_credentials").context("reading a channel")?;
            Ok(ChannelRecord {
                account_id: row.try_get("account_id").context("reading a channel")?,
                app_id: row.try_get("app_id").context("reading a channel")?,
                kind: row.try_get("kind").context("reading a channel")?,
                enabled: row.try_get("enabled").context("reading a channel")?,
                attributes: json(&attributes, "channel attributes")?,
                credentials: credentials.map(SealedSecret::from_stored),
                version: row.try_get("version").context("reading a channel")?,
                created_at: time_at(row.try_get("created_at").context("reading a channel")?)?,
                updated_at: time_at(row.try_get("updated_at").context("reading a channel")?)?,
            })
        }

        pub(super) fn endpoint_from_row(row: &$row) -> StoreResult<EndpointRecord> {
            let document: String = row.try_get("document").context("reading an endpoint")?;
            Ok(EndpointRecord {
                account_id: row.try_get("account_id").context("reading an endpoint")?,
                app_id: row.try_get("app_id").context("reading an endpoint")?,
                id: row.try_get("id").context("reading an endpoint")?,
                channel_type: row.try_get("channel_type").context("reading an endpoint")?,
                address: row.try_get("address").context("reading an endpoint")?,
                user_id: row.try_get("user_id").context("reading an endpoint")?,
                endpoint_status: row.try_get("endpoint_status").context("reading an endpoint")?,
                opt_out: row.try_get("opt_out").context("reading an endpoint")?,
                document: json(&document, "endpoint document")?,
                created_at: time_at(row.try_get("created_at").context("reading an endpoint")?)?,
                updated_at: time_at(row.try_get("updated_at").context("reading an endpoint")?)?,
            })
        }

        pub(super) fn resource_from_row(row: &$row) -> StoreResult<ResourceRecord> {
            let document: String = row.try_get("document").context("reading a resource")?;
            Ok(ResourceRecord {
                account_id: row.try_get("account_id").context("reading a resource")?,
                resource_type: row.try_get("resource_type").context("reading a resource")?,
                id: row.try_get("id").context("reading a resource")?,
                name: row.try_get("name").context("reading a resource")?,
                parent_id: row.try_get("parent_id").context("reading a resource")?,
                document: json(&document, "resource document")?,
                version: row.try_get("version").context("reading a resource")?,
                created_at: time_at(row.try_get("created_at").context("reading a resource")?)?,
                updated_at: time_at(row.try_get("updated_at").context("reading a resource")?)?,
            })
        }

        pub(super) fn message_from_row(row: &$row) -> StoreResult<MessageRecord> {
            let state: String = row.try_get("state").context("reading a message")?;
            let document: String = row.try_get("document").context("reading a message")?;
            Ok(MessageRecord {
                id: row.try_get("id").context("reading a message")?,
                account_id: row.try_get("account_id").context("reading a message")?,
                channel: row.try_get("channel").context("reading a message")?,
                state: MessageState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("message state {state:?}")))?,
                lane: row.try_get("lane").context("reading a message")?,
                due_at: time_at(row.try_get("due_at").context("reading a message")?)?,
                attempts: row.try_get("attempts").context("reading a message")?,
                last_error: row.try_get("last_error").context("reading a message")?,
                document: json(&document, "message document")?,
                version: row.try_get("version").context("reading a message")?,
                created_at: time_at(row.try_get("created_at").context("reading a message")?)?,
                updated_at: time_at(row.try_get("updated_at").context("reading a message")?)?,
            })
        }

        pub(super) fn event_from_row(row: &$row) -> StoreResult<EventRecord> {
            let destinations: String = row.try_get("destinations").context("reading an event")?;
            let record: String = row.try_get("record").context("reading an event")?;
            let destinations = serde_json::from_str(&destinations)
                .map_err(|e| StoreError::Corrupt(format!("event destinations are not a JSON list: {e}")))?;
            Ok(EventRecord {
                seq: row.try_get("seq").context("reading an event")?,
                account_id: row.try_get("account_id").context("reading an event")?,
                message_id: row.try_get("message_id").context("reading an event")?,
                event_type: row.try_get("event_type").context("reading an event")?,
                destinations,
                record: json(&record, "event record")?,
                created_at: time_at(row.try_get("created_at").context("reading an event")?)?,
            })
        }

        pub(super) fn outbox_entry_from_row(row: &$row) -> StoreResult<OutboxEntry> {
            let record: String = row.try_get("record").context("reading an outbox entry")?;
            let message_id: String = row.try_get("message_id").context("reading an outbox entry")?;
            let event_seq: i64 = row.try_get("event_seq").context("reading an outbox entry")?;
            let first_failure_at: Option<i64> = row.try_get("first_failure_at").context("reading an outbox entry")?;
            Ok(OutboxEntry {
                seq: row.try_get("seq").context("reading an outbox entry")?,
                sink: row.try_get("sink").context("reading an outbox entry")?,
                event_id: format!("{message_id}:{event_seq}"),
                message_id,
                record: json(&record, "event record")?,
                attempts: row.try_get("attempts").context("reading an outbox entry")?,
                first_failure_at: first_failure_at.map(time_at).transpose()?,
                last_error: row.try_get("last_error").context("reading an outbox entry")?,
                created_at: time_at(row.try_get("created_at").context("reading an outbox entry")?)?,
            })
        }

        pub(super) fn audit_record_from_row(row: &$row) -> StoreResult<AuditRecord> {
            let what = "reading an audit record";
            let resources: String = row.try_get("resources").context(what)?;
            let resources = match json(&resources, "audit resources")? {
                serde_json::Value::Array(items) => {
                    items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => Vec::new(),
            };
            let parameters: Option<String> = row.try_get("request_parameters").context(what)?;
            let duration_ms: i64 = row.try_get("duration_ms").context(what)?;
            Ok(AuditRecord {
                seq: row.try_get("seq").context(what)?,
                event_time: time_at(row.try_get("event_time").context(what)?)?,
                request_id: row.try_get("request_id").context(what)?,
                account_id: row.try_get("account_id").context(what)?,
                principal: row.try_get("principal").context(what)?,
                region: row.try_get("region").context(what)?,
                source_ip: row.try_get("source_ip").context(what)?,
                user_agent: row.try_get("user_agent").context(what)?,
                api: row.try_get("api").context(what)?,
                operation: row.try_get("operation").context(what)?,
                resources,
                request_parameters: parameters.map(|text| json(&text, "audit request parameters")).transpose()?,
                error_code: row.try_get("error_code").context(what)?,
                error_message: row.try_get("error_message").context(what)?,
                duration_ms: u64::try_from(duration_ms).unwrap_or(0),
            })
        }
    };
}

pub(crate) use record_readers;
