//! Amazon Device Messaging: an OAuth2 client-credentials token from Login with Amazon, then one
//! `POST /messaging/registrations/{registrationId}/messages` per device.
//!
//! The request body (`data`, `consolidationKey`, `expiresAfter`, `md5`, `priority`) is built
//! elsewhere; this module only delivers it and turns ADM's answer into a `DeliveryResult`.

mod classify;
mod client;

use std::sync::Arc;
use std::time::Duration;

pub use client::AdmClient;

/// Login with Amazon's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";
/// ADM's messaging API.
pub const DEFAULT_BASE_URL: &str = "https://api.amazon.com";

/// One message to one app instance.
#[derive(Debug, Clone, PartialEq)]
pub struct AdmRequest {
    /// The app instance's registration id, as the app got it from ADM.
    pub registration_id: String,
    /// The ADM message: `{"data": {...}, "consolidationKey"?, "expiresAfter"?, "md5"?, "priority"?}`.
    pub body: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct AdmClientConfig {
    /// Where access tokens come from: [`DEFAULT_TOKEN_URL`] in production.
    pub token_url: String,
    /// Where messages go: [`DEFAULT_BASE_URL`] in production.
    pub base_url: String,
    /// The security profile's client id (`amzn1.application-oa2-client.…`).
    pub client_id: String,
    pub client_secret: String,
    /// Trust exactly these roots instead of the platform's (tests, private deployments).
    pub root_store: Option<Arc<rustls::RootCertStore>>,
    /// Bound on each HTTP exchange (token request or send), connecting included.
    pub request_timeout: Duration,
}

impl AdmClientConfig {
    /// Production endpoints for the given credentials.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        AdmClientConfig {
            token_url: DEFAULT_TOKEN_URL.to_string(),
            base_url: DEFAULT_BASE_URL.to_string(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            root_store: None,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Why an [`AdmClient`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AdmError {
    #[error("invalid ADM client configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid TLS configuration for ADM: {0}")]
    Tls(#[source] crate::tls::TlsError),
    #[error("could not build the HTTP client for ADM: {0}")]
    HttpClient(#[source] reqwest::Error),
}
