//! SendVoiceMessage: the body is checked and its spoken length estimated (it sets the price in
//! minutes and the sandbox's 30-second cap), the send passes the common checks, the voice
//! sandbox's daily limits are counted, then the message is stored durably like a text message.
//!
//! Herald has no text-to-speech: the delivery engine simulates calls to destination simulator
//! numbers, and other calls wait for a voice carrier until their TimeToLive runs out.
//!
//! The sandbox's daily limits (guide part 1, §4.2) are counted in the account settings document
//! (see `account.rs`) under `VoiceSandboxCalls`: one `{MessageId, To, At}` entry per voice
//! message accepted while sandboxed, at most 20 and none older than 24 hours, so the list stays
//! small. Both limits are rolling 24-hour windows. Calls to simulator numbers count too: they
//! are voice messages the account sent. The sandbox's 5 calls a minute is not enforced: the
//! model has no reason for it, and the daily limits already bound what a sandbox can do.

use std::sync::atomic::{AtomicU8, Ordering};

use herald_api::sms_voice_v2::types::{
    SendVoiceMessageRequest, SendVoiceMessageResult, ServiceQuotaExceededExceptionReason, ValidationExceptionReason,
    VoiceId, VoiceMessageBodyTextType,
};
use herald_proto::{ApiError, RequestContext};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::account::AccountTier;
use super::errors::{invalid, quota, validation};
use super::send_checks::{SendRequest, check_message_maps, parse_price, time_to_live};
use super::send_text::check_body;
use crate::Core;
use crate::sms_delivery::{Channel, OutboundMessage};

/// The model's limit on MessageBody: spoken text and SSML tags together.
const MAX_BODY_CHARACTERS: usize = 6000;
/// Of which at most this many may be spoken (guide part 2, §13.5: "3,000 billable characters").
const MAX_SPOKEN_CHARACTERS: usize = 3000;
/// The speaking rate the duration is estimated with: about 150 words a minute.
const WORDS_PER_SECOND: f64 = 2.5;
/// The sandbox's longest voice message (guide part 1, §4.2).
const SANDBOX_MAX_SECONDS: u32 = 30;
const SANDBOX_MESSAGES_PER_DAY: usize = 20;
const SANDBOX_MESSAGES_PER_RECIPIENT: usize = 5;
const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// The account settings member that counts sandbox voice messages.
const SANDBOX_CALLS: &str = "VoiceSandboxCalls";

/// Voice and media messages go out from phone numbers and pools only. The identity resolver
/// reports a value shaped like a sender id as a missing phone number, which would puzzle a
/// caller who named a sender id they own; this says why it is refused instead. Values of the
/// other shapes (ids, ARNs, numbers) are left to the resolver.
pub(crate) fn refuse_sender_id(value: &str, channel: &str) -> Result<(), ApiError> {
    let other_shape = value.is_empty()
        || value.starts_with("arn:")
        || value.starts_with("phone-")
        || value.starts_with("pool-")
        || value.starts_with('+')
        || value.bytes().all(|b| b.is_ascii_digit());
    if other_shape {
        return Ok(());
    }
    Err(validation(
        ValidationExceptionReason::InvalidParameter,
        format!("{value} is not a phone number or pool: {channel} messages cannot be sent from a sender id"),
        &[("OriginationIdentity", "must be a phone number or a pool")],
    ))
}

/// Why an SSML body is refused. Polly's full SSML grammar is not checked: only that the body
/// is one `<speak>` element whose tags open and close in order, which catches the mistakes a
/// caller can make by hand (a missing close, a typo in a closing tag).
fn ssml_problem(body: &str) -> Option<&'static str> {
    let body = body.trim();
    if !(body.starts_with("<speak>") || body.starts_with("<speak ")) || !body.ends_with("</speak>") {
        return Some("must start with <speak> and end with </speak> when MessageBodyTextType is SSML");
    }
    let mut open: Vec<&str> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        if open.is_empty() && start > 0 {
            return Some("must have <speak> as its only root element");
        }
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            return Some("has a tag that is not closed with >");
        };
        let tag = &after[..end];
        rest = &after[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            if open.pop() != Some(closing.trim()) {
                return Some("has a closing tag that does not match the tag it closes");
            }
            if open.is_empty() && !rest.is_empty() {
                return Some("must have <speak> as its only root element");
            }
        } else if !tag.ends_with('/') {
            match tag.split_whitespace().next() {
                Some(name) => open.push(name),
                None => return Some("has an empty tag"),
            }
        }
    }
    if !open.is_empty() {
        return Some("has tags that are never closed");
    }
    None
}

