//! SendDestinationNumberVerificationCode and VerifyDestinationNumber (guide part 1 section 4.3).
//!
//! A code is 6 random digits, valid 15 minutes. Herald keeps only its salted SHA-256 hash on the
//! verified number (internal member `Verification`); the plaintext leaves only in the body of the
//! SMS or voice message the delivery engine sends, from the named identity or one of the
//! account's that can reach the number's country. The sandbox lets these through: verifying is
//! how a sandboxed account gets destinations.
//!
//! Guessing is bounded twice, with the errors each operation's model documents: a code takes
//! `max_failed_checks_per_code` wrong answers, after which it is dead and VerifyDestinationNumber
//! answers ConflictException VERIFICATION_CODE_EXPIRED even for the right code; and a number gets
//! `max_codes_per_day` codes per rolling day, after which SendDestinationNumberVerificationCode
//! answers ServiceQuotaExceededException VERIFICATION_ATTEMPTS_PER_DAY. (VerifyDestinationNumber
//! documents no ServiceQuotaExceededException, so the daily limit sits on sending.)

use std::collections::BTreeMap;

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, LanguageCode, NumberCapability, ResourceType,
    SendDestinationNumberVerificationCodeRequest, SendDestinationNumberVerificationCodeResult,
    ServiceQuotaExceededExceptionReason, ValidationExceptionReason, VerificationChannel, VerificationStatus,
    VerifyDestinationNumberRequest, VerifyDestinationNumberResult,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, internal, invalid, quota, validation};
use super::identities::Identity;
use super::ids::id_or_arn;
use super::resources::update;
use super::send_checks::{Checked, destination_country, event_destinations_of};
use super::verified_numbers::information;
use super::{countries, pricing, simulator};
use crate::Core;
use crate::sms_delivery::{Channel, OutboundMessage};
use herald_api::sms_voice_v2::types::MessageType;
use herald_sms::encoding;

const KIND: ResourceType = ResourceType::VerifiedDestinationNumber;

/// A code message is worth sending only while the code is: 15 minutes.
const CODE_MESSAGE_TTL_SECONDS: i64 = 15 * 60;

/// The OriginationIdentity as the request wrote it.
fn value_of(input: &SendDestinationNumberVerificationCodeRequest) -> &str {
    input.origination_identity.as_deref().unwrap_or_default()
}

/// The verification rules. The operations use the defaults; tests shorten the validity.
#[derive(Debug, Clone)]
pub struct VerificationPolicy {
    /// How long a code is accepted (15 minutes in the guide's tutorial).
    pub code_validity: Duration,
    /// Codes sent to one number per rolling day.
    pub max_codes_per_day: u32,
    /// Wrong answers one code takes before it is dead.
    pub max_failed_checks_per_code: u32,
}

impl Default for VerificationPolicy {
    fn default() -> Self {
        VerificationPolicy { code_validity: Duration::minutes(15), max_codes_per_day: 5, max_failed_checks_per_code: 5 }
    }
}

/// What Herald remembers of the codes sent to one number: never the code itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerificationState {
    /// Hex SHA-256 of the salt bytes followed by the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<String>,
    /// Hex random salt, new with every code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_salt: Option<String>,
    /// Epoch seconds after which the code is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expires_at: Option<i64>,
    /// Epoch seconds at which the current day's counting began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_started_at: Option<i64>,
    #[serde(default)]
    pub codes_sent_today: u32,
    /// Wrong answers to the current code.
    #[serde(default)]
    pub failed_checks: u32,
    /// Every code ever sent to the number; the first one is free (guide part 1 section 4.1).
    #[serde(default)]
    pub codes_sent_total: u32,
}

/// The outcome of checking a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Verified,
    /// Wrong code; counted against the day's failed checks.
    Mismatch,
    /// No code was ever sent (or it was used): nothing to match, nothing counted.
    NoCode,
    Expired,
    /// The code took its share of wrong answers and is dead.
    Exhausted,
}

const DAY_SECONDS: i64 = 86_400;

impl VerificationState {
    /// Starts a new day of counting when the current one is over.
    fn roll_window(&mut self, now: i64) {
        if self.window_started_at.is_none_or(|start| now - start >= DAY_SECONDS) {
            self.window_started_at = Some(now);
            self.codes_sent_today = 0;
        }
    }

