//! The ADM client: a cached Login with Amazon access token and the send call.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use time::OffsetDateTime;

use super::classify::{AdmAnswer, classify, parse_retry_after};
use super::{AdmClientConfig, AdmError, AdmRequest};
use crate::delivery::{DeliveryResult, DeliveryStatus};

/// The scope ADM's tokens must carry.
const SCOPE: &str = "messaging:push";
const TYPE_VERSION: &str = "com.amazon.device.messaging.ADMMessage@1.0";
const ACCEPT_TYPE: &str = "com.amazon.device.messaging.ADMSendResult@1.0";
/// A token is replaced this long before it expires, so that none expires on its way to ADM.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Sends ADM messages with one client's credentials. Cheap to share: wrap it in an `Arc`.
pub struct AdmClient {
    http: reqwest::Client,
    token_url: reqwest::Url,
    base_url: reqwest::Url,
    client_id: String,
    client_secret: String,
    request_timeout: Duration,
    /// Held across a token request, so concurrent senders wait for one refresh instead of each
    /// asking Login with Amazon for a token of its own.
    token: tokio::sync::Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    cached: Option<CachedToken>,
    /// The last refresh that failed, and when: senders that queued behind it share its outcome
    /// instead of each waiting out another request to a token endpoint that is failing.
    failure: Option<(Instant, DeliveryResult)>,
}

impl std::fmt::Debug for AdmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret nor the token.
        f.debug_struct("AdmClient")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

struct CachedToken {
    value: String,
    refresh_at: Instant,
    expires_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
}

