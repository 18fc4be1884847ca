//! The Baidu client against the fake Baidu.

use std::time::Duration;

use herald_push::baidu::{BaiduClient, BaiduClientConfig, BaiduRequest};
use herald_push::{DeliveryResult, DeliveryStatus};
use herald_testkit::fakes::baidu::{BaiduOutcome, FakeBaidu};
use serde_json::json;

const API_KEY: &str = "Ljk0xEoPXUQUqDfSaXfDKeCd";
const SECRET_KEY: &str = "aBcD1234EfGh5678IjKl9012MnOp3456";
const CHANNEL_ID: &str = "3812023617541395311";

async fn fake() -> FakeBaidu {
    let fake = FakeBaidu::start().await;
    fake.register_app(API_KEY, SECRET_KEY);
    fake
}

fn config(fake: &FakeBaidu) -> BaiduClientConfig {
    BaiduClientConfig {
        base_url: fake.base_url(),
        api_key: API_KEY.to_string(),
        secret_key: SECRET_KEY.to_string(),
        root_store: None,
        request_timeout: Duration::from_secs(5),
    }
}

fn client(fake: &FakeBaidu) -> BaiduClient {
    BaiduClient::new(config(fake)).expect("Baidu client")
}

fn notification(channel_id: &str) -> BaiduRequest {
    BaiduRequest {
        channel_id: channel_id.to_string(),
        device_type: 3,
        msg_type: 1,
        // Spaces, `~`, `*`, quotes and non-ASCII text all go through the signature.
        msg: json!({ "title": "Hi ~ there", "description": "Ünïcode 中文 *!", "custom_content": { "k": "v w" } })
            .to_string(),
        msg_expires: Some(3600),
    }
}

#[tokio::test]
async fn delivers_a_signed_push() {
    let fake = fake().await;
    let result = client(&fake).send(&notification(CHANNEL_ID)).await;

    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(result.status_code, 200);
    assert!(result.message_id.as_deref().is_some_and(|id| !id.is_empty()), "{result:?}");

    let received = fake.received();
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(sent.http_status, 200);
    assert_eq!(sent.error_code, None);
    let param = |name: &str| sent.params.get(name).map(String::as_str);
    assert_eq!(param("apikey"), Some(API_KEY));
    assert_eq!(param("channel_id"), Some(CHANNEL_ID));
    assert_eq!(param("device_type"), Some("3"));
    assert_eq!(param("msg_type"), Some("1"));
    assert_eq!(param("msg_expires"), Some("3600"));
    assert!(param("sign").is_some_and(|sign| sign.len() == 32));
    assert_eq!(sent.msg.as_ref().and_then(|msg| msg["description"].as_str()), Some("Ünïcode 中文 *!"));
    assert!(sent.user_agent.as_deref().is_some_and(|agent| agent.starts_with("BCCS_SDK/3.0 (")));
}

#[tokio::test]
async fn msg_expires_is_left_out_when_absent() {
    let fake = fake().await;
    let request = BaiduRequest {
        msg_type: 0,
        msg: "{\"data\":\"pass-through\"}".to_string(),
        msg_expires: None,
        ..notification(CHANNEL_ID)
    };
    assert_eq!(client(&fake).send(&request).await.status, DeliveryStatus::Successful);
    assert!(!fake.received()[0].params.contains_key("msg_expires"));
}

#[tokio::test]
async fn every_scripted_error_maps_to_its_result() {
    use DeliveryStatus::*;
    let fake = fake().await;
    let client = client(&fake);
    let cases = [
        (30608, "Bind Relation Not Found", PermanentFailure, true),
        (30607, "Channel Token Timeout", PermanentFailure, true),
        (30602, "Request Params Not Valid, channel_id is invalid", PermanentFailure, true),
        (30603, "Authentication Failed", PermanentFailure, false),
        (30612, "Application Forbidden, Need Whitelist Authorization", PermanentFailure, false),
        (40001, "invalid iOS device token", PermanentFailure, true),
        (30604, "Quota Use Up Payment Required", Throttled, false),
        (30699, "Requests Are Too Frequent To Be Temporarily Rejected", Throttled, false),
        (30600, "Internal Server Error", TemporaryFailure, false),
        (30609, "Bind Number Too Many", UnknownFailure, false),
    ];
    for (n, (code, msg, status, token_invalid)) in cases.into_iter().enumerate() {
        let channel_id = format!("100{n}");
        fake.script(&channel_id, vec![BaiduOutcome::error(code, msg)]);
        let result = client.send(&notification(&channel_id)).await;
        let http_status = fake.received().last().map(|sent| sent.http_status).unwrap_or_default();
        let mut expected = DeliveryResult::failed(status, http_status, format!("{code}: {msg}"));
        expected.token_invalid = token_invalid;
        assert_eq!(result, expected, "error {code}");
    }
}

