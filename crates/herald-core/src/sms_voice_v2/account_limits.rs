//! DescribeAccountLimits: how many of each counted resource the account has, against the
//! quota. The default quotas are here, in one place, for the operations that enforce them.

use herald_api::sms_voice_v2::types::{
    AccountLimit, AccountLimitName, DescribeAccountLimitsRequest, DescribeAccountLimitsResult, ResourceType,
};
use herald_proto::{ApiError, RequestContext};

use super::listing::page;
use crate::Core;

/// Phone numbers (SMS, MMS and voice) per account (guide part 2 section 13.2).
pub const MAX_PHONE_NUMBERS: i64 = 25;
/// Pools per account (guide part 2 section 13.2).
pub const MAX_POOLS: i64 = 25;
/// Configuration sets per account (guide part 2 section 13.2).
pub const MAX_CONFIGURATION_SETS: i64 = 25;
/// Opt-out lists per account, the `Default` list included (guide part 2 section 13.2).
pub const MAX_OPT_OUT_LISTS: i64 = 25;
/// Sender IDs per account. The guide gives no figure; Herald uses the figure of the other
/// origination identities.
pub const MAX_SENDER_IDS: i64 = 25;
/// Registrations per account. The guide gives only the 10DLC brand quota (25 per account,
/// part 2 section 13.3); Herald applies it to registrations of every type.
pub const MAX_REGISTRATIONS: i64 = 25;
/// Registration attachments per account. Not in the guide; Herald's choice, enough for the
/// documents of every registration the quota above allows.
pub const MAX_REGISTRATION_ATTACHMENTS: i64 = 100;
/// Verified destination numbers per account (guide part 1 section 4.3, part 2 section 13.2).
pub const MAX_VERIFIED_DESTINATION_NUMBERS: i64 = 10;

/// Each limit the model names: the resource type counted and the quota.
const LIMITS: [(AccountLimitName, ResourceType, i64); 8] = [
    (AccountLimitName::PhoneNumbers, ResourceType::PhoneNumber, MAX_PHONE_NUMBERS),
    (AccountLimitName::Pools, ResourceType::Pool, MAX_POOLS),
    (AccountLimitName::ConfigurationSets, ResourceType::ConfigurationSet, MAX_CONFIGURATION_SETS),
    (AccountLimitName::OptOutLists, ResourceType::OptOutList, MAX_OPT_OUT_LISTS),
    (AccountLimitName::SenderIds, ResourceType::SenderId, MAX_SENDER_IDS),
    (AccountLimitName::Registrations, ResourceType::Registration, MAX_REGISTRATIONS),
    (AccountLimitName::RegistrationAttachments, ResourceType::RegistrationAttachment, MAX_REGISTRATION_ATTACHMENTS),
    (
        AccountLimitName::VerifiedDestinationNumbers,
        ResourceType::VerifiedDestinationNumber,
        MAX_VERIFIED_DESTINATION_NUMBERS,
    ),
];

impl Core {
    pub(crate) async fn sms_describe_account_limits(
        &self,
        ctx: &RequestContext,
        input: DescribeAccountLimitsRequest,
    ) -> Result<DescribeAccountLimitsResult, ApiError> {
        let mut limits = Vec::with_capacity(LIMITS.len());
        for (name, kind, max) in LIMITS {
            let used = i64::try_from(self.sms_count(ctx, kind).await?).unwrap_or(i64::MAX);
            limits.push(AccountLimit { max, name, used });
        }
        let (limits, next_token) = page(limits, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeAccountLimitsResult { account_limits: Some(limits), next_token })
    }
}
