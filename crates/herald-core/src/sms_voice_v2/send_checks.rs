//! The checks every send (text, voice, media) passes before its message is accepted, in the
//! order the guide implies: the destination and its country, the configuration set, an
//! origination identity that may send there, the sandbox, protect configuration rules, the
//! identity's opt-out list, then price and the month's spend. Each failure is the model's
//! exception with its reason.

use std::collections::BTreeMap;

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, MessageType, NumberCapability, ProtectConfigurationRuleOverrideAction, ProtectStatus,
    ResourceType, ServiceQuotaExceededExceptionReason, SpendLimitName, ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::Value;
use time::OffsetDateTime;

use super::account::AccountTier;
use super::country_rules::{self, SenderIds};
use super::errors::{conflict, invalid, quota, validation};
use super::identities::{Identity, is_e164};
use super::protect_rules::{country_decision, number_override};
use super::simulator::{self, SimulatedOutcome};
use super::{countries, pricing};
use crate::Core;
use crate::sms_delivery::{Channel, DestinationRef, Sender};

/// Countries no message may be sent to (guide part 1, §24.10), with their dialling prefixes:
/// the guide's country table leaves them out, so they are known here only to be refused.
const BLOCKED_COUNTRIES: &[(&str, &str)] = &[("CU", "53"), ("IR", "98"), ("KP", "850"), ("SY", "963"), ("SD", "249")];

/// What the checks found out about a send that passes them.
pub(crate) struct Checked {
    pub destination: String,
    pub iso_country_code: &'static str,
    pub sender: Sender,
    /// The pool's other members, tried when the sender fails.
    pub fallbacks: Vec<Sender>,
    pub pool_id: Option<String>,
    pub message_type: Option<MessageType>,
    pub configuration_set_name: Option<String>,
    pub event_destinations: Vec<DestinationRef>,
    pub message_feedback_enabled: bool,
    pub simulated: Option<SimulatedOutcome>,
    pub price_per_unit_micros: i64,
    /// The month's spend limit for the channel as the checks read it, in millionths of a
    /// dollar; None: read when the message is accepted.
    pub spend_limit_micros: Option<i64>,
}

/// The request members the checks read; `units` is message parts (text), 1 (media) or
/// minutes (voice).
pub(crate) struct SendRequest<'a> {
    pub channel: Channel,
    pub destination: &'a str,
    pub origination_identity: Option<&'a str>,
    pub message_type: Option<MessageType>,
    pub configuration_set_name: Option<&'a str>,
    pub protect_configuration_id: Option<&'a str>,
    pub keyword: Option<&'a str>,
    /// The request's MaxPrice (or MaxPricePerMinute), already parsed: millionths of a dollar.
    pub max_price: Option<i64>,
    pub max_price_field: &'a str,
    pub message_feedback_enabled: Option<bool>,
    pub units: u32,
}

/// The month a charge counts against: `YYYY-MM`, UTC.
pub(crate) fn month_of(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), u8::from(at.month()))
}

pub(crate) fn spend_limit_name(channel: Channel) -> SpendLimitName {
    match channel {
        Channel::Text => SpendLimitName::TextMessageMonthlySpendLimit,
        Channel::Voice => SpendLimitName::VoiceMessageMonthlySpendLimit,
        Channel::Media => SpendLimitName::MediaMessageMonthlySpendLimit,
    }
}

fn spend_reason(channel: Channel) -> ServiceQuotaExceededExceptionReason {
    match channel {
        Channel::Text => ServiceQuotaExceededExceptionReason::MonthlySpendLimitReachedForText,
        Channel::Voice => ServiceQuotaExceededExceptionReason::MonthlySpendLimitReachedForVoice,
        Channel::Media => ServiceQuotaExceededExceptionReason::MonthlySpendLimitReachedForMedia,
    }
}

pub(crate) fn spend_limit_reached(channel: Channel) -> ApiError {
    quota(
        spend_reason(channel),
        format!("The monthly spend limit for {} messages has been reached", channel.as_str().to_lowercase()),
    )
}

