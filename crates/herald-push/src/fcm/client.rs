//! The FCM HTTP v1 send client.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde::Serialize;
use tokio::sync::Semaphore;

use super::classify::{classify, is_refused_access_token, parse_retry_after};
use super::oauth::TokenSource;
use super::{FcmClientConfig, FcmError, FcmRequest, describe_http_error};
use crate::{DeliveryResult, DeliveryStatus};

/// Sends FCM messages for one service account. Cheap to clone; clones share the connection
/// pool, the access token and the concurrency limit.
#[derive(Clone)]
pub struct FcmClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `{base_url}/v1/projects/{project_id}/messages:send`
    send_url: String,
    tokens: TokenSource,
    /// Bounds in-flight sends so a large campaign queues here instead of opening thousands of
    /// streams (FCM caps concurrent streams per connection) or connections.
    permits: Semaphore,
}

impl fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FcmClient").field("send_url", &self.inner.send_url).finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct SendBody<'a> {
    message: &'a serde_json::Value,
}

/// What came back from one POST, read in full.
struct Answer {
    status: u16,
    retry_after: Option<std::time::Duration>,
    body: bytes::Bytes,
}

impl FcmClient {
    pub fn new(config: FcmClientConfig) -> Result<Self, FcmError> {
        if config.max_concurrency == 0 {
            return Err(FcmError::ZeroConcurrency);
        }
        let base_url = check_base_url(&config.base_url)?;
        let project_id = &config.service_account.project_id;
        if !is_valid_project_id(project_id) {
            return Err(FcmError::InvalidProjectId(project_id.clone()));
        }

        let http = build_http_client(&config)?;
        let tokens = TokenSource::new(http.clone(), &config.service_account)?;
        Ok(FcmClient {
            inner: Arc::new(Inner {
                http,
                send_url: format!("{base_url}/v1/projects/{project_id}/messages:send"),
                tokens,
                permits: Semaphore::new(config.max_concurrency),
            }),
        })
    }

    /// Sends one message. Every outcome, including timeouts and token failures, is a
    /// [`DeliveryResult`].
    pub async fn send(&self, request: &FcmRequest) -> DeliveryResult {
        let inner = &*self.inner;
        // The semaphore is never closed, so acquiring only fails if that changes.
        let Ok(_permit) = inner.permits.acquire().await else {
            return DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 0, "FCM client is shutting down");
        };

        let mut retried_with_new_token = false;
        loop {
            let access_token = match inner.tokens.access_token().await {
                Ok(token) => token,
                Err(error) => return error.to_delivery_result(),
            };
            let answer = match self.post(&access_token, request).await {
                Ok(answer) => answer,
                Err(result) => return result,
            };
            // Tokens can be revoked or expire early (clock skew); one fresh token is worth a
            // try, a second refusal is reported.
            if !retried_with_new_token && is_refused_access_token(answer.status, &answer.body) {
                tracing::debug!(send_url = %inner.send_url, "FCM refused the access token; fetching a new one");
                inner.tokens.invalidate(&access_token).await;
                retried_with_new_token = true;
                continue;
            }
            return classify(answer.status, answer.retry_after, &answer.body);
        }
    }

    async fn post(&self, access_token: &str, request: &FcmRequest) -> Result<Answer, DeliveryResult> {
        let response = self
            .inner
            .http
            .post(&self.inner.send_url)
            .bearer_auth(access_token)
            .json(&SendBody { message: &request.message })
            .send()
            .await
            .map_err(|error| transport_failure(&error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let body = response.bytes().await.map_err(|error| transport_failure(&error))?;
        Ok(Answer { status, retry_after, body })
    }
}

/// No complete answer: a timeout is reported as such, anything else (refused, reset, TLS
/// failure) as a temporary failure.
fn transport_failure(error: &reqwest::Error) -> DeliveryResult {
    let description = describe_http_error(error);
    if error.is_timeout() {
        DeliveryResult::failed(DeliveryStatus::Timeout, 0, format!("FCM request timed out: {description}"))
    } else {
        DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 0, format!("FCM request failed: {description}"))
    }
}

