//! Two-way SMS: an inbound message to one of an account's numbers is matched on its first word
//! against the keywords of the number (or of its pool): opt-out keywords add the sender to the
//! opt-out list and OPT_IN keywords take it out (unless opt-outs are self-managed), and the
//! keyword's message is sent back through the delivery engine. Then the inbound record is
//! published to the number's two-way channel.

use herald_api::sms_voice_v2::types::{KeywordAction, MessageType, ResourceType};
use herald_proto::{ApiError, RequestContext};
use herald_sms::encoding;
use herald_store::EventRecord;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::identities::Identity;
use super::keywords::{HELP_KEYWORD, keyword_id};
use super::send_checks::{Checked, destination_country};
use super::{countries, pricing, simulator};
use crate::Core;
use crate::sms_delivery::{Channel, OutboundMessage};

/// The event type inbound records are stored under (AWS publishes them to SNS, not as events).
pub(crate) const INBOUND_EVENT: &str = "TEXT_INBOUND";

/// The region an ARN names (`arn:aws:sms-voice:REGION:...`).
fn region_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

impl Core {
    /// Handles one inbound message from the inbox (`seq` names it in logs).
    pub(crate) async fn sms_receive(&self, document: &Value, seq: i64) -> Result<(), String> {
        let text = |member: &str| document.get(member).and_then(Value::as_str).unwrap_or_default().to_string();
        let (from, to, body) = (text("OriginationNumber"), text("DestinationNumber"), text("MessageBody"));
        let to = if to.starts_with('+') { to } else { format!("+{to}") };
        let inventory = self.sms_inventory_number(&to).await.map_err(|e| format!("{e:?}"))?;
        let Some(account_id) = inventory.and_then(|n| n.assigned_to) else {
            tracing::warn!(
                inbound = seq,
                destination = %crate::redact::phone_number(&to),
                "inbound message for a number no account holds; dropped"
            );
            return Ok(());
        };
        let mut ctx = RequestContext {
            request_id: format!("inbound-{seq}"),
            account_id,
            access_key_id: String::new(),
            region: "us-east-1".into(),
            source_ip: None,
            user_agent: None,
        };
        self.sms_receive_for(&mut ctx, &from, &to, &body).await.map_err(|e| format!("{e:?}"))
    }

    async fn sms_receive_for(
        &self,
        ctx: &mut RequestContext,
        from: &str,
        to: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        let Some(record) = self.sms_find_by_name(ctx, ResourceType::PhoneNumber, to).await? else {
            tracing::warn!(
                request_id = ctx.request_id,
                destination = %crate::redact::phone_number(to),
                "inbound message for a number that is not the account's; dropped"
            );
            return Ok(());
        };
        let number = Identity { kind: ResourceType::PhoneNumber, record };
        if let Some(region) = region_of(&number.arn()) {
            ctx.region = region.to_string();
        }
        let guard = match number.pool_ids().first() {
            Some(pool_id) => match self.sms_find(ctx, ResourceType::Pool, pool_id).await? {
                Some(record) => Identity { kind: ResourceType::Pool, record },
                None => number.clone(),
            },
            None => number.clone(),
        };
        let first_word = body.split_whitespace().next().unwrap_or_default().to_uppercase();
        let keyword = match first_word.is_empty() {
            true => None,
            false => self.sms_find(ctx, ResourceType::Keyword, &keyword_id(&guard.record.id, &first_word)).await?,
        };
        let self_managed = guard.self_managed_opt_outs();
        let mut reply = None;
        if let Some(keyword) = &keyword {
            let message = keyword.document.get("KeywordMessage").and_then(Value::as_str).map(str::to_owned);
            let action =
                keyword.document.get("KeywordAction").and_then(Value::as_str).and_then(KeywordAction::from_wire);
            match action {
                Some(KeywordAction::OptOut) if !self_managed => {
                    let list = self.sms_opt_out_list(ctx, guard.opt_out_list_name()).await?;
                    self.sms_record_opt_out(ctx, &list, from, true).await?;
                    reply = message;
                }
                Some(KeywordAction::OptIn) if !self_managed => {
                    let list = self.sms_opt_out_list(ctx, guard.opt_out_list_name()).await?;
                    self.sms_record_opt_in(ctx, &list.id, from).await?;
                    reply = message;
                }
                Some(KeywordAction::AutomaticResponse) if !(self_managed && first_word == HELP_KEYWORD) => {
                    reply = message;
                }
                _ => {}
            }
        }
        let inbound_id = uuid::Uuid::new_v4().to_string();
        if let Some(reply) = reply {
            self.sms_send_reply(ctx, &number, from, &reply).await?;
        }
        let record = json!({
            "originationNumber": from,
            "destinationNumber": to,
            "messageKeyword": keyword.as_ref().and_then(|k| k.document.get("Keyword")).cloned().unwrap_or(Value::Null),
            "messageBody": body,
            "inboundMessageId": inbound_id,
            "previousPublishedMessageId": Value::Null,
        });
        let destinations = match (guard.two_way_enabled(), guard.two_way_channel_arn()) {
            (true, Some(arn)) => vec![arn.to_string()],
            _ => Vec::new(),
        };
        let event = EventRecord {
            seq: 0,
            account_id: ctx.account_id.clone(),
            message_id: inbound_id,
            event_type: INBOUND_EVENT.to_string(),
            destinations,
            record,
            created_at: OffsetDateTime::now_utc(),
        };
        self.store.append_events(&[event]).await.map_err(ApiError::internal)
    }

    /// A keyword's answer, sent from the number the message came to. It skips the send checks:
    /// a STOP confirmation must reach the number that just opted out.
    async fn sms_send_reply(
        &self,
        ctx: &RequestContext,
        number: &Identity,
        destination: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        let iso = destination_country(destination)
            .or_else(|_| countries::of_number(destination).ok_or(()))
            .map_err(|_| ApiError::internal(format!("cannot reply to {destination}: unknown country")))?;
        let info = encoding::analyse(body);
        let checked = Checked {
            destination: destination.to_string(),
            iso_country_code: iso,
            sender: self.sms_sender_of(number).await?,
            fallbacks: Vec::new(),
            pool_id: None,
            message_type: Some(MessageType::Transactional),
            configuration_set_name: None,
            event_destinations: Vec::new(),
            message_feedback_enabled: false,
            simulated: simulator::destination(destination).map(|(_, outcome)| outcome),
            price_per_unit_micros: pricing::price_micros(Channel::Text, iso),
            spend_limit_micros: None,
        };
        let mut message = OutboundMessage::new(ctx, Channel::Text, checked, body, 259_200);
        message.encoding = Some(info.encoding.event_name().to_string());
        message.total_parts = u32::try_from(info.parts).unwrap_or(u32::MAX);
        message.purpose = Some("KEYWORD_REPLY".into());
        self.sms_accept(ctx, message, None).await.map(|_| ())
    }
}
