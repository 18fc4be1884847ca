//! Configuration sets: CreateConfigurationSet, DeleteConfigurationSet, DescribeConfigurationSets
//! and the set's defaults (message type, sender id, message feedback).
//!
//! A set's document is its whole `ConfigurationSetInformation`, `EventDestinations` included:
//! every event destination write rewrites the set document in the same atomic write, so the
//! document is always current and a sender reads one record. Each destination is also its own
//! "event-destination" resource (id "<set>/<name>", parent = the set's name), which keeps names
//! unique. The protect configuration association is the document's `ProtectConfigurationId`.

use herald_api::sms_voice_v2::types::{
    ConfigurationSetInformation, ConflictExceptionReason, CreateConfigurationSetRequest, CreateConfigurationSetResult,
    DeleteConfigurationSetRequest, DeleteConfigurationSetResult, DeleteDefaultMessageTypeRequest,
    DeleteDefaultMessageTypeResult, DeleteDefaultSenderIdRequest, DeleteDefaultSenderIdResult,
    DescribeConfigurationSetsRequest, DescribeConfigurationSetsResult, ResourceType,
    ServiceQuotaExceededExceptionReason, SetDefaultMessageFeedbackEnabledRequest,
    SetDefaultMessageFeedbackEnabledResult, SetDefaultMessageTypeRequest, SetDefaultMessageTypeResult,
    SetDefaultSenderIdRequest, SetDefaultSenderIdResult, Tag, ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, internal, invalid, quota, validation};
use super::ids::{arn, id_or_arn};
use super::listing::{Filter, filter, page};
use super::resources::{create, delete, new_record, update};
use crate::Core;

/// Describe* take at most this many explicit names or ids.
pub(super) const MAX_LOOKUPS: usize = 5;
/// A create repeated with the same `ClientToken` within this window answers the first result.
const CLIENT_TOKEN_WINDOW: Duration = Duration::hours(24);

/// A resource name of the model's `[A-Za-z0-9_-]+` pattern, 1 to 64 characters.
pub(super) fn check_name(field: &str, value: &str) -> Result<(), ApiError> {
    let valid =
        (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(invalid(field, "must be 1 to 64 letters, digits, underscores or hyphens")) }
}

/// The tag rules TagResource applies, checked before a create so a bad tag creates nothing.
pub(super) fn check_tags(tags: &[Tag]) -> Result<(), ApiError> {
    for tag in tags {
        if tag.key.is_empty() || tag.key.chars().count() > 128 || tag.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid("Tags", "keys must be 1 to 128 characters and not start with aws:"));
        }
        if tag.value.chars().count() > 256 {
            return Err(invalid("Tags", "values must be at most 256 characters"));
        }
    }
    Ok(())
}

/// The typed wire shape of a stored document; internal members are dropped.
pub(super) fn from_document<T: DeserializeOwned>(document: &Value) -> Result<T, ApiError> {
    serde_json::from_value(document.clone()).map_err(internal)
}

/// The document's members, for editing in place.
pub(super) fn members(document: &mut Value) -> Result<&mut Map<String, Value>, ApiError> {
    document.as_object_mut().ok_or_else(|| internal("stored resource document is not a JSON object"))
}

/// Whether `record` was created by a request with this `ClientToken` recently enough that a
/// repeat of that request should answer it again instead of failing.
pub(super) fn same_request(record: &ResourceRecord, client_token: Option<&str>) -> bool {
    let Some(token) = client_token else { return false };
    let stored = record.document.get("ClientToken").and_then(Value::as_str);
    stored == Some(token) && OffsetDateTime::now_utc() - record.created_at < CLIENT_TOKEN_WINDOW
}

/// Epoch seconds, the stored form of `Timestamp`.
pub(super) fn now_seconds() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A sender id of the model's pattern, 1 to 11 characters.
fn check_sender_id(value: &str) -> Result<(), ApiError> {
    let valid =
        (1..=11).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(invalid("SenderId", "must be 1 to 11 letters, digits, underscores or hyphens")) }
}

