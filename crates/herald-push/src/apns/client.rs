//! The APNs client: builds `POST /3/device/{token}` requests, sends them over the connection
//! pool and classifies the answer.
//!
//! Transient failures are returned, not retried: the caller retries with backoff inside its own
//! deadline. The one exception is `ExpiredProviderToken`, which a fresh token fixes at once.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use rustls_pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::classify::{EXPIRED_PROVIDER_TOKEN, classify, reason};
use super::connection::{Pool, Target, describe};
use super::jwt::ProviderTokens;
use super::{ApnsAuth, ApnsClientConfig, ApnsError, ApnsRequest};
use crate::tls::{ClientIdentity, client_config};
use crate::{DeliveryResult, DeliveryStatus};

/// APNs error bodies are a small JSON object; anything much larger is not APNs.
const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// A client for one set of APNs credentials (one app's channel): build one per app, channel and
/// credentials, never one for the whole process. Cheap to clone; clones share connections and
/// the provider token.
#[derive(Clone)]
pub struct ApnsClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// `https://host:port`, without a trailing slash.
    origin: String,
    /// Present for token auth; certificate auth happens in the TLS handshake.
    tokens: Option<ProviderTokens>,
    pool: Pool,
    request_timeout: Duration,
}

/// What one attempt produced: an answer from APNs, or an outcome already decided without one.
enum Attempt {
    Answered { status: u16, headers: http::HeaderMap, body: Bytes },
    Failed(DeliveryResult),
}

impl ApnsClient {
    /// Checks the configuration and credentials; connects lazily, at the first send.
    pub fn new(config: ApnsClientConfig) -> Result<Self, ApnsError> {
        if config.max_connections == 0 {
            return Err(ApnsError::NoConnections);
        }
        let (origin, target) = parse_base_url(&config.base_url)?;

        let (tokens, identity) = match &config.auth {
            ApnsAuth::Token { key_pem, key_id, team_id } => {
                (Some(ProviderTokens::new(key_pem, key_id, team_id)?), None)
            }
            ApnsAuth::Certificate { certificate_pem, private_key_pem } => {
                let identity = ClientIdentity::from_pem(certificate_pem, private_key_pem).map_err(ApnsError::Tls)?;
                (None, Some(identity))
            }
        };
        let tls = client_config(Arc::clone(&config.root_store), identity, &[b"h2"]).map_err(ApnsError::Tls)?;
        let pool = Pool::new(target, TlsConnector::from(Arc::new(tls)), config.max_connections);

        Ok(ApnsClient { inner: Arc::new(Inner { origin, tokens, pool, request_timeout: config.request_timeout }) })
    }

    /// Sends one notification. Never fails: every answer, timeout or broken connection becomes a
    /// `DeliveryResult`. Takes at most `request_timeout`.
    pub async fn send(&self, request: &ApnsRequest) -> DeliveryResult {
        let timeout = self.inner.request_timeout;
        match tokio::time::timeout(timeout, self.send_refreshing_token(request)).await {
            Ok(result) => result,
            Err(_elapsed) => DeliveryResult::failed(
                DeliveryStatus::Timeout,
                0,
                format!("APNs did not answer within {} ms", timeout.as_millis()),
            ),
        }
    }

    async fn send_refreshing_token(&self, request: &ApnsRequest) -> DeliveryResult {
        let mut refreshed = false;
        loop {
            let jwt = match &self.inner.tokens {
                Some(tokens) => match tokens.token() {
                    Ok(jwt) => Some(jwt),
                    Err(error) => {
                        return DeliveryResult::failed(
                            DeliveryStatus::PermanentFailure,
                            0,
                            format!("could not sign an APNs provider token: {error}"),
                        );
                    }
                },
                None => None,
            };

            let (status, headers, body) = match self.attempt(request, jwt.as_deref()).await {
                Attempt::Answered { status, headers, body } => (status, headers, body),
                Attempt::Failed(result) => return result,
            };

            if let (Some(tokens), Some(jwt)) = (&self.inner.tokens, &jwt)
                && status == 403
                && !refreshed
                && reason(&body).as_deref() == Some(EXPIRED_PROVIDER_TOKEN)
            {
                tracing::info!("APNs called the provider token expired; signing a new one and trying again");
                tokens.reject(jwt);
                refreshed = true;
                continue;
            }
            return classify(status, &body, &headers);
        }
    }

