//! Sending SMS through the real SMS and voice v2 SDK: every check of SendTextMessage with its
//! exact error, encodings and parts, the simulator's events, delivery to a carrier over SMPP
//! (our fake SMSC) with receipts, rate limits, pool failover, receipt expiry, keywords and
//! opt-outs, and a SIGKILL in the middle of delivery.

use std::time::{Duration, Instant};

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::operation::send_text_message::SendTextMessageError;
use aws_sdk_pinpointsmsvoicev2::types::{
    KeywordAction, MessageType, NumberCapability, ProtectStatus, RequestableNumberType,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::admin::run_herald;
use herald_e2e::herald_testkit::fakes::smsc::{FakeSmsc, FakeSmscConfig, IdFormat, Outcome};
use herald_e2e::messages::{admin, event_types, final_message, last_record};
use herald_e2e::{not_found, reason, sms_voice};
use serde_json::Value;

const GB_NUMBER: &str = "+447700900123";
const GB_SECOND: &str = "+447700900124";
const US_NUMBER: &str = "+12065550100";
const GB_HANDSET: &str = "+447700900555";
const US_HANDSET: &str = "+12065550199";

fn number(phone: &str, country: &str, kind: &str, carrier: &str, mps: Option<u32>) -> String {
    let mut table = format!(
        "[[numbers]]\nphone_number = {phone:?}\niso_country = {country:?}\nnumber_type = {kind:?}\n\
         capabilities = [\"SMS\", \"VOICE\"]\ncarrier = {carrier:?}\n"
    );
    if let Some(mps) = mps {
        table.push_str(&format!("max_parts_per_second = {mps}\n"));
    }
    table
}

fn carrier(name: &str, port: u16, extra: &str) -> String {
    format!(
        "[[smpp.carriers]]\nname = {name:?}\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"herald\"\n\
         password = \"secret\"\nresponse_timeout_seconds = 2\nreconnect_min_seconds = 0.1\n\
         reconnect_max_seconds = 0.5\n{extra}\n"
    )
}

async fn request_number(sms: &Client, country: &str, kind: RequestableNumberType) -> String {
    sms.request_phone_number()
        .iso_country_code(country)
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(kind)
        .send()
        .await
        .expect("request a phone number")
        .phone_number()
        .expect("PhoneNumber")
        .to_string()
}

async fn send(sms: &Client, from: &str, to: &str, body: &str) -> String {
    sms.send_text_message()
        .origination_identity(from)
        .destination_phone_number(to)
        .message_body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("send from {from} to {to}: {e:?}"))
        .message_id()
        .expect("MessageId")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_numbers_give_the_guides_events() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let simulator = request_number(&sms, "US", RequestableNumberType::Simulator).await;

    // The sandbox lets simulator destinations through: they are not real handsets.
    let success = sms
        .send_text_message()
        .origination_identity(&simulator)
        .destination_phone_number("+14254147755")
        .message_body("Your code is 123456")
        .context("account", "bar")
        .send()
        .await
        .expect("send to the success simulator")
        .message_id()
        .expect("MessageId")
        .to_string();
    let failure = send(&sms, &simulator, "+14254147167", "Your code is 654321").await;

    let shown = final_message(&server, &success, Duration::from_secs(20)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"]);
    let record = last_record(&shown);
    assert_eq!(record["isFinal"], true);
    assert_eq!(record["messageStatus"], "DELIVERED");
    assert_eq!(record["messageId"], success.as_str());
    assert_eq!(record["originationPhoneNumber"], simulator.as_str());
    assert_eq!(record["destinationPhoneNumber"], "+14254147755");
    assert_eq!(record["isoCountryCode"], "US");
    assert_eq!(record["messageEncoding"], "GSM");
    assert_eq!(record["totalMessageParts"], 1);
    assert_eq!(record["totalMessagePrice"], 0.00645);
    assert_eq!(record["context"]["account"], "bar");
    assert_eq!(record["eventVersion"], "1.0");
    let queued = &shown["Events"][0]["Record"];
    assert_eq!(queued["isFinal"], false);

    let shown = final_message(&server, &failure, Duration::from_secs(20)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_UNREACHABLE"]);
    assert_eq!(last_record(&shown)["isFinal"], true);

    // A simulator number sends to the simulator numbers of its own country only.
    for destination in ["+447860019066", "+12065550199"] {
        let refused = sms
            .send_text_message()
            .origination_identity(&simulator)
            .destination_phone_number(destination)
            .message_body("hello")
            .send()
            .await;
        assert_eq!(
            reason!(refused, SendTextMessageError::ValidationException),
            "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY",
            "{destination}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_checks_answer_the_models_errors() {
    let config =
        [number(GB_NUMBER, "GB", "LONG_CODE", "nowhere", None), number(US_NUMBER, "US", "LONG_CODE", "nowhere", None)]
            .concat();
    let server = TestServer::builder().config(config).start();
    let sms = sms_voice(&server);
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    assert_eq!(gb, GB_NUMBER);
    let us = request_number(&sms, "US", RequestableNumberType::LongCode).await;
    let text =
        |to: &str| sms.send_text_message().origination_identity(&gb).destination_phone_number(to).message_body("hi");

    // The destination: E.164 with its +, in a country messages may go to.
    assert_eq!(
        reason!(text("447700900555").send().await, SendTextMessageError::ValidationException),
        "INVALID_PARAMETER"
    );
    assert_eq!(
        reason!(text("+5351234567").send().await, SendTextMessageError::ValidationException),
        "DESTINATION_COUNTRY_BLOCKED"
    );
    // What the request names must exist.
    let missing_set = text(GB_HANDSET).configuration_set_name("nope").send().await;
    let (kind, id) = not_found!(missing_set, SendTextMessageError::ResourceNotFoundException);
    assert_eq!((kind.as_str(), id.as_str()), ("configuration-set", "nope"));
    let missing_number = sms
        .send_text_message()
        .origination_identity("+447700900999")
        .destination_phone_number(GB_HANDSET)
        .message_body("hi")
        .send()
        .await;
    let (kind, _) = not_found!(missing_number, SendTextMessageError::ResourceNotFoundException);
    assert_eq!(kind.as_str(), "phone-number");
    // Field limits.
    assert_eq!(
        reason!(text(GB_HANDSET).time_to_live(4).send().await, SendTextMessageError::ValidationException),
        "INVALID_PARAMETER"
    );
    assert_eq!(
        reason!(text(GB_HANDSET).max_price("1").send().await, SendTextMessageError::ValidationException),
        "INVALID_PARAMETER"
    );

    // The sandbox: only verified destinations.
    assert_eq!(
        reason!(text(GB_HANDSET).send().await, SendTextMessageError::ConflictException),
        "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"
    );
    admin(&server, &["accounts", "production"]);

    // The identity must be able to send to the destination's country.
    assert_eq!(
        reason!(text(US_HANDSET).send().await, SendTextMessageError::ValidationException),
        "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY"
    );
    let promotional = text(GB_HANDSET).message_type(MessageType::Promotional).send().await;
    assert_eq!(reason!(promotional, SendTextMessageError::ConflictException), "MESSAGE_TYPE_MISMATCH");
    let keyword = text(GB_HANDSET).keyword("NOPE").send().await;
    assert_eq!(reason!(keyword, SendTextMessageError::ConflictException), "KEYWORD_MISMATCH");

    // Protect configurations: the request's, else the configuration set's, else the account's.
    let protect = sms.create_protect_configuration().send().await.expect("protect configuration");
    let protect_id = protect.protect_configuration_id().to_string();
    sms.update_protect_configuration_country_rule_set()
        .protect_configuration_id(&protect_id)
        .number_capability(NumberCapability::Sms)
        .country_rule_set_updates(
            "GB",
            aws_sdk_pinpointsmsvoicev2::types::ProtectConfigurationCountryRuleSetInformation::builder()
                .protect_status(ProtectStatus::Block)
                .build()
                .expect("rule"),
        )
        .send()
        .await
        .expect("block GB");
    let blocked = text(GB_HANDSET).protect_configuration_id(&protect_id).send().await;
    assert_eq!(
        reason!(blocked, SendTextMessageError::ConflictException),
        "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"
    );
    sms.create_configuration_set().configuration_set_name("guarded").send().await.expect("configuration set");
    sms.associate_protect_configuration()
        .configuration_set_name("guarded")
        .protect_configuration_id(&protect_id)
        .send()
        .await
        .expect("associate");
    let through_set = text(GB_HANDSET).configuration_set_name("guarded").send().await;
    assert_eq!(
        reason!(through_set, SendTextMessageError::ConflictException),
        "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"
    );

    // The identity's opt-out list.
    sms.put_opted_out_number()
        .opt_out_list_name("Default")
        .opted_out_number("+447700900556")
        .send()
        .await
        .expect("opt out");
    assert_eq!(
        reason!(text("+447700900556").send().await, SendTextMessageError::ConflictException),
        "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    );

    // Price: $0.00645 a part.
    assert_eq!(
        reason!(text(GB_HANDSET).max_price("0.001").send().await, SendTextMessageError::ValidationException),
        "PRICE_OVER_THRESHOLD"
    );
    text(GB_HANDSET).max_price("0.01").dry_run(true).send().await.expect("a price under MaxPrice passes");

    // Length: 1530 GSM units (extension characters count two) or 630 UCS-2 units at most.
    let euros = "€".repeat(766);
    let too_long = sms
        .send_text_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_HANDSET)
        .message_body(&euros)
        .send()
        .await;
    assert_eq!(reason!(too_long, SendTextMessageError::ValidationException), "INVALID_PARAMETER");
    let chinese = "短".repeat(631);
    let too_long = sms
        .send_text_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_HANDSET)
        .message_body(&chinese)
        .send()
        .await;
    assert_eq!(reason!(too_long, SendTextMessageError::ValidationException), "INVALID_PARAMETER");
    let fits = "短".repeat(630);
    sms.send_text_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_HANDSET)
        .message_body(&fits)
        .dry_run(true)
        .send()
        .await
        .expect("630 UCS-2 characters fit");

    // DryRun checks everything and stores nothing.
    let dry = text(GB_HANDSET).dry_run(true).send().await.expect("dry run").message_id().expect("id").to_string();
    let output = run_herald(
        ["messages", "show", dry.as_str()].iter().map(|s| s.to_string()).chain(server.state_args()).collect::<Vec<_>>(),
    );
    assert!(!output.status.success(), "a dry run stores no message");

    // The month's spend limit, checked before the message is stored.
    admin(&server, &["accounts", "spend-limit", "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "0"]);
    assert_eq!(
        reason!(text(GB_HANDSET).send().await, SendTextMessageError::ServiceQuotaExceededException),
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"
    );
    let _ = us;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_the_carrier_over_smpp_and_receipts_end_them() {
    let smsc = FakeSmsc::start(FakeSmscConfig {
        id_format: IdFormat::Hex,
        receipt_id_format: Some(IdFormat::Decimal),
        ..FakeSmscConfig::default()
    })
    .await;
    let config = [
        number(GB_NUMBER, "GB", "LONG_CODE", "fake", None),
        carrier("fake", smsc.address().port(), "binds = 2\nwindow = 4"),
        // The receipts quote ids in decimal: Herald learns that from the first receipt, after
        // waiting this long for an id written as the receipt writes it.
        "[sms.delivery]\nreceipt_notation_fallback_seconds = 1\n".to_string(),
    ]
    .concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    let sms = sms_voice(&server);
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode).await;

    // 180 GSM characters: two parts of at most 153, joined by a concatenation header.
    let long = "Hello Carlos. Your Example Corp. bill of $100 is now available. Autopay is scheduled for next \
                Thursday, April 9. To view the details of your bill, go to https://example.com/bill1.";
    let two_parts = send(&sms, &gb, GB_HANDSET, long).await;
    let unicode = send(&sms, &gb, "+447700900556", "Grüße – 你好").await;
    smsc.set_outcome("+447700900557", Outcome::undeliverable("001"));
    let undeliverable = send(&sms, &gb, "+447700900557", "will not arrive").await;
    smsc.set_submit_status("+447700900558", 0x0B);
    let refused = send(&sms, &gb, "+447700900558", "bad address").await;

    let shown = final_message(&server, &two_parts, Duration::from_secs(30)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"]);
    assert_eq!(last_record(&shown)["totalMessageParts"], 2);
    let submits: Vec<_> = smsc.submits().into_iter().filter(|s| s.destination.ends_with("447700900555")).collect();
    assert_eq!(submits.len(), 2);
    for (index, submit) in submits.iter().enumerate() {
        let udh = submit.udh.as_ref().expect("a concatenation header");
        assert_eq!((udh.total, usize::from(udh.index)), (2, index + 1));
        assert_eq!(submit.esm_class & 0x40, 0x40);
        assert_eq!(submit.data_coding, 0);
        assert_eq!((submit.source.as_str(), submit.source_ton, submit.source_npi), ("447700900123", 1, 1));
        assert_eq!(submit.registered_delivery & 1, 1);
    }
    let joined: String = submits.iter().filter_map(|s| s.text.clone()).collect();
    assert_eq!(joined, long);

    let shown = final_message(&server, &unicode, Duration::from_secs(30)).await;
    assert_eq!(last_record(&shown)["messageEncoding"], "Unicode");
    let submit = smsc.submits().into_iter().find(|s| s.destination.ends_with("447700900556")).expect("submitted");
    assert_eq!((submit.data_coding, submit.text.as_deref()), (8, Some("Grüße – 你好")));

    let shown = final_message(&server, &undeliverable, Duration::from_secs(30)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_UNREACHABLE"]);
    let shown = final_message(&server, &refused, Duration::from_secs(30)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_INVALID"]);
    assert!(shown["LastError"].as_str().unwrap_or_default().contains("0x0000000B"), "{shown:#}");

    // Throttled submissions wait and go out again; the carrier's window is respected.
    smsc.throttle_next(3);
    let throttled = send(&sms, &gb, "+447700900559", "after a throttle").await;
    let shown = final_message(&server, &throttled, Duration::from_secs(30)).await;
    assert_eq!(last_record(&shown)["messageStatus"], "DELIVERED");
    assert!(smsc.max_outstanding() <= 4);

    // A dropped connection is bound again and sending goes on.
    smsc.drop_connections();
    let after_drop = send(&sms, &gb, "+447700900560", "after a reconnect").await;
    let shown = final_message(&server, &after_drop, Duration::from_secs(30)).await;
    assert_eq!(last_record(&shown)["messageStatus"], "DELIVERED");
}

/// Decimal ids include pairs such as "16" and "10" ("16" is how "10" reads in hexadecimal): a
/// receipt for message 16 that arrives before 16's id is recorded must wait for it, not end
/// message 10. Messages go out concurrently and receipts come back at once, so some receipts do
/// overtake their submission's record; each destination has its own scripted outcome, so a
/// receipt matched to the wrong message shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_ids_that_read_both_ways_match_only_their_own_message() {
    let smsc = FakeSmsc::start(FakeSmscConfig {
        id_format: IdFormat::Decimal,
        first_message_number: 10,
        receipt_delay: Duration::ZERO,
        ..FakeSmscConfig::default()
    })
    .await;
    let config = [
        number(GB_NUMBER, "GB", "LONG_CODE", "fake", Some(1000)),
        carrier("fake", smsc.address().port(), "binds = 2\nwindow = 50"),
        "[sms.delivery]\nreceipt_notation_fallback_seconds = 2\n".to_string(),
    ]
    .concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    admin(&server, &["accounts", "spend-limit", "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "100"]);
    let sms = sms_voice(&server);
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    let mut sending = tokio::task::JoinSet::new();
    for index in 0..300 {
        let destination = format!("+447700906{index:03}");
        let delivered = index % 2 == 0;
        if !delivered {
            smsc.set_outcome(&destination, Outcome::undeliverable("001"));
        }
        let (sms, gb) = (sms.clone(), gb.clone());
        sending.spawn(async move { (send(&sms, &gb, &destination, "one of many").await, delivered) });
    }
    let sent = sending.join_all().await;
    for (id, delivered) in sent {
        let shown = final_message(&server, &id, Duration::from_secs(60)).await;
        let expected = if delivered { "DELIVERED" } else { "UNREACHABLE" };
        assert_eq!(last_record(&shown)["messageStatus"], expected, "message {id}: {shown}");
    }

    // The carrier's binds and submissions in the metrics.
    let page = reqwest::get(format!("{}/metrics", server.endpoint)).await.expect("GET /metrics");
    let page = page.text().await.expect("metrics");
    for line in [
        "herald_smpp_binds_up{carrier=\"fake\"} 2",
        "herald_smpp_submits_total{carrier=\"fake\",outcome=\"accepted\"} 300",
        "herald_smpp_window_size{carrier=\"fake\"} 100",
    ] {
        assert!(page.lines().any(|l| l == line), "{line} in\n{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_receipts_becomes_unknown_after_the_receipt_timeout() {
    let smsc =
        FakeSmsc::start(FakeSmscConfig { default_outcome: Outcome::NoReceipt, ..FakeSmscConfig::default() }).await;
    let config = [
        number(GB_NUMBER, "GB", "LONG_CODE", "fake", None),
        carrier("fake", smsc.address().port(), ""),
        "[sms.delivery]\nreceipt_timeout_seconds = 2\n".to_string(),
    ]
    .concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    let sms = sms_voice(&server);
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    let id = send(&sms, &gb, GB_HANDSET, "no receipt for this one").await;
    let shown = final_message(&server, &id, Duration::from_secs(30)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_UNKNOWN"]);

    // A message past its TimeToLive before it could be submitted expires.
    smsc.refuse_binds(true);
    smsc.drop_connections();
    let expiring = sms
        .send_text_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_HANDSET)
        .message_body("too late")
        .time_to_live(5)
        .send()
        .await
        .expect("send")
        .message_id()
        .expect("id")
        .to_string();
    let shown = final_message(&server, &expiring, Duration::from_secs(40)).await;
    assert_eq!(event_types(&shown), ["TEXT_QUEUED", "TEXT_TTL_EXPIRED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_part_per_second_number_sends_five_parts_in_about_five_seconds() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let config =
        [number(US_NUMBER, "US", "LONG_CODE", "fake", None), carrier("fake", smsc.address().port(), "window = 10")]
            .concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    let sms = sms_voice(&server);
    let us = request_number(&sms, "US", RequestableNumberType::LongCode).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(send(&sms, &us, US_HANDSET, &format!("message {n}")).await);
    }
    let submits = smsc.wait_for_submits(5, Duration::from_secs(20)).await;
    assert_eq!(submits.len(), 5);
    let first = submits.first().expect("first").received_at;
    let last = submits.last().expect("last").received_at;
    let spread = last.duration_since(first).expect("in order");
    assert!(spread >= Duration::from_millis(3500) && spread <= Duration::from_secs(7), "5 parts took {spread:?}");
    for id in ids {
        final_message(&server, &id, Duration::from_secs(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_fails_over_to_another_member() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    // Nothing listens on the first carrier's port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let config = [
        number(GB_NUMBER, "GB", "LONG_CODE", "down", None),
        number(GB_SECOND, "GB", "LONG_CODE", "fake", None),
        carrier("down", dead, ""),
        carrier("fake", smsc.address().port(), ""),
    ]
    .concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    let sms = sms_voice(&server);
    let first = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    let second = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    let first_id = phone_id(&sms, &first).await;
    let pool = sms
        .create_pool()
        .origination_identity(&first_id)
        .iso_country_code("GB")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("pool")
        .pool_id()
        .expect("PoolId")
        .to_string();
    sms.associate_origination_identity()
        .pool_id(&pool)
        .origination_identity(phone_id(&sms, &second).await)
        .iso_country_code("GB")
        .send()
        .await
        .expect("second member");
    let id = send(&sms, &pool, GB_HANDSET, "through the pool").await;
    let shown = final_message(&server, &id, Duration::from_secs(40)).await;
    assert_eq!(last_record(&shown)["messageStatus"], "DELIVERED");
    assert_eq!(last_record(&shown)["originationPhoneNumber"], second.as_str());
    let submit = smsc.submits().into_iter().next().expect("submitted through the second member");
    assert_eq!(submit.source, second.trim_start_matches('+'));
}

async fn phone_id(sms: &Client, number: &str) -> String {
    sms.describe_phone_numbers()
        .send()
        .await
        .expect("describe")
        .phone_numbers()
        .iter()
        .find(|n| n.phone_number() == number)
        .and_then(|n| n.phone_number_id())
        .expect("the number's id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keywords_answer_opt_out_and_opt_in() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let config =
        [number(GB_NUMBER, "GB", "LONG_CODE", "fake", None), carrier("fake", smsc.address().port(), "")].concat();
    let server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    let sms = sms_voice(&server);
    let gb = request_number(&sms, "GB", RequestableNumberType::LongCode).await;
    sms.put_keyword()
        .origination_identity(&gb)
        .keyword("JOIN")
        .keyword_message("Welcome to ExampleCorp alerts")
        .keyword_action(KeywordAction::AutomaticResponse)
        .send()
        .await
        .expect("JOIN");
    sms.put_keyword()
        .origination_identity(&gb)
        .keyword("START")
        .keyword_message("You are subscribed again")
        .keyword_action(KeywordAction::OptIn)
        .send()
        .await
        .expect("START");

    let reply_to = |text: &'static str| {
        let smsc = &smsc;
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(submit) = smsc.submits().into_iter().find(|s| s.text.as_deref() == Some(text)) {
                    return submit;
                }
                assert!(Instant::now() < deadline, "no reply {text:?}; submits: {:?}", smsc.submits());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };

    // STOP through the carrier (a deliver_sm from the handset).
    smsc.inject_inbound(GB_HANDSET, GB_NUMBER, "stop sending please");
    let reply = reply_to("You are now unsubscribed and will receive no further messages.").await;
    assert_eq!(reply.destination, GB_HANDSET.trim_start_matches('+'));
    let opted = sms.describe_opted_out_numbers().opt_out_list_name("Default").send().await.expect("describe");
    let entry = opted.opted_out_numbers().iter().find(|n| n.opted_out_number() == GB_HANDSET).expect("opted out");
    assert!(entry.end_user_opted_out());
    let refused = sms
        .send_text_message()
        .origination_identity(&gb)
        .destination_phone_number(GB_HANDSET)
        .message_body("hi")
        .send()
        .await;
    assert_eq!(reason!(refused, SendTextMessageError::ConflictException), "DESTINATION_PHONE_NUMBER_OPTED_OUT");

    // HELP and a custom keyword, injected by the operator.
    admin(&server, &["messages", "inbound", "--from", "+447700900561", "--to", GB_NUMBER, "--body", "Help"]);
    reply_to(
        "For help with these messages, contact the sender. Msg & data rates may apply. Reply STOP to unsubscribe.",
    )
    .await;
    admin(&server, &["messages", "inbound", "--from", "+447700900561", "--to", GB_NUMBER, "--body", "join now"]);
    reply_to("Welcome to ExampleCorp alerts").await;

    // START takes the number off the list again.
    smsc.inject_inbound(GB_HANDSET, GB_NUMBER, "START");
    reply_to("You are subscribed again").await;
    send(&sms, &gb, GB_HANDSET, "welcome back").await;

    // Each inbound message is recorded for the number's two-way channel.
    let events = admin(&server, &["messages", "events"]);
    let inbound: Vec<Value> = events
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["EventType"] == "TEXT_INBOUND")
        .collect();
    assert_eq!(inbound.len(), 4, "{events}");
    let stop = &inbound[0]["Record"];
    assert_eq!(stop["originationNumber"], GB_HANDSET);
    assert_eq!(stop["destinationNumber"], GB_NUMBER);
    assert_eq!(stop["messageKeyword"], "STOP");
    assert_eq!(stop["messageBody"], "stop sending please");
    assert!(stop["inboundMessageId"].as_str().is_some_and(|id| id.len() == 36));
}

/// The guide's destination simulator numbers: per country, one that succeeds and one that fails.
const SIMULATORS: &[(&str, &str, &str)] = &[
    ("AU", "+61455944038", "+61455944039"),
    ("AT", "+43676800442031", "+43676800442032"),
    ("BE", "+32460213922", "+32460213923"),
    ("CL", "+56229140630", "+56229140631"),
    ("CZ", "+420790542286", "+420790542287"),
    ("DK", "+4525919410", "+4525919215"),
    ("EE", "+37282720792", "+37282720793"),
    ("FI", "+3584573979110", "+3584573979111"),
    ("FR", "+33755512501", "+33755512502"),
    ("HK", "+85257048426", "+85257048854"),
    ("HU", "+36707178770", "+36707178772"),
    ("IT", "+394390009172", "+394390009174"),
    ("JE", "+447937404990", "+447937404992"),
    ("LU", "+352691385880", "+352691385882"),
    ("NL", "+3197008100148", "+3197008100150"),
    ("NO", "+4759449384", "+4759449387"),
    ("PL", "+48732141440", "+48732141442"),
    ("PT", "+351927946948", "+351927946950"),
    ("RO", "+40783900330", "+40783900332"),
    ("ES", "+34683783440", "+34683783442"),
    ("SE", "+46790645100", "+46790645102"),
    ("CH", "+41798075872", "+41798075874"),
    ("TW", "+886903444630", "+886903444632"),
    ("GB", "+447860019066", "+447860019067"),
    ("US", "+14254147755", "+14254147167"),
];

/// A number of the account's in `country` that no simulator number is: the success number with
/// its last two digits set to 00.
fn own_number(success: &str) -> String {
    format!("{}00", &success[..success.len() - 2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_destination_simulator_number_succeeds_or_fails_as_the_guide_says() {
    // Jersey's numbers dial +44 7..., which is the United Kingdom's: the GB number sends to them.
    let countries: Vec<&(&str, &str, &str)> = SIMULATORS.iter().filter(|(country, ..)| *country != "JE").collect();
    let mut config = String::from("[sms.quotas]\nphone_numbers = 50\n");
    for (country, success, _) in &countries {
        config.push_str(&number(&own_number(success), country, "LONG_CODE", "nowhere", Some(100)));
    }
    let server = TestServer::builder().config(config).start();
    let sms = sms_voice(&server);
    for (country, success, _) in &countries {
        assert_eq!(request_number(&sms, country, RequestableNumberType::LongCode).await, own_number(success));
    }
    let mut sent = Vec::new();
    for (country, success, failure) in SIMULATORS {
        let sender_country = if *country == "JE" { "GB" } else { country };
        let from =
            countries.iter().find(|(c, ..)| *c == sender_country).map(|(_, s, _)| own_number(s)).expect("a number");
        sent.push((*country, send(&sms, &from, success, "simulated").await, true));
        sent.push((*country, send(&sms, &from, failure, "simulated").await, false));
    }
    for (country, id, success) in sent {
        let shown = final_message(&server, &id, Duration::from_secs(30)).await;
        let expected: &[&str] = if success {
            &["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"]
        } else {
            &["TEXT_QUEUED", "TEXT_UNREACHABLE"]
        };
        assert_eq!(event_types(&shown), expected, "{country}");
    }
}
