//! deliver_sm from the fake: delivery receipts and injected mobile-originated messages.
//!
//! Like a real SMSC, the fake keeps what it has to deliver until a bind that can receive it is
//! up (a receiver or transceiver of the submitting system_id for receipts), sends at most
//! `deliver_window` unacknowledged deliver_sm per connection, and sends again once when the
//! deliver_sm_resp does not come in time or is an error. One dispatcher task does all of it,
//! woken by timers and by anything that may let a waiting delivery go.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{AnyOctetString, EmptyOrFullCOctetString, OctetString};
use rusmpp::values::{
    DataCoding, EsmClass, MessagePayload, MessageState, Npi, PriorityFlag, RegisteredDelivery, ReplaceIfPresentFlag,
    ServiceType, Ton,
};
use rusmpp::{Command, CommandStatus, Pdu, pdus::DeliverSm};
use time::OffsetDateTime;

use super::record::{RecordedSubmit, SentInbound, SentReceipt};
use super::script::{Outcome, status};
use super::session::Outbound;
use super::text;
use super::{Settings, Shared, State, c_string};

/// esm_class of a delivery receipt: "short message contains MC delivery receipt".
const ESM_DELIVERY_RECEIPT: u8 = 0x04;
/// esm_class of a mobile-originated message: default mode and type.
const ESM_MOBILE_ORIGINATED: u8 = 0x00;
/// A delivery is dropped after this many timeouts or error answers.
const MAX_FAILURES: u32 = 2;
/// Characters of the message the receipt's `text:` field repeats (the SMPP 3.4 appendix B form).
const RECEIPT_TEXT_CHARS: usize = 20;
/// Longest short_message; longer inbound text goes into message_payload.
const MAX_SHORT_MESSAGE: usize = 254;

/// Everything a receipt needs from its submit.
pub(super) struct ReceiptJob {
    system_id: String,
    submit_id: String,
    receipt_id: String,
    outcome: Outcome,
    /// The submit's destination: the receipt's source.
    handset: Address,
    /// The submit's source: the receipt's destination.
    sender: Address,
    submitted_at: SystemTime,
    text_head: String,
}

struct Address {
    number: String,
    ton: u8,
    npi: u8,
}

impl ReceiptJob {
    /// The receipt an accepted submit asked for with registered_delivery: bit 0 for every
    /// final outcome, bit 1 for failures only (SMPP 3.4 section 5.2.17). `None` for refused
    /// submits, `Outcome::NoReceipt` and submits that asked for none.
    pub(super) fn for_submit(submit: &RecordedSubmit) -> Option<ReceiptJob> {
        let outcome = submit.outcome.clone()?;
        outcome.stat()?;
        let wanted = match submit.registered_delivery & 0x03 {
            0x01 => true,
            0x02 => outcome.is_failure(),
            _ => false,
        };
        if !wanted {
            return None;
        }
        let text_head = match &submit.text {
            Some(text) => text.chars().take(RECEIPT_TEXT_CHARS).collect(),
            None => String::from_utf8_lossy(&submit.short_message).chars().take(RECEIPT_TEXT_CHARS).collect(),
        };
        Some(ReceiptJob {
            system_id: submit.system_id.clone(),
            submit_id: submit.message_id.clone()?,
            receipt_id: submit.receipt_id.clone()?,
            outcome,
            handset: Address {
                number: submit.destination.clone(),
                ton: submit.destination_ton,
                npi: submit.destination_npi,
            },
            sender: Address { number: submit.source.clone(), ton: submit.source_ton, npi: submit.source_npi },
            submitted_at: submit.received_at,
            text_head,
        })
    }
}

/// The deliveries not yet acknowledged, in their three stages.
#[derive(Default)]
pub(super) struct Deliveries {
    /// Not due yet, by due time.
    scheduled: BTreeMap<(Instant, u64), Pending>,
    /// Due, waiting for a bind with room, first in first out per target system_id.
    waiting: HashMap<Option<String>, VecDeque<Pending>>,
    /// Sent, waiting for deliver_sm_resp, by (connection, sequence number).
    in_flight: HashMap<(u64, u32), InFlight>,
    next_delivery: u64,
}

struct Pending {
    delivery: u64,
    /// Only binds of this system_id may take it; any receiving bind when `None`.
    target: Option<String>,
    pdu: DeliverSm,
    record: Record,
    attempts: u32,
    failures: u32,
}

/// The record kept of a delivery, completed when it is sent.
enum Record {
    Receipt(SentReceipt),
    Inbound(SentInbound),
}

struct InFlight {
    pending: Pending,
    deadline: Instant,
}