impl Core {
    /// The configuration set a `ConfigurationSetNameOrArn` names, or ResourceNotFoundException.
    pub(crate) async fn sms_configuration_set(
        &self,
        ctx: &RequestContext,
        name_or_arn: &str,
    ) -> Result<ResourceRecord, ApiError> {
        let name = id_or_arn(ctx, name_or_arn, ResourceType::ConfigurationSet)?;
        self.sms_get(ctx, ResourceType::ConfigurationSet, &name).await
    }

    /// Applies `change` to a set's document and stores it; answers the set before and after.
    async fn sms_change_configuration_set(
        &self,
        ctx: &RequestContext,
        name_or_arn: &str,
        change: impl FnOnce(&mut Map<String, Value>),
    ) -> Result<(ConfigurationSetInformation, ConfigurationSetInformation), ApiError> {
        let record = self.sms_configuration_set(ctx, name_or_arn).await?;
        let mut document = record.document.clone();
        change(members(&mut document)?);
        self.sms_write(&[update(&record, document.clone())], (ResourceType::ConfigurationSet, &record.id)).await?;
        Ok((from_document(&record.document)?, from_document(&document)?))
    }

    pub(crate) async fn sms_create_configuration_set(
        &self,
        ctx: &RequestContext,
        input: CreateConfigurationSetRequest,
    ) -> Result<CreateConfigurationSetResult, ApiError> {
        let name = input.configuration_set_name;
        check_name("ConfigurationSetName", &name)?;
        let tags = input.tags.unwrap_or_default();
        check_tags(&tags)?;
        if let Some(existing) = self.sms_find(ctx, ResourceType::ConfigurationSet, &name).await? {
            if same_request(&existing, input.client_token.as_deref()) {
                let info: ConfigurationSetInformation = from_document(&existing.document)?;
                let tags = self.sms_tags(ctx, ResourceType::ConfigurationSet, &name).await?;
                return Ok(CreateConfigurationSetResult {
                    configuration_set_arn: Some(info.configuration_set_arn),
                    configuration_set_name: Some(info.configuration_set_name),
                    created_timestamp: Some(info.created_timestamp),
                    tags: Some(tags),
                });
            }
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                ResourceType::ConfigurationSet,
                &name,
                format!("The configuration set {name} already exists"),
            ));
        }
        let limit = self.sms_quotas.configuration_sets;
        if self.sms_count(ctx, ResourceType::ConfigurationSet).await? >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::ConfigurationSetsPerAccount,
                format!("An account can have at most {limit} configuration sets"),
            ));
        }
        let mut document = json!({
            "ConfigurationSetArn": arn(ctx, ResourceType::ConfigurationSet, &name),
            "ConfigurationSetName": name,
            "EventDestinations": [],
            "DefaultMessageFeedbackEnabled": false,
            "CreatedTimestamp": now_seconds(),
        });
        if let Some(token) = &input.client_token {
            members(&mut document)?.insert("ClientToken".into(), json!(token));
        }
        let record = new_record(ctx, ResourceType::ConfigurationSet, &name, Some(&name), None, document);
        self.sms_write(&[create(record.clone())], (ResourceType::ConfigurationSet, &name)).await?;
        if let Err(error) = self.sms_tag(ctx, ResourceType::ConfigurationSet, &name, &tags).await {
            // A create that answers an error must leave nothing behind; if this cleanup fails
            // too, the caller still sees the tagging error, which is the one that matters.
            let _ = self.sms_write(&[delete(&record)], (ResourceType::ConfigurationSet, &name)).await;
            return Err(error);
        }
        let info: ConfigurationSetInformation = from_document(&record.document)?;
        Ok(CreateConfigurationSetResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            created_timestamp: Some(info.created_timestamp),
            tags: Some(tags),
        })
    }

    /// Deletes the set and its event destinations in one write, and answers what it deleted.
    pub(crate) async fn sms_delete_configuration_set(
        &self,
        ctx: &RequestContext,
        input: DeleteConfigurationSetRequest,
    ) -> Result<DeleteConfigurationSetResult, ApiError> {
        let record = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        let destinations = self.sms_list(ctx, ResourceType::EventDestination, Some(&record.id)).await?;
        let mut changes = vec![delete(&record)];
        changes.extend(destinations.iter().map(delete));
        self.sms_write(&changes, (ResourceType::ConfigurationSet, &record.id)).await?;
        self.sms_drop_tags(ctx, ResourceType::ConfigurationSet, &record.id).await?;
        let info: ConfigurationSetInformation = from_document(&record.document)?;
        Ok(DeleteConfigurationSetResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            created_timestamp: Some(info.created_timestamp),
            default_message_feedback_enabled: info.default_message_feedback_enabled,
            default_message_type: info.default_message_type,
            default_sender_id: info.default_sender_id,
            event_destinations: Some(info.event_destinations),
        })
    }

    pub(crate) async fn sms_describe_configuration_sets(
        &self,
        ctx: &RequestContext,
        input: DescribeConfigurationSetsRequest,
    ) -> Result<DescribeConfigurationSetsResult, ApiError> {
        let names = input.configuration_set_names.unwrap_or_default();
        if names.len() > MAX_LOOKUPS {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!("At most {MAX_LOOKUPS} configuration set names can be given"),
                &[("ConfigurationSetNames", "too many values")],
            ));
        }
        let records = if names.is_empty() {
            self.sms_list(ctx, ResourceType::ConfigurationSet, None).await?
        } else {
            let mut records: Vec<ResourceRecord> = Vec::with_capacity(names.len());
            for name in &names {
                let record = self.sms_configuration_set(ctx, name).await?;
                if !records.iter().any(|r| r.id == record.id) {
                    records.push(record);
                }
            }
            records
        };
        // Filters on event destinations test every destination of the set, so each set is
        // matched through a view that lists its destinations' names and event types.
        let views: Vec<Value> = records.iter().map(|record| filter_view(&record.document)).collect();
        let filters = input.filters.unwrap_or_default();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let fields = [
            ("event-destination-name", "EventDestinationNames"),
            ("matching-event-types", "AllMatchingEventTypes"),
            ("default-message-type", "DefaultMessageType"),
            ("default-sender-id", "DefaultSenderId"),
            ("default-message-feedback-enabled", "DefaultMessageFeedbackEnabled"),
            ("protect-configuration-id", "ProtectConfigurationId"),
        ];
        let kept = filter(views, &filters, &fields)?;
        let (kept, next_token) = page(kept, input.max_results, input.next_token.as_deref())?;
        let configuration_sets =
            kept.iter().map(from_document::<ConfigurationSetInformation>).collect::<Result<Vec<_>, _>>()?;
        Ok(DescribeConfigurationSetsResult { configuration_sets: Some(configuration_sets), next_token })
    }

    pub(crate) async fn sms_set_default_message_type(
        &self,
        ctx: &RequestContext,
        input: SetDefaultMessageTypeRequest,
    ) -> Result<SetDefaultMessageTypeResult, ApiError> {
        let message_type = input.message_type;
        let (_, info) = self
            .sms_change_configuration_set(ctx, &input.configuration_set_name, |set| {
                set.insert("DefaultMessageType".into(), json!(message_type));
            })
            .await?;
        Ok(SetDefaultMessageTypeResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            message_type: info.default_message_type,
        })
    }

    /// Answers the message type it removed.
    pub(crate) async fn sms_delete_default_message_type(
        &self,
        ctx: &RequestContext,
        input: DeleteDefaultMessageTypeRequest,
    ) -> Result<DeleteDefaultMessageTypeResult, ApiError> {
        let (before, info) = self
            .sms_change_configuration_set(ctx, &input.configuration_set_name, |set| {
                set.remove("DefaultMessageType");
            })
            .await?;
        Ok(DeleteDefaultMessageTypeResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            message_type: before.default_message_type,
        })
    }

    pub(crate) async fn sms_set_default_sender_id(
        &self,
        ctx: &RequestContext,
        input: SetDefaultSenderIdRequest,
    ) -> Result<SetDefaultSenderIdResult, ApiError> {
        check_sender_id(&input.sender_id)?;
        let sender_id = input.sender_id;
        let (_, info) = self
            .sms_change_configuration_set(ctx, &input.configuration_set_name, |set| {
                set.insert("DefaultSenderId".into(), json!(sender_id));
            })
            .await?;
        Ok(SetDefaultSenderIdResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            sender_id: info.default_sender_id,
        })
    }

    /// Answers the sender id it removed.
    pub(crate) async fn sms_delete_default_sender_id(
        &self,
        ctx: &RequestContext,
        input: DeleteDefaultSenderIdRequest,
    ) -> Result<DeleteDefaultSenderIdResult, ApiError> {
        let (before, info) = self
            .sms_change_configuration_set(ctx, &input.configuration_set_name, |set| {
                set.remove("DefaultSenderId");
            })
            .await?;
        Ok(DeleteDefaultSenderIdResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            sender_id: before.default_sender_id,
        })
    }

    pub(crate) async fn sms_set_default_message_feedback_enabled(
        &self,
        ctx: &RequestContext,
        input: SetDefaultMessageFeedbackEnabledRequest,
    ) -> Result<SetDefaultMessageFeedbackEnabledResult, ApiError> {
        let enabled = input.message_feedback_enabled;
        let (_, info) = self
            .sms_change_configuration_set(ctx, &input.configuration_set_name, |set| {
                set.insert("DefaultMessageFeedbackEnabled".into(), json!(enabled));
            })
            .await?;
        Ok(SetDefaultMessageFeedbackEnabledResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            message_feedback_enabled: info.default_message_feedback_enabled,
        })
    }
}

