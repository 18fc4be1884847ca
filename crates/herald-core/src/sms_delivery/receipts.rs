//! Delivery receipts: matched to the message part whose carrier id they name (in whatever
//! notation the carrier writes it), they set the part's status; the message is final when all
//! its parts are.

use herald_sms::smpp::receipt_id_candidates;
use herald_store::{InboxItem, MessageRecord, MessageState, MessageUpdate};
use serde_json::Value;
use time::OffsetDateTime;

use super::deliver::overall;
use super::engine::Engine;
use super::events::event;
use super::message::OutboundMessage;
use super::status::Status;

/// What a receipt's state means for its part.
fn status_of(state: &str) -> Status {
    match state {
        "DELIVERED" => Status::Delivered,
        "EXPIRED" => Status::TtlExpired,
        "UNDELIVERABLE" => Status::Unreachable,
        "REJECTED" => Status::CarrierBlocked,
        "DELETED" | "UNKNOWN" => Status::Unknown,
        _ => Status::Pending,
    }
}

pub(crate) enum Matched {
    /// The receipt changes the message this way.
    Update(Box<MessageUpdate>),
    /// Nothing to change (the message is already final, or the part already has this status).
    Nothing,
    /// No message has this carrier id yet: the submission may not be recorded yet.
    Unknown,
}

impl Engine {
    /// What a receipt does to its message.
    pub(crate) async fn match_receipt(&self, item: &InboxItem) -> Result<Matched, String> {
        let text = |member: &str| item.document.get(member).and_then(Value::as_str).unwrap_or_default().to_string();
        let (carrier, carrier_id, state) = (text("Carrier"), text("CarrierMessageId"), text("State"));
        let candidates = receipt_id_candidates(&carrier_id);
        let found =
            self.core.store().find_message_by_carrier_id(&carrier, &candidates).await.map_err(|e| e.to_string())?;
        let Some((record, part)) = found else { return Ok(Matched::Unknown) };
        if record.state == MessageState::Final {
            return Ok(Matched::Nothing);
        }
        let mut message = OutboundMessage::from_document(&record.document)?;
        let status = status_of(&state);
        let Some(index) =
            usize::try_from(part).ok().and_then(|p| p.checked_sub(1)).filter(|i| *i < message.parts.len())
        else {
            return Ok(Matched::Nothing);
        };
        if message.parts[index].status.is_some() {
            return Ok(Matched::Nothing);
        }
        let now = OffsetDateTime::now_utc();
        let mut events = Vec::new();
        if status.is_final() {
            let error_code = item.document.get("ErrorCode").and_then(Value::as_str).map(str::to_owned);
            message.parts[index].status = Some(status.token().to_string());
            message.parts[index].error_code = error_code;
        } else {
            events.push(event(&message, &record.account_id, Status::Pending, now));
        }
        let done = message.parts.iter().all(|p| p.status.is_some());
        if done {
            events.push(event(&message, &record.account_id, overall(&message.parts), now));
        }
        Ok(Matched::Update(Box::new(update(&record, &message, done, events))))
    }
}

fn update(
    record: &MessageRecord,
    message: &OutboundMessage,
    done: bool,
    events: Vec<herald_store::EventRecord>,
) -> MessageUpdate {
    MessageUpdate {
        id: record.id.clone(),
        expected_version: record.version,
        // A message whose later parts wait in the queue (a throttle between parts) stays queued.
        state: if done { MessageState::Final } else { record.state },
        lane: record.lane.clone(),
        due_at: if done { OffsetDateTime::now_utc() } else { record.due_at },
        attempts: record.attempts,
        last_error: record.last_error.clone(),
        document: message.to_document(),
        carrier_ids: Vec::new(),
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_states_become_the_guides_statuses() {
        assert_eq!(status_of("DELIVERED"), Status::Delivered);
        assert_eq!(status_of("EXPIRED"), Status::TtlExpired);
        assert_eq!(status_of("UNDELIVERABLE"), Status::Unreachable);
        assert_eq!(status_of("REJECTED"), Status::CarrierBlocked);
        assert_eq!(status_of("UNKNOWN"), Status::Unknown);
        assert!(!status_of("ENROUTE").is_final());
    }
}