fn capability(channel: Channel) -> NumberCapability {
    match channel {
        Channel::Text => NumberCapability::Sms,
        Channel::Voice => NumberCapability::Voice,
        Channel::Media => NumberCapability::Mms,
    }
}

/// `Context` and `DestinationCountryParameters` within the model's limits.
pub(crate) fn check_message_maps(
    context: Option<&BTreeMap<String, String>>,
    country: Option<&BTreeMap<String, String>>,
) -> Result<(), ApiError> {
    if let Some(context) = context {
        let fits = |key: &String, value: &String| {
            (1..=100).contains(&key.chars().count()) && (1..=800).contains(&value.chars().count())
        };
        if context.len() > 5 || !context.iter().all(|(k, v)| fits(k, v)) {
            return Err(invalid("Context", "takes at most 5 entries, keys of 1-100 and values of 1-800 characters"));
        }
    }
    if let Some(country) = country {
        let fits = |key: &String, value: &String| {
            matches!(key.as_str(), "IN_TEMPLATE_ID" | "IN_ENTITY_ID") && (1..=64).contains(&value.chars().count())
        };
        if country.len() > 10 || !country.iter().all(|(k, v)| fits(k, v)) {
            return Err(invalid(
                "DestinationCountryParameters",
                "keys are IN_TEMPLATE_ID or IN_ENTITY_ID and values 1-64 characters",
            ));
        }
    }
    Ok(())
}

/// TimeToLive in seconds: 5 to 259200 (72 hours), 72 hours when not given.
pub(crate) fn time_to_live(value: Option<i32>) -> Result<i64, ApiError> {
    match value {
        None => Ok(259_200),
        Some(seconds) if (5..=259_200).contains(&seconds) => Ok(i64::from(seconds)),
        Some(_) => Err(invalid("TimeToLive", "must be from 5 to 259200 seconds")),
    }
}

/// A price in US dollars as the model writes it (`[0-9]{0,2}\.[0-9]{1,5}`), in millionths.
pub(crate) fn parse_price(field: &str, value: &str) -> Result<i64, ApiError> {
    let refuse = || invalid(field, "must be US dollars written as 0-2 digits, a point and 1-5 digits, like 0.05");
    let (whole, fraction) = value.split_once('.').ok_or_else(refuse)?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() > 2 || fraction.is_empty() || fraction.len() > 5 || !digits(whole) || !digits(fraction) {
        return Err(refuse());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| refuse())? };
    let fraction: i64 = format!("{fraction:0<6}").parse().map_err(|_| refuse())?;
    Ok(whole * 1_000_000 + fraction)
}

/// The destination in E.164 and its country.
pub(crate) fn destination_country(destination: &str) -> Result<&'static str, ApiError> {
    if !is_e164(destination) {
        return Err(validation(
            ValidationExceptionReason::InvalidParameter,
            format!("{destination} is not a phone number in E.164 format (a + and up to 15 digits)"),
            &[("DestinationPhoneNumber", "must be in E.164 format")],
        ));
    }
    let digits = destination.trim_start_matches('+');
    if let Some((iso, _)) = BLOCKED_COUNTRIES.iter().find(|(_, prefix)| digits.starts_with(prefix)) {
        return Err(validation(
            ValidationExceptionReason::DestinationCountryBlocked,
            format!("Messages cannot be sent to {iso}"),
            &[("DestinationPhoneNumber", "is in a country messages cannot be sent to")],
        ));
    }
    let iso = countries::of_number(destination).ok_or_else(|| {
        validation(
            ValidationExceptionReason::InvalidParameter,
            format!("{destination} is not in any country messages can be sent to"),
            &[("DestinationPhoneNumber", "has an unknown country code")],
        )
    })?;
    Ok(iso)
}

fn text<'a>(record: &'a ResourceRecord, member: &str) -> Option<&'a str> {
    record.document.get(member).and_then(Value::as_str)
}

/// A phone number's or sender id's stored message type(s).
fn message_types(identity: &Identity) -> Vec<String> {
    if let Some(types) = identity.record.document.get("MessageTypes").and_then(Value::as_array) {
        return types.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    }
    text(&identity.record, "MessageType").map(|t| vec![t.to_string()]).unwrap_or_default()
}

