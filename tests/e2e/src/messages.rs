//! Reading the delivery queue of a `TestServer` through `herald messages ...`, as an operator
//! would: a message with its event records, waiting for it to be final.

use std::time::{Duration, Instant};

use herald_testkit::TestServer;
use herald_testkit::admin::run_herald;
use serde_json::Value;

/// Runs `herald <args>` on the server's state; answers its standard output.
pub fn admin(server: &TestServer, args: &[&str]) -> String {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.extend(server.state_args());
    let output = run_herald(&all);
    assert!(output.status.success(), "herald {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What `herald messages show` prints for a message.
pub fn show(server: &TestServer, message_id: &str) -> Value {
    serde_json::from_str(&admin(server, &["messages", "show", message_id])).expect("messages show prints JSON")
}

/// Polls the message until it is final; answers what `herald messages show` prints.
pub async fn final_message(server: &TestServer, message_id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let shown = show(server, message_id);
        if shown["State"] == "final" {
            return shown;
        }
        assert!(Instant::now() < deadline, "message {message_id} is not final after {within:?}: {shown:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The event types of a shown message, in order.
pub fn event_types(shown: &Value) -> Vec<String> {
    shown["Events"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["Record"]["eventType"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The last event record of a shown message.
pub fn last_record(shown: &Value) -> Value {
    shown["Events"].as_array().and_then(|events| events.last()).map(|e| e["Record"].clone()).unwrap_or_default()
}
