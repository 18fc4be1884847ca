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
    };
}

pub(crate) use record_readers;