/// The base URL without a trailing slash, once it is known to be an http(s) URL with a host.
fn check_base_url(base_url: &str) -> Result<&str, FcmError> {
    let invalid = |reason: &str| FcmError::InvalidBaseUrl { url: base_url.to_owned(), reason: reason.to_owned() };
    let uri: http::Uri = base_url.parse().map_err(|_| invalid("not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(invalid("expected an http:// or https:// URL"));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if uri.query().is_some() {
        return Err(invalid("the URL must not have a query"));
    }
    Ok(base_url.trim_end_matches('/'))
}

/// The project id comes from a user-uploaded document and goes into the URL path, so only the
/// characters Google allows in project ids pass (letters, digits, hyphens, plus the dots and
/// colon of legacy domain-scoped ids like `example.com:my-project`). The first character must be
/// alphanumeric so that `.` and `..` cannot become path segments the URL parser would resolve.
fn is_valid_project_id(project_id: &str) -> bool {
    project_id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && project_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'))
}

fn build_http_client(config: &FcmClientConfig) -> Result<reqwest::Client, FcmError> {
    let mut builder = reqwest::Client::builder()
        .timeout(config.request_timeout)
        .user_agent(concat!("herald-push/", env!("CARGO_PKG_VERSION")));
    if let Some(roots) = &config.root_store {
        // The provider is named explicitly so the result does not depend on which rustls
        // provider the process installed (or whether several are compiled in).
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| FcmError::HttpClient(format!("TLS configuration: {error}")))?
            .with_root_certificates(Arc::clone(roots))
            .with_no_client_auth();
        // reqwest leaves ALPN of a preconfigured TLS config alone; offering h2 is what makes
        // FCM multiplex sends over one connection.
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        builder = builder.tls_backend_preconfigured(tls);
    }
    builder.build().map_err(|error| FcmError::HttpClient(describe_http_error(&error)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{ServiceAccountKey, parse_fcm_service_account, test_material};
    use std::sync::LazyLock;

    static KEY: LazyLock<ServiceAccountKey> = LazyLock::new(|| {
        parse_fcm_service_account(&test_material::fcm_service_account_json(
            "proj-1",
            "https://oauth2.googleapis.com/token",
        ))
        .expect("test material parses")
    });

    fn config(base_url: &str) -> FcmClientConfig {
        FcmClientConfig::new(base_url, KEY.clone())
    }

    #[test]
    fn builds_the_send_url_from_base_url_and_project() {
        let client = FcmClient::new(config("https://fcm.googleapis.com/")).expect("client");
        assert_eq!(client.inner.send_url, "https://fcm.googleapis.com/v1/projects/proj-1/messages:send");
        let client = FcmClient::new(config("http://127.0.0.1:8080")).expect("client");
        assert_eq!(client.inner.send_url, "http://127.0.0.1:8080/v1/projects/proj-1/messages:send");
    }

    #[test]
    fn refuses_unusable_configuration() {
        for base_url in ["fcm.googleapis.com", "ftp://fcm.googleapis.com", "", "https://x/?a=b"] {
            assert!(
                matches!(FcmClient::new(config(base_url)), Err(FcmError::InvalidBaseUrl { .. })),
                "{base_url:?} accepted"
            );
        }

        let mut zero = config("https://fcm.googleapis.com");
        zero.max_concurrency = 0;
        assert_eq!(FcmClient::new(zero).err(), Some(FcmError::ZeroConcurrency));

        let mut traversal = config("https://fcm.googleapis.com");
        traversal.service_account.project_id = "../other/messages".into();
        assert_eq!(FcmClient::new(traversal).err(), Some(FcmError::InvalidProjectId("../other/messages".into())));
        for project_id in ["..", "", "a b", "p?x"] {
            let mut bad = config("https://fcm.googleapis.com");
            bad.service_account.project_id = project_id.into();
            assert!(FcmClient::new(bad).is_err(), "{project_id:?} accepted");
        }
        let mut legacy = config("https://fcm.googleapis.com");
        legacy.service_account.project_id = "example.com:my-project".into();
        FcmClient::new(legacy).expect("domain-scoped project id");
    }

    #[test]
    fn accepts_a_custom_root_store() {
        let mut with_roots = config("https://127.0.0.1:8443");
        with_roots.root_store = Some(Arc::new(rustls::RootCertStore::empty()));
        FcmClient::new(with_roots).expect("client with custom roots");
    }

    #[test]
    fn debug_output_shows_no_secrets() {
        let client = FcmClient::new(config("https://fcm.googleapis.com")).expect("client");
        let debug = format!("{client:?}");
        assert!(debug.contains("proj-1"), "{debug}");
        assert!(!debug.contains("PRIVATE"), "{debug}");
    }
}