/// What is read out: SSML tags are not spoken.
fn spoken_text(body: &str, ssml: bool) -> String {
    if !ssml {
        return body.to_string();
    }
    let mut spoken = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                spoken.push(' ');
            }
            _ if !in_tag => spoken.push(c),
            _ => {}
        }
    }
    spoken
}

/// How long reading `spoken` takes, in whole seconds, at least one.
fn estimated_seconds(spoken: &str) -> u32 {
    let words = spoken.split_whitespace().count();
    let seconds = (words as f64 / WORDS_PER_SECOND).ceil();
    if seconds >= f64::from(u32::MAX) { u32::MAX } else { (seconds as u32).max(1) }
}

/// Calls are priced by the started minute.
fn billed_minutes(seconds: u32) -> u32 {
    seconds.div_ceil(60).max(1)
}

/// Which sandbox limit a new call to `destination` would pass, given the calls of the last 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SandboxLimit {
    Account,
    Recipient,
}

impl SandboxLimit {
    fn error(self, destination: &str) -> ApiError {
        let message = match self {
            SandboxLimit::Account => format!(
                "The account is in the voice sandbox, which allows {SANDBOX_MESSAGES_PER_DAY} voice messages in 24 hours"
            ),
            SandboxLimit::Recipient => format!(
                "The account is in the voice sandbox, which allows {SANDBOX_MESSAGES_PER_RECIPIENT} voice messages to \
                 {destination} in 24 hours"
            ),
        };
        quota(ServiceQuotaExceededExceptionReason::DailyDestinationCallLimit, message)
    }

    fn code(limit: Option<SandboxLimit>) -> u8 {
        match limit {
            None => 0,
            Some(SandboxLimit::Account) => 1,
            Some(SandboxLimit::Recipient) => 2,
        }
    }

    fn from_code(code: u8) -> Option<SandboxLimit> {
        match code {
            1 => Some(SandboxLimit::Account),
            2 => Some(SandboxLimit::Recipient),
            _ => None,
        }
    }
}

/// The sandbox calls of the settings document made after `since` (Unix milliseconds).
fn recent_calls(settings: &Map<String, Value>, since: i64) -> Vec<Value> {
    let Some(calls) = settings.get(SANDBOX_CALLS).and_then(Value::as_array) else {
        return Vec::new();
    };
    calls.iter().filter(|call| call.get("At").and_then(Value::as_i64).is_some_and(|at| at > since)).cloned().collect()
}