/// Parts per second an identity may send (guide part 1, §7): short code 100, toll-free 3,
/// 10DLC 1, long code 1 in the US and Canada and 10 elsewhere, sender id 10. Simulator numbers
/// never reach a carrier and take the shared-route rate, 20.
fn default_parts_per_second(identity: &Identity) -> f64 {
    if identity.kind == ResourceType::SenderId {
        return 10.0;
    }
    let country = identity.iso_country_code().unwrap_or_default();
    match text(&identity.record, "NumberType").unwrap_or_default() {
        "SHORT_CODE" => 100.0,
        "TOLL_FREE" => 3.0,
        "TEN_DLC" => 1.0,
        "SIMULATOR" => 20.0,
        _ if matches!(country, "US" | "CA") => 1.0,
        _ => 10.0,
    }
}

/// The month's limit in an account's settings for a channel, in millionths of a dollar.
fn spend_limit_micros_in(account: &Value, channel: Channel) -> i64 {
    super::spend_limits::enforced_limit_in(account, spend_limit_name(channel)).saturating_mul(1_000_000)
}

impl Core {
    /// Runs every check for a send; answers what the message needs to be accepted.
    pub(crate) async fn sms_check_send(
        &self,
        ctx: &RequestContext,
        request: &SendRequest<'_>,
    ) -> Result<Checked, ApiError> {
        let iso = destination_country(request.destination)?;
        let simulated = simulator::destination(request.destination).map(|(_, outcome)| outcome);

        let configuration_set = match request.configuration_set_name {
            Some(name) => Some(self.sms_configuration_set(ctx, name).await?),
            None => None,
        };
        let set_text = |member: &str| configuration_set.as_ref().and_then(|set| text(set, member)).map(str::to_owned);
        let message_type = match request.message_type {
            Some(requested) => Some(requested),
            None => set_text("DefaultMessageType").as_deref().and_then(MessageType::from_wire),
        };

        let (sender, fallbacks, pool, guard) =
            self.sms_choose_sender(ctx, request, iso, message_type, set_text("DefaultSenderId").as_deref()).await?;
        if let Some(keyword) = request.keyword {
            self.sms_check_keyword(ctx, &guard, keyword).await?;
        }

        // The account's settings (tier, default protect configuration, spend limits), read once.
        let account = self.sms_account_settings(&ctx.account_id).await?;
        if simulated.is_none()
            && AccountTier::of(&account) == AccountTier::Sandboxed
            && !self.sms_is_verified_destination(ctx, request.destination).await?
        {
            return Err(conflict(
                ConflictExceptionReason::DestinationPhoneNumberNotVerified,
                ResourceType::VerifiedDestinationNumber,
                request.destination,
                format!(
                    "The account is in the sandbox and {} is not a verified destination number",
                    request.destination
                ),
            ));
        }

        let set_name = configuration_set.as_ref().map(|set| set.id.clone());
        self.sms_check_protect(ctx, request, configuration_set.as_ref(), &account, iso).await?;

        if self.sms_is_opted_out(&ctx.account_id, guard.opt_out_list_name(), request.destination).await? {
            return Err(conflict(
                ConflictExceptionReason::DestinationPhoneNumberOptedOut,
                ResourceType::OptedOutNumber,
                request.destination,
                format!("{} has opted out of messages from {}", request.destination, guard.wire_id()),
            ));
        }

        let price = pricing::price_micros(request.channel, iso);
        if let Some(max) = request.max_price
            && price > max
        {
            return Err(validation(
                ValidationExceptionReason::PriceOverThreshold,
                format!(
                    "The price of {} is {} US dollars, more than {} allows",
                    pricing::unit_name(request.channel),
                    pricing::format_dollars(price),
                    request.max_price_field
                ),
                &[(request.max_price_field, "is lower than the price")],
            ));
        }
        let spend_limit_micros = spend_limit_micros_in(&account, request.channel);
        self.sms_check_spend(ctx, request.channel, price.saturating_mul(i64::from(request.units)), spend_limit_micros)
            .await?;

        let event_destinations = configuration_set.as_ref().map(event_destinations_of).unwrap_or_default();
        let feedback_default = configuration_set
            .as_ref()
            .and_then(|set| set.document.get("DefaultMessageFeedbackEnabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Checked {
            destination: request.destination.to_string(),
            iso_country_code: iso,
            sender,
            fallbacks,
            pool_id: pool,
            message_type,
            configuration_set_name: set_name,
            event_destinations,
            message_feedback_enabled: request.message_feedback_enabled.unwrap_or(feedback_default),
            simulated,
            price_per_unit_micros: price,
            spend_limit_micros: Some(spend_limit_micros),
        })
    }

