//! SMS event records leave Herald: a configuration set's event destinations name ARNs, the node
//! configuration maps them to sinks (`[[sinks]]`), and the records of a message arrive there in
//! order: at a webhook started by the test (signatures checked) and on a NATS JetStream subject
//! of the local server. A sink that fails for a while gets every record once it recovers, and a
//! restart with records still in the outbox loses none.

use std::time::{Duration, Instant};

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::types::{EventType, KinesisFirehoseDestination, RequestableNumberType, SnsDestination};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::webhook::{self, Receiver};
use herald_e2e::{sms_voice, wait_for};
use serde_json::Value;

const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:sms-events";
const STREAM_ARN: &str = "arn:aws:firehose:us-east-1:111122223333:deliverystream/sms-events";
const SUCCESS: &str = "+14254147755";

fn records_of(receiver: &Receiver, message_id: &str) -> Vec<Value> {
    receiver.records_where("messageId", message_id)
}

fn webhook_sink(port: u16) -> String {
    webhook::sink(TOPIC, port)
}

/// Fast retries, so that a recovering sink is tried again within the test's time.
const FAST_RETRIES: &str = "[events]\nretry_min_seconds = 0.2\nretry_max_seconds = 1\n";

async fn simulator_with_destinations(sms: &Client, firehose: bool) -> String {
    let number = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(aws_sdk_pinpointsmsvoicev2::types::MessageType::Transactional)
        .number_capabilities(aws_sdk_pinpointsmsvoicev2::types::NumberCapability::Sms)
        .number_type(RequestableNumberType::Simulator)
        .send()
        .await
        .expect("RequestPhoneNumber")
        .phone_number()
        .expect("number")
        .to_string();
    sms.create_configuration_set().configuration_set_name("events").send().await.expect("CreateConfigurationSet");
    sms.create_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-webhook")
        .matching_event_types(EventType::TextAll)
        .sns_destination(SnsDestination::builder().topic_arn(TOPIC).build().expect("sns"))
        .send()
        .await
        .expect("CreateEventDestination (SNS)");
    if firehose {
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("to-nats")
            .matching_event_types(EventType::TextDelivered)
            .kinesis_firehose_destination(
                KinesisFirehoseDestination::builder()
                    .delivery_stream_arn(STREAM_ARN)
                    .iam_role_arn("arn:aws:iam::111122223333:role/firehose")
                    .build()
                    .expect("firehose"),
            )
            .send()
            .await
            .expect("CreateEventDestination (Firehose)");
    }
    number
}

async fn send(sms: &Client, from: &str, body: &str) -> String {
    sms.send_text_message()
        .origination_identity(from)
        .destination_phone_number(SUCCESS)
        .configuration_set_name("events")
        .message_body(body)
        .send()
        .await
        .expect("SendTextMessage")
        .message_id()
        .expect("MessageId")
        .to_string()
}

