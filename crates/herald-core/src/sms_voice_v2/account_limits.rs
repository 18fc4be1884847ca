//! DescribeAccountLimits: how many of each counted resource the account has, against the
//! quota. The default quotas are here, in one place, for the operations that enforce them.

use herald_api::sms_voice_v2::types::{
    AccountLimit, AccountLimitName, DescribeAccountLimitsRequest, DescribeAccountLimitsResult, ResourceType,
};
use herald_proto::{ApiError, RequestContext};

use super::listing::page;
use super::quotas::SmsQuotas;
use crate::Core;

/// Each limit the model names and the resource type it counts.
const LIMITS: [(AccountLimitName, ResourceType); 8] = [
    (AccountLimitName::PhoneNumbers, ResourceType::PhoneNumber),
    (AccountLimitName::Pools, ResourceType::Pool),
    (AccountLimitName::ConfigurationSets, ResourceType::ConfigurationSet),
    (AccountLimitName::OptOutLists, ResourceType::OptOutList),
    (AccountLimitName::SenderIds, ResourceType::SenderId),
    (AccountLimitName::Registrations, ResourceType::Registration),
    (AccountLimitName::RegistrationAttachments, ResourceType::RegistrationAttachment),
    (AccountLimitName::VerifiedDestinationNumbers, ResourceType::VerifiedDestinationNumber),
];

/// The quota of a counted resource type.
fn quota_of(quotas: &SmsQuotas, name: AccountLimitName) -> u64 {
    match name {
        AccountLimitName::PhoneNumbers => quotas.phone_numbers,
        AccountLimitName::Pools => quotas.pools,
        AccountLimitName::ConfigurationSets => quotas.configuration_sets,
        AccountLimitName::OptOutLists => quotas.opt_out_lists,
        AccountLimitName::SenderIds => quotas.sender_ids,
        AccountLimitName::Registrations => quotas.registrations,
        AccountLimitName::RegistrationAttachments => quotas.registration_attachments,
        AccountLimitName::VerifiedDestinationNumbers => quotas.verified_destination_numbers,
    }
}

impl Core {
    pub(crate) async fn sms_describe_account_limits(
        &self,
        ctx: &RequestContext,
        input: DescribeAccountLimitsRequest,
    ) -> Result<DescribeAccountLimitsResult, ApiError> {
        let mut limits = Vec::with_capacity(LIMITS.len());
        for (name, kind) in LIMITS {
            let used = i64::try_from(self.sms_count(ctx, kind).await?).unwrap_or(i64::MAX);
            let max = i64::try_from(quota_of(&self.sms_quotas, name)).unwrap_or(i64::MAX);
            limits.push(AccountLimit { max, name, used });
        }
        let (limits, next_token) = page(limits, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeAccountLimitsResult { account_limits: Some(limits), next_token })
    }
}