    /// The limit this month's charges may reach for a channel, in millionths of a dollar.
    pub(crate) async fn sms_spend_limit_micros(&self, ctx: &RequestContext, channel: Channel) -> Result<i64, ApiError> {
        let account = self.sms_account_settings(&ctx.account_id).await?;
        Ok(spend_limit_micros_in(&account, channel))
    }

    async fn sms_check_spend(
        &self,
        ctx: &RequestContext,
        channel: Channel,
        amount: i64,
        limit: i64,
    ) -> Result<(), ApiError> {
        let month = month_of(OffsetDateTime::now_utc());
        let spent = self
            .store
            .spend_in_month(&ctx.account_id, spend_limit_name(channel).as_str(), &month)
            .await
            .map_err(ApiError::internal)?;
        if spent.saturating_add(amount) > limit {
            return Err(spend_limit_reached(channel));
        }
        Ok(())
    }

    async fn sms_check_protect(
        &self,
        ctx: &RequestContext,
        request: &SendRequest<'_>,
        configuration_set: Option<&ResourceRecord>,
        account: &Value,
        iso: &str,
    ) -> Result<(), ApiError> {
        let Some(protect) = self
            .governing_protect_configuration(ctx, request.protect_configuration_id, configuration_set, account)
            .await?
        else {
            return Ok(());
        };
        match number_override(&protect.document, request.destination, OffsetDateTime::now_utc()) {
            Some(ProtectConfigurationRuleOverrideAction::Allow) => return Ok(()),
            Some(ProtectConfigurationRuleOverrideAction::Block) => {
                return Err(conflict(
                    ConflictExceptionReason::DestinationPhoneNumberBlockedByProtectNumberOverride,
                    ResourceType::ProtectConfiguration,
                    protect.id.clone(),
                    format!("The protect configuration {} blocks {}", protect.id, request.destination),
                ));
            }
            None => {}
        }
        if country_decision(&protect.document, request.channel.protect_channel(), iso) == ProtectStatus::Block {
            return Err(conflict(
                ConflictExceptionReason::DestinationCountryBlockedByProtectConfiguration,
                ResourceType::ProtectConfiguration,
                protect.id.clone(),
                format!(
                    "The protect configuration {} blocks {} messages to {iso}",
                    protect.id,
                    request.channel.protect_channel()
                ),
            ));
        }
        Ok(())
    }

    /// A `Keyword` on a send must be one of the identity's keywords.
    async fn sms_check_keyword(&self, ctx: &RequestContext, guard: &Identity, keyword: &str) -> Result<(), ApiError> {
        if !(1..=30).contains(&keyword.chars().count()) {
            return Err(invalid("Keyword", "must be 1-30 characters"));
        }
        let keywords = self.sms_keywords_of(ctx, &guard.record.id).await?;
        let known = keywords.iter().any(|record| {
            record.document.get("Keyword").and_then(Value::as_str).is_some_and(|k| k.eq_ignore_ascii_case(keyword))
        });
        if !known {
            return Err(conflict(
                ConflictExceptionReason::KeywordMismatch,
                ResourceType::Keyword,
                keyword,
                format!("{keyword} is not a keyword of {}", guard.wire_id()),
            ));
        }
        Ok(())
    }