    /// Replaces any earlier code with `code`; false when the day's codes are used up.
    pub fn issue(&mut self, code: &str, salt: &[u8], now: OffsetDateTime, policy: &VerificationPolicy) -> bool {
        self.roll_window(now.unix_timestamp());
        if self.codes_sent_today >= policy.max_codes_per_day {
            return false;
        }
        self.code_hash = Some(hash_code(salt, code));
        self.code_salt = Some(hex::encode(salt));
        self.code_expires_at = Some((now + policy.code_validity).unix_timestamp());
        self.failed_checks = 0;
        self.codes_sent_today += 1;
        self.codes_sent_total += 1;
        true
    }

    /// Checks `code`; a right one is used up, a wrong one counted.
    pub fn check(&mut self, code: &str, now: OffsetDateTime, policy: &VerificationPolicy) -> Check {
        let (Some(hash), Some(salt), Some(expires_at)) = (&self.code_hash, &self.code_salt, self.code_expires_at)
        else {
            return Check::NoCode;
        };
        if now.unix_timestamp() >= expires_at {
            return Check::Expired;
        }
        // Checked before the code itself, so a dead code refuses even the right answer.
        if self.failed_checks >= policy.max_failed_checks_per_code {
            return Check::Exhausted;
        }
        let Ok(salt) = hex::decode(salt) else { return Check::NoCode };
        if same_text(&hash_code(&salt, code), hash) {
            self.code_hash = None;
            self.code_salt = None;
            self.code_expires_at = None;
            Check::Verified
        } else {
            self.failed_checks += 1;
            Check::Mismatch
        }
    }
}

/// Six random digits.
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

fn new_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    salt
}

/// Hex SHA-256 of salt and code. SHA-256 comes from the aws-lc-rs provider rustls already
/// links, through its TLS 1.3 suite's hash, rather than from another dependency.
fn hash_code(salt: &[u8], code: &str) -> String {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let sha256 = suite.tls13().expect("TLS13_AES_128_GCM_SHA256 is a TLS 1.3 suite").common.hash_provider;
    let mut input = Vec::with_capacity(salt.len() + code.len());
    input.extend_from_slice(salt);
    input.extend_from_slice(code.as_bytes());
    hex::encode(sha256.hash(&input).as_ref())
}

/// Compares without stopping at the first difference, so timing tells nothing of the hash.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The message text in the requested language (English by default). Voice reads the digits one
/// by one.
fn message_body(language: Option<LanguageCode>, channel: VerificationChannel, code: &str) -> String {
    let code = match channel {
        VerificationChannel::Voice => code.chars().map(String::from).collect::<Vec<_>>().join(" "),
        VerificationChannel::Text => code.to_string(),
    };
    match language {
        Some(LanguageCode::DeDe) => format!("Ihr Bestätigungscode lautet {code}"),
        Some(LanguageCode::Es419 | LanguageCode::EsEs) => format!("Tu código de verificación es {code}"),
        Some(LanguageCode::FrCa | LanguageCode::FrFr) => format!("Votre code de vérification est {code}"),
        Some(LanguageCode::ItIt) => format!("Il tuo codice di verifica è {code}"),
        Some(LanguageCode::JaJp) => format!("認証コードは {code} です"),
        Some(LanguageCode::KoKr) => format!("인증 코드는 {code}입니다"),
        Some(LanguageCode::PtBr) => format!("Seu código de verificação é {code}"),
        Some(LanguageCode::ZhCn) => format!("您的验证码是 {code}"),
        Some(LanguageCode::ZhTw) => format!("您的驗證碼是 {code}"),
        Some(LanguageCode::EnGb | LanguageCode::EnUs) | None => format!("Your verification code is {code}"),
    }
}

fn state_of(document: &Value) -> Result<VerificationState, ApiError> {
    match document.get("Verification") {
        None | Some(Value::Null) => Ok(VerificationState::default()),
        Some(state) => serde_json::from_value(state.clone()).map_err(internal),
    }
}

fn with_state(document: &Value, state: &VerificationState) -> Result<Value, ApiError> {
    let mut document = document.clone();
    document["Verification"] = serde_json::to_value(state).map_err(internal)?;
    Ok(document)
}

fn already_verified(record: &ResourceRecord) -> ApiError {
    conflict(
        ConflictExceptionReason::VerificationAlreadyComplete,
        KIND,
        &record.id,
        format!("{} is already verified", record.id),
    )
}