impl Deliveries {
    /// Deliveries not yet acknowledged (scheduled, waiting for a bind, or in flight).
    pub(super) fn len(&self) -> usize {
        self.scheduled.len() + self.waiting.values().map(VecDeque::len).sum::<usize>() + self.in_flight.len()
    }

    fn add(&mut self, target: Option<String>, pdu: DeliverSm, record: Record, due: Instant) {
        let delivery = self.next_delivery;
        self.next_delivery += 1;
        let pending = Pending { delivery, target, pdu, record, attempts: 0, failures: 0 };
        self.scheduled.insert((due, delivery), pending);
    }

    /// Sends again after a timeout or an error answer, unless it failed too often already.
    fn retry(&mut self, mut pending: Pending) {
        pending.failures += 1;
        if pending.failures < MAX_FAILURES {
            self.waiting.entry(pending.target.clone()).or_default().push_back(pending);
        } else {
            tracing::debug!(delivery = pending.delivery, "fake SMSC gave up a deliver_sm");
        }
    }
}

pub(super) fn schedule_receipt(state: &mut State, settings: &Settings, job: ReceiptJob, due: Instant) {
    let done = OffsetDateTime::now_utc() + due.saturating_duration_since(Instant::now());
    let text =
        receipt_text(&job.receipt_id, &job.outcome, OffsetDateTime::from(job.submitted_at), done, &job.text_head);
    let mut tlvs = Vec::new();
    if settings.receipt_tlvs {
        tlvs.push(MessageDeliveryRequestTlvValue::ReceiptedMessageId(c_string::<65>(&job.receipt_id)));
        if let Some(state) = job.outcome.message_state() {
            tlvs.push(MessageDeliveryRequestTlvValue::MessageState(MessageState::from(state)));
        }
    }
    // Receipt texts are ASCII but for the repeated message text, which may hold anything.
    let short_message =
        text::encode_gsm(&text).unwrap_or_else(|| text.bytes().map(|b| if b.is_ascii() { b } else { b'?' }).collect());
    let pdu = deliver_sm(&job.handset, &job.sender, ESM_DELIVERY_RECEIPT, 0, short_message, tlvs);
    let record = Record::Receipt(SentReceipt {
        connection: 0,
        system_id: job.system_id.clone(),
        sequence: 0,
        submit_id: job.submit_id,
        receipt_id: job.receipt_id,
        outcome: job.outcome,
        source: job.handset.number,
        destination: job.sender.number,
        text,
        attempts: 0,
        response_status: None,
        sent_at: SystemTime::now(),
        delivery: 0,
    });
    state.deliveries.add(Some(job.system_id), pdu, record, due);
}

/// Queues a mobile-originated message for the next receiving bind (of `system_id`, if given).
pub(super) fn schedule_inbound(
    state: &mut State,
    system_id: Option<&str>,
    source: &str,
    destination: &str,
    message: &str,
) {
    let (data_coding, user_data) = match text::encode_gsm(message) {
        Some(septets) => (0, septets),
        None => (8, text::encode_ucs2(message)),
    };
    let (short_message, tlvs) = if user_data.len() > MAX_SHORT_MESSAGE {
        let payload = MessagePayload::new(AnyOctetString::from_vec(user_data));
        (Vec::new(), vec![MessageDeliveryRequestTlvValue::MessagePayload(payload)])
    } else {
        (user_data, Vec::new())
    };
    let pdu =
        deliver_sm(&address(source), &address(destination), ESM_MOBILE_ORIGINATED, data_coding, short_message, tlvs);
    let record = Record::Inbound(SentInbound {
        connection: 0,
        system_id: system_id.unwrap_or_default().to_owned(),
        sequence: 0,
        source: source.to_owned(),
        destination: destination.to_owned(),
        text: message.to_owned(),
        data_coding,
        attempts: 0,
        response_status: None,
        sent_at: SystemTime::now(),
        delivery: 0,
    });
    state.deliveries.add(system_id.map(str::to_owned), pdu, record, Instant::now());
}

/// TON/NPI for a number given as text: international with '+' or more than 8 digits, unknown
/// for short codes, alphanumeric otherwise.
fn address(number: &str) -> Address {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let (ton, npi) = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if number.starts_with('+') || digits.len() > 8 { (1, 1) } else { (0, 1) }
    } else {
        (5, 0)
    };
    Address { number: digits.to_owned(), ton, npi }
}