fn types(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| r["eventType"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_reach_a_signed_webhook_and_nats_jetstream_in_order() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let receiver = Receiver::default();
    receiver.start(listener);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (subject, stream) = (format!("herald.test.{run}"), format!("HERALD_TEST_{run}"));
    let nats = format!(
        "[[sinks]]\narn = {STREAM_ARN:?}\ntype = \"nats\"\nserver = \"nats://127.0.0.1:4222\"\n\
         subject = {subject:?}\nstream = {stream:?}\n"
    );
    let server = TestServer::builder().config([webhook_sink(port), nats, FAST_RETRIES.to_string()].concat()).start();
    let sms = sms_voice(&server);
    let simulator = simulator_with_destinations(&sms, true).await;
    let id = send(&sms, &simulator, "Your code is 123456").await;

    wait_for("the three records at the webhook", Duration::from_secs(20), || records_of(&receiver, &id).len() >= 3)
        .await;
    let records = records_of(&receiver, &id);
    assert_eq!(types(&records), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"]);
    let last = &records[2];
    assert_eq!(last["isFinal"], true);
    assert_eq!(last["messageStatus"], "DELIVERED");
    assert_eq!(last["originationPhoneNumber"], simulator.as_str());
    assert_eq!(last["configurationSetName"], "events");
    let ids: std::collections::HashSet<_> = receiver.taken().into_iter().map(|d| d.event_id).collect();
    assert_eq!(ids.len(), 3, "each record has its own event id");

    // The deliveries are counted per sink, and nothing waits in the outbox for the webhook.
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let metrics = reqwest::get(format!("{}/metrics", server.endpoint)).await.expect("GET /metrics");
        let metrics = metrics.text().await.expect("metrics text");
        let pending = metrics.lines().find(|line| {
            line.starts_with("herald_event_outbox_records{") && line.contains(TOPIC) && line.contains("\"pending\"")
        });
        if pending.is_some_and(|line| line.ends_with(" 0")) || Instant::now() > deadline {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let delivered = format!("herald_event_deliveries_total{{sink=\"{TOPIC}\",outcome=\"delivered\"}} 3");
    assert!(metrics.contains(&delivered), "{delivered} in\n{metrics}");
    let pending = metrics.lines().find(|line| line.starts_with("herald_event_outbox_records{") && line.contains(TOPIC));
    assert!(pending.is_some_and(|line| line.ends_with(" 0")), "{pending:?}");

    // The Firehose destination matches TEXT_DELIVERED only; its ARN is a JetStream subject.
    let client = async_nats::connect("nats://127.0.0.1:4222").await.expect("connect to NATS");
    let jetstream = async_nats::jetstream::new(client);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut found = None;
    while found.is_none() && Instant::now() < deadline {
        if let Ok(mut stream) = jetstream.get_stream(&stream).await {
            let state = stream.info().await.expect("stream info").state.clone();
            if state.messages > 0 {
                found = Some(stream.get_raw_message(state.first_sequence).await.expect("first message"));
            }
        }
        if found.is_none() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let message = found.expect("a record on the JetStream subject");
    assert_eq!(message.subject.as_str(), subject);
    let record: Value = serde_json::from_slice(&message.payload).expect("JSON");
    assert_eq!(
        (record["eventType"].as_str(), record["messageId"].as_str()),
        (Some("TEXT_DELIVERED"), Some(id.as_str()))
    );
    let info = jetstream.get_stream(&stream).await.expect("stream").info().await.expect("info").state.messages;
    assert_eq!(info, 1, "only the matching event type");
    let _ = jetstream.delete_stream(&stream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_that_fails_for_a_while_then_gets_every_record_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let receiver = Receiver::default();
    receiver.set_failing(true);
    receiver.start(listener);
    let server = TestServer::builder().config([webhook_sink(port), FAST_RETRIES.to_string()].concat()).start();
    let sms = sms_voice(&server);
    let simulator = simulator_with_destinations(&sms, false).await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(send(&sms, &simulator, &format!("message {n}")).await);
    }
    // Refused for a few seconds: Herald keeps trying (backing off) and sending goes on.
    wait_for("several refused attempts", Duration::from_secs(20), || receiver.refused() >= 3).await;
    assert!(receiver.taken().is_empty());
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.set_failing(false);

    wait_for("15 records after the recovery", Duration::from_secs(30), || receiver.taken().len() >= 15).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let taken = receiver.taken();
    assert_eq!(taken.len(), 15, "no record twice");
    let ids: std::collections::HashSet<_> = taken.iter().map(|d| d.event_id.clone()).collect();
    assert_eq!(ids.len(), 15);
    for id in &sent {
        assert_eq!(types(&records_of(&receiver, id)), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"], "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_waiting_in_the_outbox_survive_a_restart() {
    // The receiver's port is reserved but nothing answers yet: the records wait.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let mut server = TestServer::builder().config([webhook_sink(port), FAST_RETRIES.to_string()].concat()).start();
    let sms = sms_voice(&server);
    let simulator = simulator_with_destinations(&sms, false).await;
    let mut sent = Vec::new();
    for n in 0..3 {
        sent.push(send(&sms, &simulator, &format!("before the restart {n}")).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill();

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind the receiver's port");
    let receiver = Receiver::default();
    receiver.start(listener);
    server.restart();
    wait_for("the records after the restart", Duration::from_secs(30), || receiver.taken().len() >= 9).await;
    for id in &sent {
        assert_eq!(types(&records_of(&receiver, id)), ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"], "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_messages_reach_the_numbers_two_way_channel() {
    const CHANNEL: &str = "arn:aws:sns:us-east-1:111122223333:two-way";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let receiver = Receiver::default();
    receiver.start(listener);
    let sink = webhook_sink(port).replace(TOPIC, CHANNEL);
    let server = TestServer::builder().config(sink).start();
    let sms = sms_voice(&server);
    let number = simulator_with_destinations(&sms, false).await;
    let numbers = sms.describe_phone_numbers().send().await.expect("DescribePhoneNumbers");
    let id = numbers.phone_numbers()[0].phone_number_id().expect("id").to_string();
    sms.update_phone_number()
        .phone_number_id(&id)
        .two_way_enabled(true)
        .two_way_channel_arn(CHANNEL)
        .two_way_channel_role("arn:aws:iam::111122223333:role/two-way")
        .send()
        .await
        .expect("UpdatePhoneNumber");

    herald_e2e::messages::admin(
        &server,
        &["messages", "inbound", "--from", SUCCESS, "--to", &number, "--body", "Where is my order?"],
    );
    wait_for("the inbound record", Duration::from_secs(20), || !receiver.taken().is_empty()).await;
    let record = &receiver.taken()[0].record;
    assert_eq!(record["originationNumber"], SUCCESS);
    assert_eq!(record["destinationNumber"], number.as_str());
    assert_eq!(record["messageBody"], "Where is my order?");
    assert!(record["inboundMessageId"].as_str().is_some_and(|id| !id.is_empty()), "{record}");
}
