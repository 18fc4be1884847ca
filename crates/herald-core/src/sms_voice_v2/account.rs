//! The account-wide settings document (resource type "account", id "account") and
//! DescribeAccountAttributes.
//!
//! One document per account holds every account-wide SMS setting, each as its own member, so
//! that several modules can share it without knowing each other's members:
//! - `AccountTier`: "SANDBOXED" (the default while absent) or "PRODUCTION", set by the operator;
//! - `DefaultProtectConfigurationId`: written by the protect configuration operations;
//! - `SpendLimitOverrides` and `SpendLimitMaximums`: see `spend_limits.rs`.
//!
//! Writers change only their member and keep the others (read, change, write at the version read).

use herald_api::sms_voice_v2::types::{
    AccountAttribute, AccountAttributeName, ConflictExceptionReason, DescribeAccountAttributesRequest,
    DescribeAccountAttributesResult, ResourceType,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord, StoreError};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::errors::{conflict, internal};
use super::listing::page;
use crate::{Core, CoreError};

/// The id of the one settings document of each account.
pub const ACCOUNT_DOCUMENT_ID: &str = "account";

/// How often a settings change is retried when another writer got there first: the document is
/// shared by unrelated settings, so a lost race is ordinary and not the caller's problem.
const WRITE_ATTEMPTS: usize = 5;

/// Whether an account may send only to verified destinations within sandbox limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountTier {
    Sandboxed,
    Production,
}

impl AccountTier {
    /// The value of the `ACCOUNT_TIER` attribute.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountTier::Sandboxed => "SANDBOXED",
            AccountTier::Production => "PRODUCTION",
        }
    }

    /// New accounts start in the sandbox (guide part 1, section 4), so anything but an explicit
    /// production mark is the sandbox.
    pub fn of(document: &Value) -> AccountTier {
        match document.get("AccountTier").and_then(Value::as_str) {
            Some("PRODUCTION") => AccountTier::Production,
            _ => AccountTier::Sandboxed,
        }
    }
}

impl Core {
    /// The account's settings document; an empty object when nothing was ever set.
    pub(crate) async fn sms_account_settings(&self, account_id: &str) -> Result<Value, ApiError> {
        let record = self
            .store
            .get_resource(account_id, ResourceType::Account.as_str(), ACCOUNT_DOCUMENT_ID)
            .await
            .map_err(internal)?;
        Ok(record.map(|r| r.document).unwrap_or_else(|| Value::Object(Map::new())))
    }

    /// Applies `change` to the settings document and stores it, creating the document on first
    /// use. Returns the document as written.
    pub(crate) async fn sms_change_account_settings(
        &self,
        account_id: &str,
        change: impl Fn(&mut Map<String, Value>),
    ) -> Result<Value, ApiError> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self
                .store
                .get_resource(account_id, ResourceType::Account.as_str(), ACCOUNT_DOCUMENT_ID)
                .await
                .map_err(internal)?;
            let mut members = match record.as_ref().map(|r| &r.document) {
                Some(Value::Object(members)) => members.clone(),
                _ => Map::new(),
            };
            change(&mut members);
            let document = Value::Object(members);
            let write = match &record {
                Some(record) => super::resources::update(record, document.clone()),
                None => ResourceChange::Put {
                    record: settings_record(account_id, document.clone()),
                    expected_version: None,
                },
            };
            match self.store.write_resources(&[write]).await {
                Ok(()) => return Ok(document),
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(internal(error)),
            }
        }
        Err(conflict(
            ConflictExceptionReason::ResourceModificationNotAllowed,
            ResourceType::Account,
            account_id,
            "The account settings are being changed by other requests; try again",
        ))
    }

    /// The caller's tier, for the sending engine's sandbox rules.
    #[allow(dead_code, reason = "the sending engine (a later issue) calls it")]
    pub(crate) async fn sms_account_tier(&self, ctx: &RequestContext) -> Result<AccountTier, ApiError> {
        Ok(AccountTier::of(&self.sms_account_settings(&ctx.account_id).await?))
    }

    /// Moves an account out of the sandbox (`production`) or back into it: the operator's
    /// replacement for AWS's production-access support case.
    pub async fn set_account_tier(&self, account_id: &str, production: bool) -> Result<(), CoreError> {
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::Invalid(format!("{account_id:?} is not a 12-digit account id")));
        }
        let tier = if production { AccountTier::Production } else { AccountTier::Sandboxed };
        self.sms_change_account_settings(account_id, |members| {
            members.insert("AccountTier".into(), Value::from(tier.as_str()));
        })
        .await
        .map_err(|error| CoreError::Invalid(format!("could not change the account tier: {error}")))?;
        Ok(())
    }

    pub(crate) async fn sms_describe_account_attributes(
        &self,
        ctx: &RequestContext,
        input: DescribeAccountAttributesRequest,
    ) -> Result<DescribeAccountAttributesResult, ApiError> {
        let settings = self.sms_account_settings(&ctx.account_id).await?;
        let mut attributes = vec![AccountAttribute {
            name: AccountAttributeName::AccountTier,
            value: AccountTier::of(&settings).as_str().into(),
        }];
        // Only an account that has a default protect configuration has this attribute.
        if let Some(id) = settings.get("DefaultProtectConfigurationId").and_then(Value::as_str) {
            attributes
                .push(AccountAttribute { name: AccountAttributeName::DefaultProtectConfigurationId, value: id.into() });
        }
        let (attributes, next_token) = page(attributes, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeAccountAttributesResult { account_attributes: Some(attributes), next_token })
    }
}

