//! SMS and voice v2 resources on the store's document resources. A document holds the
//! resource's wire shape (PoolInformation, PhoneNumberInformation, ...): Describe* answers it as
//! stored, and converting it to the typed shape drops any internal member.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, ResourceType, ServiceQuotaExceededExceptionReason, Tag,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord, ResourceRef, StoreError, Tag as StoredTag};
use serde_json::Value;
use time::OffsetDateTime;

use super::errors::{conflict, internal, not_found, quota};
use crate::Core;

/// At most this many tags on one resource, as AWS allows.
const MAX_TAGS: usize = 50;

/// A new resource at version 1.
pub fn new_record(
    ctx: &RequestContext,
    kind: ResourceType,
    id: &str,
    name: Option<&str>,
    parent: Option<&str>,
    document: Value,
) -> ResourceRecord {
    let now = OffsetDateTime::now_utc();
    ResourceRecord {
        account_id: ctx.account_id.clone(),
        resource_type: kind.as_str().to_string(),
        id: id.to_string(),
        name: name.map(str::to_owned),
        parent_id: parent.map(str::to_owned),
        document,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Creates `record`; it must not exist yet.
pub fn create(record: ResourceRecord) -> ResourceChange {
    ResourceChange::Put { record, expected_version: None }
}

/// Replaces `record`'s document, if nobody changed it since it was read.
pub fn update(record: &ResourceRecord, document: Value) -> ResourceChange {
    let mut next = record.clone();
    next.document = document;
    next.version = record.version + 1;
    next.updated_at = OffsetDateTime::now_utc();
    ResourceChange::Put { record: next, expected_version: Some(record.version) }
}

pub fn delete(record: &ResourceRecord) -> ResourceChange {
    ResourceChange::Delete {
        account_id: record.account_id.clone(),
        resource_type: record.resource_type.clone(),
        id: record.id.clone(),
        expected_version: record.version,
    }
}

/// Whether the document has deletion protection on.
pub fn deletion_protected(document: &Value) -> bool {
    document.get("DeletionProtectionEnabled").and_then(Value::as_bool).unwrap_or(false)
}

impl Core {
    pub(crate) async fn sms_find(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        id: &str,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        self.store.get_resource(&ctx.account_id, kind.as_str(), id).await.map_err(internal)
    }

    /// The resource, or ResourceNotFoundException naming it.
    pub(crate) async fn sms_get(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        id: &str,
    ) -> Result<ResourceRecord, ApiError> {
        self.sms_find(ctx, kind, id).await?.ok_or_else(|| not_found(kind, id))
    }

    pub(crate) async fn sms_find_by_name(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        name: &str,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        self.store.find_resource_by_name(&ctx.account_id, kind.as_str(), name).await.map_err(internal)
    }

    pub(crate) async fn sms_list(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        parent: Option<&str>,
    ) -> Result<Vec<ResourceRecord>, ApiError> {
        self.store.list_resources(&ctx.account_id, kind.as_str(), parent).await.map_err(internal)
    }

    pub(crate) async fn sms_count(&self, ctx: &RequestContext, kind: ResourceType) -> Result<u64, ApiError> {
        self.store.count_resources(&ctx.account_id, kind.as_str()).await.map_err(internal)
    }

    /// Writes all changes or none. A lost race or a taken name is a ConflictException about
    /// `subject`.
    pub(crate) async fn sms_write(
        &self,
        changes: &[ResourceChange],
        subject: (ResourceType, &str),
    ) -> Result<(), ApiError> {
        match self.store.write_resources(changes).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(detail)) => Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                subject.0,
                subject.1,
                format!("The {} {} conflicts with another resource or request: {detail}", subject.0, subject.1),
            )),
            Err(error) => Err(internal(error)),
        }
    }

    /// Adds or overwrites tags on a resource, within the per-resource quota.
    pub(crate) async fn sms_tag(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        id: &str,
        tags: &[Tag],
    ) -> Result<(), ApiError> {
        if tags.is_empty() {
            return Ok(());
        }
        let resource = ResourceRef::new(kind.as_str(), id);
        let existing = self.store.list_tags(&ctx.account_id, &resource).await.map_err(internal)?;
        let added = tags.iter().filter(|t| !existing.iter().any(|e| e.key == t.key)).count();
        if existing.len() + added > MAX_TAGS {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::TagsPerResource,
                format!("A resource can have at most {MAX_TAGS} tags"),
            ));
        }
        let tags: Vec<StoredTag> = tags.iter().map(|t| StoredTag::new(&t.key, &t.value)).collect();
        self.store.tag_resource(&ctx.account_id, &resource, &tags).await.map_err(internal)
    }

    pub(crate) async fn sms_tags(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        id: &str,
    ) -> Result<Vec<Tag>, ApiError> {
        let tags =
            self.store.list_tags(&ctx.account_id, &ResourceRef::new(kind.as_str(), id)).await.map_err(internal)?;
        Ok(tags.into_iter().map(|t| Tag { key: t.key, value: t.value }).collect())
    }

    /// Removes every tag of a deleted resource.
    pub(crate) async fn sms_drop_tags(
        &self,
        ctx: &RequestContext,
        kind: ResourceType,
        id: &str,
    ) -> Result<(), ApiError> {
        let resource = ResourceRef::new(kind.as_str(), id);
        let keys: Vec<String> = self
            .store
            .list_tags(&ctx.account_id, &resource)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|t| t.key)
            .collect();
        self.store.untag_resource(&ctx.account_id, &resource, &keys).await.map_err(internal)
    }
}