/// The set's document plus the names and event types of all its destinations, for filtering.
fn filter_view(document: &Value) -> Value {
    let mut view = document.clone();
    let destinations = document.get("EventDestinations").and_then(Value::as_array).cloned().unwrap_or_default();
    let names: Vec<Value> = destinations.iter().filter_map(|d| d.get("EventDestinationName").cloned()).collect();
    let types: Vec<Value> = destinations
        .iter()
        .filter_map(|d| d.get("MatchingEventTypes").and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect();
    if let Some(members) = view.as_object_mut() {
        members.insert("EventDestinationNames".into(), Value::Array(names));
        members.insert("AllMatchingEventTypes".into(), Value::Array(types));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_pattern() {
        assert!(check_name("N", "my-set_1").is_ok());
        assert!(check_name("N", "").is_err());
        assert!(check_name("N", &"a".repeat(65)).is_err());
        assert!(check_name("N", "bad name").is_err());
        assert!(check_sender_id("MYBRAND").is_ok());
        assert!(check_sender_id("TOO-LONG-SENDER").is_err());
    }

    #[test]
    fn the_filter_view_lists_every_destination() {
        let document = json!({
            "ConfigurationSetName": "s",
            "EventDestinations": [
                {"EventDestinationName": "a", "MatchingEventTypes": ["TEXT_ALL"]},
                {"EventDestinationName": "b", "MatchingEventTypes": ["VOICE_ALL", "MEDIA_ALL"]}
            ]
        });
        let view = filter_view(&document);
        assert_eq!(view["EventDestinationNames"], json!(["a", "b"]));
        assert_eq!(view["AllMatchingEventTypes"], json!(["TEXT_ALL", "VOICE_ALL", "MEDIA_ALL"]));
    }
}
