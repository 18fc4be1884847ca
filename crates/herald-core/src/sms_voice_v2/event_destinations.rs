//! Event destinations of a configuration set: CreateEventDestination, UpdateEventDestination and
//! DeleteEventDestination. The CloudWatch Logs, Firehose and SNS shapes are stored as given;
//! delivering events to them is the events engine's business.
//!
//! Every change writes the destination's own record and the set's document (whose
//! `EventDestinations` mirrors them) in one atomic write. Because the set's version moves with
//! every change, two racing creates cannot both slip under the five-destination quota, and a
//! destination cannot be added to a set being deleted.

use herald_api::sms_voice_v2::types::{
    ConfigurationSetInformation, ConflictExceptionReason, CreateEventDestinationRequest, CreateEventDestinationResult,
    DeleteEventDestinationRequest, DeleteEventDestinationResult, EventDestination, EventType, ResourceType,
    ServiceQuotaExceededExceptionReason, UpdateEventDestinationRequest, UpdateEventDestinationResult,
    ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::{Value, json};

use super::configuration_sets::{check_name, from_document, members, same_request};
use super::errors::{conflict, internal, invalid, not_found, quota, validation};
use super::resources::{create, delete, new_record, update};
use crate::Core;

/// Which of the three destination kinds a request or a stored destination uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CloudWatchLogs,
    KinesisFirehose,
    Sns,
}

impl Kind {
    fn member(self) -> &'static str {
        match self {
            Kind::CloudWatchLogs => "CloudWatchLogsDestination",
            Kind::KinesisFirehose => "KinesisFirehoseDestination",
            Kind::Sns => "SnsDestination",
        }
    }
}

/// The destination kinds a destination (or an update) sets.
fn kinds(destination: &EventDestination) -> Vec<Kind> {
    let mut kinds = Vec::new();
    if destination.cloud_watch_logs_destination.is_some() {
        kinds.push(Kind::CloudWatchLogs);
    }
    if destination.kinesis_firehose_destination.is_some() {
        kinds.push(Kind::KinesisFirehose);
    }
    if destination.sns_destination.is_some() {
        kinds.push(Kind::Sns);
    }
    kinds
}

/// An ARN of the model's shape (20 to 2048 characters, `arn:` and no whitespace) that has the
/// six parts of an ARN: `arn:partition:service:region:account:resource`.
fn check_arn(field: &str, value: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let valid = (20..=2048).contains(&value.len())
        && !value.chars().any(char::is_whitespace)
        && parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty();
    if valid {
        Ok(())
    } else {
        Err(validation(
            ValidationExceptionReason::InvalidArn,
            format!("{field} {value} is not a valid ARN"),
            &[(field, "is not a valid ARN")],
        ))
    }
}

/// Checks the ARNs of whichever destination shapes are present.
fn check_destination_arns(destination: &EventDestination) -> Result<(), ApiError> {
    if let Some(cloud_watch) = &destination.cloud_watch_logs_destination {
        check_arn("CloudWatchLogsDestination.IamRoleArn", &cloud_watch.iam_role_arn)?;
        check_arn("CloudWatchLogsDestination.LogGroupArn", &cloud_watch.log_group_arn)?;
    }
    if let Some(firehose) = &destination.kinesis_firehose_destination {
        check_arn("KinesisFirehoseDestination.IamRoleArn", &firehose.iam_role_arn)?;
        check_arn("KinesisFirehoseDestination.DeliveryStreamArn", &firehose.delivery_stream_arn)?;
    }
    if let Some(sns) = &destination.sns_destination {
        check_arn("SnsDestination.TopicArn", &sns.topic_arn)?;
    }
    Ok(())
}

/// At least one event type, none of them TEXT_SENT (the model says it is not supported);
/// repeats are dropped, order kept.
fn check_event_types(types: &[EventType]) -> Result<Vec<EventType>, ApiError> {
    if types.is_empty() {
        return Err(invalid("MatchingEventTypes", "must list at least one event type"));
    }
    if types.contains(&EventType::TextSent) {
        return Err(invalid("MatchingEventTypes", "TEXT_SENT is not supported"));
    }
    let mut unique = Vec::with_capacity(types.len());
    for event_type in types {
        if !unique.contains(event_type) {
            unique.push(*event_type);
        }
    }
    Ok(unique)
}

/// Exactly one destination shape, or the validation error naming the problem.
fn check_one_kind(destination: &EventDestination) -> Result<Kind, ApiError> {
    match kinds(destination).as_slice() {
        [kind] => Ok(*kind),
        [] => Err(validation(
            ValidationExceptionReason::MissingParameter,
            "One of CloudWatchLogsDestination, KinesisFirehoseDestination or SnsDestination is required",
            &[
                ("CloudWatchLogsDestination", "one destination is required"),
                ("KinesisFirehoseDestination", "one destination is required"),
                ("SnsDestination", "one destination is required"),
            ],
        )),
        _ => Err(too_many_kinds()),
    }
}

