//! Accepting a checked message: it becomes a queued row, its charge and its QUEUED event in one
//! commit, and only then does the caller get its MessageId.

use herald_proto::{ApiError, RequestContext};
use herald_store::{EnqueueOutcome, MessageRecord, MessageState, NewMessage, SpendCharge};
use time::OffsetDateTime;

use super::events::{event, millis};
use super::message::{Channel, OutboundMessage};
use super::status::Status;
use crate::Core;
use crate::sms_voice_v2::send_checks::{Checked, month_of, spend_limit_name, spend_limit_reached};

impl OutboundMessage {
    /// A message from a send that passed its checks; the caller fills in what is particular to
    /// its channel.
    pub(crate) fn new(ctx: &RequestContext, channel: Channel, checked: Checked, body: &str, ttl_seconds: i64) -> Self {
        let now = millis(OffsetDateTime::now_utc());
        OutboundMessage {
            message_id: uuid::Uuid::new_v4().to_string(),
            channel,
            region: ctx.region.clone(),
            destination_phone_number: checked.destination,
            iso_country_code: checked.iso_country_code.to_string(),
            sender: checked.sender,
            fallbacks: checked.fallbacks,
            pool_id: checked.pool_id,
            message_body: body.to_string(),
            encoding: None,
            total_parts: 1,
            message_type: checked.message_type.map(|t| t.as_str().to_string()),
            configuration_set_name: checked.configuration_set_name,
            event_destinations: checked.event_destinations,
            context: None,
            destination_country_parameters: None,
            keyword: None,
            request_timestamp: now,
            expires_at: now.saturating_add(ttl_seconds.saturating_mul(1000)),
            price_per_part_micros: checked.price_per_unit_micros,
            simulated: checked.simulated.map(|outcome| outcome.as_str().to_string()),
            message_feedback_enabled: checked.message_feedback_enabled,
            message_feedback_status: None,
            media_urls: Vec::new(),
            voice_id: None,
            message_body_text_type: None,
            purpose: None,
            parts: Vec::new(),
        }
    }
}

impl Core {
    /// Stores a message for delivery, charged against the month's spend limit (`limit_micros`
    /// as the send's checks read it, else read now); answers its id once it is committed.
    pub(crate) async fn sms_accept(
        &self,
        ctx: &RequestContext,
        message: OutboundMessage,
        limit_micros: Option<i64>,
    ) -> Result<String, ApiError> {
        let limit = match limit_micros {
            Some(limit) => limit,
            None => self.sms_spend_limit_micros(ctx, message.channel).await?,
        };
        let now = OffsetDateTime::now_utc();
        let charge = SpendCharge {
            account_id: ctx.account_id.clone(),
            channel: spend_limit_name(message.channel).as_str().to_string(),
            month: month_of(now),
            amount_micros: message.total_price_micros(),
            limit_micros: limit,
        };
        // Voice has no queued event type (its first is VOICE_INITIATED); text and media do.
        let events = match message.channel {
            Channel::Voice => Vec::new(),
            Channel::Text | Channel::Media => vec![event(&message, &ctx.account_id, Status::Queued, now)],
        };
        let record = MessageRecord {
            id: message.message_id.clone(),
            account_id: ctx.account_id.clone(),
            channel: message.channel.as_str().to_string(),
            state: MessageState::Queued,
            lane: message.sender.identity_id.clone(),
            due_at: now,
            attempts: 0,
            last_error: None,
            document: message.to_document(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let new = NewMessage { message: record, charge: Some(charge), events };
        match self.sms_outbox.enqueue(new).await.map_err(ApiError::internal)? {
            EnqueueOutcome::Stored => Ok(message.message_id),
            EnqueueOutcome::SpendLimitReached => Err(spend_limit_reached(message.channel)),
        }
    }
}
