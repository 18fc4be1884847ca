//! Delivery receipts: matched to the message part whose carrier id they name (in whatever
//! notation the carrier writes it), they set the part's status; the message is final when all
//! its parts are.
//!
//! A numeric id reads as decimal and as hexadecimal, so a receipt is first matched in the
//! notation its carrier is known to use (configured, else learned, else as submitted). Only when
//! that finds nothing for [`DeliverySettings::receipt_notation_fallback`] are the other notations
//! tried: a receipt can arrive before the submission it answers is recorded, and trying them at
//! once would match it to another message whose id happens to be the same number in the other
//! base. A match in another notation teaches the engine the carrier's notation.
//!
//! [`DeliverySettings::receipt_notation_fallback`]: super::DeliverySettings::receipt_notation_fallback

use std::collections::HashMap;

use herald_sms::smpp::IdNotation;
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
    /// The message part a receipt answers, as stored; None when no message has its id yet.
    pub(crate) async fn receipted_part(&self, item: &InboxItem) -> Result<Option<(MessageRecord, u32)>, String> {
        let text = |member: &str| item.document.get(member).and_then(Value::as_str).unwrap_or_default();
        let waited = (OffsetDateTime::now_utc() - item.created_at).unsigned_abs();
        self.find_receipted(text("Carrier"), text("CarrierMessageId"), text("Handset"), waited).await
    }
}

