//! What the SMS engine counts, through the `metrics` facade: event records once they are
//! committed (so a write that lost a race is not counted), parts submitted to carriers by
//! outcome, and the binds up per carrier.

use herald_sms::smpp::SubmitOutcome;
use herald_store::{EventRecord, MessageUpdate};
use serde_json::Value;

/// Committed event records by type, origination identity and destination country.
const EVENTS: &str = "herald_sms_events_total";
/// Message parts in committed records of messages accepted by a carrier (TEXT_SUCCESSFUL).
const PARTS: &str = "herald_sms_parts_total";
/// submit_sm answers by carrier and outcome.
const SUBMITS: &str = "herald_smpp_submits_total";
/// Binds up per carrier.
const BINDS_UP: &str = "herald_smpp_binds_up";
/// Window slots in use and in all, per carrier.
const WINDOW_IN_USE: &str = "herald_smpp_window_in_use";
const WINDOW_SIZE: &str = "herald_smpp_window_size";

pub fn describe_metrics() {
    metrics::describe_counter!(EVENTS, "SMS, voice and media event records by event type, origination and country");
    metrics::describe_counter!(PARTS, "Message parts accepted by carriers, by origination and country");
    metrics::describe_counter!(SUBMITS, "submit_sm answers by carrier and outcome");
    metrics::describe_gauge!(BINDS_UP, "SMPP binds up per carrier");
    metrics::describe_gauge!(WINDOW_IN_USE, "submit_sm sent and not yet answered, over a carrier's binds");
    metrics::describe_gauge!(WINDOW_SIZE, "The window of a carrier over all its binds (binds x window)");
}

/// Samples each carrier's window, for a scrape to read.
pub(crate) fn sample_windows(carriers: &[super::CarrierRoute]) {
    for route in carriers {
        let carrier = &route.carrier;
        let name = carrier.name().to_string();
        metrics::gauge!(WINDOW_IN_USE, "carrier" => name.clone()).set(carrier.in_flight() as f64);
        let size = carrier.settings().window * carrier.settings().binds;
        metrics::gauge!(WINDOW_SIZE, "carrier" => name).set(size as f64);
    }
}

/// Counts the event records of the updates a store call applied (`applied` answers per update).
pub(crate) fn count_applied(updates: &[MessageUpdate], applied: &[bool]) {
    let committed = updates.iter().zip(applied).filter(|(_, applied)| **applied);
    count_events(committed.flat_map(|(update, _)| &update.events));
}

/// Counts committed event records.
pub(crate) fn count_events<'a>(events: impl IntoIterator<Item = &'a EventRecord>) {
    for event in events {
        let text = |member: &str| event.record.get(member).and_then(Value::as_str).unwrap_or("").to_string();
        // Inbound records carry their numbers under other names.
        let origination = match text("originationPhoneNumber") {
            number if number.is_empty() => text("destinationNumber"),
            number => number,
        };
        let country = text("isoCountryCode");
        if event.event_type == "TEXT_SUCCESSFUL"
            && let Some(parts) = event.record.get("totalMessageParts").and_then(Value::as_u64)
        {
            metrics::counter!(PARTS, "origination" => origination.clone(), "country" => country.clone())
                .increment(parts);
        }
        metrics::counter!(
            EVENTS,
            "event_type" => event.event_type.clone(),
            "origination" => origination,
            "country" => country
        )
        .increment(1);
    }
}

pub(crate) fn count_submit(carrier: &str, outcome: &SubmitOutcome) {
    let outcome = match outcome {
        SubmitOutcome::Accepted { .. } => "accepted",
        SubmitOutcome::Throttled => "throttled",
        SubmitOutcome::Rejected { permanent: true, .. } => "rejected",
        SubmitOutcome::Rejected { permanent: false, .. } => "refused_for_now",
        SubmitOutcome::Unavailable { .. } => "unavailable",
    };
    metrics::counter!(SUBMITS, "carrier" => carrier.to_string(), "outcome" => outcome).increment(1);
}

pub(crate) fn set_binds_up(carrier: &str, up: usize) {
    metrics::gauge!(BINDS_UP, "carrier" => carrier.to_string()).set(up as f64);
}