fn deliver_sm(
    source: &Address,
    destination: &Address,
    esm_class: u8,
    data_coding: u8,
    short_message: Vec<u8>,
    tlvs: Vec<MessageDeliveryRequestTlvValue>,
) -> DeliverSm {
    let mut short_message = short_message;
    short_message.truncate(MAX_SHORT_MESSAGE);
    DeliverSm::new(
        ServiceType::default(),
        Ton::from(source.ton),
        Npi::from(source.npi),
        c_string::<21>(&source.number),
        Ton::from(destination.ton),
        Npi::from(destination.npi),
        c_string::<21>(&destination.number),
        // From the raw byte: rusmpp's EsmClass::default() is 0x08, not 0.
        EsmClass::from(esm_class),
        0,
        PriorityFlag::from(0),
        EmptyOrFullCOctetString::empty(),
        EmptyOrFullCOctetString::empty(),
        RegisteredDelivery::from(0),
        ReplaceIfPresentFlag::DoNotReplace,
        DataCoding::from(data_coding),
        0,
        OctetString::from_vec(short_message).unwrap_or_default(),
        tlvs,
    )
}

/// The receipt text of SMSC convention (SMPP 3.4 appendix B).
pub(super) fn receipt_text(
    id: &str,
    outcome: &Outcome,
    submitted: OffsetDateTime,
    done: OffsetDateTime,
    text_head: &str,
) -> String {
    let delivered = if *outcome == Outcome::Delivered { "001" } else { "000" };
    format!(
        "id:{id} sub:001 dlvrd:{delivered} submit date:{} done date:{} stat:{} err:{} text:{text_head}",
        smpp_date(submitted),
        smpp_date(done),
        outcome.stat().unwrap_or("UNKNOWN"),
        outcome.err(),
    )
}

/// YYMMDDhhmm, in UTC.
fn smpp_date(at: OffsetDateTime) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}",
        at.year().rem_euclid(100),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Runs for the server's lifetime.
pub(super) async fn dispatcher(shared: Arc<Shared>) {
    loop {
        let (wake, sent) = {
            let mut state = shared.lock();
            dispatch(&mut state, &shared.settings, Instant::now())
        };
        if sent {
            shared.changed();
        }
        // notify_one keeps a permit, so a wake-up between the unlock and here is not lost.
        match wake {
            Some(at) => {
                tokio::select! {
                    _ = shared.wake_dispatcher.notified() => {}
                    _ = tokio::time::sleep_until(at.into()) => {}
                }
            }
            None => shared.wake_dispatcher.notified().await,
        }
    }
}

/// Moves deliveries along; returns when to look again (besides wake-ups) and whether anything
/// was sent or given up.
fn dispatch(state: &mut State, settings: &Settings, now: Instant) -> (Option<Instant>, bool) {
    let State { deliveries, sessions, receipts, inbound, .. } = state;
    let mut changed = false;

    let expired: Vec<(u64, u32)> =
        deliveries.in_flight.iter().filter(|(_, flight)| flight.deadline <= now).map(|(key, _)| *key).collect();
    for key in expired {
        if let Some(flight) = deliveries.in_flight.remove(&key) {
            if let Some(session) = sessions.get_mut(&key.0) {
                session.in_flight = session.in_flight.saturating_sub(1);
            }
            tracing::debug!(connection = key.0, sequence = key.1, "fake SMSC: no deliver_sm_resp in time");
            deliveries.retry(flight.pending);
            changed = true;
        }
    }

    while let Some(entry) = deliveries.scheduled.first_entry() {
        if entry.key().0 > now {
            break;
        }
        let pending = entry.remove();
        deliveries.waiting.entry(pending.target.clone()).or_default().push_back(pending);
    }

    for queue in deliveries.waiting.values_mut() {
        while let Some(mut pending) = queue.pop_front() {
            let target = pending.target.as_deref();
            let chosen = sessions
                .iter_mut()
                .filter(|(_, session)| {
                    session.bound.bind_type.can_receive()
                        && target.is_none_or(|target| session.bound.system_id == target)
                        && session.in_flight < settings.deliver_window
                })
                .min_by_key(|(_, session)| session.in_flight);
            let Some((&connection, session)) = chosen else {
                // Order matters for a target: nothing behind this one goes either.
                queue.push_front(pending);
                break;
            };
            let sequence = session.link.next_sequence();
            let command = Command::new(CommandStatus::EsmeRok, sequence, Pdu::DeliverSm(pending.pdu.clone()));
            if session.link.outbound.send(Outbound::Deliver(Box::new(command))).is_err() {
                // The connection is closing; its cleanup will unregister it.
                queue.push_front(pending);
                break;
            }
            session.in_flight += 1;
            pending.attempts += 1;
            let system_id = session.bound.system_id.clone();
            note_sent(receipts, inbound, &mut pending, connection, &system_id, sequence);
            deliveries
                .in_flight
                .insert((connection, sequence), InFlight { pending, deadline: now + settings.deliver_timeout });
            changed = true;
        }
    }
    deliveries.waiting.retain(|_, queue| !queue.is_empty());

    let next_due = deliveries.scheduled.keys().next().map(|(due, _)| *due);
    let next_deadline = deliveries.in_flight.values().map(|flight| flight.deadline).min();
    let wake = match (next_due, next_deadline) {
        (Some(due), Some(deadline)) => Some(due.min(deadline)),
        (due, deadline) => due.or(deadline),
    };
    (wake, changed)
}