/// A new settings document. Built here rather than with `resources::new_record` because the
/// operator's commands have an account id but no request context.
fn settings_record(account_id: &str, document: Value) -> ResourceRecord {
    let now = OffsetDateTime::now_utc();
    ResourceRecord {
        account_id: account_id.to_string(),
        resource_type: ResourceType::Account.as_str().to_string(),
        id: ACCOUNT_DOCUMENT_ID.to_string(),
        name: None,
        parent_id: None,
        document,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::DescribeAccountAttributesRequest;
    use serde_json::json;

    use super::*;
    use crate::sms_voice_v2::testing::test_core;

    fn request() -> DescribeAccountAttributesRequest {
        DescribeAccountAttributesRequest { max_results: None, next_token: None }
    }

    #[tokio::test]
    async fn accounts_start_sandboxed_and_the_operator_moves_them() {
        let (core, ctx) = test_core().await;
        let attributes = core.sms_describe_account_attributes(&ctx, request()).await.expect("describe");
        let attributes = attributes.account_attributes.expect("attributes");
        assert_eq!(attributes.len(), 1);
        assert_eq!(
            (attributes[0].name, attributes[0].value.as_str()),
            (AccountAttributeName::AccountTier, "SANDBOXED")
        );

        core.set_account_tier(&ctx.account_id, true).await.expect("production");
        assert_eq!(core.sms_account_tier(&ctx).await.expect("tier"), AccountTier::Production);
        core.set_account_tier(&ctx.account_id, false).await.expect("back to the sandbox");
        assert_eq!(core.sms_account_tier(&ctx).await.expect("tier"), AccountTier::Sandboxed);
        assert!(core.set_account_tier("not-an-account", true).await.is_err());
    }

    #[tokio::test]
    async fn other_members_survive_and_the_default_protect_configuration_shows() {
        let (core, ctx) = test_core().await;
        // What the protect configuration operations write.
        core.sms_change_account_settings(&ctx.account_id, |members| {
            members.insert("DefaultProtectConfigurationId".into(), json!("protect-0123"));
        })
        .await
        .expect("write");
        core.set_account_tier(&ctx.account_id, true).await.expect("production");
        let settings = core.sms_account_settings(&ctx.account_id).await.expect("settings");
        assert_eq!(settings, json!({"DefaultProtectConfigurationId": "protect-0123", "AccountTier": "PRODUCTION"}));

        let attributes = core.sms_describe_account_attributes(&ctx, request()).await.expect("describe");
        let pairs: Vec<(AccountAttributeName, String)> =
            attributes.account_attributes.expect("attributes").into_iter().map(|a| (a.name, a.value)).collect();
        assert_eq!(
            pairs,
            vec![
                (AccountAttributeName::AccountTier, "PRODUCTION".to_string()),
                (AccountAttributeName::DefaultProtectConfigurationId, "protect-0123".to_string()),
            ]
        );
    }
}
