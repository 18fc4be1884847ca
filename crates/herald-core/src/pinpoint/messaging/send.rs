//! The send operations: targets in, one result per target out.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::StreamExt;
use herald_api::pinpoint::types::{
    DeliveryStatus as WireStatus, DirectMessageConfiguration, EndpointMessageResult, EndpointSendConfiguration,
    MessageRequest, MessageResponse, MessageResult, SendUsersMessageRequest, SendUsersMessageResponse,
};
use herald_proto::{ApiError, RequestContext};
use herald_push::payload::{adm, apns, baidu, fcm};
use herald_push::{DeliveryResult, DeliveryStatus};
use herald_store::{ChannelRecord, EndpointRecord};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::message::{Overrides, preferred_authentication, push_message};
use super::providers::Provider;
use super::retry::{wire_status, with_retries};
use super::send_metrics::{count_send, timed};
use crate::Core;
use crate::pinpoint::PushChannel;
use crate::pinpoint::errors::{bad_request, internal};
use crate::pinpoint::event_stream::{PushSendOutcome, SendTrace, event_stream_arn, push_send_record};

/// Whom one result is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TargetKey {
    Address(String),
    Endpoint { user_id: Option<String>, endpoint_id: String },
}

/// One delivery to make, or a result already decided before any provider is asked.
struct Target {
    key: TargetKey,
    address: Option<String>,
    channel_type: Option<String>,
    overrides: Overrides,
    endpoint: Option<Value>,
    decided: Option<Reported>,
}

/// A result as the API reports it: from a provider, or decided by Herald before any provider
/// was asked (opted out, duplicate, channel missing, ...).
struct Reported {
    status: WireStatus,
    status_code: i32,
    message: String,
    message_id: Option<String>,
    updated_token: Option<String>,
    token_invalid: bool,
}

impl From<DeliveryResult> for Reported {
    fn from(result: DeliveryResult) -> Self {
        let (status, message) = wire_status(&result);
        Reported {
            status: WireStatus::from_wire(status).unwrap_or(WireStatus::UnknownFailure),
            status_code: i32::from(result.status_code),
            message,
            message_id: result.message_id,
            updated_token: result.updated_token,
            token_invalid: result.token_invalid,
        }
    }
}

fn refused(status: WireStatus, status_code: i32, message: impl Into<String>) -> Reported {
    Reported {
        status,
        status_code,
        message: message.into(),
        message_id: None,
        updated_token: None,
        token_invalid: false,
    }
}

/// One target's result.
struct Outcome {
    key: TargetKey,
    address: Option<String>,
    channel_type: Option<String>,
    reported: Reported,
}

fn overrides(configuration: Option<&EndpointSendConfiguration>) -> Overrides {
    configuration.map_or_else(Overrides::default, |c| Overrides {
        body: c.body_override.clone(),
        title: c.title_override.clone(),
        raw_content: c.raw_content.clone(),
        substitutions: c.substitutions.clone(),
    })
}

