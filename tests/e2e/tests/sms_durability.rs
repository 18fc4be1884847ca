//! Nothing accepted is lost: 10,000 messages are accepted, `herald` is killed with SIGKILL while
//! they are being delivered, and after a restart every one of them ends with exactly one final
//! event.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_pinpointsmsvoicev2::types::{MessageType, NumberCapability, RequestableNumberType};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::fakes::smsc::{FakeSmsc, FakeSmscConfig};
use herald_e2e::messages::admin;
use herald_e2e::sms_voice;
use serde_json::Value;

const MESSAGES: usize = 10_000;
const SENDERS: usize = 32;

/// The count `herald messages list` ends with.
fn count(server: &TestServer, state: &str) -> usize {
    let listed = admin(server, &["messages", "list", "--state", state, "--limit", "1"]);
    listed.lines().last().and_then(|line| line.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_loses_no_accepted_message() {
    // A loaded machine can be slow to answer receipts: the fake waits long for them, and a
    // message whose receipt still never comes ends UNKNOWN after Herald's receipt timeout
    // (shortened here): either way, one final event.
    let smsc = FakeSmsc::start(FakeSmscConfig {
        receipt_delay: Duration::from_millis(50),
        deliver_timeout: Duration::from_secs(30),
        ..FakeSmscConfig::default()
    })
    .await;
    let config = format!(
        "[[numbers]]\nphone_number = \"+447700900123\"\niso_country = \"GB\"\nnumber_type = \"LONG_CODE\"\n\
         capabilities = [\"SMS\"]\ncarrier = \"fake\"\nmax_parts_per_second = 800\n\
         [[smpp.carriers]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"herald\"\n\
         password = \"secret\"\nbinds = 2\nwindow = 50\nreconnect_min_seconds = 0.1\nreconnect_max_seconds = 0.5\n\
         [sms.delivery]\nreceipt_timeout_seconds = 60\n",
        smsc.address().port()
    );
    let mut server = TestServer::builder().config(config).start();
    admin(&server, &["accounts", "production"]);
    admin(&server, &["accounts", "spend-limit", "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "1000"]);
    let sms = sms_voice(&server);
    sms.request_phone_number()
        .iso_country_code("GB")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::LongCode)
        .send()
        .await
        .expect("a number");

    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let sms = sms.clone();
        senders.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in (sender..MESSAGES).step_by(SENDERS) {
                let sent = sms
                    .send_text_message()
                    .origination_identity("+447700900123")
                    .destination_phone_number(format!("+4477009{:05}", n % 100_000))
                    .message_body(format!("message {n}"))
                    .send()
                    .await
                    .expect("accepted");
                ids.push(sent.message_id().expect("MessageId").to_string());
            }
            ids
        }));
    }
    let mut accepted = Vec::with_capacity(MESSAGES);
    for sender in senders {
        accepted.extend(sender.await.expect("sender task"));
    }
    assert_eq!(accepted.len(), MESSAGES);

    // Killed in the middle of delivery: some messages are still waiting.
    server.kill();
    let waiting = count(&server, "queued") + count(&server, "submitted");
    assert!(waiting > 0, "the kill should come while messages are still being delivered");

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(240);
    while count(&server, "final") < MESSAGES {
        assert!(Instant::now() < deadline, "only {} of {MESSAGES} messages are final", count(&server, "final"));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let events = admin(&server, &["messages", "events", "--limit", "1000000"]);
    let mut finals: HashMap<String, usize> = HashMap::new();
    for line in events.lines() {
        let event: Value = serde_json::from_str(line).expect("an event line");
        if event["Record"]["isFinal"] == true {
            *finals.entry(event["MessageId"].as_str().unwrap_or_default().to_string()).or_default() += 1;
        }
    }
    for id in &accepted {
        assert_eq!(finals.get(id), Some(&1), "message {id} must have exactly one final event");
    }
    assert_eq!(finals.len(), MESSAGES);
}
