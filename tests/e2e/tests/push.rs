//! SendMessages and SendUsersMessages delivered through APNs, FCM, ADM and Baidu fakes, checked
//! at the fakes and in the per-address results.

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::types::{
    AddressConfiguration, AdmChannelRequest, ApnsChannelRequest, ApnsMessage, ApnsSandboxChannelRequest,
    BaiduChannelRequest, BaiduMessage, ChannelType, CreateApplicationRequest, DeliveryStatus,
    DirectMessageConfiguration, EndpointRequest, EndpointSendConfiguration, EndpointUser, GcmChannelRequest,
    GcmMessage, MessageRequest, MessageResponse, SendUsersMessageRequest,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::fakes::adm::FakeAdm;
use herald_e2e::herald_testkit::fakes::apns::{FakeApns, FakeApnsConfig, ReceivedAuth, ScriptedOutcome};
use herald_e2e::herald_testkit::fakes::baidu::FakeBaidu;
use herald_e2e::herald_testkit::fakes::fcm::{FakeFcm, FcmOutcome};
use herald_e2e::pinpoint;
use herald_push::credentials::test_material::{
    CertificateKeyAlgorithm, apns_certificate, apns_token_key_p8, fcm_service_account_json,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};

const KEY_ID: &str = "KEYID12345";
const TEAM_ID: &str = "TEAM123456";
const BUNDLE: &str = "com.example.herald";
const APNS_TOKEN: &str = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";

/// Herald wired to a fake of every provider.
struct World {
    apns: FakeApns,
    fcm: FakeFcm,
    adm: FakeAdm,
    baidu: FakeBaidu,
    /// Kept alive for the test.
    _server: TestServer,
    client: Client,
    app: String,
    p8: String,
    service_json: String,
    _ca_dir: tempfile::TempDir,
}

async fn world() -> World {
    world_accepting(None).await
}

/// A world whose fake APNs also accepts this client certificate.
async fn world_accepting(client_certificate: Option<String>) -> World {
    let p8 = apns_token_key_p8();
    let apns = FakeApns::start(FakeApnsConfig {
        token_keys: vec![(KEY_ID.into(), TEAM_ID.into(), p8.clone())],
        client_ca_pem: client_certificate,
        ..FakeApnsConfig::default()
    })
    .await;
    let fcm = FakeFcm::start().await;
    let service_json = fcm_service_account_json("herald-e2e", &fcm.token_uri());
    let account: serde_json::Value = serde_json::from_str(&service_json).expect("service json");
    fcm.register_service_account(
        account["client_email"].as_str().expect("email"),
        account["private_key"].as_str().expect("key"),
    );
    let adm = FakeAdm::start().await;
    adm.register_client("amzn1.application-oa2-client.e2e", "adm-secret");
    let baidu = FakeBaidu::start().await;
    baidu.register_app("baidu-api-key", "baidu-secret-key");

    let ca_dir = tempfile::tempdir().expect("temp dir");
    let ca_file = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_file, apns.ca_pem()).expect("write CA");
    let config = format!(
        "[providers]\nextra_ca_file = {ca:?}\n[providers.apns]\nproduction_url = {apns:?}\nsandbox_url = {apns:?}\n\
         [providers.fcm]\nbase_url = {fcm:?}\n[providers.adm]\ntoken_url = {adm_token:?}\nbase_url = {adm:?}\n\
         [providers.baidu]\nbase_url = {baidu:?}\n",
        ca = ca_file.display().to_string(),
        apns = apns.base_url(),
        fcm = fcm.base_url(),
        adm_token = adm.token_url(),
        adm = adm.base_url(),
        baidu = baidu.base_url(),
    );
    let server = TestServer::builder().config(config).start();
    let client = pinpoint(&server);
    let request = CreateApplicationRequest::builder().name("push").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let app = app.application_response.and_then(|a| a.id).expect("app id");
    World { apns, fcm, adm, baidu, _server: server, client, app, p8, service_json, _ca_dir: ca_dir }
}

