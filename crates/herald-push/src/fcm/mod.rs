//! Firebase Cloud Messaging over the HTTP v1 API.
//!
//! One [`FcmClient`] per (app, service-account key): it exchanges a signed JWT for an OAuth2
//! access token (`oauth`), posts `messages:send` requests with it (`client`) and maps every
//! answer onto a [`DeliveryResult`](crate::DeliveryResult) (`classify`). Channels that only
//! hold a legacy server key get [`legacy_api_result`] without any network traffic.

mod classify;
mod client;
mod oauth;

use std::sync::Arc;
use std::time::Duration;

use crate::credentials::ServiceAccountKey;

pub use classify::legacy_api_result;
pub use client::FcmClient;
pub use oauth::FIREBASE_MESSAGING_SCOPE;

/// Google's FCM endpoint.
pub const FCM_BASE_URL: &str = "https://fcm.googleapis.com";

/// In-flight sends per client unless configured otherwise.
pub const DEFAULT_MAX_CONCURRENCY: usize = 100;

/// Per HTTP request (token exchange or send), from connecting until the whole answer is read.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// One FCM HTTP v1 send.
#[derive(Debug, Clone, PartialEq)]
pub struct FcmRequest {
    /// The v1 `message` object, including its target (`token`).
    pub message: serde_json::Value,
}

/// Everything an [`FcmClient`] needs.
#[derive(Debug, Clone)]
pub struct FcmClientConfig {
    /// `https://fcm.googleapis.com`, or `http://127.0.0.1:PORT` for a fake.
    pub base_url: String,
    /// The channel's ServiceJson; its `token_uri` is where access tokens come from.
    pub service_account: ServiceAccountKey,
    /// Trust exactly these roots instead of the system's (for https fakes); `None` = system trust.
    pub root_store: Option<Arc<rustls::RootCertStore>>,
    pub request_timeout: Duration,
    /// Sends beyond this many wait for a slot instead of opening more streams or connections.
    pub max_concurrency: usize,
}

impl FcmClientConfig {
    /// A configuration with system trust and the default timeout and concurrency.
    pub fn new(base_url: impl Into<String>, service_account: ServiceAccountKey) -> Self {
        FcmClientConfig {
            base_url: base_url.into(),
            service_account,
            root_store: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }
}

/// Why an [`FcmClient`] could not be built. Sends never fail with this type: their outcomes
/// are [`DeliveryResult`](crate::DeliveryResult)s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FcmError {
    #[error("FCM base URL {url:?} is unusable: {reason}")]
    InvalidBaseUrl { url: String, reason: String },

    #[error("service account project_id {0:?} is not a valid Google Cloud project id")]
    InvalidProjectId(String),

    #[error("service account private_key cannot sign RS256 tokens: {0}")]
    InvalidPrivateKey(String),

    #[error("max_concurrency must be at least 1")]
    ZeroConcurrency,

    #[error("building the FCM HTTP client failed: {0}")]
    HttpClient(String),
}

/// A reqwest error with its causes, which carry the useful part ("connection refused",
/// "invalid peer certificate") while the top level only says "error sending request".
fn describe_http_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // hyper and reqwest sometimes wrap an error in one that prints the same text.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