fn too_many_kinds() -> ApiError {
    validation(
        ValidationExceptionReason::ParametersCannotBeUsedTogether,
        "Only one of CloudWatchLogsDestination, KinesisFirehoseDestination or SnsDestination can be given",
        &[("EventDestination", "only one destination can be given")],
    )
}

/// The store id of a set's destination.
fn destination_id(set: &str, name: &str) -> String {
    format!("{set}/{name}")
}

/// The set's document with `EventDestinations` replaced.
fn with_destinations(set: &ResourceRecord, destinations: &[EventDestination]) -> Result<Value, ApiError> {
    let mut document = set.document.clone();
    members(&mut document)?.insert("EventDestinations".into(), serde_json::to_value(destinations).map_err(internal)?);
    Ok(document)
}

impl Core {
    /// A set's destination record, or ResourceNotFoundException naming the destination.
    async fn sms_event_destination(
        &self,
        ctx: &RequestContext,
        set: &str,
        name: &str,
    ) -> Result<ResourceRecord, ApiError> {
        self.sms_find(ctx, ResourceType::EventDestination, &destination_id(set, name))
            .await?
            .ok_or_else(|| not_found(ResourceType::EventDestination, name))
    }

    pub(crate) async fn sms_create_event_destination(
        &self,
        ctx: &RequestContext,
        input: CreateEventDestinationRequest,
    ) -> Result<CreateEventDestinationResult, ApiError> {
        let set = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        let name = input.event_destination_name;
        check_name("EventDestinationName", &name)?;
        let destination = EventDestination {
            event_destination_name: name.clone(),
            enabled: true,
            matching_event_types: check_event_types(&input.matching_event_types)?,
            cloud_watch_logs_destination: input.cloud_watch_logs_destination,
            kinesis_firehose_destination: input.kinesis_firehose_destination,
            sns_destination: input.sns_destination,
        };
        check_one_kind(&destination)?;
        check_destination_arns(&destination)?;

        let info: ConfigurationSetInformation = from_document(&set.document)?;
        let id = destination_id(&set.id, &name);
        if let Some(existing) = self.sms_find(ctx, ResourceType::EventDestination, &id).await? {
            if same_request(&existing, input.client_token.as_deref()) {
                return Ok(CreateEventDestinationResult {
                    configuration_set_arn: Some(info.configuration_set_arn),
                    configuration_set_name: Some(info.configuration_set_name),
                    event_destination: Some(from_document(&existing.document)?),
                });
            }
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                ResourceType::EventDestination,
                &name,
                format!("The configuration set {} already has an event destination {name}", set.id),
            ));
        }
        let limit = self.sms_quotas.event_destinations_per_configuration_set;
        if info.event_destinations.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::EventDestinationsPerConfigurationSet,
                format!("A configuration set can have at most {limit} event destinations"),
            ));
        }

        let mut document = serde_json::to_value(&destination).map_err(internal)?;
        if let Some(token) = &input.client_token {
            members(&mut document)?.insert("ClientToken".into(), json!(token));
        }
        let record = new_record(ctx, ResourceType::EventDestination, &id, None, Some(&set.id), document);
        let mut destinations = info.event_destinations;
        destinations.push(destination.clone());
        let set_document = with_destinations(&set, &destinations)?;
        self.sms_write(&[create(record), update(&set, set_document)], (ResourceType::EventDestination, &name)).await?;
        Ok(CreateEventDestinationResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            event_destination: Some(destination),
        })
    }

    /// Changes what the request gives; the destination's kind (CloudWatch Logs, Firehose or
    /// SNS) cannot change.
    pub(crate) async fn sms_update_event_destination(
        &self,
        ctx: &RequestContext,
        input: UpdateEventDestinationRequest,
    ) -> Result<UpdateEventDestinationResult, ApiError> {
        let set = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        let name = input.event_destination_name;
        let record = self.sms_event_destination(ctx, &set.id, &name).await?;
        let mut destination: EventDestination = from_document(&record.document)?;

        let given = EventDestination {
            event_destination_name: name.clone(),
            enabled: true,
            matching_event_types: Vec::new(),
            cloud_watch_logs_destination: input.cloud_watch_logs_destination,
            kinesis_firehose_destination: input.kinesis_firehose_destination,
            sns_destination: input.sns_destination,
        };
        match kinds(&given).as_slice() {
            [] => {}
            [kind] => {
                if kinds(&destination).first() != Some(kind) {
                    return Err(conflict(
                        ConflictExceptionReason::EventDestinationMismatch,
                        ResourceType::EventDestination,
                        &name,
                        format!("The event destination {name} is not a {} and cannot become one", kind.member()),
                    ));
                }
                check_destination_arns(&given)?;
                destination.cloud_watch_logs_destination = given.cloud_watch_logs_destination;
                destination.kinesis_firehose_destination = given.kinesis_firehose_destination;
                destination.sns_destination = given.sns_destination;
            }
            _ => return Err(too_many_kinds()),
        }
        if let Some(enabled) = input.enabled {
            destination.enabled = enabled;
        }
        if let Some(types) = &input.matching_event_types {
            destination.matching_event_types = check_event_types(types)?;
        }

        let mut document = record.document.clone();
        let fresh = serde_json::to_value(&destination).map_err(internal)?;
        let stored = members(&mut document)?;
        for kind in [Kind::CloudWatchLogs, Kind::KinesisFirehose, Kind::Sns] {
            stored.remove(kind.member());
        }
        if let Value::Object(fresh) = fresh {
            stored.extend(fresh);
        }
        let mut info: ConfigurationSetInformation = from_document(&set.document)?;
        for existing in &mut info.event_destinations {
            if existing.event_destination_name == name {
                *existing = destination.clone();
            }
        }
        let set_document = with_destinations(&set, &info.event_destinations)?;
        self.sms_write(
            &[update(&record, document), update(&set, set_document)],
            (ResourceType::EventDestination, &name),
        )
        .await?;
        Ok(UpdateEventDestinationResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            event_destination: Some(destination),
        })
    }

    /// Deletes the destination and answers it.
    pub(crate) async fn sms_delete_event_destination(
        &self,
        ctx: &RequestContext,
        input: DeleteEventDestinationRequest,
    ) -> Result<DeleteEventDestinationResult, ApiError> {
        let set = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        let name = input.event_destination_name;
        let record = self.sms_event_destination(ctx, &set.id, &name).await?;
        let destination: EventDestination = from_document(&record.document)?;
        let mut info: ConfigurationSetInformation = from_document(&set.document)?;
        info.event_destinations.retain(|existing| existing.event_destination_name != name);
        let set_document = with_destinations(&set, &info.event_destinations)?;
        self.sms_write(&[delete(&record), update(&set, set_document)], (ResourceType::EventDestination, &name)).await?;
        Ok(DeleteEventDestinationResult {
            configuration_set_arn: Some(info.configuration_set_arn),
            configuration_set_name: Some(info.configuration_set_name),
            event_destination: Some(destination),
        })
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::{CloudWatchLogsDestination, SnsDestination};

    use super::*;

    fn destination() -> EventDestination {
        EventDestination {
            event_destination_name: "d".into(),
            enabled: true,
            matching_event_types: vec![EventType::All],
            cloud_watch_logs_destination: None,
            kinesis_firehose_destination: None,
            sns_destination: None,
        }
    }

    #[test]
    fn exactly_one_destination_kind() {
        assert!(check_one_kind(&destination()).is_err());
        let mut sns = destination();
        sns.sns_destination = Some(SnsDestination { topic_arn: "arn:aws:sns:us-east-1:111122223333:events".into() });
        assert_eq!(check_one_kind(&sns).expect("one kind"), Kind::Sns);
        let mut both = sns.clone();
        both.cloud_watch_logs_destination = Some(CloudWatchLogsDestination {
            iam_role_arn: "arn:aws:iam::111122223333:role/r".into(),
            log_group_arn: "arn:aws:logs:us-east-1:111122223333:log-group:g".into(),
        });
        assert!(check_one_kind(&both).is_err());
        assert!(check_destination_arns(&both).is_ok());
    }

    #[test]
    fn arns_must_look_like_arns() {
        assert!(check_arn("F", "arn:aws:sns:us-east-1:111122223333:topic").is_ok());
        assert!(check_arn("F", "arn:aws:iam::111122223333:role/r").is_ok());
        for bad in
            ["not-an-arn-but-long-enough", "arn:aws:sns", "arn:aws:sns:us-east-1:1:", "arn:aws:sns:us-east-1:1: t x"]
        {
            assert!(check_arn("F", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_types_are_deduplicated_and_text_sent_refused() {
        let types = check_event_types(&[EventType::TextAll, EventType::All, EventType::TextAll]).expect("valid");
        assert_eq!(types, vec![EventType::TextAll, EventType::All]);
        assert!(check_event_types(&[]).is_err());
        assert!(check_event_types(&[EventType::TextSent]).is_err());
    }
}
