//! The listener: one port for both APIs. A request is authenticated with SigV4, routed by
//! `X-Amz-Target` (SMS v2) or method and URI (Pinpoint), and answered in its protocol.

mod auth;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use herald_api::{pinpoint, sms_voice_v2};
use herald_core::Core;
use herald_proto::rest::{RestRequest, match_route, parse_query};
use herald_proto::{ApiError, Protocol, RequestContext};
use http::header::{CONTENT_TYPE, HeaderValue};
use http::request::Parts;

/// Large enough for SMS v2 registration attachments (the model allows 6,990,508 bytes, base64).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(handle_api)
        .layer(DefaultBodyLimit::disable())
        .with_state(core)
}

async fn handle_api(
    State(core): State<Arc<Core>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let protocol = if parts.headers.contains_key("x-amz-target") { Protocol::AwsJson } else { Protocol::RestJson };
    let (operation, outcome) = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => answer(&core, protocol, &parts, &body, &request_id, peer).await,
        Err(_) => (
            None,
            Err(ApiError::new(
                "PayloadTooLargeException",
                413,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            )),
        ),
    };
    let operation = operation.unwrap_or("-");
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
    tracing::info!(
        request_id,
        operation,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Authenticates, routes and runs one request; returns the operation name for the log.
async fn answer(
    core: &Core,
    protocol: Protocol,
    parts: &Parts,
    body: &Bytes,
    request_id: &str,
    peer: SocketAddr,
) -> (Option<&'static str>, Result<Response, ApiError>) {
    let service = match protocol {
        Protocol::RestJson => pinpoint::operations::SIGNING_NAME,
        Protocol::AwsJson => sms_voice_v2::operations::SIGNING_NAME,
    };
    let identity = match auth::authenticate(core, parts, body, service).await {
        Ok(identity) => identity,
        Err(error) => return (None, Err(error)),
    };
    let ctx = RequestContext {
        request_id: request_id.to_string(),
        account_id: identity.account_id,
        access_key_id: identity.access_key_id,
        region: identity.region,
        source_ip: Some(peer.ip()),
        user_agent: parts.headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned),
    };
    match protocol {
        Protocol::RestJson => answer_rest(core, &ctx, parts, body).await,
        Protocol::AwsJson => answer_json(core, &ctx, parts, body).await,
    }
}

async fn answer_rest(
    core: &Core,
    ctx: &RequestContext,
    parts: &Parts,
    body: &Bytes,
) -> (Option<&'static str>, Result<Response, ApiError>) {
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let matched = match match_route(pinpoint::operations::ROUTES, method, path) {
        Ok(matched) => matched,
        Err(error) => return (None, Err(error.to_api_error(method, path))),
    };
    let query = parse_query(parts.uri.query());
    let request = RestRequest { labels: &matched.labels, query: &query, headers: &parts.headers, body };
    let operation = matched.operation;
    let result = pinpoint::operations::dispatch(core, ctx, operation, &request).await.map(|answer| {
        let status = http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::OK);
        match answer.body {
            Some(body) => (status, [(CONTENT_TYPE, "application/json")], body).into_response(),
            None => (status, Body::empty()).into_response(),
        }
    });
    (Some(operation.name()), result)
}

async fn answer_json(
    core: &Core,
    ctx: &RequestContext,
    parts: &Parts,
    body: &Bytes,
) -> (Option<&'static str>, Result<Response, ApiError>) {
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let operation = target
        .strip_prefix(sms_voice_v2::operations::TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(sms_voice_v2::operations::Operation::from_name);
    let Some(operation) = operation else {
        let error = ApiError::new("UnknownOperationException", 400, format!("Unknown operation {target:?}"));
        return (None, Err(error));
    };
    let result = sms_voice_v2::operations::dispatch(core, ctx, operation, body)
        .await
        .map(|answer| ([(CONTENT_TYPE, herald_proto::aws_json::CONTENT_TYPE)], answer).into_response());
    (Some(operation.name()), result)
}