    /// The sender of a message Herald sends on its own account's behalf (verification codes):
    /// the named identity, or a default one, that can reach the destination's country. No
    /// sandbox, opt-out or spend check: the caller decides those.
    pub(crate) async fn sms_system_sender(
        &self,
        ctx: &RequestContext,
        channel: Channel,
        destination: &str,
        iso: &'static str,
        origination_identity: Option<&str>,
    ) -> Result<(Sender, Vec<Sender>, Option<String>), ApiError> {
        let request = SendRequest {
            channel,
            destination,
            origination_identity,
            message_type: None,
            configuration_set_name: None,
            protect_configuration_id: None,
            keyword: None,
            max_price: None,
            max_price_field: "MaxPrice",
            message_feedback_enabled: None,
            units: 1,
        };
        let (sender, fallbacks, pool, _) =
            self.sms_choose_sender(ctx, &request, iso, Some(MessageType::Transactional), None).await?;
        Ok((sender, fallbacks, pool))
    }

    /// The identity a message goes out from, the pool members to fail over to, the pool, and the
    /// identity whose opt-out list and keywords govern the send (the pool when there is one).
    async fn sms_choose_sender(
        &self,
        ctx: &RequestContext,
        request: &SendRequest<'_>,
        iso: &'static str,
        message_type: Option<MessageType>,
        default_sender_id: Option<&str>,
    ) -> Result<(Sender, Vec<Sender>, Option<String>, Identity), ApiError> {
        let allowed: &[ResourceType] = match request.channel {
            Channel::Text => &[ResourceType::PhoneNumber, ResourceType::SenderId, ResourceType::Pool],
            Channel::Voice | Channel::Media => &[ResourceType::PhoneNumber, ResourceType::Pool],
        };
        let Some(requested) = request.origination_identity else {
            return self.sms_default_sender(ctx, request, iso, message_type, default_sender_id).await;
        };
        let identity = self.sms_resolve_identity(ctx, requested, Some(iso), allowed).await?;
        if identity.kind != ResourceType::Pool {
            self.sms_check_usable(&identity, request, iso, message_type, true)?;
            let sender = self.sms_sender_of(&identity).await?;
            return Ok((sender, Vec::new(), None, identity));
        }

        check_active(&identity)?;
        if let (Some(wanted), Some(pool_type)) = (message_type, text(&identity.record, "MessageType"))
            && wanted.as_str() != pool_type
        {
            return Err(type_mismatch(&identity, wanted));
        }
        let members = self.sms_pool_members(ctx, &identity.record.id).await?;
        let mut usable = Vec::new();
        let mut first_problem = None;
        for member in members {
            match self.sms_check_usable(&member, request, iso, None, false) {
                Ok(()) => usable.push(member),
                Err(problem) => {
                    first_problem.get_or_insert(problem);
                }
            }
        }
        if usable.is_empty() {
            return Err(first_problem.unwrap_or_else(|| no_identity(request, iso)));
        }
        let mut senders = Vec::with_capacity(usable.len());
        for member in &usable {
            senders.push(self.sms_sender_of(member).await?);
        }
        let sender = senders.remove(0);
        let pool_id = identity.record.id.clone();
        Ok((sender, senders, Some(pool_id), identity))
    }

