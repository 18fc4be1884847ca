//! The Pinpoint event stream: PutEventStream / GetEventStream / DeleteEventStream, and the
//! records that reach the stream's sink: one `_push.send` per SendMessages result and one per
//! event an app reports with PutEvents.

use std::time::Duration;

use aws_sdk_pinpoint::operation::get_event_stream::GetEventStreamError;
use aws_sdk_pinpoint::operation::put_event_stream::PutEventStreamError;
use aws_sdk_pinpoint::types::{
    AddressConfiguration, ChannelType, CreateApplicationRequest, DirectMessageConfiguration, Event, EventsBatch,
    EventsRequest, GcmMessage, MessageRequest, PublicEndpoint, Session, WriteEventStream,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::webhook::{self, Receiver};
use herald_e2e::{pinpoint, wait_for};
use serde_json::Value;

const STREAM: &str = "arn:aws:kinesis:us-east-1:111122223333:stream/pinpoint-events";
const ROLE: &str = "arn:aws:iam::111122223333:role/pinpoint-events";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_sends_and_app_events_reach_the_event_stream() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let receiver = Receiver::default();
    receiver.start(listener);
    let server = TestServer::builder().config(webhook::sink(STREAM, port)).start();
    let client = pinpoint(&server);
    let request = CreateApplicationRequest::builder().name("stream").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let app = app.application_response.and_then(|a| a.id).expect("app id");

    // No stream yet; a destination that is not a Kinesis or Firehose stream is refused.
    let missing = client.get_event_stream().application_id(&app).send().await;
    assert!(matches!(missing.map_err(|e| e.into_service_error()), Err(GetEventStreamError::NotFoundException(_))));
    let bad = WriteEventStream::builder()
        .destination_stream_arn("arn:aws:sns:us-east-1:111122223333:topic")
        .role_arn(ROLE)
        .build();
    let refused = client.put_event_stream().application_id(&app).write_event_stream(bad).send().await;
    assert!(matches!(refused.map_err(|e| e.into_service_error()), Err(PutEventStreamError::BadRequestException(_))));

    let write = WriteEventStream::builder().destination_stream_arn(STREAM).role_arn(ROLE).build();
    let put = client.put_event_stream().application_id(&app).write_event_stream(write).send().await.expect("put");
    let stream = put.event_stream().expect("stream");
    assert_eq!((stream.application_id(), stream.destination_stream_arn()), (Some(app.as_str()), Some(STREAM)));
    let got = client.get_event_stream().application_id(&app).send().await.expect("GetEventStream");
    assert_eq!(got.event_stream().and_then(|s| s.role_arn()), Some(ROLE));

    // Two sends whose outcome Herald decides (no GCM channel, no ChannelType): one record each.
    let message = MessageRequest::builder()
        .addresses("token-one", AddressConfiguration::builder().channel_type(ChannelType::Gcm).build())
        .addresses("token-two", AddressConfiguration::builder().build())
        .trace_id("trace-42")
        .context("campaign", "winter")
        .message_configuration(
            DirectMessageConfiguration::builder()
                .gcm_message(GcmMessage::builder().title("Hi").body("There").build())
                .build(),
        )
        .build();
    client.send_messages().application_id(&app).message_request(message).send().await.expect("SendMessages");

    // Events an app reports.
    let session = Session::builder().id("session-1").start_timestamp("2026-11-22T08:00:00.000Z").build();
    let start = Event::builder()
        .event_type("_session.start")
        .timestamp("2026-11-22T08:00:00.000Z")
        .session(session)
        .app_package_name("com.example.app")
        .build();
    let custom = Event::builder()
        .event_type("purchase")
        .timestamp("2026-11-22T08:01:00.000Z")
        .attributes("item", "book")
        .metrics("price", 12.5)
        .build();
    let batch = EventsBatch::builder()
        .endpoint(PublicEndpoint::builder().channel_type(ChannelType::Gcm).address("token-one").build())
        .events("e-start", start)
        .events("e-buy", custom)
        .build();
    let events = EventsRequest::builder().batch_item("endpoint-1", batch).build();
    let answer = client.put_events().application_id(&app).events_request(events).send().await.expect("PutEvents");
    let results = answer.events_response().and_then(|r| r.results()).expect("results");
    let item = &results["endpoint-1"];
    assert_eq!(item.endpoint_item_response().and_then(|r| r.status_code()), Some(202));
    assert_eq!(item.events_item_response().map(|r| r.len()), Some(2));

    wait_for("four records on the stream", Duration::from_secs(20), || receiver.taken().len() >= 4).await;
    let records: Vec<Value> = receiver.taken().into_iter().map(|d| d.record).collect();
    let sends: Vec<&Value> = records.iter().filter(|r| r["event_type"] == "_push.send").collect();
    assert_eq!(sends.len(), 2, "{records:#?}");
    for send in &sends {
        assert_eq!(send["application"]["app_id"], app.as_str());
        assert_eq!(send["attributes"]["delivery_status"], "PERMANENT_FAILURE");
        assert_eq!(send["awsAccountId"], server.account_id.as_str());
        assert_eq!(send["attributes"]["trace_id"], "trace-42");
        assert_eq!(send["context"]["campaign"], "winter");
    }
    let one = sends.iter().find(|r| r["client"]["client_id"] == "token-one").expect("token-one's record");
    assert_eq!(one["attributes"]["channel_type"], "GCM");
    let started = records.iter().find(|r| r["event_type"] == "_session.start").expect("session start");
    assert_eq!(started["session"]["session_id"], "session-1");
    assert_eq!(started["client"]["client_id"], "endpoint-1");
    assert_eq!(started["application"]["package_name"], "com.example.app");
    assert_eq!(started["event_timestamp"], 1_795_334_400_000_i64);
    let bought = records.iter().find(|r| r["event_type"] == "purchase").expect("custom event");
    assert_eq!(
        (bought["attributes"]["item"].as_str(), bought["metrics"]["price"].as_f64()),
        (Some("book"), Some(12.5))
    );

    let deleted = client.delete_event_stream().application_id(&app).send().await.expect("DeleteEventStream");
    assert_eq!(deleted.event_stream().and_then(|s| s.destination_stream_arn()), Some(STREAM));
    let gone = client.get_event_stream().application_id(&app).send().await;
    assert!(matches!(gone.map_err(|e| e.into_service_error()), Err(GetEventStreamError::NotFoundException(_))));
}