    async fn attempt(&self, request: &ApnsRequest, jwt: Option<&str>) -> Attempt {
        let http_request = match self.build_request(request, jwt) {
            Ok(http_request) => http_request,
            Err(result) => return Attempt::Failed(result),
        };

        let lease = match self.inner.pool.acquire().await {
            Ok(lease) => lease,
            Err(message) => return Attempt::Failed(connection_failure(message)),
        };
        let response = match lease.send(http_request).await {
            Ok(response) => response,
            Err(error) => {
                lease.discard();
                return Attempt::Failed(connection_failure(format!("sending to APNs failed: {}", describe(&error))));
            }
        };

        let (parts, body) = response.into_parts();
        // The stream stays in flight until its body has been read, so the lease lives until then.
        let body = match Limited::new(body, MAX_RESPONSE_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                return Attempt::Failed(connection_failure(format!(
                    "reading the APNs answer (HTTP {}) failed: {}",
                    parts.status.as_u16(),
                    describe(error.as_ref())
                )));
            }
        };
        drop(lease);
        Attempt::Answered { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    /// The HTTP/2 request for `request`, or the outcome when it cannot be expressed at all (a
    /// device token or header value that HTTP cannot carry).
    fn build_request(&self, request: &ApnsRequest, jwt: Option<&str>) -> Result<Request<Full<Bytes>>, DeliveryResult> {
        let token = &request.device_token;
        // Device tokens are hex; anything that is not a plain path segment could change the URL.
        if token.is_empty() || !token.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            let mut result = DeliveryResult::failed(
                DeliveryStatus::PermanentFailure,
                0,
                "BadDeviceToken: the device token is empty or has characters other than letters and digits",
            );
            result.token_invalid = true;
            return Err(result);
        }

        let uri = format!("{}/3/device/{token}", self.inner.origin);
        let mut builder = Request::builder().method(Method::POST).uri(uri).header("apns-topic", &request.topic);
        if !request.push_type.is_empty() {
            builder = builder.header("apns-push-type", &request.push_type);
        }
        if let Some(priority) = request.priority {
            builder = builder.header("apns-priority", u16::from(priority));
        }
        if let Some(expiration) = request.expiration {
            builder = builder.header("apns-expiration", expiration);
        }
        if let Some(collapse_id) = &request.collapse_id {
            builder = builder.header("apns-collapse-id", collapse_id);
        }
        if let Some(apns_id) = &request.apns_id {
            builder = builder.header("apns-id", apns_id);
        }
        if let Some(jwt) = jwt {
            let mut value = HeaderValue::try_from(format!("bearer {jwt}"))
                .map_err(|error| unsendable(format!("the provider token is not a valid header value: {error}")))?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        builder
            .body(Full::new(Bytes::copy_from_slice(&request.payload)))
            .map_err(|error| unsendable(format!("the notification cannot be sent as an HTTP request: {error}")))
    }
}

impl fmt::Debug for ApnsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = if self.inner.tokens.is_some() { "token" } else { "certificate" };
        f.debug_struct("ApnsClient").field("origin", &self.inner.origin).field("auth", &auth).finish()
    }
}

/// No answer came: the connection could not be opened or broke. Worth trying again later.
fn connection_failure(message: String) -> DeliveryResult {
    DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 0, message)
}

/// The request itself is malformed (e.g. a topic with a line break); it will never go through.
fn unsendable(message: String) -> DeliveryResult {
    DeliveryResult::failed(DeliveryStatus::PermanentFailure, 0, message)
}

/// Splits `https://host[:port][/]` into the origin used in request URIs and the TCP/TLS target.
fn parse_base_url(base_url: &str) -> Result<(String, Target), ApnsError> {
    let invalid = |reason: &str| ApnsError::BaseUrl { url: base_url.to_owned(), reason: reason.to_owned() };
    let uri: Uri = base_url.parse().map_err(|error: http::uri::InvalidUri| invalid(&error.to_string()))?;
    if uri.scheme_str() != Some("https") {
        return Err(invalid("APNs is only reachable over https"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(invalid("it must not have a path or query; requests go to /3/device/{token}"));
    }
    let authority = uri.authority().ok_or_else(|| invalid("it has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("it must not carry user information"));
    }
    let port = authority.port_u16().unwrap_or(443);
    // IPv6 literals come bracketed in URLs but not in socket addresses or certificate names.
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
    let server_name = ServerName::try_from(host.clone()).map_err(|error| invalid(&error.to_string()))?;

    let origin = format!("https://{}", authority.as_str());
    Ok((origin, Target { host, port, server_name }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_with_port() {
        let (origin, target) = parse_base_url("https://127.0.0.1:8443").expect("valid");
        assert_eq!(origin, "https://127.0.0.1:8443");
        assert_eq!((target.host.as_str(), target.port), ("127.0.0.1", 8443));
        assert!(matches!(target.server_name, ServerName::IpAddress(_)));
    }

    #[test]
    fn base_url_defaults_to_443_and_drops_the_slash() {
        let (origin, target) = parse_base_url("https://api.push.apple.com/").expect("valid");
        assert_eq!(origin, "https://api.push.apple.com");
        assert_eq!((target.host.as_str(), target.port), ("api.push.apple.com", 443));
        assert!(matches!(target.server_name, ServerName::DnsName(_)));
    }

    #[test]
    fn base_url_ipv6_literal() {
        let (origin, target) = parse_base_url("https://[::1]:9000").expect("valid");
        assert_eq!(origin, "https://[::1]:9000");
        assert_eq!((target.host.as_str(), target.port), ("::1", 9000));
    }

    #[test]
    fn base_url_refusals_say_why() {
        for (url, expected) in [
            ("http://api.push.apple.com", "https"),
            ("https://api.push.apple.com/3/device", "path"),
            ("https://user@api.push.apple.com", "user information"),
            ("not a url", "invalid"),
        ] {
            let error = parse_base_url(url).expect_err("must be refused").to_string();
            assert!(error.contains(expected), "{url}: {error}");
        }
    }
}
