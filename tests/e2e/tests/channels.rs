//! Every push channel type set, read, disabled and deleted through aws-sdk-pinpoint, with the
//! credential checks and the guarantee that no secret comes back.

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::error::ProvideErrorMetadata;
use aws_sdk_pinpoint::types::{
    AdmChannelRequest, ApnsChannelRequest, ApnsSandboxChannelRequest, ApnsVoipChannelRequest,
    ApnsVoipSandboxChannelRequest, BaiduChannelRequest, CreateApplicationRequest, GcmChannelRequest,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::pinpoint;
use herald_push::credentials::test_material::{
    CertificateKeyAlgorithm, apns_certificate, apns_token_key_p8, fcm_service_account_json,
};
use time::{Duration, OffsetDateTime};

async fn new_app(client: &Client) -> String {
    let request = CreateApplicationRequest::builder().name("channels").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    app.application_response.and_then(|a| a.id).expect("app id")
}

/// Asserts a response's debug form shows none of the given secrets.
fn assert_no_secret(response: &impl std::fmt::Debug, secrets: &[&str]) {
    let shown = format!("{response:?}");
    for secret in secrets {
        let line = secret.lines().find(|l| l.len() > 20 && !l.starts_with("-----")).unwrap_or(secret);
        assert!(!shown.contains(line), "a secret is in the response: {shown}");
    }
}

#[tokio::test]
async fn apns_token_and_certificate_channels() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;
    let p8 = apns_token_key_p8();

    let token = ApnsChannelRequest::builder()
        .token_key(&p8)
        .token_key_id("ABC123DEFG")
        .bundle_id("com.example.app")
        .team_id("TEAM123456")
        .build();
    let created = client
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(token)
        .send()
        .await
        .expect("UpdateApnsChannel");
    let channel = created.apns_channel_response.expect("channel");
    assert_no_secret(&channel, &[&p8]);
    assert_eq!(channel.platform(), Some("APNS"));
    assert_eq!(channel.id(), Some("apns"));
    assert_eq!(channel.application_id(), Some(app.as_str()));
    assert_eq!(channel.has_token_key(), Some(true));
    assert_eq!(channel.default_authentication_method(), Some("TOKEN"));
    assert_eq!((channel.enabled(), channel.version(), channel.is_archived()), (Some(true), Some(1), Some(false)));

    // Adding a certificate keeps the token; switching the default needs no credentials again.
    let now = OffsetDateTime::now_utc();
    let certificate = apns_certificate(
        "com.example.app",
        CertificateKeyAlgorithm::Rsa2048,
        now - Duration::days(1),
        now + Duration::days(300),
    );
    let both = ApnsChannelRequest::builder()
        .certificate(&certificate.certificate_pem)
        .private_key(&certificate.private_key_pem)
        .default_authentication_method("CERTIFICATE")
        .build();
    let updated = client
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(both)
        .send()
        .await
        .expect("add certificate");
    let channel = updated.apns_channel_response.expect("channel");
    assert_no_secret(&channel, &[&p8, &certificate.private_key_pem]);
    assert_eq!(
        (channel.default_authentication_method(), channel.has_token_key(), channel.version()),
        (Some("CERTIFICATE"), Some(true), Some(2))
    );

    let disable = ApnsChannelRequest::builder().enabled(false).build();
    let disabled =
        client.update_apns_channel().application_id(&app).apns_channel_request(disable).send().await.expect("disable");
    let channel = disabled.apns_channel_response.expect("channel");
    assert_eq!((channel.enabled(), channel.has_credential(), channel.version()), (Some(false), Some(true), Some(3)));

    let read = client.get_apns_channel().application_id(&app).send().await.expect("GetApnsChannel");
    assert_eq!(read.apns_channel_response.and_then(|c| c.enabled), Some(false));

    client.delete_apns_channel().application_id(&app).send().await.expect("DeleteApnsChannel");
    let error = client.get_apns_channel().application_id(&app).send().await.expect_err("deleted");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");
}