impl AdmClient {
    pub fn new(config: AdmClientConfig) -> Result<Self, AdmError> {
        let token_url = parse_url("token_url", &config.token_url)?;
        let base_url = parse_url("base_url", &config.base_url)?;
        if base_url.cannot_be_a_base() {
            return Err(AdmError::InvalidConfig(format!("base_url {:?} cannot have a path", config.base_url)));
        }
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(AdmError::InvalidConfig("client_id and client_secret must not be empty".to_string()));
        }
        let mut builder = reqwest::Client::builder().timeout(config.request_timeout);
        if let Some(roots) = config.root_store {
            let tls = crate::tls::client_config(roots, None, &[b"h2", b"http/1.1"]).map_err(AdmError::Tls)?;
            builder = builder.tls_backend_preconfigured(tls);
        }
        Ok(AdmClient {
            http: builder.build().map_err(AdmError::HttpClient)?,
            token_url,
            base_url,
            client_id: config.client_id,
            client_secret: config.client_secret,
            request_timeout: config.request_timeout,
            token: tokio::sync::Mutex::new(TokenState::default()),
        })
    }

    /// Sends one message. An access token ADM calls expired is replaced and the send retried once.
    pub async fn send(&self, request: &AdmRequest) -> DeliveryResult {
        let token = match self.access_token(None).await {
            Ok(token) => token,
            Err(failure) => return failure,
        };
        let answer = match self.post_message(request, &token).await {
            Ok(answer) => answer,
            Err(failure) => return failure,
        };
        if answer.status != 401 {
            return classify(&answer, &request.registration_id);
        }
        tracing::debug!(registration_id = %request.registration_id, "ADM refused the access token; refreshing it");
        let token = match self.access_token(Some(&token)).await {
            Ok(token) => token,
            Err(failure) => return failure,
        };
        match self.post_message(request, &token).await {
            Ok(answer) => classify(&answer, &request.registration_id),
            Err(failure) => failure,
        }
    }

    /// A token to send with: the cached one while it is fresh and not `rejected`, else a new one.
    async fn access_token(&self, rejected: Option<&str>) -> Result<String, DeliveryResult> {
        let queued_at = Instant::now();
        let mut state = self.token.lock().await;
        let now = Instant::now();
        let usable = state.cached.as_ref().filter(|token| rejected != Some(token.value.as_str()));
        if let Some(token) = usable
            && now < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let failed_while_queued = state.failure.as_ref().filter(|(failed_at, _)| *failed_at >= queued_at);
        let outcome = match failed_while_queued {
            Some((_, failure)) => Err(failure.clone()),
            None => self.request_token().await,
        };
        match outcome {
            Ok(fresh) => {
                let value = fresh.value.clone();
                state.cached = Some(fresh);
                state.failure = None;
                Ok(value)
            }
            // A token inside its refresh margin still works: better than failing the send.
            Err(failure) => {
                let fallback = usable.filter(|token| now < token.expires_at).map(|token| token.value.clone());
                state.failure = Some((Instant::now(), failure.clone()));
                match fallback {
                    Some(token) => {
                        tracing::warn!(status = %failure.status_message, "could not refresh the ADM access token; using the current one");
                        Ok(token)
                    }
                    None => Err(failure),
                }
            }
        }
    }

    async fn request_token(&self) -> Result<CachedToken, DeliveryResult> {
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        let sent_at = Instant::now();
        let response = self
            .http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded;charset=UTF-8")
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|error| self.transport_failure("the ADM access token request", &error))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body =
            response.text().await.map_err(|error| self.transport_failure("the ADM access token answer", &error))?;

        if status == 200 {
            let token: TokenResponse = serde_json::from_str(&body).map_err(|error| {
                DeliveryResult::failed(
                    DeliveryStatus::UnknownFailure,
                    status,
                    format!("Login with Amazon answered an unreadable access token: {error}"),
                )
            })?;
            let lifetime = Duration::from_secs(token.expires_in);
            return Ok(CachedToken {
                value: token.access_token,
                refresh_at: sent_at + lifetime.saturating_sub(REFRESH_MARGIN),
                expires_at: sent_at + lifetime,
            });
        }
        let detail = match serde_json::from_str::<TokenError>(&body) {
            Ok(TokenError { error: Some(error), error_description: Some(description) }) => {
                format!("{error}: {description}")
            }
            Ok(TokenError { error: Some(error), .. }) => error,
            _ => format!("HTTP {status}"),
        };
        let message = format!("Login with Amazon refused an access token: {detail}");
        // Refused credentials fail every message of the channel until someone fixes them.
        let outcome = match status {
            400 | 401 | 403 => DeliveryStatus::PermanentFailure,
            429 => DeliveryStatus::Throttled,
            500..=599 => DeliveryStatus::TemporaryFailure,
            _ => DeliveryStatus::UnknownFailure,
        };
        let mut failure = DeliveryResult::failed(outcome, status, message);
        if outcome.is_retryable() {
            failure.retry_after = retry_after;
        }
        Err(failure)
    }

    async fn post_message(&self, request: &AdmRequest, token: &str) -> Result<AdmAnswer, DeliveryResult> {
        let mut url = self.base_url.clone();
        // Pushing segments percent-encodes the registration id: it is data, never path syntax.
        url.path_segments_mut()
            .map_err(|()| {
                DeliveryResult::failed(DeliveryStatus::PermanentFailure, 0, "ADM base URL cannot have a path")
            })?
            .pop_if_empty()
            .extend(["messaging", "registrations", request.registration_id.as_str(), "messages"]);
        let response = self
            .http
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header("X-Amzn-Type-Version", TYPE_VERSION)
            .header(ACCEPT, "application/json")
            .header("X-Amzn-Accept-Type", ACCEPT_TYPE)
            .json(&request.body)
            .send()
            .await
            .map_err(|error| self.transport_failure("the ADM send", &error))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let request_id =
            response.headers().get("x-amzn-requestid").and_then(|value| value.to_str().ok()).map(str::to_string);
        let body = response.text().await.map_err(|error| self.transport_failure("the ADM send answer", &error))?;
        Ok(AdmAnswer { status, body, retry_after, request_id })
    }

    fn transport_failure(&self, what: &str, error: &reqwest::Error) -> DeliveryResult {
        if error.is_timeout() {
            let message = format!("ADM did not answer {what} within {:?}", self.request_timeout);
            return DeliveryResult::failed(DeliveryStatus::Timeout, 0, message);
        }
        DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 0, format!("{what} failed: {}", error_chain(error)))
    }
}

fn parse_url(name: &str, value: &str) -> Result<reqwest::Url, AdmError> {
    reqwest::Url::parse(value).map_err(|error| AdmError::InvalidConfig(format!("{name} {value:?}: {error}")))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, OffsetDateTime::now_utc())
}

/// The error and its causes: reqwest's own message alone rarely says what went wrong.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