fn is_verified(record: &ResourceRecord) -> bool {
    record.document.get("Status").and_then(Value::as_str) == Some(VerificationStatus::Verified.as_str())
}

/// The model's limits on `Context` (at most 5 entries, keys 1-100 and values 1-800 characters)
/// and `DestinationCountryParameters` (IN_TEMPLATE_ID / IN_ENTITY_ID, values 1-64, no spaces).
fn check_message_maps(
    context: Option<&BTreeMap<String, String>>,
    country: Option<&BTreeMap<String, String>>,
) -> Result<(), ApiError> {
    if let Some(context) = context {
        let fits = |key: &String, value: &String| {
            (1..=100).contains(&key.chars().count())
                && !key.chars().any(char::is_whitespace)
                && (1..=800).contains(&value.chars().count())
        };
        if context.len() > 5 || !context.iter().all(|(k, v)| fits(k, v)) {
            return Err(invalid("Context", "takes at most 5 entries, keys of 1-100 and values of 1-800 characters"));
        }
    }
    if let Some(country) = country {
        let fits = |key: &String, value: &String| {
            matches!(key.as_str(), "IN_TEMPLATE_ID" | "IN_ENTITY_ID")
                && (1..=64).contains(&value.chars().count())
                && !value.chars().any(char::is_whitespace)
        };
        if !country.iter().all(|(k, v)| fits(k, v)) {
            return Err(invalid(
                "DestinationCountryParameters",
                "keys are IN_TEMPLATE_ID or IN_ENTITY_ID and values 1-64 characters without spaces",
            ));
        }
    }
    Ok(())
}

impl Core {
    /// The phone number, sender ID or pool an `OriginationIdentity` names, checked to be able to
    /// carry the code to `destination`: active, voice-capable for VOICE, and in the
    /// destination's country (guide part 1 section 4.3). Pools are checked by the sending
    /// engine, which picks the member that sends.
    async fn sms_verification_origin(
        &self,
        ctx: &RequestContext,
        value: &str,
        destination: &str,
        channel: VerificationChannel,
    ) -> Result<Identity, ApiError> {
        let country = countries::of_number(destination);
        let allowed = [ResourceType::PhoneNumber, ResourceType::SenderId, ResourceType::Pool];
        let identity = self.sms_resolve_identity(ctx, value, country, &allowed).await?;
        if let Some(status) = identity.record.document.get("Status").and_then(Value::as_str)
            && status != "ACTIVE"
        {
            return Err(conflict(
                ConflictExceptionReason::ResourceNotActive,
                identity.kind,
                &identity.record.id,
                format!("{value} is {status}, not ACTIVE"),
            ));
        }
        if identity.kind == ResourceType::Pool {
            return Ok(identity);
        }
        if channel == VerificationChannel::Voice && !identity.capabilities().contains(&NumberCapability::Voice) {
            return Err(validation(
                ValidationExceptionReason::VoiceCapabilityNotAvailable,
                format!("{value} cannot place voice calls"),
                &[("OriginationIdentity", "has no VOICE capability")],
            ));
        }
        if let (Some(from), Some(to)) = (identity.iso_country_code(), country)
            && from != to
        {
            return Err(validation(
                ValidationExceptionReason::InvalidIdentityForDestinationCountry,
                format!("{value} is in {from} and cannot send verification codes to {to} numbers"),
                &[("OriginationIdentity", "is not in the destination's country")],
            ));
        }
        Ok(identity)
    }

    pub(crate) async fn sms_send_destination_number_verification_code(
        &self,
        ctx: &RequestContext,
        input: SendDestinationNumberVerificationCodeRequest,
    ) -> Result<SendDestinationNumberVerificationCodeResult, ApiError> {
        self.sms_send_verification_code(ctx, input, &VerificationPolicy::default(), &new_code()).await
    }