impl Core {
    pub(crate) async fn send_messages(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        request: MessageRequest,
    ) -> Result<MessageResponse, ApiError> {
        let stream = event_stream_arn(&self.require_app(ctx, app_id).await?);
        let addresses = request.addresses.unwrap_or_default();
        let endpoint_configs = request.endpoints.unwrap_or_default();
        if addresses.is_empty() && endpoint_configs.is_empty() {
            return Err(bad_request("A MessageRequest needs Addresses or Endpoints"));
        }
        let mut targets: Vec<Target> = addresses
            .iter()
            .map(|(address, config)| Target {
                key: TargetKey::Address(address.clone()),
                address: Some(address.clone()),
                channel_type: config.channel_type.map(|c| c.as_str().to_string()),
                overrides: Overrides {
                    body: config.body_override.clone(),
                    title: config.title_override.clone(),
                    raw_content: config.raw_content.clone(),
                    substitutions: config.substitutions.clone(),
                },
                endpoint: None,
                decided: config
                    .channel_type
                    .is_none()
                    .then(|| refused(WireStatus::PermanentFailure, 400, "ChannelType is required for each address")),
            })
            .collect();
        let ids: Vec<String> = endpoint_configs.keys().cloned().collect();
        let records = self.store.get_endpoints(&ctx.account_id, app_id, &ids).await.map_err(internal)?;
        let records: HashMap<&str, &EndpointRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
        for (id, config) in &endpoint_configs {
            targets.push(endpoint_target(None, id, records.get(id.as_str()).copied(), overrides(Some(config))));
        }

        let results = self.deliver_all(ctx, app_id, &request.message_configuration, targets).await?;
        let trace = SendTrace { trace_id: request.trace_id.as_deref(), context: request.context.as_ref() };
        self.stream_send_outcomes(ctx, app_id, stream.as_deref(), &trace, &results).await?;
        let mut response = MessageResponse {
            application_id: app_id.to_string(),
            endpoint_result: None,
            request_id: Some(ctx.request_id.clone()),
            result: None,
        };
        for outcome in results {
            match outcome.key {
                TargetKey::Address(address) => {
                    response
                        .result
                        .get_or_insert_with(BTreeMap::new)
                        .insert(address, message_result(&outcome.reported));
                }
                TargetKey::Endpoint { endpoint_id, .. } => {
                    let result = endpoint_message_result(outcome.address, &outcome.reported);
                    response.endpoint_result.get_or_insert_with(BTreeMap::new).insert(endpoint_id, result);
                }
            }
        }
        Ok(response)
    }

    pub(crate) async fn send_users_messages(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        request: SendUsersMessageRequest,
    ) -> Result<SendUsersMessageResponse, ApiError> {
        let stream = event_stream_arn(&self.require_app(ctx, app_id).await?);
        if request.users.is_empty() {
            return Err(bad_request("Users must name at least one user"));
        }
        let mut targets = Vec::new();
        let mut users_endpoints = Vec::new();
        for user_id in request.users.keys() {
            let endpoints = self.store.user_endpoints(&ctx.account_id, app_id, user_id).await.map_err(internal)?;
            users_endpoints.push((user_id.clone(), endpoints));
        }
        for (user_id, endpoints) in &users_endpoints {
            let config = request.users.get(user_id);
            for endpoint in endpoints {
                targets.push(endpoint_target(Some(user_id.clone()), &endpoint.id, Some(endpoint), overrides(config)));
            }
        }
        let results = self.deliver_all(ctx, app_id, &request.message_configuration, targets).await?;
        let trace = SendTrace { trace_id: request.trace_id.as_deref(), context: request.context.as_ref() };
        self.stream_send_outcomes(ctx, app_id, stream.as_deref(), &trace, &results).await?;
        let mut by_user: BTreeMap<String, BTreeMap<String, EndpointMessageResult>> =
            request.users.keys().map(|user| (user.clone(), BTreeMap::new())).collect();
        for outcome in results {
            if let TargetKey::Endpoint { user_id: Some(user_id), endpoint_id } = outcome.key {
                let result = endpoint_message_result(outcome.address, &outcome.reported);
                by_user.entry(user_id).or_default().insert(endpoint_id, result);
            }
        }
        Ok(SendUsersMessageResponse {
            application_id: app_id.to_string(),
            request_id: Some(ctx.request_id.clone()),
            result: Some(by_user),
        })
    }

