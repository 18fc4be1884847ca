//! What the store keeps, in Herald's own terms (not the wire DTOs).

use time::OffsetDateTime;

use crate::SealedSecret;

#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    /// 12 digits, as AWS account ids.
    pub id: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    pub account_id: String,
    /// The secret access key, sealed: the server needs it back to verify signatures.
    pub secret: SealedSecret,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRecord {
    pub account_id: String,
    /// 32 lowercase hex characters.
    pub id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// The application settings document, owned by the layer above.
    pub settings: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRecord {
    pub account_id: String,
    pub app_id: String,
    /// `APNS`, `APNS_SANDBOX`, `GCM`, ...
    pub kind: String,
    pub enabled: bool,
    /// Settings that are not secret, owned by the layer above.
    pub attributes: serde_json::Value,
    /// Provider credentials, sealed.
    pub credentials: Option<SealedSecret>,
    /// Starts at 1 and grows with every update.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A resource that can carry tags, by type and id within an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub resource_type: String,
    pub resource_id: String,
}

impl ResourceRef {
    pub fn new(resource_type: impl Into<String>, resource_id: impl Into<String>) -> Self {
        ResourceRef { resource_type: resource_type.into(), resource_id: resource_id.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag { key: key.into(), value: value.into() }
    }
}

/// A Pinpoint endpoint. The document is owned by the layer above; the other fields copy the
/// parts of it that the store selects on.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointRecord {
    pub account_id: String,
    pub app_id: String,
    pub id: String,
    pub channel_type: Option<String>,
    pub address: Option<String>,
    pub user_id: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    pub endpoint_status: String,
    /// `NONE` or `ALL`.
    pub opt_out: String,
    pub document: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A resource stored as a document: SMS and voice v2 pools, numbers, lists and the like.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRecord {
    pub account_id: String,
    pub resource_type: String,
    pub id: String,
    /// A second key, unique within the account and type (a configuration set's name, ...).
    pub name: Option<String>,
    /// The resource this one belongs to (a keyword's pool, an opted-out number's list, ...).
    pub parent_id: Option<String>,
    pub document: serde_json::Value,
    /// Starts at 1; every write must name the version it read.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One step of an atomic `write_resources`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceChange {
    /// Creates the resource (`expected_version: None`: it must not exist) or replaces the one
    /// still at `expected_version`.
    Put { record: ResourceRecord, expected_version: Option<i64> },
    /// Deletes the resource if it is still at `expected_version`.
    Delete { account_id: String, resource_type: String, id: String, expected_version: i64 },
}