/// What a receipt does to the part it answers (found by [`Engine::receipted_part`]), as the
/// round's earlier receipts left its message.
pub(crate) fn apply_receipt(
    item: &InboxItem,
    found: Option<(MessageRecord, u32)>,
    round: &RoundUpdates,
) -> Result<Matched, String> {
    let Some((record, part)) = found else {
        return Ok(Matched::Unknown);
    };
    let state = item.document.get("State").and_then(Value::as_str).unwrap_or_default();
    let record = round.overlay(record);
    if record.state == MessageState::Final {
        return Ok(Matched::Nothing);
    }
    let mut message = OutboundMessage::from_document(&record.document)?;
    let status = status_of(state);
    let Some(index) = usize::try_from(part).ok().and_then(|p| p.checked_sub(1)).filter(|i| *i < message.parts.len())
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

/// The updates of one inbox round, one per message: the receipts of a multipart message that
/// arrive together build on each other and are written in one update.
#[derive(Default)]
pub(crate) struct RoundUpdates {
    by_message: HashMap<String, (MessageUpdate, Vec<i64>)>,
}

impl RoundUpdates {
    /// The message as this round's updates so far leave it (still at the version read, which
    /// the one update written for it expects).
    fn overlay(&self, mut record: MessageRecord) -> MessageRecord {
        if let Some((update, _)) = self.by_message.get(&record.id) {
            record.state = update.state;
            record.due_at = update.due_at;
            record.document = update.document.clone();
        }
        record
    }

    /// Adds the update that inbox item `seq` causes; it replaces the message's earlier one,
    /// keeping that one's events first.
    pub(crate) fn add(&mut self, mut update: MessageUpdate, seq: i64) {
        match self.by_message.remove(&update.id) {
            Some((mut earlier, mut seqs)) => {
                earlier.events.append(&mut update.events);
                update.events = earlier.events;
                seqs.push(seq);
                self.by_message.insert(update.id.clone(), (update, seqs));
            }
            None => {
                self.by_message.insert(update.id.clone(), (update, vec![seq]));
            }
        }
    }

    /// The updates to write, each with the inbox items it settles.
    pub(crate) fn into_updates(self) -> (Vec<MessageUpdate>, Vec<Vec<i64>>) {
        self.by_message.into_values().unzip()
    }
}

impl Engine {
    /// The message part a receipt quoting `carrier_id` answers, trying the notations in order
    /// (see the module's documentation).
    async fn find_receipted(
        &self,
        carrier: &str,
        carrier_id: &str,
        handset: &str,
        waited: std::time::Duration,
    ) -> Result<Option<(MessageRecord, u32)>, String> {
        let configured = self.carriers.iter().find(|c| c.carrier.name() == carrier).and_then(|c| c.receipt_ids);
        let learned = self.learned_notation(carrier);
        let notations = notations_to_try(configured, learned, waited >= self.settings.receipt_notation_fallback);
        let mut tried = Vec::new();
        for notation in notations {
            let Some(submitted_id) = notation.submitted_id(carrier_id) else { continue };
            if tried.contains(&submitted_id) {
                continue;
            }
            let found = self
                .core
                .store()
                .find_message_by_carrier_id(carrier, std::slice::from_ref(&submitted_id))
                .await
                .map_err(|e| e.to_string())?;
            let fallback = configured.is_none() && notation != learned;
            // In a notation not yet known for the carrier, the message must also be the one the
            // receipt's handset received: the receipt may answer a submission never recorded
            // (cut off by a crash), whose id another message has in another base.
            let found = found.filter(|(record, _)| !fallback || same_handset(record, handset));
            if found.is_some() {
                if fallback {
                    tracing::info!(carrier, notation = notation.name(), "learned how the carrier's receipts quote ids");
                    self.learn_notation(carrier, notation);
                }
                return Ok(found);
            }
            tried.push(submitted_id);
        }
        Ok(None)
    }

    fn learned_notation(&self, carrier: &str) -> IdNotation {
        let learned = self.receipt_notations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        learned.get(carrier).copied().unwrap_or(IdNotation::AsSubmitted)
    }

    fn learn_notation(&self, carrier: &str, notation: IdNotation) {
        let mut learned = self.receipt_notations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        learned.insert(carrier.to_owned(), notation);
    }
}

/// Whether the receipt's source address is the message's destination (digits compared, as
/// carriers write addresses with or without "+"); a receipt without one does not contradict.
fn same_handset(record: &MessageRecord, handset: &str) -> bool {
    let digits = |text: &str| text.chars().filter(char::is_ascii_digit).collect::<String>();
    let handset = digits(handset);
    let destination = record.document.get("DestinationPhoneNumber").and_then(Value::as_str).unwrap_or_default();
    handset.is_empty() || digits(destination) == handset
}

/// The notations a receipt is matched in, in order: the configured one only; else the learned
/// one, and the others too once the receipt has waited long enough.
fn notations_to_try(configured: Option<IdNotation>, learned: IdNotation, waited_enough: bool) -> Vec<IdNotation> {
    if let Some(configured) = configured {
        return vec![configured];
    }
    let mut notations = vec![learned];
    if waited_enough {
        notations.extend(IdNotation::ALL.into_iter().filter(|n| *n != learned));
    }
    notations
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

    #[test]
    fn receipts_of_one_message_in_a_round_make_one_update() {
        let now = OffsetDateTime::now_utc();
        let event = |kind: &str| herald_store::EventRecord {
            seq: 0,
            account_id: "1".into(),
            message_id: "m".into(),
            event_type: kind.into(),
            destinations: Vec::new(),
            record: Value::Null,
            created_at: now,
        };
        let update = |document: Value, events| MessageUpdate {
            id: "m".into(),
            expected_version: 3,
            state: MessageState::Submitted,
            lane: "lane".into(),
            due_at: now,
            attempts: 1,
            last_error: None,
            document,
            carrier_ids: Vec::new(),
            events,
        };
        let mut round = RoundUpdates::default();
        round.add(update(serde_json::json!({"part": 1}), vec![event("TEXT_PENDING")]), 10);
        let record = MessageRecord {
            id: "m".into(),
            account_id: "1".into(),
            channel: "TEXT".into(),
            state: MessageState::Submitted,
            lane: "lane".into(),
            due_at: now,
            attempts: 1,
            last_error: None,
            document: serde_json::json!({"part": 0}),
            version: 3,
            created_at: now,
            updated_at: now,
        };
        // The second receipt sees what the first did, at the version both were read at.
        let seen = round.overlay(record);
        assert_eq!((seen.document["part"].as_i64(), seen.version), (Some(1), 3));
        let mut last = update(serde_json::json!({"part": 2}), vec![event("TEXT_DELIVERED")]);
        last.state = MessageState::Final;
        round.add(last, 11);
        let (updates, items) = round.into_updates();
        assert_eq!(items, [vec![10, 11]]);
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].state, MessageState::Final);
        let types: Vec<_> = updates[0].events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["TEXT_PENDING", "TEXT_DELIVERED"]);
    }

    #[test]
    fn other_notations_are_tried_only_after_the_fallback_wait() {
        use IdNotation::*;
        assert_eq!(notations_to_try(None, AsSubmitted, false), [AsSubmitted]);
        assert_eq!(notations_to_try(None, AsSubmitted, true), [AsSubmitted, DecimalForHex, HexForDecimal]);
        assert_eq!(notations_to_try(None, DecimalForHex, false), [DecimalForHex]);
        assert_eq!(notations_to_try(None, DecimalForHex, true), [DecimalForHex, AsSubmitted, HexForDecimal]);
        // A configured notation is the only one, however long the receipt waits.
        assert_eq!(notations_to_try(Some(HexForDecimal), AsSubmitted, true), [HexForDecimal]);
    }
}
