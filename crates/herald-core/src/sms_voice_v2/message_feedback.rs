//! PutMessageFeedback: the sender says whether the recipient got a message (a one-time code
//! used, say) that was sent with MessageFeedbackEnabled. The status is kept in the message's
//! document; the message's place in delivery is left as it is.

use herald_api::sms_voice_v2::types::{
    PutMessageFeedbackRequest, PutMessageFeedbackResult, ResourceNotFoundException, ResourceType, ThrottlingException,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::MessageUpdate;

use super::errors::{internal, invalid, not_found};
use crate::Core;
use crate::sms_delivery::OutboundMessage;

/// Reads and writes tried before giving up: the delivery engine may change the message between
/// the read and the write, and its change must not be overwritten.
const ATTEMPTS: usize = 2;

/// The model's MessageId: 1-64 of `[A-Za-z0-9_:/-]`.
fn valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'/' | b'-'))
}

fn feedback_not_enabled(message_id: &str) -> ApiError {
    ApiError::from_shape(&ResourceNotFoundException {
        message: Some(format!("The message {message_id} was not sent with MessageFeedbackEnabled")),
        resource_id: Some(message_id.to_string()),
        resource_type: Some(ResourceType::Message),
    })
}

impl Core {
    pub(crate) async fn sms_put_message_feedback(
        &self,
        ctx: &RequestContext,
        input: PutMessageFeedbackRequest,
    ) -> Result<PutMessageFeedbackResult, ApiError> {
        let id = input.message_id;
        if !valid_message_id(&id) {
            return Err(invalid("MessageId", "must be 1-64 letters, digits, _, :, / or -"));
        }
        let status = input.message_feedback_status;
        for _ in 0..ATTEMPTS {
            let record = self.store.get_message(&id).await.map_err(internal)?;
            // Another account's message is as unknown to the caller as one that never existed.
            let Some(record) = record.filter(|r| r.account_id == ctx.account_id) else {
                return Err(not_found(ResourceType::Message, &id));
            };
            let mut message = OutboundMessage::from_document(&record.document).map_err(internal)?;
            if !message.message_feedback_enabled {
                return Err(feedback_not_enabled(&id));
            }
            message.message_feedback_status = Some(status.as_str().to_string());
            let update = MessageUpdate {
                id: record.id.clone(),
                expected_version: record.version,
                state: record.state,
                lane: record.lane.clone(),
                due_at: record.due_at,
                attempts: record.attempts,
                last_error: record.last_error.clone(),
                document: message.to_document(),
                carrier_ids: Vec::new(),
                events: Vec::new(),
            };
            let applied = self.store.update_messages(&[update]).await.map_err(internal)?;
            if applied.first() == Some(&true) {
                return Ok(PutMessageFeedbackResult { message_id: id, message_feedback_status: status });
            }
        }
        // The operation has no ConflictException; a throttle tells the SDK to try again.
        Err(ApiError::from_shape(&ThrottlingException {
            message: Some(format!("The message {id} is changing while it is being delivered; try again")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::{MessageFeedbackStatus, SendTextMessageRequest};
    use serde_json::json;

    use super::*;
    use crate::sms_voice_v2::testing::{give_number, test_core};

    fn feedback(id: &str, status: MessageFeedbackStatus) -> PutMessageFeedbackRequest {
        PutMessageFeedbackRequest { message_id: id.to_string(), message_feedback_status: status }
    }

    async fn send(core: &Core, ctx: &RequestContext, feedback: bool) -> String {
        let request: SendTextMessageRequest = serde_json::from_value(json!({
            "DestinationPhoneNumber": "+14254147755",
            "OriginationIdentity": "+12065550142",
            "MessageBody": "Your code is 123456",
            "MessageFeedbackEnabled": feedback,
        }))
        .expect("SendTextMessage");
        core.sms_send_text_message(ctx, request).await.expect("send").message_id.expect("MessageId")
    }

    #[tokio::test]
    async fn feedback_is_kept_on_messages_that_asked_for_it() {
        let (core, ctx) = test_core().await;
        give_number(&core, &ctx, "+12065550142", "US").await;
        let id = send(&core, &ctx, true).await;
        let before = core.store().get_message(&id).await.expect("get").expect("stored");

        let answer =
            core.sms_put_message_feedback(&ctx, feedback(&id, MessageFeedbackStatus::Received)).await.expect("put");
        assert_eq!(
            (answer.message_id.as_str(), answer.message_feedback_status),
            (id.as_str(), MessageFeedbackStatus::Received)
        );
        let after = core.store().get_message(&id).await.expect("get").expect("stored");
        let message = OutboundMessage::from_document(&after.document).expect("document");
        assert_eq!(message.message_feedback_status.as_deref(), Some("RECEIVED"));
        assert_eq!(
            (after.state, &after.lane, after.due_at, after.attempts, &after.last_error),
            (before.state, &before.lane, before.due_at, before.attempts, &before.last_error)
        );
        core.sms_put_message_feedback(&ctx, feedback(&id, MessageFeedbackStatus::Failed)).await.expect("change it");

        let plain = send(&core, &ctx, false).await;
        let error = core.sms_put_message_feedback(&ctx, feedback(&plain, MessageFeedbackStatus::Received)).await;
        assert_eq!(error.as_ref().map_err(ApiError::code), Err("ResourceNotFoundException"));
        let unknown = core.sms_put_message_feedback(&ctx, feedback("nope", MessageFeedbackStatus::Received)).await;
        assert_eq!(unknown.as_ref().map_err(ApiError::code), Err("ResourceNotFoundException"));
        let bad = core.sms_put_message_feedback(&ctx, feedback("not valid!", MessageFeedbackStatus::Received)).await;
        assert_eq!(bad.as_ref().map_err(ApiError::code), Err("ValidationException"));

        // Another account cannot see the message.
        let mut other = ctx.clone();
        other.account_id = "444455556666".into();
        let theirs = core.sms_put_message_feedback(&other, feedback(&id, MessageFeedbackStatus::Received)).await;
        assert_eq!(theirs.as_ref().map_err(ApiError::code), Err("ResourceNotFoundException"));
    }
}
