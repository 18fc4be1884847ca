//! Clients of the real AWS SDK for Rust pointed at a `TestServer`.

use aws_credential_types::Credentials;
use herald_testkit::TestServer;

pub use herald_testkit;

pub mod messages;
pub mod webhook;

pub const REGION: &str = "us-east-1";

fn credentials(access_key_id: &str, secret_access_key: &str) -> Credentials {
    Credentials::new(access_key_id, secret_access_key, None, None, "herald-e2e")
}

/// A Pinpoint client signed with the server's root key.
pub fn pinpoint(server: &TestServer) -> aws_sdk_pinpoint::Client {
    pinpoint_with(server, &server.access_key_id, &server.secret_access_key)
}

/// A Pinpoint client signed with any key, for authentication failures. Retries are off so a
/// failure shows at once.
pub fn pinpoint_with(server: &TestServer, access_key_id: &str, secret_access_key: &str) -> aws_sdk_pinpoint::Client {
    let config = aws_sdk_pinpoint::Config::builder()
        .region(aws_sdk_pinpoint::config::Region::new(REGION))
        .endpoint_url(&server.endpoint)
        .credentials_provider(credentials(access_key_id, secret_access_key))
        .retry_config(aws_sdk_pinpoint::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_pinpoint::Client::from_conf(config)
}

/// An SMS and voice v2 client signed with the server's root key.
pub fn sms_voice(server: &TestServer) -> aws_sdk_pinpointsmsvoicev2::Client {
    let config = aws_sdk_pinpointsmsvoicev2::Config::builder()
        .region(aws_sdk_pinpointsmsvoicev2::config::Region::new(REGION))
        .endpoint_url(&server.endpoint)
        .credentials_provider(credentials(&server.access_key_id, &server.secret_access_key))
        .retry_config(aws_sdk_pinpointsmsvoicev2::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_pinpointsmsvoicev2::Client::from_conf(config)
}

/// The wire reason of a modeled SMS error that has one (Conflict, Validation,
/// ServiceQuotaExceeded): `reason!(call.send().await, OperationError::ConflictException)`.
#[macro_export]
macro_rules! reason {
    ($result:expr, $variant:path) => {{
        let error = $result.expect_err("the call should fail");
        match error.as_service_error() {
            Some($variant(e)) => e.reason().map(|r| r.as_str().to_owned()).unwrap_or_default(),
            _ => panic!("expected {}, got {error:?}", stringify!($variant)),
        }
    }};
}

/// The resource type and id a ResourceNotFoundException names.
#[macro_export]
macro_rules! not_found {
    ($result:expr, $variant:path) => {{
        let error = $result.expect_err("the call should fail");
        match error.as_service_error() {
            Some($variant(e)) => {
                (e.resource_type().cloned().expect("ResourceType"), e.resource_id().unwrap_or_default().to_owned())
            }
            _ => panic!("expected {}, got {error:?}", stringify!($variant)),
        }
    }};
}

/// Polls `done` every 100 ms until it holds; fails the test, naming `what`, after `timeout`.
pub async fn wait_for(what: &str, timeout: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what} within {timeout:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
