//! The Pinpoint event stream: PutEventStream / GetEventStream / DeleteEventStream per app, and
//! the records that go to it: what apps report with PutEvents, and the outcome of every push
//! send (one `_push.send` record per address; see `push_send_record`). Records are stored with
//! the stream's ARN as their destination, so the event outbox delivers them to the sink the node
//! configuration maps that ARN to, like the SMS event destinations' records.
//!
//! The stream is kept in the app's settings document under `EventStream`.

use std::collections::BTreeMap;

use herald_api::pinpoint::types::{
    EndpointItemResponse, Event, EventItemResponse, EventStream, EventsBatch, EventsRequest, EventsResponse,
    ItemResponse, WriteEventStream,
};
use herald_proto::wire::format_iso8601;
use herald_proto::{ApiError, RequestContext};
use herald_store::{AppRecord, EventRecord};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::errors::{bad_request, convert, internal, not_found};
use crate::Core;

const STREAM_MEMBER: &str = "EventStream";
/// The envelope version of the records Herald writes.
const EVENT_VERSION: &str = "3.1";
/// PutEvents takes at most this many events in one request (the Pinpoint quota).
const MAX_EVENTS_PER_REQUEST: usize = 100;

/// Whether an ARN names a Kinesis data stream or a Firehose delivery stream, as the stream's
/// destination must.
fn is_stream_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && ((parts[2] == "kinesis" && parts[5].starts_with("stream/"))
            || (parts[2] == "firehose" && parts[5].starts_with("deliverystream/")))
        && parts[5].split_once('/').is_some_and(|(_, name)| !name.is_empty())
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5].starts_with("role/") && parts[5].len() > 5
}

fn stream_of(settings: &Value) -> Option<&Value> {
    settings.get(STREAM_MEMBER).filter(|stream| stream.is_object())
}

