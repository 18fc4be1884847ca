//! Delivering one claimed message: expired, simulated, or submitted part by part to its
//! carrier at its identity's rate; then the outcome is written back with its events. A message
//! the carrier cannot take now goes back to the queue with its next attempt and the reason.

use std::time::Duration;

use herald_sms::encoding;
use herald_sms::smpp::{SubmitOutcome, SubmitPart, normalize_message_id, status::status_name};
use herald_store::{CarrierMessageId, EventRecord, MessageRecord, MessageState, MessageUpdate};
use rand::Rng;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::engine::Engine;
use super::events::{event, millis};
use super::message::{Channel, OutboundMessage, PartState, Sender};
use super::routes;
use super::status::Status;

/// Why a message goes back to the queue.
struct Retry {
    after: Duration,
    error: String,
    /// The sender failed: a pool message moves on to its next member.
    fail_over: bool,
}

/// What a carrier's permanent refusal of a submit_sm means for the message.
fn refusal_status(command_status: u32) -> Status {
    match command_status {
        // Invalid destination address, or its TON / NPI.
        0x0B | 0x50 | 0x51 => Status::Invalid,
        // Invalid source address, service type, ESM class, data coding or message length.
        0x0A | 0x15 | 0x43 | 0x48 | 0x49 | 0x01 => Status::InvalidMessage,
        _ => Status::Unknown,
    }
}

/// The concatenation reference of a message: the same on every attempt, so parts sent on
/// different attempts still join up on the handset.
fn reference(message_id: &str) -> u8 {
    message_id.bytes().fold(0u8, |acc, b| acc.wrapping_mul(31).wrapping_add(b))
}

/// The status a message ends with: the first part's failure, else delivered.
pub(crate) fn overall(parts: &[PartState]) -> Status {
    parts
        .iter()
        .filter_map(|p| p.status.as_deref().and_then(Status::from_token))
        .find(|s| !s.is_success())
        .unwrap_or(Status::Delivered)
}

impl Engine {
    pub(crate) async fn deliver(&self, record: MessageRecord) {
        let id = record.id.clone();
        let outcome = match record.state {
            MessageState::Queued => self.send(record).await,
            MessageState::Submitted => self.expire(record).await,
            MessageState::Final => Ok(()),
        };
        if let Err(error) = outcome {
            // The lease runs out and the message is tried again.
            tracing::error!(message_id = %id, %error, "could not deliver a message");
        }
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
        let capped = self.settings.retry_min.saturating_mul(2u32.saturating_pow(exponent)).min(self.settings.retry_max);
        let jitter = rand::rng().random_range(0.5..=1.0);
        capped.mul_f64(jitter)
    }

    async fn write(&self, update: MessageUpdate) -> Result<(), String> {
        if !self.updates.submit(update).await? {
            // Someone else (a receipt, another node after our lease ran out) changed it first.
            tracing::debug!("a message changed while it was being delivered; its newer state stands");
        }
        Ok(())
    }

    fn update(
        record: &MessageRecord,
        message: &OutboundMessage,
        state: MessageState,
        due_at: OffsetDateTime,
        events: Vec<EventRecord>,
    ) -> MessageUpdate {
        MessageUpdate {
            id: record.id.clone(),
            expected_version: record.version,
            state,
            lane: message.sender.identity_id.clone(),
            due_at,
            attempts: record.attempts,
            last_error: record.last_error.clone(),
            document: message.to_document(),
            carrier_ids: Vec::new(),
            events,
        }
    }

