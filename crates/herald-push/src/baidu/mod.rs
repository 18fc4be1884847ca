//! Baidu Cloud Push (Tuisong), REST API 3.0: one signed `POST {base}/push/single_device` per
//! device, authenticated by the app's API key and an MD5 signature made with its secret key.
//!
//! The message (`msg`) is built elsewhere; this module only delivers it and turns Baidu's answer
//! into a `DeliveryResult`.

mod classify;
mod client;
mod sign;

use std::sync::Arc;
use std::time::Duration;

pub use client::BaiduClient;

/// Baidu's REST API 3.0.
pub const DEFAULT_BASE_URL: &str = "https://api.tuisong.baidu.com/rest/3.0";

/// `device_type` for Android apps.
pub const DEVICE_TYPE_ANDROID: u8 = 3;
/// `device_type` for iOS apps.
pub const DEVICE_TYPE_IOS: u8 = 4;
/// `msg_type` for a pass-through message the app handles itself.
pub const MSG_TYPE_MESSAGE: u8 = 0;
/// `msg_type` for a notification the system shows.
pub const MSG_TYPE_NOTIFICATION: u8 = 1;

/// One message to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaiduRequest {
    /// The device's channel id, as the app got it from Baidu.
    pub channel_id: String,
    /// [`DEVICE_TYPE_ANDROID`] or [`DEVICE_TYPE_IOS`].
    pub device_type: u8,
    /// [`MSG_TYPE_MESSAGE`] or [`MSG_TYPE_NOTIFICATION`].
    pub msg_type: u8,
    /// The message, a JSON text.
    pub msg: String,
    /// How long Baidu keeps the message for an offline device, in seconds; Baidu's default when
    /// absent.
    pub msg_expires: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct BaiduClientConfig {
    /// [`DEFAULT_BASE_URL`] in production. Part of the signature: it must be the URL Baidu sees.
    pub base_url: String,
    pub api_key: String,
    pub secret_key: String,
    /// Trust exactly these roots instead of the platform's (tests, private deployments).
    pub root_store: Option<Arc<rustls::RootCertStore>>,
    /// Bound on each HTTP exchange, connecting included.
    pub request_timeout: Duration,
}

impl BaiduClientConfig {
    /// The production endpoint for the given keys.
    pub fn new(api_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        BaiduClientConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: api_key.into(),
            secret_key: secret_key.into(),
            root_store: None,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a [`BaiduClient`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BaiduError {
    #[error("invalid Baidu client configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid TLS configuration for Baidu: {0}")]
    Tls(#[source] crate::tls::TlsError),
    #[error("could not build the HTTP client for Baidu: {0}")]
    HttpClient(#[source] reqwest::Error),
}