    /// With no identity named: the configuration set's default sender id where sender ids may
    /// be used, else the account's phone numbers for the destination (transactional first
    /// unless promotional was asked for), else its sender ids for the country.
    async fn sms_default_sender(
        &self,
        ctx: &RequestContext,
        request: &SendRequest<'_>,
        iso: &'static str,
        message_type: Option<MessageType>,
        default_sender_id: Option<&str>,
    ) -> Result<(Sender, Vec<Sender>, Option<String>, Identity), ApiError> {
        if let Some(sender_id) = default_sender_id
            && country_rules::sender_ids(iso) != Some(SenderIds::NotSupported)
            && let Ok(identity) = self.sms_resolve_identity(ctx, sender_id, Some(iso), &[ResourceType::SenderId]).await
            && self.sms_check_usable(&identity, request, iso, message_type, false).is_ok()
        {
            let sender = self.sms_sender_of(&identity).await?;
            return Ok((sender, Vec::new(), None, identity));
        }
        let kinds: &[ResourceType] = match request.channel {
            Channel::Text => &[ResourceType::PhoneNumber, ResourceType::SenderId],
            Channel::Voice | Channel::Media => &[ResourceType::PhoneNumber],
        };
        let mut candidates = Vec::new();
        for kind in kinds.iter().copied() {
            for record in self.sms_list(ctx, kind, None).await? {
                let identity = Identity { kind, record };
                if self.sms_check_usable(&identity, request, iso, None, false).is_ok() {
                    candidates.push(identity);
                }
            }
        }
        let wanted = message_type.unwrap_or(MessageType::Transactional);
        let rank = |identity: &Identity| {
            let kind_rank = if identity.kind == ResourceType::PhoneNumber { 0 } else { 2 };
            let type_rank = if message_types(identity).iter().any(|t| t == wanted.as_str()) { 0 } else { 1 };
            kind_rank + type_rank
        };
        candidates.sort_by_key(rank);
        let Some(identity) = candidates.into_iter().next() else {
            return Err(no_identity(request, iso));
        };
        let sender = self.sms_sender_of(&identity).await?;
        Ok((sender, Vec::new(), None, identity))
    }

    /// Whether a phone number or sender id may carry this send to this country. `explicit`:
    /// the request named it, so a message type it does not carry is a conflict.
    fn sms_check_usable(
        &self,
        identity: &Identity,
        request: &SendRequest<'_>,
        iso: &str,
        message_type: Option<MessageType>,
        explicit: bool,
    ) -> Result<(), ApiError> {
        check_active(identity)?;
        let wire_id = identity.wire_id();
        if !identity.capabilities().contains(&capability(request.channel)) {
            return Err(conflict(
                ConflictExceptionReason::NumberCapabilitiesMismatch,
                identity.kind,
                wire_id.clone(),
                format!("{wire_id} cannot send {} messages", request.channel.as_str().to_lowercase()),
            ));
        }
        let is_simulator = text(&identity.record, "NumberType") == Some("SIMULATOR");
        if is_simulator {
            let same_country_simulator = simulator::destination(request.destination)
                .is_some_and(|(country, _)| Some(country) == identity.iso_country_code());
            if !same_country_simulator {
                return Err(validation(
                    ValidationExceptionReason::InvalidIdentityForDestinationCountry,
                    format!(
                        "{wire_id} is a simulator number: it sends only to the destination simulator numbers of {}",
                        identity.iso_country_code().unwrap_or("its country")
                    ),
                    &[("OriginationIdentity", "is a simulator number")],
                ));
            }
        }
        if identity.iso_country_code().is_some_and(|own| own != iso) {
            return Err(validation(
                ValidationExceptionReason::InvalidIdentityForDestinationCountry,
                format!(
                    "{wire_id} is in {} and cannot send to {iso} numbers",
                    identity.iso_country_code().unwrap_or("")
                ),
                &[("OriginationIdentity", "is not in the destination's country")],
            ));
        }
        if identity.kind == ResourceType::SenderId {
            match country_rules::sender_ids(iso) {
                Some(SenderIds::NotSupported) | None => {
                    return Err(validation(
                        ValidationExceptionReason::SenderIdNotSupported,
                        format!("Sender ids cannot be used for messages to {iso}"),
                        &[("OriginationIdentity", "is a sender id")],
                    ));
                }
                Some(SenderIds::Registration)
                    if identity.record.document.get("Registered").and_then(Value::as_bool) != Some(true) =>
                {
                    return Err(validation(
                        ValidationExceptionReason::SenderIdNotRegistered,
                        format!("{wire_id} must be registered before it sends to {iso}"),
                        &[("OriginationIdentity", "is not registered")],
                    ));
                }
                _ => {}
            }
        }
        if explicit
            && let Some(wanted) = message_type
            && !message_types(identity).is_empty()
            && !message_types(identity).iter().any(|t| t == wanted.as_str())
        {
            return Err(type_mismatch(identity, wanted));
        }
        Ok(())
    }