/// Records a send: the first one appends a record, a retry updates it.
fn note_sent(
    receipts: &mut Vec<SentReceipt>,
    inbound: &mut Vec<SentInbound>,
    pending: &mut Pending,
    connection: u64,
    system_id: &str,
    sequence: u32,
) {
    let sent_at = SystemTime::now();
    match &mut pending.record {
        Record::Receipt(record) => {
            record.connection = connection;
            record.system_id = system_id.to_owned();
            record.sequence = sequence;
            record.attempts = pending.attempts;
            record.sent_at = sent_at;
            record.response_status = None;
            record.delivery = pending.delivery;
            upsert(receipts, record.clone(), pending.attempts, |sent| sent.delivery);
        }
        Record::Inbound(record) => {
            record.connection = connection;
            record.system_id = system_id.to_owned();
            record.sequence = sequence;
            record.attempts = pending.attempts;
            record.sent_at = sent_at;
            record.response_status = None;
            record.delivery = pending.delivery;
            upsert(inbound, record.clone(), pending.attempts, |sent| sent.delivery);
        }
    }
}

/// Appends a first send's record, replaces a retry's. Only retries search, from the end where
/// recent sends are: a long benchmark's first sends must not scan every earlier record.
fn upsert<T>(records: &mut Vec<T>, record: T, attempts: u32, delivery: impl Fn(&T) -> u64) {
    let id = delivery(&record);
    let earlier = if attempts > 1 { records.iter_mut().rev().find(|sent| delivery(sent) == id) } else { None };
    match earlier {
        Some(sent) => *sent = record,
        None => records.push(record),
    }
}

/// A deliver_sm_resp arrived on `connection`.
pub(super) fn acknowledge(shared: &Shared, connection: u64, sequence: u32, command_status: u32) {
    {
        let mut state = shared.lock();
        let State { deliveries, sessions, receipts, inbound, .. } = &mut *state;
        let Some(flight) = deliveries.in_flight.remove(&(connection, sequence)) else {
            // Late (after a retry) or unsolicited: nothing waits for it.
            return;
        };
        if let Some(session) = sessions.get_mut(&connection) {
            session.in_flight = session.in_flight.saturating_sub(1);
        }
        let delivery = flight.pending.delivery;
        match &flight.pending.record {
            Record::Receipt(_) => {
                if let Some(sent) = receipts.iter_mut().rev().find(|sent| sent.delivery == delivery) {
                    sent.response_status = Some(command_status);
                }
            }
            Record::Inbound(_) => {
                if let Some(sent) = inbound.iter_mut().rev().find(|sent| sent.delivery == delivery) {
                    sent.response_status = Some(command_status);
                }
            }
        }
        if command_status != status::OK {
            deliveries.retry(flight.pending);
        }
    }
    shared.changed();
    // The window has room again, or a retry waits.
    shared.wake_dispatcher.notify_one();
}

/// A connection ended: what it had in flight waits for the next bind, ahead of anything newer.
pub(super) fn connection_closed(state: &mut State, connection: u64) {
    let deliveries = &mut state.deliveries;
    let keys: Vec<(u64, u32)> =
        deliveries.in_flight.keys().filter(|(owner, _)| *owner == connection).copied().collect();
    let mut returned: Vec<Pending> =
        keys.iter().filter_map(|key| deliveries.in_flight.remove(key)).map(|flight| flight.pending).collect();
    returned.sort_by_key(|pending| Reverse(pending.delivery));
    for pending in returned {
        deliveries.waiting.entry(pending.target.clone()).or_default().push_front(pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn receipt_text_has_the_usual_form() {
        let text = receipt_text(
            "107251",
            &Outcome::undeliverable("001"),
            datetime!(2025-03-04 05:06 UTC),
            datetime!(2025-03-04 05:07 UTC),
            "Your code is 123456.",
        );
        assert_eq!(
            text,
            "id:107251 sub:001 dlvrd:000 submit date:2503040506 done date:2503040507 stat:UNDELIV err:001 \
             text:Your code is 123456."
        );
    }

    #[test]
    fn inbound_addresses() {
        let international = address("+15551234567");
        assert_eq!((international.number.as_str(), international.ton, international.npi), ("15551234567", 1, 1));
        let short_code = address("12345");
        assert_eq!((short_code.ton, short_code.npi), (0, 1));
        let alphanumeric = address("Herald");
        assert_eq!((alphanumeric.ton, alphanumeric.npi), (5, 0));
    }
}