    /// Delivers every target concurrently; returns (target, address, result) in no order.
    async fn deliver_all(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        configuration: &DirectMessageConfiguration,
        mut targets: Vec<Target>,
    ) -> Result<Vec<Outcome>, ApiError> {
        let channels: HashMap<String, ChannelRecord> = self
            .store
            .list_channels(&ctx.account_id, app_id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|record| (record.kind.clone(), record))
            .collect();

        // One device gets a message once: a later target with the same channel and address is a duplicate.
        let mut seen = HashSet::new();
        for target in &mut targets {
            if target.decided.is_some() {
                continue;
            }
            if let (Some(channel), Some(address)) = (&target.channel_type, &target.address)
                && !seen.insert((channel.clone(), address.clone()))
            {
                target.decided =
                    Some(refused(WireStatus::Duplicate, 400, "Another target of this request has the same address"));
            }
        }

        let started = Instant::now();
        let results: Vec<Outcome> = futures::stream::iter(targets)
            .map(|target| {
                let channels = &channels;
                async move {
                    let reported = match target.decided {
                        Some(decided) => decided,
                        None => {
                            // The semaphore is never closed, so acquiring only waits.
                            let _permit = self.push_permits.acquire().await.ok();
                            self.deliver(channels, configuration, &target, started).await.into()
                        }
                    };
                    Outcome { key: target.key, address: target.address, channel_type: target.channel_type, reported }
                }
            })
            .buffer_unordered(self.push.send_concurrency.max(1))
            .collect()
            .await;

        for outcome in &results {
            count_send(app_id, outcome.channel_type.as_deref(), outcome.reported.status.as_str());
        }
        for outcome in results.iter().filter(|outcome| outcome.reported.token_invalid) {
            if let (Some(address), Some(channel_type)) = (&outcome.address, &outcome.channel_type) {
                self.deactivate(ctx, app_id, address, channel_type).await?;
            }
        }
        Ok(results)
    }

    async fn deliver(
        &self,
        channels: &HashMap<String, ChannelRecord>,
        configuration: &DirectMessageConfiguration,
        target: &Target,
        started: Instant,
    ) -> DeliveryResult {
        let (Some(channel_type), Some(address)) = (&target.channel_type, &target.address) else {
            return DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                400,
                "The target has no address or channel type",
            );
        };
        let Some(channel) = PushChannel::from_platform(channel_type) else {
            return DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                400,
                format!("Herald does not deliver {channel_type} messages through SendMessages yet"),
            );
        };
        let Some(record) = channels.get(channel.platform()) else {
            return DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                400,
                format!("The {} channel is not set up for this application", channel.platform()),
            );
        };
        if !record.enabled {
            return DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                400,
                format!("The {} channel is disabled", channel.platform()),
            );
        }
        let Some(message) = push_message(channel, configuration, &target.overrides, target.endpoint.as_ref()) else {
            return DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                400,
                format!("MessageConfiguration has no message for the {} channel", channel.platform()),
            );
        };
        let preferred = preferred_authentication(channel, configuration);
        let provider = match self.provider(record, channel, preferred) {
            Ok(provider) => provider,
            Err(reason) => return DeliveryResult::failed(DeliveryStatus::PermanentFailure, 400, reason),
        };
        let policy = &self.push.retry;
        let platform = channel.platform();
        let payload_error =
            |e: herald_push::PayloadError| DeliveryResult::failed(DeliveryStatus::PermanentFailure, 400, e.to_string());
        match provider.as_ref() {
            Provider::Apns { client, topic } => {
                let voip = matches!(channel, PushChannel::ApnsVoip | PushChannel::ApnsVoipSandbox);
                match apns::build(&message, address, topic, voip, OffsetDateTime::now_utc()) {
                    Ok(request) => with_retries(policy, started, || timed(platform, client.send(&request))).await,
                    Err(e) => payload_error(e),
                }
            }
            Provider::Fcm(client) => match fcm::build(&message, address) {
                Ok(request) => with_retries(policy, started, || timed(platform, client.send(&request))).await,
                Err(e) => payload_error(e),
            },
            Provider::FcmLegacy => herald_push::fcm::legacy_api_result(),
            Provider::Adm(client) => match adm::build(&message, address) {
                Ok(request) => with_retries(policy, started, || timed(platform, client.send(&request))).await,
                Err(e) => payload_error(e),
            },
            Provider::Baidu(client) => match baidu::build(&message, address) {
                Ok(request) => with_retries(policy, started, || timed(platform, client.send(&request))).await,
                Err(e) => payload_error(e),
            },
        }
    }

    /// One `_push.send` record per result to the app's event stream (`stream`), if it has one.
    async fn stream_send_outcomes(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        stream: Option<&str>,
        trace: &SendTrace<'_>,
        results: &[Outcome],
    ) -> Result<(), ApiError> {
        let Some(arn) = stream else { return Ok(()) };
        let now = OffsetDateTime::now_utc();
        let records: Vec<_> = results
            .iter()
            .map(|outcome| {
                let endpoint_id = match &outcome.key {
                    TargetKey::Endpoint { endpoint_id, .. } => Some(endpoint_id.as_str()),
                    TargetKey::Address(_) => None,
                };
                let sent = PushSendOutcome {
                    address: outcome.address.as_deref().unwrap_or_default(),
                    endpoint_id,
                    channel_type: outcome.channel_type.as_deref().unwrap_or_default(),
                    delivery_status: outcome.reported.status.as_str(),
                    status_code: outcome.reported.status_code,
                    status_message: Some(outcome.reported.message.as_str()).filter(|m| !m.is_empty()),
                    message_id: outcome.reported.message_id.as_deref(),
                    trace_id: trace.trace_id,
                    context: trace.context,
                };
                push_send_record(ctx, app_id, arn, &sent, now)
            })
            .collect();
        self.store.append_events(&records).await.map_err(internal)
    }

    /// Marks the app's active endpoints with this channel and address INACTIVE.
    async fn deactivate(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        address: &str,
        channel_type: &str,
    ) -> Result<(), ApiError> {
        let endpoints = self.store.endpoints_by_address(&ctx.account_id, app_id, address).await.map_err(internal)?;
        let now = OffsetDateTime::now_utc();
        let changed: Vec<EndpointRecord> = endpoints
            .into_iter()
            .filter(|e| e.channel_type.as_deref() == Some(channel_type) && e.endpoint_status == "ACTIVE")
            .map(|mut endpoint| {
                endpoint.endpoint_status = "INACTIVE".into();
                if let Value::Object(document) = &mut endpoint.document {
                    document.insert("EndpointStatus".into(), json!("INACTIVE"));
                }
                endpoint.updated_at = now;
                endpoint
            })
            .collect();
        if !changed.is_empty() {
            tracing::info!(
                app_id,
                channel_type,
                endpoints = changed.len(),
                "provider rejected the token; endpoints made inactive"
            );
            self.store.put_endpoints(&changed).await.map_err(internal)?;
        }
        Ok(())
    }
}

