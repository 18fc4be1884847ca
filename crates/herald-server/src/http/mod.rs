//! The listener: one port for both APIs. A request is routed by `X-Amz-Target` (SMS v2) or
//! method and URI (Pinpoint), authenticated with SigV4, and answered in its protocol; every call
//! is counted and timed for `/metrics` and recorded in the audit log.

mod auth;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use herald_api::{pinpoint, sms_voice_v2};
use herald_core::Core;
use herald_proto::rest::{RestRequest, RouteMatch, match_route, parse_query};
use herald_proto::{ApiError, Protocol, RequestContext};
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::request::Parts;
use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::{AuditLog, Call};
use crate::metrics::MetricsEndpoint;
use crate::observability::ListenerSettings;

/// Large enough for SMS v2 registration attachments (the model allows 6,990,508 bytes, base64).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// What every handler shares.
struct Shared {
    core: Arc<Core>,
    metrics: MetricsEndpoint,
    /// None when the audit log is disabled.
    audit: Option<AuditLog>,
}

/// The listener over `core`. Must be called inside a Tokio runtime: the audit writer and the
/// metrics upkeep start here.
pub fn router(core: Arc<Core>, settings: ListenerSettings) -> Router {
    let audit = AuditLog::start(core.store().clone(), &settings.audit);
    let metrics = MetricsEndpoint::new(settings.metrics, settings.metrics_token);
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(scrape))
        .fallback(handle_api)
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::new(Shared { core, metrics, audit }))
}

async fn scrape(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared.metrics.answer(shared.core.store(), &headers).await
}

/// The API a request is for, as the metrics and the audit log name it.
fn api_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::RestJson => "pinpoint",
        Protocol::AwsJson => "sms-voice",
    }
}

/// How a request was answered, with what the metrics and the audit log need to know of it.
struct Answered {
    /// None when the request named no operation.
    operation: Option<&'static str>,
    /// None when the request was not authenticated.
    identity: Option<auth::Identity>,
    /// The operation's input as members by name, when the audit log records it.
    parameters: Option<Value>,
    outcome: Result<Response, ApiError>,
}

impl Answered {
    fn refused(operation: Option<&'static str>, identity: Option<auth::Identity>, error: ApiError) -> Self {
        Answered { operation, identity, parameters: None, outcome: Err(error) }
    }
}

async fn handle_api(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let event_time = OffsetDateTime::now_utc();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let protocol = if parts.headers.contains_key("x-amz-target") { Protocol::AwsJson } else { Protocol::RestJson };
    let answered = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => answer(&shared, protocol, &parts, &body, &request_id, peer).await,
        Err(_) => Answered::refused(
            None,
            None,
            ApiError::new(
                "PayloadTooLargeException",
                413,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            ),
        ),
    };
    let Answered { operation, identity, parameters, outcome } = answered;
    let error = outcome.as_ref().err().map(|error| (error.code().to_string(), audit_message(error)));
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            if error.is_internal() {
                tracing::error!(request_id, operation, detail = error.message(), "internal error");
            }
            let rendered = error.render(protocol, &request_id);
            let mut response =
                (http::StatusCode::from_u16(rendered.status).unwrap_or(http::StatusCode::BAD_REQUEST), rendered.body)
                    .into_response();
            for (name, value) in rendered.headers {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
    let elapsed = started.elapsed();
    let api = api_name(protocol);
    let code = match &error {
        Some((code, _)) => code.clone(),
        None => response.status().as_u16().to_string(),
    };
    crate::metrics::count_api_call(api, operation.unwrap_or("-"), code, elapsed);
    tracing::info!(
        request_id,
        operation = operation.unwrap_or("-"),
        status = response.status().as_u16(),
        millis = elapsed.as_millis() as u64,
        "request"
    );
    if let Some(audit) = &shared.audit
        && audit.wants(operation)
    {
        let (error_code, error_message) = error.unzip();
        audit.record(Call {
            event_time,
            request_id,
            account_id: identity.as_ref().map(|i| i.account_id.clone()),
            access_key_id: identity.as_ref().map(|i| i.access_key_id.clone()),
            region: identity.map(|i| i.region),
            source_ip: peer.ip(),
            user_agent: user_agent(&parts),
            api,
            operation,
            parameters,
            error_code,
            error_message,
            duration: elapsed,
        });
    }
    response
}

/// What the audit log keeps of an error's message: internal details stay in the server log.
fn audit_message(error: &ApiError) -> String {
    if error.is_internal() { "An internal error occurred".to_string() } else { error.message().to_string() }
}