    /// How the delivery engine sees an identity.
    pub(crate) async fn sms_sender_of(&self, identity: &Identity) -> Result<Sender, ApiError> {
        let origination = match identity.kind {
            ResourceType::PhoneNumber => identity.phone_number().unwrap_or_default().to_string(),
            _ => identity.wire_id(),
        };
        let inventory = match identity.phone_number() {
            Some(number) => self.sms_inventory_number(number).await?,
            None => None,
        };
        let parts_per_second = inventory
            .as_ref()
            .and_then(|n| n.max_parts_per_second)
            .map(f64::from)
            .unwrap_or_else(|| default_parts_per_second(identity));
        Ok(Sender {
            identity_type: identity.kind.as_str().to_string(),
            identity_id: identity.record.id.clone(),
            origination,
            carrier: inventory.and_then(|n| n.carrier),
            parts_per_second,
        })
    }
}

fn check_active(identity: &Identity) -> Result<(), ApiError> {
    let status = text(&identity.record, "Status");
    if status.is_some_and(|s| s != "ACTIVE") {
        let wire_id = identity.wire_id();
        return Err(conflict(
            ConflictExceptionReason::ResourceNotActive,
            identity.kind,
            wire_id.clone(),
            format!("{wire_id} is {} and cannot send messages", status.unwrap_or_default()),
        ));
    }
    Ok(())
}

fn type_mismatch(identity: &Identity, wanted: MessageType) -> ApiError {
    let wire_id = identity.wire_id();
    conflict(
        ConflictExceptionReason::MessageTypeMismatch,
        identity.kind,
        wire_id.clone(),
        format!("{wire_id} does not send {} messages", wanted.as_str()),
    )
}

fn no_identity(request: &SendRequest<'_>, iso: &str) -> ApiError {
    conflict(
        ConflictExceptionReason::NoOriginationIdentitiesFound,
        ResourceType::PhoneNumber,
        request.origination_identity.unwrap_or(request.destination),
        format!("No origination identity of the account can send {} messages to {iso}", request.channel.as_str()),
    )
}

/// The enabled event destinations of a configuration set.
pub(crate) fn event_destinations_of(set: &ResourceRecord) -> Vec<DestinationRef> {
    let Some(destinations) = set.document.get("EventDestinations").and_then(Value::as_array) else {
        return Vec::new();
    };
    destinations
        .iter()
        .filter(|d| d.get("Enabled").and_then(Value::as_bool).unwrap_or(true))
        .filter_map(|d| {
            let name = d.get("EventDestinationName")?.as_str()?.to_string();
            let matching_event_types =
                d.get("MatchingEventTypes")?.as_array()?.iter().filter_map(Value::as_str).map(str::to_owned).collect();
            // Exactly one of the three is set (CreateEventDestination checks it).
            let arn = [
                ("CloudWatchLogsDestination", "LogGroupArn"),
                ("KinesisFirehoseDestination", "DeliveryStreamArn"),
                ("SnsDestination", "TopicArn"),
            ]
            .iter()
            .find_map(|(kind, member)| d.get(*kind)?.get(*member)?.as_str())
            .map(str::to_owned);
            Some(DestinationRef { name, matching_event_types, arn })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_as_the_model_writes_them() {
        assert_eq!(parse_price("MaxPrice", "2.00").ok(), Some(2_000_000));
        assert_eq!(parse_price("MaxPrice", ".00645").ok(), Some(6_450));
        assert_eq!(parse_price("MaxPrice", "0.1").ok(), Some(100_000));
        for bad in ["2", "100.0", "1.123456", "a.1", "1.", ""] {
            assert!(parse_price("MaxPrice", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn destinations_need_e164_and_a_country_messages_may_go_to() {
        assert_eq!(destination_country("+14254147755").ok(), Some("US"));
        assert_eq!(destination_country("+447860019066").ok(), Some("GB"));
        assert!(destination_country("14254147755").is_err());
        assert!(destination_country("+53512345678").is_err(), "Cuba is blocked");
    }

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(month_of(time::macros::datetime!(2026-11-30 23:59 UTC)), "2026-11");
        assert_eq!(month_of(time::macros::datetime!(2027-01-01 00:00 UTC)), "2027-01");
    }
}