fn sandbox_limit(calls: &[Value], destination: &str) -> Option<SandboxLimit> {
    if calls.len() >= SANDBOX_MESSAGES_PER_DAY {
        return Some(SandboxLimit::Account);
    }
    let to_destination =
        calls.iter().filter(|call| call.get("To").and_then(Value::as_str) == Some(destination)).count();
    (to_destination >= SANDBOX_MESSAGES_PER_RECIPIENT).then_some(SandboxLimit::Recipient)
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl Core {
    pub(crate) async fn sms_send_voice_message(
        &self,
        ctx: &RequestContext,
        input: SendVoiceMessageRequest,
    ) -> Result<SendVoiceMessageResult, ApiError> {
        refuse_sender_id(&input.origination_identity, "voice")?;
        let body = check_body(input.message_body.as_deref(), MAX_BODY_CHARACTERS)?;
        let text_type = input.message_body_text_type.unwrap_or(VoiceMessageBodyTextType::Text);
        let ssml = text_type == VoiceMessageBodyTextType::Ssml;
        if ssml && let Some(problem) = ssml_problem(body) {
            return Err(invalid("MessageBody", problem));
        }
        let spoken = spoken_text(body, ssml);
        if spoken.trim().chars().count() > MAX_SPOKEN_CHARACTERS {
            return Err(invalid(
                "MessageBody",
                &format!("must have at most {MAX_SPOKEN_CHARACTERS} spoken characters (SSML tags aside)"),
            ));
        }
        check_message_maps(input.context.as_ref(), None)?;
        let ttl = time_to_live(input.time_to_live)?;
        let max_price =
            input.max_price_per_minute.as_deref().map(|price| parse_price("MaxPricePerMinute", price)).transpose()?;

        let seconds = estimated_seconds(&spoken);
        let sandboxed = self.sms_account_tier(ctx).await? == AccountTier::Sandboxed;
        if sandboxed && seconds > SANDBOX_MAX_SECONDS {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!(
                    "The account is in the voice sandbox, where a voice message lasts at most {SANDBOX_MAX_SECONDS} \
                     seconds; this one would take about {seconds}"
                ),
                &[("MessageBody", "is too long to read out in the voice sandbox")],
            ));
        }

        let request = SendRequest {
            channel: Channel::Voice,
            destination: &input.destination_phone_number,
            origination_identity: Some(&input.origination_identity),
            message_type: None,
            configuration_set_name: input.configuration_set_name.as_deref(),
            protect_configuration_id: input.protect_configuration_id.as_deref(),
            keyword: None,
            max_price,
            max_price_field: "MaxPricePerMinute",
            message_feedback_enabled: input.message_feedback_enabled,
            units: billed_minutes(seconds),
        };
        let checked = self.sms_check_send(ctx, &request).await?;
        // A look without writing first: dry runs and refused calls leave the settings alone.
        if sandboxed {
            let settings = self.sms_account_settings(&ctx.account_id).await?;
            let since = millis(OffsetDateTime::now_utc()) - DAY_MILLIS;
            let calls = settings.as_object().map(|members| recent_calls(members, since)).unwrap_or_default();
            if let Some(limit) = sandbox_limit(&calls, &input.destination_phone_number) {
                return Err(limit.error(&input.destination_phone_number));
            }
        }

        let spend_limit = checked.spend_limit_micros;
        let mut message = OutboundMessage::new(ctx, Channel::Voice, checked, body, ttl);
        message.total_parts = request.units;
        message.voice_id = Some(input.voice_id.unwrap_or(VoiceId::Matthew).as_str().to_string());
        message.message_body_text_type = Some(text_type.as_str().to_string());
        message.context = input.context;
        if input.dry_run == Some(true) {
            return Ok(SendVoiceMessageResult { message_id: Some(message.message_id) });
        }
        if !sandboxed {
            let message_id = self.sms_accept(ctx, message, spend_limit).await?;
            return Ok(SendVoiceMessageResult { message_id: Some(message_id) });
        }

        let message_id = message.message_id.clone();
        self.sms_count_sandbox_call(ctx, &message_id, &input.destination_phone_number).await?;
        match self.sms_accept(ctx, message, spend_limit).await {
            Ok(message_id) => Ok(SendVoiceMessageResult { message_id: Some(message_id) }),
            Err(error) => {
                if let Err(uncounted) = self.sms_uncount_sandbox_call(ctx, &message_id).await {
                    tracing::warn!(%message_id, error = %uncounted, "a refused voice message still counts in the sandbox");
                }
                Err(error)
            }
        }
    }

    /// Counts a sandbox call before its message is stored, checking the limits again in the
    /// same write: two sends at once cannot both take the last place.
    async fn sms_count_sandbox_call(
        &self,
        ctx: &RequestContext,
        message_id: &str,
        destination: &str,
    ) -> Result<(), ApiError> {
        let refused = AtomicU8::new(0);
        self.sms_change_account_settings(&ctx.account_id, |members| {
            let now = millis(OffsetDateTime::now_utc());
            let mut calls = recent_calls(members, now - DAY_MILLIS);
            let limit = sandbox_limit(&calls, destination);
            refused.store(SandboxLimit::code(limit), Ordering::Relaxed);
            if limit.is_none() {
                calls.push(json!({"MessageId": message_id, "To": destination, "At": now}));
            }
            members.insert(SANDBOX_CALLS.into(), Value::Array(calls));
        })
        .await?;
        match SandboxLimit::from_code(refused.load(Ordering::Relaxed)) {
            Some(limit) => Err(limit.error(destination)),
            None => Ok(()),
        }
    }

    /// Takes back the count of a call whose message was not stored after all.
    async fn sms_uncount_sandbox_call(&self, ctx: &RequestContext, message_id: &str) -> Result<(), ApiError> {
        self.sms_change_account_settings(&ctx.account_id, |members| {
            if let Some(Value::Array(calls)) = members.get_mut(SANDBOX_CALLS) {
                calls.retain(|call| call.get("MessageId").and_then(Value::as_str) != Some(message_id));
            }
        })
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::ConflictExceptionReason;
    use serde_json::json;

    use super::*;
    use crate::sms_voice_v2::testing::{give_number, test_core};

    const FROM: &str = "+12065550142";
    const SUCCESS: &str = "+14254147755";
    const FAILURE: &str = "+14254147167";
    const GB_FROM: &str = "+447700900142";

    fn voice(to: &str, body: &str) -> SendVoiceMessageRequest {
        serde_json::from_value(json!({
            "DestinationPhoneNumber": to,
            "OriginationIdentity": FROM,
            "MessageBody": body,
        }))
        .expect("a SendVoiceMessage request")
    }

    fn reason(error: &ApiError) -> String {
        error.member("Reason").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    #[test]
    fn ssml_must_be_one_speak_element_with_matching_tags() {
        let good = "<speak>Hello <emphasis>there</emphasis><break strength='weak'/> \
                    <amazon:effect phonation='soft'>friend</amazon:effect></speak>";
        assert_eq!(ssml_problem(good), None);
        assert_eq!(ssml_problem("  <speak xml:lang=\"en-US\">Hi</speak>\n"), None);
        for bad in [
            "Hello",
            "<speak>Hello",
            "Hello</speak>",
            "<speak>Hello <emphasis>there</speak>",
            "<speak>Hello <emphasis>there</emphasi></speak>",
            "<speak>a</speak><speak>b</speak>",
            "<speak>Hello <break </speak>",
        ] {
            assert!(ssml_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn duration_is_estimated_from_the_spoken_words() {
        assert_eq!(spoken_text("<speak>Hello <emphasis>world</emphasis></speak>", true).split_whitespace().count(), 2);
        assert_eq!(estimated_seconds(""), 1);
        assert_eq!(estimated_seconds("one two"), 1);
        assert_eq!(estimated_seconds(&"word ".repeat(75)), 30);
        assert_eq!(estimated_seconds(&"word ".repeat(76)), 31);
        assert_eq!(billed_minutes(1), 1);
        assert_eq!(billed_minutes(60), 1);
        assert_eq!(billed_minutes(61), 2);
    }

    #[test]
    fn sender_ids_are_refused_by_shape() {
        assert!(refuse_sender_id("MYCOMPANY", "voice").is_err());
        for fine in ["", "+12065550100", "12065550100", "phone-abc", "pool-abc", "arn:aws:sms-voice:x"] {
            assert!(refuse_sender_id(fine, "voice").is_ok(), "{fine}");
        }
    }

    #[tokio::test]
    async fn the_sandbox_allows_five_calls_a_recipient_and_twenty_a_day() {
        let (core, ctx) = test_core().await;
        give_number(&core, &ctx, FROM, "US").await;
        for _ in 0..5 {
            core.sms_send_voice_message(&ctx, voice(SUCCESS, "Your code is 1 2 3")).await.expect("within the limits");
        }
        let error = core.sms_send_voice_message(&ctx, voice(SUCCESS, "Your code is 1 2 3")).await.expect_err("6th");
        assert_eq!(reason(&error), "DAILY_DESTINATION_CALL_LIMIT");
        assert!(error.message().contains(SUCCESS), "{}", error.message());
        // A dry run checks the limits but counts nothing.
        let mut dry = voice(FAILURE, "hello");
        dry.dry_run = Some(true);
        for _ in 0..6 {
            core.sms_send_voice_message(&ctx, dry.clone()).await.expect("dry runs do not count");
        }

        // The other 15 of the day go to the other simulator numbers (GB ones from a GB number);
        // the 21st is refused whatever its destination.
        give_number(&core, &ctx, GB_FROM, "GB").await;
        for (from, to) in [(FROM, FAILURE), (GB_FROM, "+447860019066"), (GB_FROM, "+447860019067")] {
            for _ in 0..5 {
                let mut request = voice(to, "hello");
                request.origination_identity = from.into();
                core.sms_send_voice_message(&ctx, request).await.expect("within the daily limit");
            }
        }
        let error = core.sms_send_voice_message(&ctx, voice(FAILURE, "hello")).await.expect_err("21st");
        assert_eq!(reason(&error), "DAILY_DESTINATION_CALL_LIMIT");
        assert!(error.message().contains("20 voice messages in 24 hours"), "{}", error.message());

        // Production lifts the limits.
        core.set_account_tier(&ctx.account_id, true).await.expect("production");
        core.sms_send_voice_message(&ctx, voice(SUCCESS, "hello")).await.expect("production has no daily limit");
    }

    #[tokio::test]
    async fn the_sandbox_caps_the_duration_and_production_does_not() {
        let (core, ctx) = test_core().await;
        give_number(&core, &ctx, FROM, "US").await;
        let long = "word ".repeat(76);
        let error = core.sms_send_voice_message(&ctx, voice(SUCCESS, &long)).await.expect_err("31 seconds");
        assert_eq!(reason(&error), "INVALID_PARAMETER");
        core.sms_send_voice_message(&ctx, voice(SUCCESS, &"word ".repeat(75))).await.expect("30 seconds");
        core.set_account_tier(&ctx.account_id, true).await.expect("production");
        let id = core.sms_send_voice_message(&ctx, voice(SUCCESS, &"word ".repeat(200))).await.expect("80 seconds");
        let stored = core.store().get_message(&id.message_id.expect("id")).await.expect("get").expect("stored");
        let message = OutboundMessage::from_document(&stored.document).expect("document");
        assert_eq!((message.total_parts, message.price_per_part_micros), (2, 13_000));
        assert_eq!(message.voice_id.as_deref(), Some("MATTHEW"));
        assert_eq!(message.message_body_text_type.as_deref(), Some("TEXT"));
        assert_eq!(stored.channel, "VOICE");
    }

    #[tokio::test]
    async fn a_number_without_voice_cannot_call() {
        let (core, ctx) = test_core().await;
        let error = core.sms_send_voice_message(&ctx, voice(SUCCESS, "hello")).await.expect_err("no such number");
        assert_eq!(error.code(), "ResourceNotFoundException");
        let request = serde_json::from_value(json!({
            "IsoCountryCode": "US",
            "MessageType": "TRANSACTIONAL",
            "NumberCapabilities": ["SMS"],
            "NumberType": "SIMULATOR",
        }))
        .expect("RequestPhoneNumber");
        let number = core.sms_request_phone_number(&ctx, request).await.expect("simulator number");
        let mut request = voice(SUCCESS, "hello");
        request.origination_identity = number.phone_number.expect("PhoneNumber");
        let error = core.sms_send_voice_message(&ctx, request).await.expect_err("SMS only");
        assert_eq!(reason(&error), ConflictExceptionReason::NumberCapabilitiesMismatch.as_str());
    }
}