#[tokio::test]
async fn apns_variants_sandbox_voip_and_voip_sandbox() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;
    let p8 = apns_token_key_p8();

    let sandbox = ApnsSandboxChannelRequest::builder()
        .token_key(&p8)
        .token_key_id("K1")
        .bundle_id("com.example")
        .team_id("T1")
        .build();
    let response = client
        .update_apns_sandbox_channel()
        .application_id(&app)
        .apns_sandbox_channel_request(sandbox)
        .send()
        .await
        .expect("sandbox");
    let channel = response.apns_sandbox_channel_response.expect("channel");
    assert_eq!((channel.platform(), channel.id()), (Some("APNS_SANDBOX"), Some("apns_sandbox")));

    let voip = ApnsVoipChannelRequest::builder()
        .token_key(&p8)
        .token_key_id("K1")
        .bundle_id("com.example")
        .team_id("T1")
        .build();
    let response = client
        .update_apns_voip_channel()
        .application_id(&app)
        .apns_voip_channel_request(voip)
        .send()
        .await
        .expect("voip");
    assert_eq!(response.apns_voip_channel_response.and_then(|c| c.platform), Some("APNS_VOIP".into()));

    let voip_sandbox = ApnsVoipSandboxChannelRequest::builder()
        .token_key(&p8)
        .token_key_id("K1")
        .bundle_id("com.example")
        .team_id("T1")
        .enabled(false)
        .build();
    let response = client
        .update_apns_voip_sandbox_channel()
        .application_id(&app)
        .apns_voip_sandbox_channel_request(voip_sandbox)
        .send()
        .await
        .expect("voip sandbox");
    let channel = response.apns_voip_sandbox_channel_response.expect("channel");
    assert_eq!((channel.platform(), channel.enabled()), (Some("APNS_VOIP_SANDBOX"), Some(false)));

    let read = client.get_apns_voip_channel().application_id(&app).send().await.expect("get voip");
    assert_no_secret(&read, &[&p8]);
    client.delete_apns_voip_sandbox_channel().application_id(&app).send().await.expect("delete voip sandbox");
    client.delete_apns_sandbox_channel().application_id(&app).send().await.expect("delete sandbox");
    let channels = client.get_channels().application_id(&app).send().await.expect("GetChannels");
    let channels = channels.channels_response.and_then(|c| c.channels).expect("channels");
    assert_eq!(channels.keys().collect::<Vec<_>>(), ["APNS_VOIP"]);
}

#[tokio::test]
async fn gcm_baidu_and_adm_channels() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;
    let service_json = fcm_service_account_json("herald-test", "https://oauth2.googleapis.com/token");

    let gcm = GcmChannelRequest::builder().service_json(&service_json).default_authentication_method("TOKEN").build();
    let response = client
        .update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(gcm)
        .send()
        .await
        .expect("UpdateGcmChannel");
    let channel = response.gcm_channel_response.expect("channel");
    assert_no_secret(&channel, &[&service_json]);
    assert_eq!(channel.credential(), None);
    assert_eq!((channel.platform(), channel.id()), (Some("GCM"), Some("gcm")));
    assert_eq!(
        (channel.has_fcm_service_credentials(), channel.default_authentication_method()),
        (Some(true), Some("TOKEN"))
    );

    let baidu = BaiduChannelRequest::builder().api_key("baidu-api-key").secret_key("baidu-secret-key").build();
    let response = client
        .update_baidu_channel()
        .application_id(&app)
        .baidu_channel_request(baidu)
        .send()
        .await
        .expect("UpdateBaiduChannel");
    let channel = response.baidu_channel_response.expect("channel");
    assert_no_secret(&channel, &["baidu-secret-key"]);
    assert_eq!((channel.platform(), channel.credential()), (Some("BAIDU"), Some("baidu-api-key")));

    let adm = AdmChannelRequest::builder()
        .client_id("amzn1.application-oa2-client.1")
        .client_secret("adm-client-secret")
        .build();
    let response = client
        .update_adm_channel()
        .application_id(&app)
        .adm_channel_request(adm)
        .send()
        .await
        .expect("UpdateAdmChannel");
    let channel = response.adm_channel_response.expect("channel");
    assert_no_secret(&channel, &["adm-client-secret"]);
    assert_eq!((channel.platform(), channel.version()), (Some("ADM"), Some(1)));

    let adm_off = AdmChannelRequest::builder()
        .client_id("amzn1.application-oa2-client.1")
        .client_secret("adm-client-secret")
        .enabled(false)
        .build();
    let response = client
        .update_adm_channel()
        .application_id(&app)
        .adm_channel_request(adm_off)
        .send()
        .await
        .expect("disable ADM");
    let channel = response.adm_channel_response.expect("channel");
    assert_eq!((channel.enabled(), channel.version()), (Some(false), Some(2)));

    let channels = client.get_channels().application_id(&app).send().await.expect("GetChannels");
    let channels = channels.channels_response.and_then(|c| c.channels).expect("channels");
    let mut platforms: Vec<&String> = channels.keys().collect();
    platforms.sort();
    assert_eq!(platforms, ["ADM", "BAIDU", "GCM"]);
    assert_eq!(channels.get("ADM").and_then(|c| c.enabled()), Some(false));

    for platform in ["gcm", "baidu", "adm"] {
        let deleted = match platform {
            "gcm" => {
                client.delete_gcm_channel().application_id(&app).send().await.map(|_| ()).map_err(|e| e.to_string())
            }
            "baidu" => {
                client.delete_baidu_channel().application_id(&app).send().await.map(|_| ()).map_err(|e| e.to_string())
            }
            _ => client.delete_adm_channel().application_id(&app).send().await.map(|_| ()).map_err(|e| e.to_string()),
        };
        deleted.expect("delete channel");
    }
    let error = client.get_baidu_channel().application_id(&app).send().await.expect_err("deleted");
    assert_eq!(error.code(), Some("NotFoundException"));
}