fn user_agent(parts: &Parts) -> Option<String> {
    parts.headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The operation a request names.
enum Routed {
    Pinpoint(RouteMatch<pinpoint::operations::Operation>),
    SmsVoice(sms_voice_v2::operations::Operation),
}

impl Routed {
    fn name(&self) -> &'static str {
        match self {
            Routed::Pinpoint(matched) => matched.operation.name(),
            Routed::SmsVoice(operation) => operation.name(),
        }
    }
}

/// Finds the operation: by method and URI (Pinpoint) or `X-Amz-Target` (SMS v2).
fn route(protocol: Protocol, parts: &Parts) -> Result<Routed, ApiError> {
    match protocol {
        Protocol::RestJson => {
            let (method, path) = (parts.method.as_str(), parts.uri.path());
            match_route(pinpoint::operations::ROUTES, method, path)
                .map(Routed::Pinpoint)
                .map_err(|error| error.to_api_error(method, path))
        }
        Protocol::AwsJson => {
            let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
            target
                .strip_prefix(sms_voice_v2::operations::TARGET_PREFIX)
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(sms_voice_v2::operations::Operation::from_name)
                .map(Routed::SmsVoice)
                .ok_or_else(|| ApiError::new("UnknownOperationException", 400, format!("Unknown operation {target:?}")))
        }
    }
}

/// Routes, authenticates and runs one request. A request that is not authenticated is refused
/// before a routing error is told, as before routing came first: the operation it named is
/// only for the metrics and the audit log.
async fn answer(
    shared: &Shared,
    protocol: Protocol,
    parts: &Parts,
    body: &Bytes,
    request_id: &str,
    peer: SocketAddr,
) -> Answered {
    let routed = route(protocol, parts);
    let operation = routed.as_ref().ok().map(Routed::name);
    let service = match protocol {
        Protocol::RestJson => pinpoint::operations::SIGNING_NAME,
        Protocol::AwsJson => sms_voice_v2::operations::SIGNING_NAME,
    };
    let identity = match auth::authenticate(&shared.core, parts, body, service).await {
        Ok(identity) => identity,
        Err(error) => return Answered::refused(operation, None, error),
    };
    let routed = match routed {
        Ok(routed) => routed,
        Err(error) => return Answered::refused(None, Some(identity), error),
    };
    let ctx = RequestContext {
        request_id: request_id.to_string(),
        account_id: identity.account_id.clone(),
        access_key_id: identity.access_key_id.clone(),
        region: identity.region.clone(),
        source_ip: Some(peer.ip()),
        user_agent: user_agent(parts),
    };
    let keep_input = shared.audit.as_ref().is_some_and(|audit| audit.wants(operation));
    let (outcome, parameters) = match routed {
        Routed::Pinpoint(matched) => answer_rest(&shared.core, &ctx, parts, body, matched, keep_input).await,
        Routed::SmsVoice(operation) => answer_json(&shared.core, &ctx, body, operation, keep_input).await,
    };
    Answered { operation, identity: Some(identity), parameters, outcome }
}

async fn answer_rest(
    core: &Core,
    ctx: &RequestContext,
    parts: &Parts,
    body: &Bytes,
    matched: RouteMatch<pinpoint::operations::Operation>,
    keep_input: bool,
) -> (Result<Response, ApiError>, Option<Value>) {
    let query = parse_query(parts.uri.query());
    let decoded = OnceLock::new();
    let request = RestRequest {
        labels: &matched.labels,
        query: &query,
        headers: &parts.headers,
        body,
        decoded_input: keep_input.then_some(&decoded),
    };
    let result = pinpoint::operations::dispatch(core, ctx, matched.operation, &request).await.map(|answer| {
        let status = http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::OK);
        match answer.body {
            Some(body) => (status, [(CONTENT_TYPE, "application/json")], body).into_response(),
            None => (status, Body::empty()).into_response(),
        }
    });
    (result, decoded.into_inner())
}

async fn answer_json(
    core: &Core,
    ctx: &RequestContext,
    body: &Bytes,
    operation: sms_voice_v2::operations::Operation,
    keep_input: bool,
) -> (Result<Response, ApiError>, Option<Value>) {
    let result = sms_voice_v2::operations::dispatch(core, ctx, operation, body)
        .await
        .map(|answer| ([(CONTENT_TYPE, herald_proto::aws_json::CONTENT_TYPE)], answer).into_response());
    // The input of awsJson is the body itself; one that is not JSON was refused and has none.
    let parameters = if keep_input { serde_json::from_slice(body).ok() } else { None };
    (result, parameters)
}
