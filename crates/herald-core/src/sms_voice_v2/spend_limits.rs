//! Monthly spend limits per channel (guide part 1 section 11, part 2 section 9.2):
//! DescribeSpendLimits and the Set/Delete*MessageSpendLimitOverride operations.
//!
//! `MaxLimit` is the operator's ceiling (AWS's "account limit"): $1 in the sandbox whatever else
//! is configured, otherwise the operator's maximum from `set_spend_limit_maximum`, $1 until it
//! is raised (the guide's default spend threshold). The override (`EnforcedLimit`) is the
//! account's own lower limit; without one the maximum applies. Both live in the account
//! settings document: `SpendLimitOverrides` and `SpendLimitMaximums`, objects keyed by the
//! `SpendLimitName` wire value, in whole US dollars.

use herald_api::sms_voice_v2::types::{
    DeleteMediaMessageSpendLimitOverrideRequest, DeleteMediaMessageSpendLimitOverrideResult,
    DeleteNotifyMessageSpendLimitOverrideRequest, DeleteNotifyMessageSpendLimitOverrideResult,
    DeleteRcsMessageSpendLimitOverrideRequest, DeleteRcsMessageSpendLimitOverrideResult,
    DeleteTextMessageSpendLimitOverrideRequest, DeleteTextMessageSpendLimitOverrideResult,
    DeleteVoiceMessageSpendLimitOverrideRequest, DeleteVoiceMessageSpendLimitOverrideResult,
    DescribeSpendLimitsRequest, DescribeSpendLimitsResult, SetMediaMessageSpendLimitOverrideRequest,
    SetMediaMessageSpendLimitOverrideResult, SetNotifyMessageSpendLimitOverrideRequest,
    SetNotifyMessageSpendLimitOverrideResult, SetRcsMessageSpendLimitOverrideRequest,
    SetRcsMessageSpendLimitOverrideResult, SetTextMessageSpendLimitOverrideRequest,
    SetTextMessageSpendLimitOverrideResult, SetVoiceMessageSpendLimitOverrideRequest,
    SetVoiceMessageSpendLimitOverrideResult, SpendLimit, SpendLimitName, ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use serde_json::{Map, Value};

use super::account::AccountTier;
use super::errors::{invalid, validation};
use super::listing::page;
use crate::{Core, CoreError};

/// Every sandbox account is capped at $1 a month per channel (guide part 1 section 4.1).
pub const SANDBOX_MAX_LIMIT: i64 = 1;
/// The default monthly spend threshold outside the sandbox until the operator raises it, as
/// AWS's is until a support case raises it (guide part 2 section 13.2).
pub const DEFAULT_MAX_LIMIT: i64 = 1;
/// The largest `MonthlyLimit` the model accepts.
const MAX_MONTHLY_LIMIT: i64 = 1_000_000_000;

const OVERRIDES: &str = "SpendLimitOverrides";
const MAXIMUMS: &str = "SpendLimitMaximums";

/// One channel's limits as the settings document gives them.
fn limit_of(settings: &Value, name: SpendLimitName) -> SpendLimit {
    let stored = |member: &str| settings.get(member).and_then(|m| m.get(name.as_str())).and_then(Value::as_i64);
    let max_limit = match AccountTier::of(settings) {
        AccountTier::Sandboxed => SANDBOX_MAX_LIMIT,
        AccountTier::Production => stored(MAXIMUMS).unwrap_or(DEFAULT_MAX_LIMIT),
    };
    let overridden = stored(OVERRIDES);
    // An override set before the account returned to the sandbox cannot lift it past the ceiling.
    let enforced_limit = overridden.map_or(max_limit, |limit| limit.min(max_limit));
    SpendLimit { enforced_limit, max_limit, name, overridden: overridden.is_some() }
}

/// Sets or removes one channel's entry in a map member of the settings document.
fn put_entry(members: &mut Map<String, Value>, member: &str, name: SpendLimitName, value: Option<i64>) {
    let entries = members.entry(member).or_insert_with(|| Value::Object(Map::new()));
    if !entries.is_object() {
        *entries = Value::Object(Map::new());
    }
    if let Value::Object(entries) = entries {
        match value {
            Some(value) => entries.insert(name.as_str().to_string(), Value::from(value)),
            None => entries.remove(name.as_str()),
        };
    }
}

/// The limit an account's settings document enforces this month for one channel, in US dollars.
pub(crate) fn enforced_limit_in(settings: &Value, kind: SpendLimitName) -> i64 {
    limit_of(settings, kind).enforced_limit
}

impl Core {
    /// The limit the sending engine must stop at this month for one channel, in US dollars.
    #[allow(dead_code, reason = "the sending engine (a later issue) calls it")]
    pub(crate) async fn enforced_spend_limit(
        &self,
        ctx: &RequestContext,
        kind: SpendLimitName,
    ) -> Result<i64, ApiError> {
        let settings = self.sms_account_settings(&ctx.account_id).await?;
        Ok(enforced_limit_in(&settings, kind))
    }

    /// The operator raises or lowers an account's ceiling for one channel: the replacement for
    /// AWS's spend threshold support case. As there, the text limit carries the media (MMS)
    /// limit with it (guide part 2 section 9.2). In the sandbox the $1 cap still applies.
    pub async fn set_spend_limit_maximum(
        &self,
        account_id: &str,
        kind: SpendLimitName,
        max_usd: i64,
    ) -> Result<(), CoreError> {
        if !(0..=MAX_MONTHLY_LIMIT).contains(&max_usd) {
            return Err(CoreError::Invalid(format!("a monthly maximum is from 0 to {MAX_MONTHLY_LIMIT} US dollars")));
        }
        self.sms_change_account_settings(account_id, |members| {
            put_entry(members, MAXIMUMS, kind, Some(max_usd));
            if kind == SpendLimitName::TextMessageMonthlySpendLimit {
                put_entry(members, MAXIMUMS, SpendLimitName::MediaMessageMonthlySpendLimit, Some(max_usd));
            }
        })
        .await
        .map_err(|error| CoreError::Invalid(format!("could not change the spend limit maximum: {error}")))?;
        Ok(())
    }

    pub(crate) async fn sms_describe_spend_limits(
        &self,
        ctx: &RequestContext,
        input: DescribeSpendLimitsRequest,
    ) -> Result<DescribeSpendLimitsResult, ApiError> {
        let settings = self.sms_account_settings(&ctx.account_id).await?;
        let limits: Vec<SpendLimit> = SpendLimitName::ALL.iter().map(|name| limit_of(&settings, *name)).collect();
        let (limits, next_token) = page(limits, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeSpendLimitsResult { next_token, spend_limits: Some(limits) })
    }

    /// Sets one channel's override; answers the limit now enforced.
    async fn sms_set_spend_limit_override(
        &self,
        ctx: &RequestContext,
        kind: SpendLimitName,
        monthly_limit: i64,
    ) -> Result<i64, ApiError> {
        if !(0..=MAX_MONTHLY_LIMIT).contains(&monthly_limit) {
            return Err(invalid("MonthlyLimit", &format!("must be from 0 to {MAX_MONTHLY_LIMIT}")));
        }
        let settings = self.sms_account_settings(&ctx.account_id).await?;
        let max_limit = limit_of(&settings, kind).max_limit;
        if monthly_limit > max_limit {
            return Err(validation(
                ValidationExceptionReason::RequestedSpendLimitHigherThanServiceLimit,
                format!("The requested monthly limit {monthly_limit} is above the account's maximum of {max_limit}"),
                &[("MonthlyLimit", "is higher than MaxLimit")],
            ));
        }
        let settings = self
            .sms_change_account_settings(&ctx.account_id, |members| {
                put_entry(members, OVERRIDES, kind, Some(monthly_limit));
            })
            .await?;
        Ok(limit_of(&settings, kind).enforced_limit)
    }

    /// Removes one channel's override; answers the limit now enforced (the maximum).
    async fn sms_delete_spend_limit_override(
        &self,
        ctx: &RequestContext,
        kind: SpendLimitName,
    ) -> Result<i64, ApiError> {
        let settings = self
            .sms_change_account_settings(&ctx.account_id, |members| put_entry(members, OVERRIDES, kind, None))
            .await?;
        Ok(limit_of(&settings, kind).enforced_limit)
    }

    pub(crate) async fn sms_set_text_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        input: SetTextMessageSpendLimitOverrideRequest,
    ) -> Result<SetTextMessageSpendLimitOverrideResult, ApiError> {
        let limit = self
            .sms_set_spend_limit_override(ctx, SpendLimitName::TextMessageMonthlySpendLimit, input.monthly_limit)
            .await?;
        Ok(SetTextMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_delete_text_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        _input: DeleteTextMessageSpendLimitOverrideRequest,
    ) -> Result<DeleteTextMessageSpendLimitOverrideResult, ApiError> {
        let limit = self.sms_delete_spend_limit_override(ctx, SpendLimitName::TextMessageMonthlySpendLimit).await?;
        Ok(DeleteTextMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_set_voice_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        input: SetVoiceMessageSpendLimitOverrideRequest,
    ) -> Result<SetVoiceMessageSpendLimitOverrideResult, ApiError> {
        let limit = self
            .sms_set_spend_limit_override(ctx, SpendLimitName::VoiceMessageMonthlySpendLimit, input.monthly_limit)
            .await?;
        Ok(SetVoiceMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_delete_voice_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        _input: DeleteVoiceMessageSpendLimitOverrideRequest,
    ) -> Result<DeleteVoiceMessageSpendLimitOverrideResult, ApiError> {
        let limit = self.sms_delete_spend_limit_override(ctx, SpendLimitName::VoiceMessageMonthlySpendLimit).await?;
        Ok(DeleteVoiceMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_set_media_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        input: SetMediaMessageSpendLimitOverrideRequest,
    ) -> Result<SetMediaMessageSpendLimitOverrideResult, ApiError> {
        let limit = self
            .sms_set_spend_limit_override(ctx, SpendLimitName::MediaMessageMonthlySpendLimit, input.monthly_limit)
            .await?;
        Ok(SetMediaMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_delete_media_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        _input: DeleteMediaMessageSpendLimitOverrideRequest,
    ) -> Result<DeleteMediaMessageSpendLimitOverrideResult, ApiError> {
        let limit = self.sms_delete_spend_limit_override(ctx, SpendLimitName::MediaMessageMonthlySpendLimit).await?;
        Ok(DeleteMediaMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_set_notify_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        input: SetNotifyMessageSpendLimitOverrideRequest,
    ) -> Result<SetNotifyMessageSpendLimitOverrideResult, ApiError> {
        let limit = self
            .sms_set_spend_limit_override(ctx, SpendLimitName::NotifyMessageMonthlySpendLimit, input.monthly_limit)
            .await?;
        Ok(SetNotifyMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_delete_notify_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        _input: DeleteNotifyMessageSpendLimitOverrideRequest,
    ) -> Result<DeleteNotifyMessageSpendLimitOverrideResult, ApiError> {
        let limit = self.sms_delete_spend_limit_override(ctx, SpendLimitName::NotifyMessageMonthlySpendLimit).await?;
        Ok(DeleteNotifyMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_set_rcs_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        input: SetRcsMessageSpendLimitOverrideRequest,
    ) -> Result<SetRcsMessageSpendLimitOverrideResult, ApiError> {
        let limit = self
            .sms_set_spend_limit_override(ctx, SpendLimitName::RcsMessageMonthlySpendLimit, input.monthly_limit)
            .await?;
        Ok(SetRcsMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }

    pub(crate) async fn sms_delete_rcs_message_spend_limit_override(
        &self,
        ctx: &RequestContext,
        _input: DeleteRcsMessageSpendLimitOverrideRequest,
    ) -> Result<DeleteRcsMessageSpendLimitOverrideResult, ApiError> {
        let limit = self.sms_delete_spend_limit_override(ctx, SpendLimitName::RcsMessageMonthlySpendLimit).await?;
        Ok(DeleteRcsMessageSpendLimitOverrideResult { monthly_limit: Some(limit) })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sms_voice_v2::testing::test_core;

    #[test]
    fn limits_follow_tier_maximum_and_override() {
        let text = SpendLimitName::TextMessageMonthlySpendLimit;
        let sandbox = json!({"SpendLimitMaximums": {"TEXT_MESSAGE_MONTHLY_SPEND_LIMIT": 500}});
        let limit = limit_of(&sandbox, text);
        assert_eq!((limit.max_limit, limit.enforced_limit, limit.overridden), (1, 1, false));

        let production = json!({"AccountTier": "PRODUCTION",
            "SpendLimitMaximums": {"TEXT_MESSAGE_MONTHLY_SPEND_LIMIT": 500},
            "SpendLimitOverrides": {"TEXT_MESSAGE_MONTHLY_SPEND_LIMIT": 40}});
        let limit = limit_of(&production, text);
        assert_eq!((limit.max_limit, limit.enforced_limit, limit.overridden), (500, 40, true));
        let voice = limit_of(&production, SpendLimitName::VoiceMessageMonthlySpendLimit);
        assert_eq!(
            (voice.max_limit, voice.enforced_limit, voice.overridden),
            (DEFAULT_MAX_LIMIT, DEFAULT_MAX_LIMIT, false)
        );

        // Back in the sandbox, an old override cannot lift the $1 cap.
        let returned = json!({"SpendLimitOverrides": {"TEXT_MESSAGE_MONTHLY_SPEND_LIMIT": 40}});
        let limit = limit_of(&returned, text);
        assert_eq!((limit.max_limit, limit.enforced_limit, limit.overridden), (1, 1, true));
    }

    #[tokio::test]
    async fn production_maximums_bound_overrides() {
        let (core, ctx) = test_core().await;
        let text = SpendLimitName::TextMessageMonthlySpendLimit;
        core.set_account_tier(&ctx.account_id, true).await.expect("production");
        core.set_spend_limit_maximum(&ctx.account_id, text, 500).await.expect("maximum");
        // The text maximum carries the media maximum with it.
        assert_eq!(
            core.enforced_spend_limit(&ctx, SpendLimitName::MediaMessageMonthlySpendLimit).await.expect("mms"),
            500
        );
        assert_eq!(core.enforced_spend_limit(&ctx, SpendLimitName::VoiceMessageMonthlySpendLimit).await.expect("v"), 1);

        let set = SetTextMessageSpendLimitOverrideRequest { monthly_limit: 250 };
        let result = core.sms_set_text_message_spend_limit_override(&ctx, set).await.expect("override");
        assert_eq!(result.monthly_limit, Some(250));
        assert_eq!(core.enforced_spend_limit(&ctx, text).await.expect("text"), 250);

        let too_high = SetTextMessageSpendLimitOverrideRequest { monthly_limit: 501 };
        let error = core.sms_set_text_message_spend_limit_override(&ctx, too_high).await.expect_err("above maximum");
        assert_eq!(error.member("Reason"), Some(&json!("REQUESTED_SPEND_LIMIT_HIGHER_THAN_SERVICE_LIMIT")));

        let deleted = core
            .sms_delete_text_message_spend_limit_override(&ctx, DeleteTextMessageSpendLimitOverrideRequest {})
            .await
            .expect("delete");
        assert_eq!(deleted.monthly_limit, Some(500));
        assert!(core.set_spend_limit_maximum(&ctx.account_id, text, -1).await.is_err());
    }
}