#[tokio::test]
async fn bad_credentials_are_bad_requests_naming_the_field() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;

    let bad_p8 = ApnsChannelRequest::builder()
        .token_key("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----")
        .token_key_id("K")
        .bundle_id("b")
        .team_id("T")
        .build();
    let error = client
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(bad_p8)
        .send()
        .await
        .expect_err("bad .p8");
    assert_eq!(error.code(), Some("BadRequestException"), "{error:?}");
    assert!(error.message().is_some_and(|m| m.contains("TokenKey")), "{error:?}");

    let missing_team =
        ApnsChannelRequest::builder().token_key(apns_token_key_p8()).token_key_id("K").bundle_id("b").build();
    let error = client
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(missing_team)
        .send()
        .await
        .expect_err("no TeamId");
    assert!(error.message().is_some_and(|m| m.contains("TeamId")), "{error:?}");

    let now = OffsetDateTime::now_utc();
    let expired = apns_certificate(
        "com.example",
        CertificateKeyAlgorithm::Rsa2048,
        now - Duration::days(400),
        now - Duration::days(1),
    );
    let request =
        ApnsChannelRequest::builder().certificate(expired.certificate_pem).private_key(expired.private_key_pem).build();
    let error = client
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(request)
        .send()
        .await
        .expect_err("expired");
    assert_eq!(error.code(), Some("BadRequestException"));
    assert!(error.message().is_some_and(|m| m.contains("expired")), "{error:?}");

    let service_json = fcm_service_account_json("p", "https://oauth2.googleapis.com/token");
    let mut document: serde_json::Value = serde_json::from_str(&service_json).expect("json");
    document.as_object_mut().expect("object").remove("private_key");
    let gcm = GcmChannelRequest::builder().service_json(document.to_string()).build();
    let error = client
        .update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(gcm)
        .send()
        .await
        .expect_err("no private_key");
    assert!(error.message().is_some_and(|m| m.contains("private_key")), "{error:?}");

    let baidu = BaiduChannelRequest::builder().api_key("k").secret_key("").build();
    let error = client
        .update_baidu_channel()
        .application_id(&app)
        .baidu_channel_request(baidu)
        .send()
        .await
        .expect_err("empty");
    assert!(error.message().is_some_and(|m| m.contains("SecretKey")), "{error:?}");

    let nothing = GcmChannelRequest::builder().enabled(true).build();
    let error = client
        .update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(nothing)
        .send()
        .await
        .expect_err("no credentials");
    assert_eq!(error.code(), Some("BadRequestException"));

    let request = GcmChannelRequest::builder().api_key("legacy").build();
    let error = client
        .update_gcm_channel()
        .application_id("f".repeat(32))
        .gcm_channel_request(request)
        .send()
        .await
        .expect_err("no app");
    assert_eq!(error.code(), Some("NotFoundException"));
}