    /// SendDestinationNumberVerificationCode with a given policy and code.
    pub(crate) async fn sms_send_verification_code(
        &self,
        ctx: &RequestContext,
        input: SendDestinationNumberVerificationCodeRequest,
        policy: &VerificationPolicy,
        code: &str,
    ) -> Result<SendDestinationNumberVerificationCodeResult, ApiError> {
        let record = self.sms_verified_number(ctx, &input.verified_destination_number_id).await?;
        if is_verified(&record) {
            return Err(already_verified(&record));
        }
        check_message_maps(input.context.as_ref(), input.destination_country_parameters.as_ref())?;
        let destination = record.name.clone().unwrap_or_default();
        let origin = match input.origination_identity.as_deref() {
            Some(value) => {
                Some(self.sms_verification_origin(ctx, value, &destination, input.verification_channel).await?)
            }
            None => None,
        };
        let configuration_set = match input.configuration_set_name.as_deref() {
            Some(value) => {
                let name = id_or_arn(ctx, value, ResourceType::ConfigurationSet)?;
                Some(self.sms_get(ctx, ResourceType::ConfigurationSet, &name).await?)
            }
            None => None,
        };

        let now = OffsetDateTime::now_utc();
        let mut state = state_of(&record.document)?;
        if !state.issue(code, &new_salt(), now, policy) {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::VerificationAttemptsPerDay,
                format!("At most {} verification codes a day can be sent to one number", policy.max_codes_per_day),
            ));
        }
        let channel = match input.verification_channel {
            VerificationChannel::Voice => Channel::Voice,
            _ => Channel::Text,
        };
        let iso = destination_country(&destination)?;
        let (sender, fallbacks, pool_id) =
            self.sms_system_sender(ctx, channel, &destination, iso, origin.as_ref().map(|_| value_of(&input))).await?;
        let body = message_body(input.language_code, input.verification_channel, code);
        let free = state.codes_sent_total == 1;
        let checked = Checked {
            destination: destination.clone(),
            iso_country_code: iso,
            sender,
            fallbacks,
            pool_id,
            message_type: Some(MessageType::Transactional),
            configuration_set_name: configuration_set.as_ref().map(|set| set.id.clone()),
            event_destinations: configuration_set.as_ref().map(event_destinations_of).unwrap_or_default(),
            message_feedback_enabled: false,
            simulated: simulator::destination(&destination).map(|(_, outcome)| outcome),
            // The first code to a number is free (guide part 1, section 4.1).
            price_per_unit_micros: if free { 0 } else { pricing::price_micros(channel, iso) },
            spend_limit_micros: None,
        };
        let mut message = OutboundMessage::new(ctx, channel, checked, &body, CODE_MESSAGE_TTL_SECONDS);
        let info = encoding::analyse(&body);
        if channel == Channel::Text {
            message.encoding = Some(info.encoding.event_name().to_string());
            message.total_parts = u32::try_from(info.parts).unwrap_or(1);
        }
        message.context = input.context;
        message.destination_country_parameters = input.destination_country_parameters;
        message.purpose = Some("VERIFICATION".into());
        // The code is recorded first: a message whose state write lost a race must not go out.
        self.sms_write(&[update(&record, with_state(&record.document, &state)?)], (KIND, &record.id)).await?;
        let message_id = self.sms_accept(ctx, message, None).await?;
        Ok(SendDestinationNumberVerificationCodeResult { message_id })
    }

    pub(crate) async fn sms_verify_destination_number(
        &self,
        ctx: &RequestContext,
        input: VerifyDestinationNumberRequest,
    ) -> Result<VerifyDestinationNumberResult, ApiError> {
        self.sms_verify_code(ctx, input, &VerificationPolicy::default()).await
    }

    /// VerifyDestinationNumber with a given policy.
    pub(crate) async fn sms_verify_code(
        &self,
        ctx: &RequestContext,
        input: VerifyDestinationNumberRequest,
        policy: &VerificationPolicy,
    ) -> Result<VerifyDestinationNumberResult, ApiError> {
        let record = self.sms_verified_number(ctx, &input.verified_destination_number_id).await?;
        if is_verified(&record) {
            return Err(already_verified(&record));
        }
        let code = input.verification_code.as_str();
        if !(1..=20).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid("VerificationCode", "must be 1 to 20 letters and digits"));
        }
        let mismatch = |message: &str| {
            validation(
                ValidationExceptionReason::VerificationCodeMismatch,
                message,
                &[("VerificationCode", "does not match")],
            )
        };
        let mut state = state_of(&record.document)?;
        let expired =
            |message: String| conflict(ConflictExceptionReason::VerificationCodeExpired, KIND, &record.id, message);
        match state.check(code, OffsetDateTime::now_utc(), policy) {
            Check::NoCode => Err(mismatch("No verification code has been sent to this number")),
            Check::Expired => Err(expired("The verification code has expired; send a new one".into())),
            Check::Exhausted => Err(expired(format!(
                "The verification code was answered wrongly {} times and no longer works; send a new one",
                policy.max_failed_checks_per_code
            ))),
            Check::Mismatch => {
                // The failed check counts even though the call fails.
                self.sms_write(&[update(&record, with_state(&record.document, &state)?)], (KIND, &record.id)).await?;
                Err(mismatch("The verification code does not match"))
            }
            Check::Verified => {
                let mut document = with_state(&record.document, &state)?;
                document["Status"] = json!(VerificationStatus::Verified.as_str());
                self.sms_write(&[update(&record, document.clone())], (KIND, &record.id)).await?;
                let info = information(&document)?;
                Ok(VerifyDestinationNumberResult {
                    created_timestamp: info.created_timestamp,
                    destination_phone_number: info.destination_phone_number,
                    status: info.status,
                    verified_destination_number_arn: info.verified_destination_number_arn,
                    verified_destination_number_id: info.verified_destination_number_id,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::CreateVerifiedDestinationNumberRequest;

    use super::*;
    use crate::sms_voice_v2::testing::{give_number, test_core};

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000 + seconds).expect("time")
    }

    #[test]
    fn codes_are_stored_hashed_and_checked() {
        let policy = VerificationPolicy::default();
        let mut state = VerificationState::default();
        assert_eq!(state.check("123456", at(0), &policy), Check::NoCode);
        assert!(state.issue("123456", b"salt-one", at(0), &policy));
        let stored = serde_json::to_string(&state).expect("json");
        assert!(!stored.contains("123456"), "the plaintext code is stored: {stored}");
        assert_eq!(state.code_expires_at, Some(at(900).unix_timestamp()));

        assert_eq!(state.check("654321", at(60), &policy), Check::Mismatch);
        assert_eq!(state.failed_checks, 1);
        assert_eq!(state.check("123456", at(120), &policy), Check::Verified);
        // A code works once.
        assert_eq!(state.check("123456", at(121), &policy), Check::NoCode);

        // The same code with another salt hashes differently.
        let mut other = VerificationState::default();
        assert!(other.issue("123456", b"salt-two", at(0), &policy));
        assert_ne!(other.code_hash, Some(hash_code(b"salt-one", "123456")));
    }

    #[test]
    fn codes_expire() {
        let policy = VerificationPolicy { code_validity: Duration::minutes(1), ..VerificationPolicy::default() };
        let mut state = VerificationState::default();
        assert!(state.issue("123456", b"salt", at(0), &policy));
        assert_eq!(state.check("123456", at(60), &policy), Check::Expired);
        assert_eq!(state.failed_checks, 0);
    }

    #[test]
    fn wrong_answers_kill_a_code_and_codes_are_limited_per_day() {
        let policy = VerificationPolicy { max_codes_per_day: 2, max_failed_checks_per_code: 2, ..Default::default() };
        let mut state = VerificationState::default();
        assert!(state.issue("111111", b"s", at(0), &policy));
        assert_eq!(state.check("000000", at(10), &policy), Check::Mismatch);
        assert_eq!(state.check("000000", at(20), &policy), Check::Mismatch);
        // Even the right code is refused now: that is what stops guessing.
        assert_eq!(state.check("111111", at(30), &policy), Check::Exhausted);
        // A new code starts its own count.
        assert!(state.issue("222222", b"s", at(40), &policy));
        assert_eq!(state.check("000000", at(50), &policy), Check::Mismatch);
        assert!(!state.issue("333333", b"s", at(60), &policy));
        // A day later codes can be sent again.
        assert!(state.issue("444444", b"s", at(DAY_SECONDS), &policy));
        assert_eq!(state.check("444444", at(DAY_SECONDS + 10), &policy), Check::Verified);
        assert_eq!(state.codes_sent_total, 3);
    }

    #[test]
    fn messages_in_the_requested_language_and_channel() {
        assert_eq!(message_body(None, VerificationChannel::Text, "012345"), "Your verification code is 012345");
        assert_eq!(
            message_body(Some(LanguageCode::FrFr), VerificationChannel::Voice, "0123"),
            "Votre code de vérification est 0 1 2 3"
        );
        let code = new_code();
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    }

    fn send(id: &str) -> SendDestinationNumberVerificationCodeRequest {
        SendDestinationNumberVerificationCodeRequest {
            configuration_set_name: None,
            context: None,
            destination_country_parameters: None,
            language_code: None,
            origination_identity: None,
            verification_channel: VerificationChannel::Text,
            verified_destination_number_id: id.into(),
        }
    }

    fn verify(id: &str, code: &str) -> VerifyDestinationNumberRequest {
        VerifyDestinationNumberRequest { verification_code: code.into(), verified_destination_number_id: id.into() }
    }

    async fn new_number(core: &Core, ctx: &RequestContext, number: &str) -> String {
        let request = CreateVerifiedDestinationNumberRequest {
            client_token: None,
            destination_phone_number: number.into(),
            rcs_agent_id: None,
            tags: None,
        };
        core.sms_create_verified_destination_number(ctx, request).await.expect("create").verified_destination_number_id
    }

    #[tokio::test]
    async fn a_number_is_verified_with_the_code_sent_to_it() {
        let (core, ctx) = test_core().await;
        let policy = VerificationPolicy::default();
        let id = new_number(&core, &ctx, "+12065550101").await;
        let error = core.sms_send_verification_code(&ctx, send(&id), &policy, "424242").await.expect_err("no sender");
        assert_eq!(error.member("Reason"), Some(&json!("NO_ORIGINATION_IDENTITIES_FOUND")));
        give_number(&core, &ctx, "+12065550100", "US").await;
        let sent = core.sms_send_verification_code(&ctx, send(&id), &policy, "424242").await.expect("send");

        // The message waits in the delivery queue, with the code in its body only; the first
        // code to a number is free.
        let message = core.store.get_message(&sent.message_id).await.expect("get").expect("queued message").document;
        assert_eq!(message["MessageBody"], json!("Your verification code is 424242"));
        assert_eq!(message["DestinationPhoneNumber"], json!("+12065550101"));
        assert_eq!(message["Sender"]["Origination"], json!("+12065550100"));
        assert_eq!(message["PricePerPartMicros"], json!(0));
        assert_eq!(message["Purpose"], json!("VERIFICATION"));
        let record = core.sms_get(&ctx, KIND, &id).await.expect("record");
        assert!(!record.document.to_string().contains("424242"));

        assert!(!core.sms_is_verified_destination(&ctx, "+12065550101").await.expect("check"));
        let error = core.sms_verify_code(&ctx, verify(&id, "111111"), &policy).await.expect_err("wrong code");
        assert_eq!(error.member("Reason"), Some(&json!("VERIFICATION_CODE_MISMATCH")));
        let verified = core.sms_verify_code(&ctx, verify(&id, "424242"), &policy).await.expect("verify");
        assert_eq!(verified.status, VerificationStatus::Verified);
        assert!(core.sms_is_verified_destination(&ctx, "+12065550101").await.expect("check"));

        let error = core.sms_verify_code(&ctx, verify(&id, "424242"), &policy).await.expect_err("again");
        assert_eq!(error.member("Reason"), Some(&json!("VERIFICATION_ALREADY_COMPLETE")));
        let error = core.sms_send_verification_code(&ctx, send(&id), &policy, "1").await.expect_err("send again");
        assert_eq!(error.member("Reason"), Some(&json!("VERIFICATION_ALREADY_COMPLETE")));
    }

    #[tokio::test]
    async fn an_expired_code_is_refused() {
        let (core, ctx) = test_core().await;
        let policy = VerificationPolicy { code_validity: Duration::ZERO, ..VerificationPolicy::default() };
        let id = new_number(&core, &ctx, "+12065550102").await;
        give_number(&core, &ctx, "+12065550100", "US").await;
        core.sms_send_verification_code(&ctx, send(&id), &policy, "424242").await.expect("send");
        let error = core.sms_verify_code(&ctx, verify(&id, "424242"), &policy).await.expect_err("expired");
        assert_eq!(error.code(), "ConflictException");
        assert_eq!(error.member("Reason"), Some(&json!("VERIFICATION_CODE_EXPIRED")));
        assert_eq!(error.member("ResourceId"), Some(&json!(id)));
    }
}