fn endpoint_target(
    user_id: Option<String>,
    endpoint_id: &str,
    record: Option<&EndpointRecord>,
    overrides: Overrides,
) -> Target {
    let key = TargetKey::Endpoint { user_id, endpoint_id: endpoint_id.to_string() };
    let Some(record) = record else {
        return Target {
            key,
            address: None,
            channel_type: None,
            overrides,
            endpoint: None,
            decided: Some(refused(WireStatus::PermanentFailure, 404, format!("Endpoint {endpoint_id} not found"))),
        };
    };
    let decided = if record.opt_out == "ALL" {
        Some(refused(WireStatus::OptOut, 400, "The endpoint opted out of messages"))
    } else if record.endpoint_status != "ACTIVE" {
        Some(refused(WireStatus::PermanentFailure, 400, "The endpoint is inactive"))
    } else if record.address.is_none() {
        Some(refused(WireStatus::PermanentFailure, 400, "The endpoint has no address"))
    } else {
        None
    };
    Target {
        key,
        address: record.address.clone(),
        channel_type: record.channel_type.clone(),
        overrides,
        endpoint: Some(record.document.clone()),
        decided,
    }
}

fn message_result(reported: &Reported) -> MessageResult {
    MessageResult {
        delivery_status: reported.status,
        message_id: reported.message_id.clone(),
        status_code: reported.status_code,
        status_message: Some(reported.message.clone()),
        updated_token: reported.updated_token.clone(),
    }
}

fn endpoint_message_result(address: Option<String>, reported: &Reported) -> EndpointMessageResult {
    EndpointMessageResult {
        address,
        delivery_status: reported.status,
        message_id: reported.message_id.clone(),
        status_code: reported.status_code,
        status_message: Some(reported.message.clone()),
        updated_token: reported.updated_token.clone(),
    }
}
