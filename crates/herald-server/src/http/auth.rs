//! SigV4 authentication of a request against the stored access keys.

use axum::body::Bytes;
use herald_core::Core;
use herald_proto::ApiError;
use herald_proto::sigv4::{self, AuthError, SignedRequest};
use http::request::Parts;
use time::OffsetDateTime;

/// Who signed the request.
pub struct Identity {
    pub account_id: String,
    pub access_key_id: String,
    pub region: String,
}

fn rejected(error: AuthError) -> ApiError {
    ApiError::new(error.code, error.status, error.message)
}

pub async fn authenticate(core: &Core, parts: &Parts, body: &Bytes, service: &str) -> Result<Identity, ApiError> {
    // HTTP/2 carries the host in the URI authority instead of a Host header; clients sign it
    // as `host` either way.
    let mut headers = parts.headers.clone();
    if !headers.contains_key(http::header::HOST)
        && let Some(authority) = parts.uri.authority()
        && let Ok(value) = http::HeaderValue::from_str(authority.as_str())
    {
        headers.insert(http::header::HOST, value);
    }
    let request = SignedRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query(),
        headers: &headers,
        body,
    };
    let parsed = sigv4::parse(&request).map_err(rejected)?;
    let key = core
        .signing_key(&parsed.access_key_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| rejected(AuthError::unknown_access_key()))?;
    // Herald's keys are long-term keys; a session token belongs to credentials it never issued.
    if parsed.session_token.is_some() {
        return Err(rejected(AuthError::invalid_session_token()));
    }
    sigv4::verify(&request, &parsed, &key.secret_access_key, service, OffsetDateTime::now_utc()).map_err(rejected)?;
    Ok(Identity {
        account_id: key.account_id,
        access_key_id: parsed.access_key_id.clone(),
        region: parsed.region.clone(),
    })
}