#[tokio::test]
async fn a_wrong_secret_key_is_refused_by_signature() {
    let fake = fake().await;
    let mut config = config(&fake);
    config.secret_key = "not-the-secret".to_string();
    let result = BaiduClient::new(config).expect("Baidu client").send(&notification(CHANNEL_ID)).await;

    assert_eq!(result.status, DeliveryStatus::PermanentFailure);
    assert_eq!(result.status_message, "30603: Authentication Failed, sign invalid");
    assert!(!result.token_invalid);
}

#[tokio::test]
async fn an_unknown_api_key_is_refused() {
    let fake = fake().await;
    let mut config = config(&fake);
    config.api_key = "unknown".to_string();
    let result = BaiduClient::new(config).expect("Baidu client").send(&notification(CHANNEL_ID)).await;
    assert_eq!((result.status, result.token_invalid), (DeliveryStatus::PermanentFailure, false));
    assert!(result.status_message.starts_with("30603: "), "{result:?}");
}

#[tokio::test]
async fn the_fake_checks_channel_and_message() {
    let fake = fake().await;
    let client = client(&fake);

    let bad_channel = client.send(&notification("not-a-channel")).await;
    assert_eq!((bad_channel.status, bad_channel.token_invalid), (DeliveryStatus::PermanentFailure, true));
    assert_eq!(bad_channel.status_message, "30602: Request Params Not Valid, channel_id is invalid");

    let long = BaiduRequest {
        msg: json!({ "title": "t", "description": "x".repeat(4096) }).to_string(),
        ..notification(CHANNEL_ID)
    };
    let too_long = client.send(&long).await;
    assert_eq!((too_long.status, too_long.token_invalid), (DeliveryStatus::PermanentFailure, false));
    assert!(too_long.status_message.starts_with("30602: "), "{too_long:?}");

    let not_json = BaiduRequest { msg: "plain text".to_string(), ..notification(CHANNEL_ID) };
    assert_eq!(client.send(&not_json).await.status, DeliveryStatus::PermanentFailure);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let fake = fake().await;
    fake.script(CHANNEL_ID, vec![BaiduOutcome::Delay(Duration::from_secs(3))]);
    let mut config = config(&fake);
    config.request_timeout = Duration::from_millis(300);

    let result = BaiduClient::new(config).expect("Baidu client").send(&notification(CHANNEL_ID)).await;
    assert_eq!(result.status, DeliveryStatus::Timeout, "{result:?}");
    assert_eq!(result.status_code, 0);
}

#[tokio::test]
async fn an_unreachable_baidu_is_a_temporary_failure() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let config = BaiduClientConfig {
        base_url: format!("http://{closed}/rest/3.0"),
        ..BaiduClientConfig::new(API_KEY, SECRET_KEY)
    };
    let result = BaiduClient::new(config).expect("Baidu client").send(&notification(CHANNEL_ID)).await;
    assert_eq!(result.status, DeliveryStatus::TemporaryFailure, "{result:?}");
    assert_eq!(result.status_code, 0);
}

#[test]
fn configuration_is_checked() {
    let with = |base_url: &str| BaiduClientConfig {
        base_url: base_url.to_string(),
        ..BaiduClientConfig::new(API_KEY, SECRET_KEY)
    };
    assert!(BaiduClient::new(with("https://api.tuisong.baidu.com/rest/3.0/")).is_ok());
    assert!(BaiduClient::new(with("not a url")).is_err());
    assert!(
        BaiduClient::new(with("HTTPS://API.TUISONG.BAIDU.COM/rest/3.0")).is_err(),
        "not canonical: signature would differ"
    );
    assert!(BaiduClient::new(BaiduClientConfig::new(API_KEY, "")).is_err());
}
