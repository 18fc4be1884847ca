//! Apple Push Notification service: the HTTP/2 provider API client.
//!
//! One `ApnsClient` serves one set of credentials (an app's APNs channel); it keeps a few
//! long-lived HTTP/2 connections to the configured base URL, which tests point at the fake APNs.
//! Payloads are built elsewhere; this module only delivers them and classifies Apple's answer.

mod classify;
mod client;
mod connection;
mod jwt;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::tls::TlsError;

pub use classify::classify;
pub use client::ApnsClient;

/// Apple's production endpoint.
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
/// Apple's development (sandbox) endpoint.
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";

/// How many HTTP/2 connections a client opens at most unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4;
/// How long one send may take, connection set-up included, unless told otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One notification to one device; the payload is already built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApnsRequest {
    pub device_token: String,
    /// `apns-push-type`: "alert", "background", "voip", ...; not sent when empty.
    pub push_type: String,
    /// `apns-priority`: 10, 5 or 1.
    pub priority: Option<u8>,
    /// `apns-expiration`, epoch seconds (0: deliver once or drop).
    pub expiration: Option<i64>,
    /// `apns-collapse-id`.
    pub collapse_id: Option<String>,
    /// `apns-topic`: the bundle id, with ".voip" for VoIP pushes.
    pub topic: String,
    /// `apns-id` (a UUID) when the caller fixes one; APNs makes one up otherwise.
    pub apns_id: Option<String>,
    /// The JSON body.
    pub payload: Vec<u8>,
}

/// How the provider authenticates to APNs.
#[derive(Clone, PartialEq, Eq)]
pub enum ApnsAuth {
    /// A .p8 signing key: every request carries an ES256 provider token.
    Token { key_pem: String, key_id: String, team_id: String },
    /// An "Apple Push Services" certificate presented as the TLS client certificate.
    Certificate { certificate_pem: String, private_key_pem: String },
}

impl fmt::Debug for ApnsAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApnsAuth::Token { key_id, team_id, .. } => f
                .debug_struct("Token")
                .field("key_pem", &"<redacted>")
                .field("key_id", key_id)
                .field("team_id", team_id)
                .finish(),
            ApnsAuth::Certificate { certificate_pem, .. } => f
                .debug_struct("Certificate")
                .field("certificate_pem", certificate_pem)
                .field("private_key_pem", &"<redacted>")
                .finish(),
        }
    }
}

/// Everything an `ApnsClient` needs.
#[derive(Clone)]
pub struct ApnsClientConfig {
    /// `https://host[:port]`, e.g. [`PRODUCTION_URL`] or a local fake's `https://127.0.0.1:PORT`.
    pub base_url: String,
    pub auth: ApnsAuth,
    /// Servers we trust; see [`crate::tls::root_store`].
    pub root_store: Arc<rustls::RootCertStore>,
    /// Upper bound for one `send`, connecting and the one token-refresh retry included.
    pub request_timeout: Duration,
    /// Most HTTP/2 connections this client keeps open at once.
    pub max_connections: usize,
}

impl ApnsClientConfig {
    /// A configuration with the default timeout and pool size.
    pub fn new(base_url: impl Into<String>, auth: ApnsAuth, root_store: Arc<rustls::RootCertStore>) -> Self {
        ApnsClientConfig {
            base_url: base_url.into(),
            auth,
            root_store,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl fmt::Debug for ApnsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The root store holds every system CA; its size is all a log reader needs.
        f.debug_struct("ApnsClientConfig")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("root_store", &format_args!("{} trusted roots", self.root_store.len()))
            .field("request_timeout", &self.request_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Why an `ApnsClient` could not be built. Sends never fail with an error: they return a
/// `DeliveryResult`.
#[derive(Debug, thiserror::Error)]
pub enum ApnsError {
    #[error("APNs base URL {url:?} is not usable: {reason}")]
    BaseUrl { url: String, reason: String },

    /// The .p8 key cannot sign provider tokens. Never quotes the key.
    #[error("the APNs token key with key id {key_id:?} cannot sign ES256 provider tokens: {reason}")]
    TokenKey { key_id: String, reason: String },

    /// TLS cannot be set up, for example because the certificate or its key is unusable.
    #[error("cannot set up TLS for APNs: {0}")]
    Tls(#[source] TlsError),

    #[error("max_connections must be at least 1")]
    NoConnections,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_keys() {
        let token = ApnsAuth::Token { key_pem: "SECRET-P8".into(), key_id: "KEY".into(), team_id: "TEAM".into() };
        let certificate =
            ApnsAuth::Certificate { certificate_pem: "CERT".into(), private_key_pem: "SECRET-KEY".into() };
        let config = ApnsClientConfig::new(PRODUCTION_URL, token.clone(), Arc::new(rustls::RootCertStore::empty()));
        for text in [format!("{token:?}"), format!("{certificate:?}"), format!("{config:?}")] {
            assert!(!text.contains("SECRET"), "{text}");
        }
        assert!(format!("{config:?}").contains("0 trusted roots"));
    }
}