impl World {
    async fn enable_apns(&self) {
        let request = ApnsChannelRequest::builder()
            .token_key(&self.p8)
            .token_key_id(KEY_ID)
            .team_id(TEAM_ID)
            .bundle_id(BUNDLE)
            .build();
        self.client
            .update_apns_channel()
            .application_id(&self.app)
            .apns_channel_request(request)
            .send()
            .await
            .expect("APNs channel");
    }

    async fn enable_gcm(&self) {
        let request = GcmChannelRequest::builder()
            .service_json(&self.service_json)
            .default_authentication_method("TOKEN")
            .build();
        self.client
            .update_gcm_channel()
            .application_id(&self.app)
            .gcm_channel_request(request)
            .send()
            .await
            .expect("GCM channel");
    }

    async fn send(&self, request: MessageRequest) -> MessageResponse {
        let response = self.client.send_messages().application_id(&self.app).message_request(request).send().await;
        response.expect("SendMessages").message_response.expect("message response")
    }
}

fn result_of<'r>(response: &'r MessageResponse, address: &str) -> &'r aws_sdk_pinpoint::types::MessageResult {
    response.result().and_then(|r| r.get(address)).unwrap_or_else(|| panic!("no result for {address}: {response:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_token_auth_delivers_every_field() {
    let world = world().await;
    world.enable_apns().await;
    let message = ApnsMessage::builder()
        .title("Game Request")
        .body("Bob wants to play poker")
        .category("GAME_INVITATION")
        .sound("default")
        .badge(3)
        .thread_id("games")
        .priority("high")
        .time_to_live(3600)
        .collapse_id("invite-1")
        .action(aws_sdk_pinpoint::types::Action::DeepLink)
        .url("poker://table/7")
        .data("gameID", "12345678")
        .media_url("https://www.example.com/table.png")
        .build();
    let request = MessageRequest::builder()
        .addresses(APNS_TOKEN, AddressConfiguration::builder().channel_type(ChannelType::Apns).build())
        .message_configuration(DirectMessageConfiguration::builder().apns_message(message).build())
        .build();
    let response = world.send(request).await;
    let result = result_of(&response, APNS_TOKEN);
    assert_eq!(result.delivery_status(), Some(&DeliveryStatus::Successful), "{result:?}");
    assert_eq!(result.status_code(), Some(200));

    let received = world.apns.received();
    assert_eq!(received.len(), 1);
    let notification = &received[0];
    assert_eq!(notification.device_token, APNS_TOKEN);
    assert_eq!(result.message_id(), notification.answered_apns_id.as_deref());
    assert!(
        matches!(&notification.auth, ReceivedAuth::Token { key_id, team_id, .. } if key_id == KEY_ID && team_id == TEAM_ID)
    );
    let header = |name: &str| notification.headers.get(name).map(String::as_str);
    assert_eq!(header("apns-topic"), Some(BUNDLE));
    assert_eq!(header("apns-push-type"), Some("alert"));
    assert_eq!(header("apns-priority"), Some("10"));
    assert_eq!(header("apns-collapse-id"), Some("invite-1"));
    assert!(header("apns-expiration").and_then(|e| e.parse::<i64>().ok()).is_some_and(|e| e > 0));
    let aps = &notification.payload["aps"];
    assert_eq!(aps["alert"], json!({"title": "Game Request", "body": "Bob wants to play poker"}));
    assert_eq!(
        (aps["category"].as_str(), aps["sound"].as_str(), aps["badge"].as_i64()),
        (Some("GAME_INVITATION"), Some("default"), Some(3))
    );
    assert_eq!(aps["thread-id"], "games");
    assert_eq!(notification.payload["data"]["pinpoint"]["deeplink"], "poker://table/7");
    assert_eq!(notification.payload["data"]["jsonBody"]["gameID"], "12345678", "Data goes to data.jsonBody");
    assert_eq!(notification.payload["data"]["media-url"], "https://www.example.com/table.png");
    assert_eq!(aps["mutable-content"], 1, "a MediaUrl needs the notification service extension");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_outcomes_retries_and_inactive_endpoints() {
    let world = world().await;
    world.enable_apns().await;
    let gone = "b".repeat(64);
    let flaky = "c".repeat(64);
    let bad = "d".repeat(64);
    world.apns.script(&gone, vec![ScriptedOutcome::reject(410, "Unregistered")]);
    world.apns.script(&flaky, vec![ScriptedOutcome::reject(500, "InternalServerError")]);
    world.apns.script(&bad, vec![ScriptedOutcome::reject(400, "BadDeviceToken")]);

    let endpoint = EndpointRequest::builder().address(&gone).channel_type(ChannelType::Apns).build();
    world
        .client
        .update_endpoint()
        .application_id(&world.app)
        .endpoint_id("gone-device")
        .endpoint_request(endpoint)
        .send()
        .await
        .expect("endpoint");

    let silent = ApnsMessage::builder().silent_push(true).data("sync", "1").build();
    let request = MessageRequest::builder()
        .endpoints("gone-device", EndpointSendConfiguration::builder().build())
        .addresses(flaky.clone(), AddressConfiguration::builder().channel_type(ChannelType::Apns).build())
        .addresses(bad.clone(), AddressConfiguration::builder().channel_type(ChannelType::Apns).build())
        .message_configuration(DirectMessageConfiguration::builder().apns_message(silent).build())
        .build();
    let response = world.send(request).await;

    let gone_result = response.endpoint_result().and_then(|r| r.get("gone-device")).expect("endpoint result");
    assert_eq!(gone_result.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert_eq!((gone_result.status_code(), gone_result.status_message()), (Some(410), Some("Unregistered")));
    assert_eq!(gone_result.address(), Some(gone.as_str()));
    let flaky_result = result_of(&response, &flaky);
    assert_eq!(
        flaky_result.delivery_status(),
        Some(&DeliveryStatus::Successful),
        "the retry succeeds: {flaky_result:?}"
    );
    let bad_result = result_of(&response, &bad);
    assert_eq!(
        (bad_result.delivery_status(), bad_result.status_message()),
        (Some(&DeliveryStatus::PermanentFailure), Some("BadDeviceToken"))
    );

    let attempts = world.apns.received().iter().filter(|n| n.device_token == flaky).count();
    assert_eq!(attempts, 2, "one failure, one retry");
    let silent_push = world.apns.received().into_iter().find(|n| n.device_token == flaky).expect("sent");
    assert_eq!(silent_push.headers.get("apns-push-type").map(String::as_str), Some("background"));
    assert_eq!(silent_push.headers.get("apns-priority").map(String::as_str), Some("5"));
    assert_eq!(silent_push.payload["aps"]["content-available"], 1);

    let endpoint = world
        .client
        .get_endpoint()
        .application_id(&world.app)
        .endpoint_id("gone-device")
        .send()
        .await
        .expect("endpoint");
    assert_eq!(endpoint.endpoint_response.and_then(|e| e.endpoint_status), Some("INACTIVE".into()));

    // An inactive endpoint is not sent to again.
    let again = MessageRequest::builder()
        .endpoints("gone-device", EndpointSendConfiguration::builder().build())
        .message_configuration(
            DirectMessageConfiguration::builder().apns_message(ApnsMessage::builder().body("hi").build()).build(),
        )
        .build();
    let response = world.send(again).await;
    let result = response.endpoint_result().and_then(|r| r.get("gone-device")).expect("result");
    assert_eq!(result.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert_eq!(world.apns.received().iter().filter(|n| n.device_token == gone).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_v1_delivery_with_substitutions_and_unregistered_tokens() {
    let world = world().await;
    world.enable_gcm().await;
    world.fcm.script("dead-token", vec![FcmOutcome::unregistered()]);
    world.fcm.script("busy-token", vec![FcmOutcome::unavailable()]);

    let message = GcmMessage::builder()
        .title("Hello {{Name}}")
        .body("Your order {{Order}} shipped")
        .action(aws_sdk_pinpoint::types::Action::Url)
        .url("https://www.example.com")
        .priority("high")
        .time_to_live(30)
        .image_url("https://www.example.com/p.png")
        .image_icon_url("https://www.example.com/icon.png")
        .small_image_icon_url("https://www.example.com/small.png")
        .icon_reference("ic_stat_parcel")
        .sound("chime")
        .collapse_key("orders")
        .restricted_package_name("com.example.shop")
        .data("orderId", "1")
        .substitutions("Name", vec!["friend".into()])
        .substitutions("Order", vec!["#1".into()])
        .build();
    let ada = AddressConfiguration::builder()
        .channel_type(ChannelType::Gcm)
        .substitutions("Name", vec!["Ada".into()])
        .title_override("{{Name}}, a parcel!")
        .build();
    let request = MessageRequest::builder()
        .addresses("live-token", ada)
        .addresses("dead-token", AddressConfiguration::builder().channel_type(ChannelType::Gcm).build())
        .addresses("busy-token", AddressConfiguration::builder().channel_type(ChannelType::Gcm).build())
        .message_configuration(DirectMessageConfiguration::builder().gcm_message(message).build())
        .build();
    let response = world.send(request).await;

    let live = result_of(&response, "live-token");
    assert_eq!(live.delivery_status(), Some(&DeliveryStatus::Successful), "{live:?}");
    assert!(live.message_id().is_some_and(|id| id.starts_with("projects/herald-e2e/messages/")), "{live:?}");
    let dead = result_of(&response, "dead-token");
    assert_eq!((dead.delivery_status(), dead.status_code()), (Some(&DeliveryStatus::PermanentFailure), Some(404)));
    assert_eq!(
        result_of(&response, "busy-token").delivery_status(),
        Some(&DeliveryStatus::Successful),
        "UNAVAILABLE is retried"
    );

    let sent = world.fcm.received().into_iter().find(|m| m.message["token"] == "live-token").expect("received");
    assert_eq!(sent.project_id, "herald-e2e");
    assert_eq!(sent.message["notification"]["title"], "Ada, a parcel!");
    assert_eq!(sent.message["notification"]["body"], "Your order #1 shipped");
    assert_eq!(sent.message["android"]["priority"], "HIGH");
    assert_eq!(sent.message["android"]["ttl"], "30s");
    assert_eq!(sent.message["data"]["pinpoint.notification.imageUrl"], "https://www.example.com/p.png");
    assert_eq!(sent.message["data"]["pinpoint.url"], "https://www.example.com");
    assert_eq!(sent.message["data"]["pinpoint.notification.imageIconUrl"], "https://www.example.com/icon.png");
    assert_eq!(sent.message["data"]["pinpoint.notification.imageSmallIconUrl"], "https://www.example.com/small.png");
    assert_eq!(sent.message["data"]["pinpoint.notification.icon"], "ic_stat_parcel");
    assert_eq!(sent.message["data"]["pinpoint.jsonBody"], r#"{"orderId":"1"}"#);
    assert_eq!(sent.message["android"]["collapse_key"], "orders");
    assert_eq!(sent.message["android"]["restricted_package_name"], "com.example.shop");
    assert_eq!(sent.message["android"]["notification"]["sound"], "chime");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adm_and_baidu_delivery() {
    let world = world().await;
    let adm =
        AdmChannelRequest::builder().client_id("amzn1.application-oa2-client.e2e").client_secret("adm-secret").build();
    world.client.update_adm_channel().application_id(&world.app).adm_channel_request(adm).send().await.expect("ADM");
    let baidu = BaiduChannelRequest::builder().api_key("baidu-api-key").secret_key("baidu-secret-key").build();
    world
        .client
        .update_baidu_channel()
        .application_id(&world.app)
        .baidu_channel_request(baidu)
        .send()
        .await
        .expect("Baidu");

    let request = MessageRequest::builder()
        .addresses(
            "amzn1.adm-registration.v3.device1",
            AddressConfiguration::builder().channel_type(ChannelType::Adm).build(),
        )
        .addresses("3785562685113372034", AddressConfiguration::builder().channel_type(ChannelType::Baidu).build())
        .message_configuration(
            DirectMessageConfiguration::builder()
                .adm_message(aws_sdk_pinpoint::types::AdmMessage::builder().title("ADM title").body("ADM body").build())
                .baidu_message(BaiduMessage::builder().title("百度").body("你好").build())
                .build(),
        )
        .build();
    let response = world.send(request).await;
    assert_eq!(
        result_of(&response, "amzn1.adm-registration.v3.device1").delivery_status(),
        Some(&DeliveryStatus::Successful)
    );
    assert_eq!(
        result_of(&response, "3785562685113372034").delivery_status(),
        Some(&DeliveryStatus::Successful),
        "{response:?}"
    );

    let adm = world.adm.received();
    assert_eq!(adm[0].body["data"]["pinpoint.notification.title"], "ADM title");
    let baidu = world.baidu.received();
    let msg = baidu[0].msg.as_ref().expect("msg JSON");
    assert!(msg.to_string().contains("你好"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_state_opt_out_duplicates_and_users() {
    let world = world().await;
    world.enable_gcm().await;
    let disabled = ApnsSandboxChannelRequest::builder()
        .token_key(&world.p8)
        .token_key_id(KEY_ID)
        .team_id(TEAM_ID)
        .bundle_id(BUNDLE)
        .enabled(false)
        .build();
    world
        .client
        .update_apns_sandbox_channel()
        .application_id(&world.app)
        .apns_sandbox_channel_request(disabled)
        .send()
        .await
        .expect("sandbox");

    for (id, address, user, opt_out) in
        [("e1", "tok-1", "grace", "NONE"), ("e2", "tok-2", "grace", "ALL"), ("e3", "tok-1", "linus", "NONE")]
    {
        let endpoint = EndpointRequest::builder()
            .address(address)
            .channel_type(ChannelType::Gcm)
            .opt_out(opt_out)
            .user(EndpointUser::builder().user_id(user).user_attributes("FirstName", vec![user.to_uppercase()]).build())
            .build();
        world
            .client
            .update_endpoint()
            .application_id(&world.app)
            .endpoint_id(id)
            .endpoint_request(endpoint)
            .send()
            .await
            .expect("endpoint");
    }
    let configuration = DirectMessageConfiguration::builder()
        .gcm_message(GcmMessage::builder().body("Hi {{User.UserAttributes.FirstName}}").build())
        .build();
    let request = MessageRequest::builder()
        .endpoints("e1", EndpointSendConfiguration::builder().build())
        .endpoints("e2", EndpointSendConfiguration::builder().build())
        .endpoints("e3", EndpointSendConfiguration::builder().build())
        .endpoints("missing", EndpointSendConfiguration::builder().build())
        .addresses("sandbox-token", AddressConfiguration::builder().channel_type(ChannelType::ApnsSandbox).build())
        .addresses("voip-token", AddressConfiguration::builder().channel_type(ChannelType::ApnsVoip).build())
        .message_configuration(configuration.clone())
        .build();
    let response = world.send(request).await;
    let endpoint = |id: &str| response.endpoint_result().and_then(|r| r.get(id)).cloned().expect("endpoint result");
    assert_eq!(endpoint("e1").delivery_status(), Some(&DeliveryStatus::Successful));
    assert_eq!(endpoint("e2").delivery_status(), Some(&DeliveryStatus::OptOut));
    assert_eq!(endpoint("e3").delivery_status(), Some(&DeliveryStatus::Duplicate), "tok-1 again");
    assert_eq!(
        (endpoint("missing").delivery_status(), endpoint("missing").status_code()),
        (Some(&DeliveryStatus::PermanentFailure), Some(404))
    );
    let sandbox = result_of(&response, "sandbox-token");
    assert!(sandbox.status_message().is_some_and(|m| m.contains("disabled")), "{sandbox:?}");
    let voip = result_of(&response, "voip-token");
    assert!(voip.status_message().is_some_and(|m| m.contains("not set up")), "{voip:?}");
    let greeting = world.fcm.received().into_iter().find(|m| m.message["token"] == "tok-1").expect("sent");
    assert_eq!(greeting.message["notification"]["body"], "Hi GRACE");

    let users = SendUsersMessageRequest::builder()
        .users("grace", EndpointSendConfiguration::builder().body_override("Only for {{User.UserId}}").build())
        .users("nobody", EndpointSendConfiguration::builder().build())
        .message_configuration(configuration)
        .build();
    let response = world
        .client
        .send_users_messages()
        .application_id(&world.app)
        .send_users_message_request(users)
        .send()
        .await
        .expect("SendUsersMessages");
    let results = response.send_users_message_response.and_then(|r| r.result).expect("results");
    let grace = results.get("grace").expect("grace");
    assert_eq!(grace.get("e1").and_then(|r| r.delivery_status()), Some(&DeliveryStatus::Successful));
    assert_eq!(grace.get("e2").and_then(|r| r.delivery_status()), Some(&DeliveryStatus::OptOut));
    assert!(results.get("nobody").is_some_and(|r| r.is_empty()));
    let last = world.fcm.received().into_iter().rev().find(|m| m.message["token"] == "tok-1").expect("sent");
    assert_eq!(last.message["notification"]["body"], "Only for grace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_certificate_auth_voip_and_raw_content() {
    let now = OffsetDateTime::now_utc();
    let certificate =
        apns_certificate(BUNDLE, CertificateKeyAlgorithm::Rsa2048, now - Duration::days(1), now + Duration::days(300));
    let world = world_accepting(Some(certificate.certificate_pem.clone())).await;
    let channel = aws_sdk_pinpoint::types::ApnsVoipChannelRequest::builder()
        .certificate(&certificate.certificate_pem)
        .private_key(&certificate.private_key_pem)
        .build();
    world
        .client
        .update_apns_voip_channel()
        .application_id(&world.app)
        .apns_voip_channel_request(channel)
        .send()
        .await
        .expect("VoIP channel");

    let raw = r#"{"aps":{"alert":{"title":"Incoming call"}},"caller":"Ada"}"#;
    let request = MessageRequest::builder()
        .addresses(APNS_TOKEN, AddressConfiguration::builder().channel_type(ChannelType::ApnsVoip).build())
        .message_configuration(
            DirectMessageConfiguration::builder().apns_message(ApnsMessage::builder().raw_content(raw).build()).build(),
        )
        .build();
    let response = world.send(request).await;
    assert_eq!(result_of(&response, APNS_TOKEN).delivery_status(), Some(&DeliveryStatus::Successful), "{response:?}");
    let received = world.apns.received();
    let call = &received[0];
    assert!(matches!(&call.auth, ReceivedAuth::Certificate { .. }), "{:?}", call.auth);
    assert_eq!(call.headers.get("apns-push-type").map(String::as_str), Some("voip"));
    assert_eq!(call.headers.get("apns-topic").map(String::as_str), Some(format!("{BUNDLE}.voip").as_str()));
    assert_eq!(call.payload, json!({"aps": {"alert": {"title": "Incoming call"}}, "caller": "Ada"}));

    // RawContent that is not JSON never reaches the provider.
    let request = MessageRequest::builder()
        .addresses(
            APNS_TOKEN,
            AddressConfiguration::builder().channel_type(ChannelType::ApnsVoip).raw_content("{not json").build(),
        )
        .message_configuration(
            DirectMessageConfiguration::builder().apns_message(ApnsMessage::builder().body("x").build()).build(),
        )
        .build();
    let response = world.send(request).await;
    let result = result_of(&response, APNS_TOKEN);
    assert_eq!(result.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert!(result.status_message().is_some_and(|m| m.contains("RawContent")), "{result:?}");
    assert_eq!(world.apns.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_payloads_and_legacy_gcm_keys_fail_permanently() {
    let world = world().await;
    world.enable_apns().await;
    let legacy = GcmChannelRequest::builder().api_key("AIzaLegacyServerKey").build();
    world
        .client
        .update_gcm_channel()
        .application_id(&world.app)
        .gcm_channel_request(legacy)
        .send()
        .await
        .expect("legacy GCM");

    let request = MessageRequest::builder()
        .addresses(APNS_TOKEN, AddressConfiguration::builder().channel_type(ChannelType::Apns).build())
        .addresses("legacy-token", AddressConfiguration::builder().channel_type(ChannelType::Gcm).build())
        .message_configuration(
            DirectMessageConfiguration::builder()
                .apns_message(ApnsMessage::builder().body("x".repeat(5000)).build())
                .gcm_message(GcmMessage::builder().body("hello").build())
                .build(),
        )
        .build();
    let response = world.send(request).await;
    let big = result_of(&response, APNS_TOKEN);
    assert_eq!(big.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert!(big.status_message().is_some_and(|m| m.contains("4096")), "{big:?}");
    let legacy = result_of(&response, "legacy-token");
    assert_eq!(legacy.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert!(legacy.status_message().is_some_and(|m| m.contains("legacy")), "{legacy:?}");
    assert!(world.apns.received().is_empty() && world.fcm.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_authentication_method_picks_the_credential() {
    let now = OffsetDateTime::now_utc();
    let certificate =
        apns_certificate(BUNDLE, CertificateKeyAlgorithm::Rsa2048, now - Duration::days(1), now + Duration::days(300));
    let world = world_accepting(Some(certificate.certificate_pem.clone())).await;
    world.enable_apns().await;
    let both = ApnsChannelRequest::builder()
        .certificate(&certificate.certificate_pem)
        .private_key(&certificate.private_key_pem)
        .default_authentication_method("TOKEN")
        .build();
    world
        .client
        .update_apns_channel()
        .application_id(&world.app)
        .apns_channel_request(both)
        .send()
        .await
        .expect("both");

    let send = |preferred: Option<&str>| {
        let message =
            ApnsMessage::builder().body("hi").set_preferred_authentication_method(preferred.map(str::to_owned));
        MessageRequest::builder()
            .addresses(APNS_TOKEN, AddressConfiguration::builder().channel_type(ChannelType::Apns).build())
            .message_configuration(DirectMessageConfiguration::builder().apns_message(message.build()).build())
            .build()
    };
    for preferred in [None, Some("CERTIFICATE"), Some("token")] {
        let response = world.send(send(preferred)).await;
        assert_eq!(
            result_of(&response, APNS_TOKEN).delivery_status(),
            Some(&DeliveryStatus::Successful),
            "{preferred:?}"
        );
    }
    let auths: Vec<&'static str> = world
        .apns
        .received()
        .iter()
        .map(|n| match n.auth {
            ReceivedAuth::Token { .. } => "token",
            ReceivedAuth::Certificate { .. } => "certificate",
            _ => "other",
        })
        .collect();
    assert_eq!(auths, ["token", "certificate", "token"]);

    let response = world.send(send(Some("PASSWORD"))).await;
    let refused = result_of(&response, APNS_TOKEN);
    assert_eq!(refused.delivery_status(), Some(&DeliveryStatus::PermanentFailure));
    assert!(refused.status_message().is_some_and(|m| m.contains("PreferredAuthenticationMethod")), "{refused:?}");
}
