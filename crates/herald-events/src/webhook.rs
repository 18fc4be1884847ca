//! `type = "webhook"`: one HTTP POST per event.
//!
//! Each request carries the record's compact JSON as its body and:
//! - `x-herald-event-id`: the event id, for the receiver to de-duplicate retries;
//! - `x-herald-timestamp`: when the request was signed, in unix seconds;
//! - `x-herald-signature: v1=<hex>` when a secret is configured: the lowercase hex
//!   HMAC-SHA256 of `"<timestamp>.<body>"` under the secret. Receivers check it with
//!   [`verify_webhook_signature`] and should also refuse old timestamps, which the signature
//!   covers, to stop replays.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;

use crate::config::{WebhookConfig, redact_url};
use crate::error::{SinkError, chain};
use crate::{Sink, SinkEvent};

const KIND: &str = "webhook";

/// How much of a refusing receiver's answer goes into the error, for the operator to see why.
const RESPONSE_EXCERPT_CHARS: usize = 200;

type HmacSha256 = Hmac<Sha256>;

/// Posts each event to one URL.
pub struct WebhookSink {
    arn: String,
    url: reqwest::Url,
    /// The URL as shown in errors: without a password it may carry.
    shown_url: String,
    secret: Option<Vec<u8>>,
    headers: HeaderMap,
    http: reqwest::Client,
}

impl WebhookSink {
    /// Builds the HTTP client; reads `ca_file` but does not touch the network.
    pub fn new(arn: &str, config: &WebhookConfig) -> anyhow::Result<Self> {
        let url = reqwest::Url::parse(&config.url)
            .map_err(|error| anyhow::anyhow!("{:?} is not a URL: {error}", redact_url(&config.url)))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| anyhow::anyhow!("{name:?} is not a valid HTTP header name"))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| anyhow::anyhow!("the value of header {name} is not a valid HTTP header value"))?;
            // Keeps credentials out of reqwest's own debug logs.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));

        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout())
            .user_agent(concat!("herald-events/", env!("CARGO_PKG_VERSION")))
            // A redirected POST turns into a GET on 301/302: better to report the 3xx.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|error| anyhow::anyhow!("reading {}: {error}", path.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|error| anyhow::anyhow!("{} is not a PEM certificate bundle: {error}", path.display()))?;
            if certificates.is_empty() {
                anyhow::bail!("{} holds no certificate", path.display());
            }
            builder = builder.tls_certs_merge(certificates);
        }
        let http = builder.build().map_err(|error| anyhow::anyhow!("building the HTTP client: {}", chain(&error)))?;

        Ok(WebhookSink {
            arn: arn.to_string(),
            shown_url: redact_url(url.as_str()),
            url,
            secret: config.secret.as_ref().map(|secret| secret.as_bytes().to_vec()),
            headers,
            http,
        })
    }

    async fn deliver_one(&self, event: &SinkEvent) -> Result<(), SinkError> {
        let body = serde_json::to_vec(&event.body).map_err(|error| {
            SinkError::permanent(&self.arn, KIND, format!("cannot encode the record: {error}"))
                .with_event(&event.event_id)
        })?;
        let timestamp = unix_seconds();
        let event_id = HeaderValue::from_str(&event.event_id).map_err(|_| {
            SinkError::permanent(&self.arn, KIND, "the event id is not a valid HTTP header value")
                .with_event(&event.event_id)
        })?;

        let mut headers = self.headers.clone();
        headers.insert("x-herald-event-id", event_id);
        headers.insert("x-herald-timestamp", HeaderValue::from(timestamp));
        if let Some(secret) = &self.secret {
            let signature = format!("v1={}", sign(secret, &timestamp.to_string(), &body));
            // Hex digits and "v1=" are always a valid header value.
            if let Ok(value) = HeaderValue::from_str(&signature) {
                headers.insert("x-herald-signature", value);
            }
        }

        let mut response =
            self.http.post(self.url.clone()).headers(headers).body(body).send().await.map_err(|error| {
                let what = if error.is_timeout() { "timed out" } else { "failed" };
                // reqwest's message repeats the URL, password included: it is left out here.
                let error = error.without_url();
                SinkError::retryable(&self.arn, KIND, format!("POST {} {what}: {}", self.shown_url, chain(&error)))
                    .with_event(&event.event_id)
            })?;

        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The first chunk is enough for an excerpt, and a receiver answering an endless body
        // cannot make us read it.
        let excerpt = match response.chunk().await {
            Ok(Some(chunk)) => {
                let text = String::from_utf8_lossy(&chunk);
                let text: String = text.trim().chars().take(RESPONSE_EXCERPT_CHARS).collect();
                if text.is_empty() { String::new() } else { format!(": {text}") }
            }
            _ => String::new(),
        };
        let message = format!("POST {} answered {status}{excerpt}", self.shown_url);
        let error = if is_retryable_status(status) {
            SinkError::retryable(&self.arn, KIND, message)
        } else {
            SinkError::permanent(&self.arn, KIND, message)
        };
        Err(error.with_event(&event.event_id))
    }
}