/// The ARN an app's records go to, when it has an event stream.
pub(crate) fn event_stream_arn(app: &AppRecord) -> Option<String> {
    stream_of(&app.settings)
        .and_then(|stream| stream.get("DestinationStreamArn"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Core {
    pub(crate) async fn put_event_stream(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        request: WriteEventStream,
    ) -> Result<EventStream, ApiError> {
        if !is_stream_arn(&request.destination_stream_arn) {
            return Err(bad_request(format!(
                "DestinationStreamArn {:?} is not the ARN of a Kinesis data stream or a Firehose delivery stream",
                request.destination_stream_arn
            )));
        }
        if !is_role_arn(&request.role_arn) {
            return Err(bad_request(format!("RoleArn {:?} is not the ARN of an IAM role", request.role_arn)));
        }
        let app = self.require_app(ctx, app_id).await?;
        let stream = json!({
            "ApplicationId": app_id,
            "DestinationStreamArn": request.destination_stream_arn,
            "RoleArn": request.role_arn,
            "LastModifiedDate": format_iso8601(OffsetDateTime::now_utc()),
            "LastUpdatedBy": format!("arn:aws:iam::{}:root", ctx.account_id),
        });
        let mut settings = match app.settings {
            Value::Object(members) => members,
            _ => Map::new(),
        };
        settings.insert(STREAM_MEMBER.into(), stream.clone());
        self.write_app_settings(ctx, app_id, settings).await?;
        convert(stream)
    }

    pub(crate) async fn get_event_stream(&self, ctx: &RequestContext, app_id: &str) -> Result<EventStream, ApiError> {
        let app = self.require_app(ctx, app_id).await?;
        let stream = stream_of(&app.settings).ok_or_else(|| not_found("Resource not found"))?;
        convert(stream)
    }

    pub(crate) async fn delete_event_stream(
        &self,
        ctx: &RequestContext,
        app_id: &str,
    ) -> Result<EventStream, ApiError> {
        let app = self.require_app(ctx, app_id).await?;
        let stream = stream_of(&app.settings).cloned().ok_or_else(|| not_found("Resource not found"))?;
        let mut settings = match app.settings {
            Value::Object(members) => members,
            _ => Map::new(),
        };
        settings.remove(STREAM_MEMBER);
        self.write_app_settings(ctx, app_id, settings).await?;
        convert(stream)
    }

    async fn write_app_settings(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        settings: Map<String, Value>,
    ) -> Result<(), ApiError> {
        let written = self
            .store
            .update_app_settings(&ctx.account_id, app_id, &Value::Object(settings))
            .await
            .map_err(internal)?;
        if written { Ok(()) } else { Err(not_found(format!("Application {app_id} not found"))) }
    }

    /// PutEvents: each event becomes an event stream record (when the app has a stream) and is
    /// answered 202 per endpoint and event.
    pub(crate) async fn put_events(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        request: EventsRequest,
    ) -> Result<EventsResponse, ApiError> {
        let count: usize = request.batch_item.values().map(|batch| batch.events.len()).sum();
        if count > MAX_EVENTS_PER_REQUEST {
            return Err(bad_request(format!(
                "The request has {count} events; PutEvents takes at most {MAX_EVENTS_PER_REQUEST}"
            )));
        }
        for (endpoint_id, batch) in &request.batch_item {
            if endpoint_id.is_empty() {
                return Err(bad_request("BatchItem keys (endpoint ids) must not be empty"));
            }
            for (event_id, event) in &batch.events {
                if event.event_type.trim().is_empty() {
                    return Err(bad_request(format!("Event {event_id} of endpoint {endpoint_id} has no EventType")));
                }
                parse_timestamp(&event.timestamp).map_err(|message| {
                    bad_request(format!("Event {event_id} of endpoint {endpoint_id}: Timestamp {message}"))
                })?;
            }
        }
        let stream = event_stream_arn(&self.require_app(ctx, app_id).await?);
        let arrival = OffsetDateTime::now_utc();
        let mut records = Vec::with_capacity(count);
        let mut results = BTreeMap::new();
        for (endpoint_id, batch) in &request.batch_item {
            let mut answers = BTreeMap::new();
            for (event_id, event) in &batch.events {
                if let Some(arn) = &stream {
                    let record = app_event_record(ctx, app_id, endpoint_id, batch, event, arrival)?;
                    records.push(stream_record(ctx, event_id, &event.event_type, record, arn, arrival));
                }
                answers.insert(
                    event_id.clone(),
                    EventItemResponse { message: Some("Accepted".into()), status_code: Some(202) },
                );
            }
            results.insert(
                endpoint_id.clone(),
                ItemResponse {
                    endpoint_item_response: Some(EndpointItemResponse {
                        message: Some("Accepted".into()),
                        status_code: Some(202),
                    }),
                    events_item_response: Some(answers),
                },
            );
        }
        if !records.is_empty() {
            self.store.append_events(&records).await.map_err(internal)?;
        }
        Ok(EventsResponse { results: Some(results) })
    }
}

/// Milliseconds since the epoch from an ISO 8601 timestamp.
fn parse_timestamp(text: &str) -> Result<i64, String> {
    let at = OffsetDateTime::parse(text, &time::format_description::well_known::Iso8601::DEFAULT)
        .map_err(|e| format!("{text:?} is not an ISO 8601 date and time: {e}"))?;
    Ok(millis(at))
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A stored record for the app's stream: the message id it is filed under is the request's
/// event id (PutEvents) or message id (sends), so its records stay in order.
fn stream_record(
    ctx: &RequestContext,
    filed_under: &str,
    event_type: &str,
    record: Value,
    arn: &str,
    at: OffsetDateTime,
) -> EventRecord {
    EventRecord {
        seq: 0,
        account_id: ctx.account_id.clone(),
        message_id: filed_under.to_string(),
        event_type: event_type.to_string(),
        destinations: vec![arn.to_string()],
        record,
        created_at: at,
    }
}

/// The Pinpoint event stream envelope of an event an app reported.
fn app_event_record(
    ctx: &RequestContext,
    app_id: &str,
    endpoint_id: &str,
    batch: &EventsBatch,
    event: &Event,
    arrival: OffsetDateTime,
) -> Result<Value, ApiError> {
    let endpoint = &batch.endpoint;
    let demographic = endpoint.demographic.as_ref();
    let text = |value: Option<&String>| value.map(|v| Value::from(v.as_str())).unwrap_or(Value::Null);
    let mut record = Map::new();
    record.insert("event_type".into(), json!(event.event_type));
    record.insert("event_timestamp".into(), json!(parse_timestamp(&event.timestamp).map_err(bad_request)?));
    record.insert("arrival_timestamp".into(), json!(millis(arrival)));
    record.insert("event_version".into(), json!(EVENT_VERSION));
    record.insert(
        "application".into(),
        json!({
            "app_id": app_id,
            "package_name": text(event.app_package_name.as_ref()),
            "title": text(event.app_title.as_ref()),
            "version_code": text(event.app_version_code.as_ref()),
            "sdk": {"name": text(event.sdk_name.as_ref()), "version": text(event.client_sdk_version.as_ref())},
        }),
    );
    record.insert("client".into(), json!({"client_id": endpoint_id}));
    record.insert(
        "device".into(),
        json!({
            "locale": text(demographic.and_then(|d| d.locale.as_ref())),
            "make": text(demographic.and_then(|d| d.make.as_ref())),
            "model": text(demographic.and_then(|d| d.model.as_ref())),
            "platform": {
                "name": text(demographic.and_then(|d| d.platform.as_ref())),
                "version": text(demographic.and_then(|d| d.platform_version.as_ref())),
            },
        }),
    );
    if let Some(session) = &event.session {
        let start = parse_timestamp(&session.start_timestamp).map_err(bad_request)?;
        let mut value = json!({"session_id": session.id, "start_timestamp": start});
        if let Some(stop) = &session.stop_timestamp {
            value["stop_timestamp"] = json!(parse_timestamp(stop).map_err(bad_request)?);
        }
        if let Some(duration) = session.duration {
            value["duration"] = json!(duration);
        }
        record.insert("session".into(), value);
    }
    record.insert("attributes".into(), json!(event.attributes.clone().unwrap_or_default()));
    record.insert("metrics".into(), json!(event.metrics.clone().unwrap_or_default()));
    record.insert("awsAccountId".into(), json!(ctx.account_id));
    Ok(Value::Object(record))
}

/// The record of one push send's outcome for one address: event type `_push.send`, with the
/// outcome in `attributes` (`delivery_status`, `status_code`, `status_message`, `channel_type`,
/// `message_id`, `request_id`, and the request's `trace_id`), the request's `Context` as
/// `context`, and the endpoint (if the send named one) as the client.
pub(crate) struct PushSendOutcome<'a> {
    pub address: &'a str,
    pub endpoint_id: Option<&'a str>,
    pub channel_type: &'a str,
    pub delivery_status: &'a str,
    pub status_code: i32,
    pub status_message: Option<&'a str>,
    pub message_id: Option<&'a str>,
    /// The request's TraceId and Context, echoed into the record.
    pub trace_id: Option<&'a str>,
    pub context: Option<&'a BTreeMap<String, String>>,
}

/// What a send request asks to be echoed into its records.
pub(crate) struct SendTrace<'a> {
    pub trace_id: Option<&'a str>,
    pub context: Option<&'a BTreeMap<String, String>>,
}

/// The event type of push send records.
pub(crate) const PUSH_SEND_EVENT: &str = "_push.send";

pub(crate) fn push_send_record(
    ctx: &RequestContext,
    app_id: &str,
    arn: &str,
    outcome: &PushSendOutcome<'_>,
    at: OffsetDateTime,
) -> EventRecord {
    let mut attributes = Map::new();
    attributes.insert("delivery_status".into(), json!(outcome.delivery_status));
    attributes.insert("status_code".into(), json!(outcome.status_code.to_string()));
    attributes.insert("channel_type".into(), json!(outcome.channel_type));
    attributes.insert("request_id".into(), json!(ctx.request_id));
    if let Some(message) = outcome.status_message {
        attributes.insert("status_message".into(), json!(message));
    }
    if let Some(id) = outcome.message_id {
        attributes.insert("message_id".into(), json!(id));
    }
    if let Some(trace_id) = outcome.trace_id {
        attributes.insert("trace_id".into(), json!(trace_id));
    }
    let mut record = json!({
        "event_type": PUSH_SEND_EVENT,
        "event_timestamp": millis(at),
        "arrival_timestamp": millis(at),
        "event_version": EVENT_VERSION,
        "application": {"app_id": app_id},
        "client": {"client_id": outcome.endpoint_id.unwrap_or(outcome.address)},
        "attributes": attributes,
        "metrics": {},
        "awsAccountId": ctx.account_id,
    });
    if let Some(context) = outcome.context {
        record["context"] = json!(context);
    }
    let filed_under = outcome.message_id.map(str::to_owned).unwrap_or_else(|| ctx.request_id.clone());
    stream_record(ctx, &filed_under, PUSH_SEND_EVENT, record, arn, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_and_role_arns_are_checked() {
        assert!(is_stream_arn("arn:aws:kinesis:us-east-1:111122223333:stream/pinpoint"));
        assert!(is_stream_arn("arn:aws:firehose:us-east-1:111122223333:deliverystream/pinpoint"));
        assert!(!is_stream_arn("arn:aws:sns:us-east-1:111122223333:topic"));
        assert!(!is_stream_arn("arn:aws:kinesis:us-east-1:111122223333:stream/"));
        assert!(!is_stream_arn("kinesis"));
        assert!(is_role_arn("arn:aws:iam::111122223333:role/pinpoint-events"));
        assert!(!is_role_arn("arn:aws:iam::111122223333:user/ada"));
    }

    #[test]
    fn timestamps_are_iso_8601() {
        assert_eq!(parse_timestamp("2024-01-02T03:04:05.678Z"), Ok(1_704_164_645_678));
        assert!(parse_timestamp("yesterday").is_err());
    }
}
