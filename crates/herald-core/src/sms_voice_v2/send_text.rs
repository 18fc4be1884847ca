//! SendTextMessage: checks, encoding and parts, then the message is stored durably and its
//! MessageId returned; the delivery engine takes it from there.

use herald_api::sms_voice_v2::types::{SendTextMessageRequest, SendTextMessageResult, ValidationExceptionReason};
use herald_proto::{ApiError, RequestContext};
use herald_sms::encoding;

use super::errors::{invalid, missing, validation};
use super::send_checks::{SendRequest, check_message_maps, parse_price, time_to_live};
use crate::Core;
use crate::sms_delivery::{Channel, OutboundMessage};

/// The model's limit on MessageBody, in characters.
const MAX_BODY_CHARACTERS: usize = 1600;

/// A body of 1 to `max` characters that is not all whitespace (the model's pattern).
pub(crate) fn check_body(body: Option<&str>, max: usize) -> Result<&str, ApiError> {
    let body = body.ok_or_else(|| missing("MessageBody"))?;
    if body.is_empty() {
        return Err(missing("MessageBody"));
    }
    if body.chars().count() > max {
        return Err(invalid("MessageBody", &format!("must be at most {max} characters")));
    }
    if body.chars().all(char::is_whitespace) {
        return Err(invalid("MessageBody", "must not be only whitespace"));
    }
    Ok(body)
}

impl Core {
    pub(crate) async fn sms_send_text_message(
        &self,
        ctx: &RequestContext,
        input: SendTextMessageRequest,
    ) -> Result<SendTextMessageResult, ApiError> {
        let body = check_body(input.message_body.as_deref(), MAX_BODY_CHARACTERS)?;
        check_message_maps(input.context.as_ref(), input.destination_country_parameters.as_ref())?;
        let ttl = time_to_live(input.time_to_live)?;
        let max_price = input.max_price.as_deref().map(|price| parse_price("MaxPrice", price)).transpose()?;
        let info = encoding::analyse(body);
        let request = SendRequest {
            channel: Channel::Text,
            destination: &input.destination_phone_number,
            origination_identity: input.origination_identity.as_deref(),
            message_type: input.message_type,
            configuration_set_name: input.configuration_set_name.as_deref(),
            protect_configuration_id: input.protect_configuration_id.as_deref(),
            keyword: input.keyword.as_deref(),
            max_price,
            max_price_field: "MaxPrice",
            message_feedback_enabled: input.message_feedback_enabled,
            units: u32::try_from(info.parts).unwrap_or(u32::MAX),
        };
        let checked = self.sms_check_send(ctx, &request).await?;
        encoding::check_length(&info).map_err(|too_long| {
            validation(
                ValidationExceptionReason::InvalidParameter,
                format!("The message is invalid: {too_long}"),
                &[("MessageBody", "is too long for its encoding")],
            )
        })?;

        let spend_limit = checked.spend_limit_micros;
        let mut message = OutboundMessage::new(ctx, Channel::Text, checked, body, ttl);
        message.encoding = Some(info.encoding.event_name().to_string());
        message.total_parts = request.units;
        message.context = input.context;
        message.destination_country_parameters = input.destination_country_parameters;
        message.keyword = input.keyword;
        if input.dry_run == Some(true) {
            return Ok(SendTextMessageResult { message_id: Some(message.message_id) });
        }
        let message_id = self.sms_accept(ctx, message, spend_limit).await?;
        Ok(SendTextMessageResult { message_id: Some(message_id) })
    }
}