#[async_trait]
impl Sink for WebhookSink {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn deliver(&self, events: &[SinkEvent]) -> Result<(), SinkError> {
        // One at a time, in slice order: the slice may hold several events of one ordering key.
        for event in events {
            self.deliver_one(event).await?;
        }
        Ok(())
    }
}

/// 5xx, 408 (request timeout) and 429 (too many requests) are the receiver's passing trouble;
/// other statuses (4xx, a 3xx that is not followed) need someone to change something.
fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or_default()
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"`.
fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// Whether `header` (the `x-herald-signature` value, `v1=<hex>`) signs `timestamp` (the
/// `x-herald-timestamp` value) and `body` under `secret`. Several signatures separated by commas
/// are accepted when any one matches, so a sender can sign with an old and a new secret while a
/// secret is rotated. The comparison takes constant time.
///
/// This does not judge the timestamp's age: receivers should also refuse requests whose
/// timestamp is far from their clock.
pub fn verify_webhook_signature(secret: &[u8], timestamp: &str, body: &[u8], header: &str) -> bool {
    let expected = mac(secret, timestamp, body);
    header.split(',').filter_map(|part| part.trim().strip_prefix("v1=")).any(|hex_signature| {
        match hex::decode(hex_signature) {
            Ok(signature) => expected.clone().verify_slice(&signature).is_ok(),
            Err(_) => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign(b"secret", "1700000000", br#"{"a":1}"#),
            "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }

    #[test]
    fn verify_accepts_own_signature_and_rejects_changes() {
        let header = format!("v1={}", sign(b"secret", "1700000000", b"{}"));
        assert!(verify_webhook_signature(b"secret", "1700000000", b"{}", &header));
        assert!(!verify_webhook_signature(b"secret", "1700000001", b"{}", &header));
        assert!(!verify_webhook_signature(b"secret", "1700000000", b"{ }", &header));
        assert!(!verify_webhook_signature(b"other", "1700000000", b"{}", &header));
        assert!(!verify_webhook_signature(b"secret", "1700000000", b"{}", "v1=zz"));
        assert!(!verify_webhook_signature(b"secret", "1700000000", b"{}", ""));
        assert!(!verify_webhook_signature(b"secret", "1700000000", b"{}", &header.replace("v1=", "v0=")));
        let rotated = format!("v1={},{header}", sign(b"old", "1700000000", b"{}"));
        assert!(verify_webhook_signature(b"secret", "1700000000", b"{}", &rotated));
    }

    #[test]
    fn retryable_statuses() {
        for code in [500, 502, 503, 504, 408, 429] {
            assert!(is_retryable_status(StatusCode::from_u16(code).expect("status")), "{code}");
        }
        for code in [301, 400, 401, 403, 404, 410, 413, 422] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).expect("status")), "{code}");
        }
    }
}