    /// Ends the message with `status`, marking every part that has none.
    async fn finish(&self, record: &MessageRecord, mut message: OutboundMessage, status: Status) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        ensure_parts(&mut message);
        for part in &mut message.parts {
            part.status.get_or_insert_with(|| status.token().to_string());
        }
        let final_event = event(&message, &record.account_id, overall(&message.parts), now);
        self.write(Self::update(record, &message, MessageState::Final, now, vec![final_event])).await
    }

    async fn send(&self, record: MessageRecord) -> Result<(), String> {
        let mut message = OutboundMessage::from_document(&record.document)?;
        let now = OffsetDateTime::now_utc();
        if millis(now) > message.expires_at {
            return self.finish(&record, message, Status::TtlExpired).await;
        }
        ensure_parts(&mut message);
        let pending: Vec<usize> =
            (0..message.parts.len()).filter(|i| message.parts[*i].carrier_message_id.is_none()).collect();
        let count = u32::try_from(pending.len()).unwrap_or(u32::MAX);
        let reservation = match self.lanes.reserve(&record.lane, message.sender.parts_per_second, count, Instant::now())
        {
            Ok(reservation) => reservation,
            Err(wait) => {
                // Over the identity's rate: wait in the queue, not in memory.
                let due = now + wait;
                return self.write(Self::update(&record, &message, MessageState::Queued, due, Vec::new())).await;
            }
        };

        if let Some(outcome) = message.simulated.clone() {
            tokio::time::sleep_until(reservation.part_at(count.saturating_sub(1))).await;
            return self.simulate(&record, message, &outcome).await;
        }

        let route = match message.channel {
            Channel::Text => routes::route(
                &self.carriers,
                message.sender.carrier.as_deref(),
                &message.destination_phone_number,
                &message.iso_country_code,
            ),
            // Voice and MMS carriers are a later addition; until then such messages wait.
            Channel::Voice | Channel::Media => None,
        };
        let Some(route) = route else {
            let error = match &message.sender.carrier {
                Some(name) => format!("the carrier {name} named for {} is not configured", message.sender.origination),
                None => format!(
                    "no carrier route serves {} {} messages",
                    message.destination_phone_number,
                    message.channel.as_str().to_lowercase()
                ),
            };
            let after = self.backoff(record.attempts);
            return self.retry(record, message, Vec::new(), Retry { after, error, fail_over: true }).await;
        };

        let parts = encoding::split(&message.message_body, reference(&message.message_id));
        let carrier_name = route.carrier.name().to_string();
        let mut carrier_ids = Vec::new();
        let mut retry = None;
        let mut refused = None;
        for (n, index) in pending.iter().enumerate() {
            tokio::time::sleep_until(reservation.part_at(u32::try_from(n).unwrap_or(u32::MAX))).await;
            let Some(part) = parts.get(*index) else { break };
            let submit = SubmitPart {
                source: message.sender.origination.clone(),
                destination: message.destination_phone_number.clone(),
                data_coding: part.data_coding,
                udhi: part.udhi,
                short_message: part.short_message.clone(),
                registered_delivery: true,
            };
            let outcome = route.carrier.submit(submit).await;
            super::metrics::count_submit(&carrier_name, &outcome);
            match outcome {
                SubmitOutcome::Accepted { message_id } => {
                    let id = normalize_message_id(&message_id);
                    let state = &mut message.parts[*index];
                    state.carrier = Some(carrier_name.clone());
                    state.carrier_message_id = Some(id.clone());
                    carrier_ids.push(CarrierMessageId {
                        carrier: carrier_name.clone(),
                        carrier_message_id: id,
                        part: u32::try_from(*index + 1).unwrap_or(u32::MAX),
                    });
                }
                SubmitOutcome::Throttled => {
                    retry = Some(Retry {
                        after: Duration::from_millis(500),
                        error: format!("the carrier {carrier_name} throttled the submission"),
                        fail_over: false,
                    });
                    break;
                }
                SubmitOutcome::Unavailable { reason } => {
                    retry = Some(Retry {
                        after: self.backoff(record.attempts),
                        error: format!("the carrier {carrier_name} is unavailable: {reason}"),
                        fail_over: true,
                    });
                    break;
                }
                SubmitOutcome::Rejected { command_status, permanent: false } => {
                    retry = Some(Retry {
                        after: self.backoff(record.attempts),
                        error: format!(
                            "the carrier {carrier_name} refused the part for now: {} (0x{command_status:08X})",
                            status_name(command_status)
                        ),
                        fail_over: true,
                    });
                    break;
                }
                SubmitOutcome::Rejected { command_status, permanent: true } => {
                    let state = &mut message.parts[*index];
                    state.status = Some(refusal_status(command_status).token().to_string());
                    state.error_code = Some(format!("0x{command_status:08X}"));
                    refused = Some(format!(
                        "the carrier {carrier_name} refused the part: {} (0x{command_status:08X})",
                        status_name(command_status)
                    ));
                    break;
                }
            }
        }

        if let Some(error) = refused {
            let mut record = record;
            record.last_error = Some(error);
            record.attempts += 1;
            let mut update = {
                let now = OffsetDateTime::now_utc();
                let final_event = event(&message, &record.account_id, overall(&message.parts), now);
                Self::update(&record, &message, MessageState::Final, now, vec![final_event])
            };
            update.carrier_ids = carrier_ids;
            return self.write(update).await;
        }
        if let Some(retry) = retry {
            return self.retry(record, message, carrier_ids, retry).await;
        }
        let now = OffsetDateTime::now_utc();
        let accepted = event(&message, &record.account_id, Status::Successful, now);
        let receipts_due = now + self.settings.receipt_timeout;
        let mut record = record;
        record.attempts += 1;
        record.last_error = None;
        let mut update = Self::update(&record, &message, MessageState::Submitted, receipts_due, vec![accepted]);
        update.carrier_ids = carrier_ids;
        self.write(update).await
    }

    /// Back to the queue for another attempt; a pool message whose sender failed before any
    /// part went out moves on to the pool's next member.
    async fn retry(
        &self,
        mut record: MessageRecord,
        mut message: OutboundMessage,
        carrier_ids: Vec<CarrierMessageId>,
        retry: Retry,
    ) -> Result<(), String> {
        let nothing_sent = message.parts.iter().all(|p| p.carrier_message_id.is_none());
        if retry.fail_over && nothing_sent && !message.fallbacks.is_empty() {
            let next = message.fallbacks.remove(0);
            let failed: Sender = std::mem::replace(&mut message.sender, next);
            tracing::info!(
                message_id = %message.message_id,
                from = crate::redact::phone_number(&failed.origination),
                to = crate::redact::phone_number(&message.sender.origination),
                reason = %retry.error,
                "failing over to another pool member"
            );
            message.fallbacks.push(failed);
        }
        tracing::debug!(message_id = %message.message_id, error = %retry.error, "message goes back to the queue");
        record.attempts += 1;
        record.last_error = Some(retry.error);
        let due = OffsetDateTime::now_utc() + retry.after;
        let mut update = Self::update(&record, &message, MessageState::Queued, due, Vec::new());
        update.carrier_ids = carrier_ids;
        self.write(update).await
    }

    /// A message to a destination simulator number: the events a carrier would cause, without
    /// one.
    async fn simulate(
        &self,
        record: &MessageRecord,
        mut message: OutboundMessage,
        outcome: &str,
    ) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        let success = outcome == "SUCCESS";
        let steps: &[Status] = match (message.channel, success) {
            (Channel::Voice, true) => &[Status::Initiated, Status::Ringing, Status::Answered, Status::Completed],
            (Channel::Voice, false) => &[Status::Initiated, Status::Failed],
            (_, true) => &[Status::Successful, Status::Delivered],
            (_, false) => &[Status::Unreachable],
        };
        let last = steps.last().copied().unwrap_or(Status::Unknown);
        ensure_parts(&mut message);
        for part in &mut message.parts {
            part.carrier = Some("simulator".into());
            part.status = Some(last.token().to_string());
        }
        let events = steps.iter().map(|status| event(&message, &record.account_id, *status, now)).collect();
        let mut record = record.clone();
        record.attempts += 1;
        self.write(Self::update(&record, &message, MessageState::Final, now, events)).await
    }

    /// A submitted message whose receipts did not all come within the receipt timeout: the
    /// parts without one are UNKNOWN (guide part 2, §3.4).
    async fn expire(&self, record: MessageRecord) -> Result<(), String> {
        let message = OutboundMessage::from_document(&record.document)?;
        self.finish(&record, message, Status::Unknown).await
    }
}

/// A part state for each part of the body, created on the first attempt.
fn ensure_parts(message: &mut OutboundMessage) {
    let total = message.total_parts.max(1);
    if message.parts.len() != total as usize {
        message.parts = (1..=total).map(|index| PartState { index, ..PartState::default() }).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_ends_with_its_first_failed_part() {
        let part = |status: &str| PartState { status: Some(status.into()), ..PartState::default() };
        assert_eq!(overall(&[part("DELIVERED"), part("DELIVERED")]), Status::Delivered);
        assert_eq!(overall(&[part("DELIVERED"), part("UNREACHABLE")]), Status::Unreachable);
        assert_eq!(overall(&[]), Status::Delivered);
    }

    #[test]
    fn the_reference_is_stable_per_message() {
        assert_eq!(reference("abc"), reference("abc"));
        assert_ne!(reference("abc"), reference("abd"));
    }
}
