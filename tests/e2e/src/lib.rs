//! Clients of the real AWS SDK for Rust pointed at a `TestServer`.

use aws_credential_types::Credentials;
use herald_testkit::TestServer;

pub use herald_testkit;

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
