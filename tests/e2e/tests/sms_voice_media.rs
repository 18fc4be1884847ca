//! Voice and media messages through the real SMS and voice v2 SDK: every check of
//! SendVoiceMessage and SendMediaMessage with its exact error, the voice sandbox's limits, the
//! simulator's call and MMS events, a voice message that waits for a carrier until its
//! TimeToLive, and PutMessageFeedback.

use std::time::Duration;

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::operation::put_message_feedback::PutMessageFeedbackError;
use aws_sdk_pinpointsmsvoicev2::operation::send_media_message::SendMediaMessageError;
use aws_sdk_pinpointsmsvoicev2::operation::send_voice_message::SendVoiceMessageError;
use aws_sdk_pinpointsmsvoicev2::types::{
    MessageFeedbackStatus, MessageType, NumberCapability, RequestableNumberType, VoiceId, VoiceMessageBodyTextType,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::messages::{admin, event_types, final_message, last_record, show};
use herald_e2e::{not_found, reason, sms_voice};

/// An inventory number that can call; simulator numbers cannot.
const US_NUMBER: &str = "+12065550100";
const GB_NUMBER: &str = "+447700900123";
const US_SUCCESS: &str = "+14254147755";
const US_FAILURE: &str = "+14254147167";
const GB_SUCCESS: &str = "+447860019066";
const GB_FAILURE: &str = "+447860019067";
const US_HANDSET: &str = "+12065550199";

fn number(phone: &str, country: &str) -> String {
    format!(
        "[[numbers]]\nphone_number = {phone:?}\niso_country = {country:?}\nnumber_type = \"LONG_CODE\"\n\
         capabilities = [\"SMS\", \"VOICE\", \"MMS\"]\n"
    )
}

async fn request_number(
    sms: &Client,
    country: &str,
    kind: RequestableNumberType,
    capabilities: &[NumberCapability],
) -> String {
    sms.request_phone_number()
        .iso_country_code(country)
        .message_type(MessageType::Transactional)
        .set_number_capabilities(Some(capabilities.to_vec()))
        .number_type(kind)
        .send()
        .await
        .expect("request a phone number")
        .phone_number()
        .expect("PhoneNumber")
        .to_string()
}

async fn call(sms: &Client, from: &str, to: &str, body: &str) -> String {
    sms.send_voice_message()
        .origination_identity(from)
        .destination_phone_number(to)
        .message_body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("voice message from {from} to {to}: {e:?}"))
        .message_id()
        .expect("MessageId")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_sends_answer_the_models_errors() {
    let server = TestServer::builder().config(number(US_NUMBER, "US")).start();
    let sms = sms_voice(&server);
    let us =
        request_number(&sms, "US", RequestableNumberType::LongCode, &[NumberCapability::Sms, NumberCapability::Voice])
            .await;
    assert_eq!(us, US_NUMBER);
    let sms_only = request_number(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms]).await;
    let voice = |from: &str, body: &str| {
        sms.send_voice_message().origination_identity(from).destination_phone_number(US_SUCCESS).message_body(body)
    };

    // OriginationIdentity and MessageBody are required.
    let no_identity = sms.send_voice_message().destination_phone_number(US_SUCCESS).message_body("hi").send().await;
    assert_eq!(reason!(no_identity, SendVoiceMessageError::ValidationException), "MISSING_PARAMETER");
    let no_body = sms.send_voice_message().origination_identity(&us).destination_phone_number(US_SUCCESS).send().await;
    assert_eq!(reason!(no_body, SendVoiceMessageError::ValidationException), "MISSING_PARAMETER");
    // At most 6000 characters, of which at most 3000 are spoken.
    let too_long = voice(&us, &"a".repeat(6001)).send().await;
    assert_eq!(reason!(too_long, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    let too_much_speech = voice(&us, &"abc ".repeat(751)).send().await;
    assert_eq!(reason!(too_much_speech, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    // SSML must be one <speak> element with matching tags.
    for bad in ["Hello there", "<speak>Hello <emphasis>there</speak>", "<speak>Hello"] {
        let refused = voice(&us, bad).message_body_text_type(VoiceMessageBodyTextType::Ssml).send().await;
        assert_eq!(reason!(refused, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER", "{bad}");
    }
    let ssml = "<speak>Your code is <emphasis>1 2 3</emphasis><break strength='weak'/> \
                <amazon:effect phonation='soft'>goodbye</amazon:effect></speak>";
    voice(&us, ssml)
        .message_body_text_type(VoiceMessageBodyTextType::Ssml)
        .dry_run(true)
        .send()
        .await
        .expect("well-formed SSML passes");

    // Voice goes out from phone numbers and pools: not sender ids, not numbers without VOICE.
    let sender_id = voice("MYCOMPANY", "hi").send().await;
    assert_eq!(reason!(sender_id, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    let arn = format!("arn:aws:sms-voice:us-east-1:{}:sender-id/MYCOMPANY/US", server.account_id);
    let sender_arn = voice(&arn, "hi").send().await;
    assert_eq!(reason!(sender_arn, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    let missing = voice("+12065550111", "hi").send().await;
    let (kind, _) = not_found!(missing, SendVoiceMessageError::ResourceNotFoundException);
    assert_eq!(kind.as_str(), "phone-number");
    let no_voice = voice(&sms_only, "hi").send().await;
    assert_eq!(reason!(no_voice, SendVoiceMessageError::ConflictException), "NUMBER_CAPABILITIES_MISMATCH");

    // $0.013 a minute.
    let cheap = voice(&us, "hi").max_price_per_minute("0.01").send().await;
    assert_eq!(reason!(cheap, SendVoiceMessageError::ValidationException), "PRICE_OVER_THRESHOLD");
    let malformed = voice(&us, "hi").max_price_per_minute("1").send().await;
    assert_eq!(reason!(malformed, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    voice(&us, "hi").max_price_per_minute("0.013").dry_run(true).send().await.expect("the price is within the maximum");
    let ttl = voice(&us, "hi").time_to_live(4).send().await;
    assert_eq!(reason!(ttl, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");

    // The sandbox: 30 seconds at most (75 words at 150 a minute), verified destinations only.
    let long_call = "word ".repeat(76);
    let sandboxed = voice(&us, &long_call).send().await;
    assert_eq!(reason!(sandboxed, SendVoiceMessageError::ValidationException), "INVALID_PARAMETER");
    voice(&us, &"word ".repeat(75)).dry_run(true).send().await.expect("30 seconds fit the sandbox");
    let unverified =
        sms.send_voice_message().origination_identity(&us).destination_phone_number(US_HANDSET).message_body("hi");
    assert_eq!(
        reason!(unverified.send().await, SendVoiceMessageError::ConflictException),
        "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"
    );

    admin(&server, &["accounts", "production"]);
    voice(&us, &long_call).dry_run(true).send().await.expect("production calls may last longer");
    // Two minutes (200 words) cost $0.026, still within $0.013 a minute.
    voice(&us, &"word ".repeat(200)).max_price_per_minute("0.013").dry_run(true).send().await.expect("per minute");

    // The month's voice spend limit.
    admin(&server, &["accounts", "spend-limit", "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT", "0"]);
    assert_eq!(
        reason!(voice(&us, "hi").send().await, SendVoiceMessageError::ServiceQuotaExceededException),
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_voice_sandbox_allows_five_calls_a_recipient_and_twenty_a_day() {
    let server = TestServer::builder().config([number(US_NUMBER, "US"), number(GB_NUMBER, "GB")].concat()).start();
    let sms = sms_voice(&server);
    let capabilities = [NumberCapability::Sms, NumberCapability::Voice];
    let us = request_number(&sms, "US", RequestableNumberType::LongCode, &capabilities).await;
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode, &capabilities).await;

    for _ in 0..5 {
        call(&sms, &us, US_SUCCESS, "Your code is 1 2 3").await;
    }
    let sixth = sms
        .send_voice_message()
        .origination_identity(&us)
        .destination_phone_number(US_SUCCESS)
        .message_body("Your code is 1 2 3");
    assert_eq!(
        reason!(sixth.clone().send().await, SendVoiceMessageError::ServiceQuotaExceededException),
        "DAILY_DESTINATION_CALL_LIMIT"
    );
    // A dry run is checked against the limits too.
    assert_eq!(
        reason!(sixth.dry_run(true).send().await, SendVoiceMessageError::ServiceQuotaExceededException),
        "DAILY_DESTINATION_CALL_LIMIT"
    );

    // Fifteen more to other recipients make the day's twenty; then no recipient can be called.
    for (from, to) in [(&us, US_FAILURE), (&gb, GB_SUCCESS), (&gb, GB_FAILURE)] {
        for _ in 0..5 {
            call(&sms, from, to, "hello").await;
        }
    }
    let twenty_first = sms
        .send_voice_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_SUCCESS)
        .message_body("hello")
        .send()
        .await
        .expect_err("the day's twenty are used");
    match twenty_first.as_service_error() {
        Some(SendVoiceMessageError::ServiceQuotaExceededException(e)) => {
            assert_eq!(e.reason().map(|r| r.as_str()), Some("DAILY_DESTINATION_CALL_LIMIT"));
            assert!(e.message().unwrap_or_default().contains("20 voice messages"), "{e:?}");
        }
        _ => panic!("expected ServiceQuotaExceededException, got {twenty_first:?}"),
    }

    // Production has no daily limits.
    admin(&server, &["accounts", "production"]);
    call(&sms, &us, US_SUCCESS, "hello again").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_calls_to_the_simulator_give_the_call_events() {
    let server = TestServer::builder().config(number(US_NUMBER, "US")).start();
    let sms = sms_voice(&server);
    let us = request_number(&sms, "US", RequestableNumberType::LongCode, &[NumberCapability::Voice]).await;

    let success = sms
        .send_voice_message()
        .origination_identity(&us)
        .destination_phone_number(US_SUCCESS)
        .message_body("<speak>Your code is <emphasis>1 2 3 4 5 6</emphasis></speak>")
        .message_body_text_type(VoiceMessageBodyTextType::Ssml)
        .voice_id(VoiceId::Joanna)
        .context("account", "bar")
        .message_feedback_enabled(true)
        .send()
        .await
        .expect("call the success simulator")
        .message_id()
        .expect("MessageId")
        .to_string();
    let failure = call(&sms, &us, US_FAILURE, "Your code is 6 5 4 3 2 1").await;

    let shown = final_message(&server, &success, Duration::from_secs(20)).await;
    // Acceptance writes the channel's QUEUED event, as for text and media.
    assert_eq!(event_types(&shown), ["VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED"]);
    let record = last_record(&shown);
    assert_eq!(record["isFinal"], true);
    assert_eq!(record["messageStatus"], "COMPLETED");
    assert_eq!(record["messageId"], success.as_str());
    assert_eq!(record["originationPhoneNumber"], us.as_str());
    assert_eq!(record["destinationPhoneNumber"], US_SUCCESS);
    assert_eq!(record["isoCountryCode"], "US");
    assert_eq!(record["totalMessagePrice"], 0.013);
    assert_eq!(record["context"]["account"], "bar");
    for absent in ["messageEncoding", "messageType", "totalMessageParts", "contentType"] {
        assert!(record.get(absent).is_none(), "a voice record has no {absent}: {record:#}");
    }
    let message = &shown["Message"];
    assert_eq!(message["Channel"], "VOICE");
    assert_eq!(message["VoiceId"], "JOANNA");
    assert_eq!(message["MessageBodyTextType"], "SSML");

    let shown = final_message(&server, &failure, Duration::from_secs(20)).await;
    assert_eq!(event_types(&shown), ["VOICE_INITIATED", "VOICE_FAILED"]);
    assert_eq!(last_record(&shown)["isFinal"], true);
    assert_eq!(shown["Message"]["VoiceId"], "MATTHEW", "the default voice");
    assert_eq!(shown["Message"]["MessageBodyTextType"], "TEXT");

    // Feedback on a voice message that asked for it.
    let answer = sms
        .put_message_feedback()
        .message_id(&success)
        .message_feedback_status(MessageFeedbackStatus::Failed)
        .send()
        .await
        .expect("feedback");
    assert_eq!(answer.message_feedback_status(), &MessageFeedbackStatus::Failed);
    assert_eq!(show(&server, &success)["Message"]["MessageFeedbackStatus"], "FAILED");

    // A call to a real number waits for a voice carrier, which Herald does not have yet, until
    // its TimeToLive runs out.
    admin(&server, &["accounts", "production"]);
    let waiting = sms
        .send_voice_message()
        .origination_identity(&us)
        .destination_phone_number(US_HANDSET)
        .message_body("nobody will hear this")
        .time_to_live(5)
        .send()
        .await
        .expect("call a real number")
        .message_id()
        .expect("MessageId")
        .to_string();
    let shown = final_message(&server, &waiting, Duration::from_secs(40)).await;
    assert_eq!(event_types(&shown), ["VOICE_TTL_EXPIRED"]);
    assert!(shown["LastError"].as_str().is_some_and(|e| e.contains("voice")), "{shown:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_sends_answer_the_models_errors() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let mms =
        request_number(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms, NumberCapability::Mms])
            .await;
    let sms_only = request_number(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms]).await;
    let media = |from: &str, url: &str| {
        sms.send_media_message()
            .origination_identity(from)
            .destination_phone_number(US_SUCCESS)
            .message_body("see this")
            .media_urls(url)
    };
    let photo = "s3://my-bucket/photos/cat.jpg";

    let no_identity = sms.send_media_message().destination_phone_number(US_SUCCESS).media_urls(photo).send().await;
    assert_eq!(reason!(no_identity, SendMediaMessageError::ValidationException), "MISSING_PARAMETER");
    let nothing = sms.send_media_message().origination_identity(&mms).destination_phone_number(US_SUCCESS).send().await;
    assert_eq!(reason!(nothing, SendMediaMessageError::ValidationException), "MISSING_PARAMETER");
    // One URL at most, s3://bucket/key, of a type MMS carries.
    let two = media(&mms, photo).media_urls("s3://my-bucket/photos/dog.png").send().await;
    assert_eq!(reason!(two, SendMediaMessageError::ValidationException), "INVALID_PARAMETER");
    for bad in ["https://example.com/cat.jpg", "s3://My_Bucket/cat.jpg", "s3://my-bucket/", "s3://ab/cat.jpg"] {
        let refused = media(&mms, bad).send().await;
        assert_eq!(reason!(refused, SendMediaMessageError::ValidationException), "INVALID_PARAMETER", "{bad}");
    }
    let long_url = format!("s3://my-bucket/{}.jpg", "a".repeat(2040));
    assert_eq!(
        reason!(media(&mms, &long_url).send().await, SendMediaMessageError::ValidationException),
        "INVALID_PARAMETER"
    );
    for unsupported in ["s3://my-bucket/archive.zip", "s3://my-bucket/no-extension", "s3://my-bucket/page.html"] {
        let refused = media(&mms, unsupported).send().await;
        assert_eq!(
            reason!(refused, SendMediaMessageError::ValidationException),
            "MEDIA_TYPE_NOT_SUPPORTED",
            "{unsupported}"
        );
    }
    for supported in ["s3://my-bucket/clip.MP4", "s3://my-bucket/card.vcf", "s3://my.bucket-1/a/b/doc.pdf"] {
        media(&mms, supported).dry_run(true).send().await.unwrap_or_else(|e| panic!("{supported}: {e:?}"));
    }
    let too_long = media(&mms, photo).message_body("a".repeat(1601)).send().await;
    assert_eq!(reason!(too_long, SendMediaMessageError::ValidationException), "INVALID_PARAMETER");

    // MMS reaches the US and Canada only.
    let abroad = sms
        .send_media_message()
        .origination_identity(&mms)
        .destination_phone_number(GB_SUCCESS)
        .media_urls(photo)
        .send()
        .await;
    assert_eq!(reason!(abroad, SendMediaMessageError::ValidationException), "DESTINATION_COUNTRY_BLOCKED");

    // From phone numbers and pools with MMS only.
    let sender_id = media("MYCOMPANY", photo).send().await;
    assert_eq!(reason!(sender_id, SendMediaMessageError::ValidationException), "INVALID_PARAMETER");
    let no_mms = media(&sms_only, photo).send().await;
    assert_eq!(reason!(no_mms, SendMediaMessageError::ConflictException), "NUMBER_CAPABILITIES_MISMATCH");

    // $0.0195 a message, whatever its length: MMS is never split.
    let cheap = media(&mms, photo).max_price("0.019").send().await;
    assert_eq!(reason!(cheap, SendMediaMessageError::ValidationException), "PRICE_OVER_THRESHOLD");
    media(&mms, photo).message_body("a".repeat(1600)).max_price("0.0195").dry_run(true).send().await.expect("one part");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_messages_to_the_simulator_give_the_mms_events_and_take_feedback() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let mms =
        request_number(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms, NumberCapability::Mms])
            .await;
    // 481 GSM characters would be 4 SMS parts; as MMS they are one.
    let body = "x".repeat(481);
    let send = |to: &str, feedback: bool| {
        sms.send_media_message()
            .origination_identity(&mms)
            .destination_phone_number(to)
            .message_body(&body)
            .media_urls("s3://my-bucket/photos/cat.jpg")
            .context("campaign", "cats")
            .message_feedback_enabled(feedback)
            .send()
    };
    let success = send(US_SUCCESS, true).await.expect("send").message_id().expect("MessageId").to_string();
    let failure = send(US_FAILURE, false).await.expect("send").message_id().expect("MessageId").to_string();

    let shown = final_message(&server, &success, Duration::from_secs(20)).await;
    assert_eq!(event_types(&shown), ["MEDIA_QUEUED", "MEDIA_SUCCESSFUL", "MEDIA_DELIVERED"]);
    let record = last_record(&shown);
    assert_eq!(record["contentType"], "MMS");
    assert_eq!(record["isFinal"], true);
    assert_eq!(record["messageStatus"], "DELIVERED");
    assert_eq!(record["messageType"], "TRANSACTIONAL");
    assert_eq!(record["totalMessageParts"], 1);
    assert_eq!(record["totalMessagePrice"], 0.0195);
    assert_eq!(record["context"]["campaign"], "cats");
    assert!(record.get("messageEncoding").is_none(), "{record:#}");
    assert_eq!(shown["Message"]["MediaUrls"], serde_json::json!(["s3://my-bucket/photos/cat.jpg"]));

    let shown = final_message(&server, &failure, Duration::from_secs(20)).await;
    assert_eq!(event_types(&shown), ["MEDIA_QUEUED", "MEDIA_UNREACHABLE"]);

    // Feedback on the message that asked for it, kept on the message.
    let answer = sms
        .put_message_feedback()
        .message_id(&success)
        .message_feedback_status(MessageFeedbackStatus::Received)
        .send()
        .await
        .expect("feedback");
    assert_eq!(
        (answer.message_id(), answer.message_feedback_status()),
        (success.as_str(), &MessageFeedbackStatus::Received)
    );
    let shown = show(&server, &success);
    assert_eq!(shown["Message"]["MessageFeedbackStatus"], "RECEIVED");
    assert_eq!(shown["State"], "final", "feedback leaves the message's delivery alone");
    assert_eq!(event_types(&shown).len(), 3);

    // Unknown messages and messages sent without feedback are not found.
    for id in ["00000000-0000-0000-0000-000000000000", failure.as_str()] {
        let refused = sms
            .put_message_feedback()
            .message_id(id)
            .message_feedback_status(MessageFeedbackStatus::Received)
            .send()
            .await;
        let (kind, resource) = not_found!(refused, PutMessageFeedbackError::ResourceNotFoundException);
        assert_eq!((kind.as_str(), resource.as_str()), ("message", id));
    }
}
