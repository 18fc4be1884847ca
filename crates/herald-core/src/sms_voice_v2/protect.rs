//! Protect configurations: Create / Delete / Update / Describe, the account default, the
//! association with configuration sets, and the precedence rule a send applies.
//!
//! A protect configuration's document is its `ProtectConfigurationInformation` plus internal
//! members: `CountryRuleSets` and `RuleSetNumberOverrides` (see protect_rules.rs) and
//! `ClientToken`. The account default lives in the "account" document as
//! `DefaultProtectConfigurationId` (DescribeAccountAttributes reads it there); the default's own
//! `AccountDefault` flag is written in the same atomic write, so the two never disagree.
//! Associating with a configuration set, or changing the default, rewrites the protect
//! configuration's record too, so a racing DeleteProtectConfiguration fails instead of leaving
//! a dangling reference.

use herald_api::sms_voice_v2::types::{
    AssociateProtectConfigurationRequest, AssociateProtectConfigurationResult, ConfigurationSetInformation,
    ConflictExceptionReason, CreateProtectConfigurationRequest, CreateProtectConfigurationResult,
    DeleteAccountDefaultProtectConfigurationRequest, DeleteAccountDefaultProtectConfigurationResult,
    DeleteProtectConfigurationRequest, DeleteProtectConfigurationResult, DescribeProtectConfigurationsRequest,
    DescribeProtectConfigurationsResult, DisassociateProtectConfigurationRequest,
    DisassociateProtectConfigurationResult, ProtectConfigurationInformation, ResourceType,
    ServiceQuotaExceededExceptionReason, SetAccountDefaultProtectConfigurationRequest,
    SetAccountDefaultProtectConfigurationResult, UpdateProtectConfigurationRequest, UpdateProtectConfigurationResult,
    ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord, StoreError};
use serde_json::{Value, json};

use super::configuration_sets::{MAX_LOOKUPS, check_tags, from_document, members, now_seconds, same_request};
use super::errors::{conflict, deletion_protected, internal, not_found, quota, validation};
use super::ids::{arn, id_or_arn, new_id};
use super::listing::{Filter, filter, page};
use super::resources::{create, delete, deletion_protected as protection_on, new_record, update};
use crate::Core;

/// The id of the account-wide settings document.
pub(super) const ACCOUNT_ID: &str = "account";
/// The account document's member naming the default protect configuration.
pub(super) const DEFAULT_MEMBER: &str = "DefaultProtectConfigurationId";
/// How often an account default change is retried after losing a race on the account document.
const WRITE_ATTEMPTS: usize = 5;

/// The id in the account document, if a default is set.
fn default_id(account: Option<&ResourceRecord>) -> Option<&str> {
    account.and_then(|a| a.document.get(DEFAULT_MEMBER)).and_then(Value::as_str)
}

/// The protect configuration's document with `AccountDefault` set to `flag`.
fn with_account_default(record: &ResourceRecord, flag: bool) -> Result<Value, ApiError> {
    let mut document = record.document.clone();
    members(&mut document)?.insert("AccountDefault".into(), json!(flag));
    Ok(document)
}

fn information(record: &ResourceRecord) -> Result<ProtectConfigurationInformation, ApiError> {
    from_document(&record.document)
}

impl Core {
    /// The protect configuration a `ProtectConfigurationIdOrArn` names, or
    /// ResourceNotFoundException.
    pub(crate) async fn sms_protect_configuration(
        &self,
        ctx: &RequestContext,
        id_or_arn_value: &str,
    ) -> Result<ResourceRecord, ApiError> {
        let id = id_or_arn(ctx, id_or_arn_value, ResourceType::ProtectConfiguration)?;
        self.sms_get(ctx, ResourceType::ProtectConfiguration, &id).await
    }

    /// The protect configuration that governs a send, by the guide's precedence: the one the
    /// request names, else the configuration set's, else the account default, else none.
    /// A named protect configuration or configuration set that does not exist is
    /// ResourceNotFoundException.
    #[allow(dead_code, reason = "the sending engine (a later issue) calls it")]
    pub(crate) async fn effective_protect_configuration(
        &self,
        ctx: &RequestContext,
        request_protect_id: Option<&str>,
        configuration_set: Option<&str>,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        if let Some(id) = request_protect_id {
            return self.sms_protect_configuration(ctx, id).await.map(Some);
        }
        let set = match configuration_set {
            Some(name) => Some(self.sms_configuration_set(ctx, name).await?),
            None => None,
        };
        let account = self.sms_account_settings(&ctx.account_id).await?;
        self.governing_protect_configuration(ctx, None, set.as_ref(), &account).await
    }

    /// [`Self::effective_protect_configuration`] over a configuration set and account settings
    /// document the caller has already read.
    pub(crate) async fn governing_protect_configuration(
        &self,
        ctx: &RequestContext,
        request_protect_id: Option<&str>,
        configuration_set: Option<&ResourceRecord>,
        account: &Value,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        if let Some(id) = request_protect_id {
            return self.sms_protect_configuration(ctx, id).await.map(Some);
        }
        if let Some(id) =
            configuration_set.and_then(|set| set.document.get("ProtectConfigurationId")).and_then(Value::as_str)
        {
            return self.sms_find(ctx, ResourceType::ProtectConfiguration, id).await;
        }
        match account.get(DEFAULT_MEMBER).and_then(Value::as_str) {
            Some(id) => self.sms_find(ctx, ResourceType::ProtectConfiguration, id).await,
            None => Ok(None),
        }
    }

    pub(crate) async fn sms_create_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: CreateProtectConfigurationRequest,
    ) -> Result<CreateProtectConfigurationResult, ApiError> {
        let tags = input.tags.unwrap_or_default();
        check_tags(&tags)?;
        let existing = self.sms_list(ctx, ResourceType::ProtectConfiguration, None).await?;
        if let Some(repeat) = existing.iter().find(|record| same_request(record, input.client_token.as_deref())) {
            let info = information(repeat)?;
            let tags = self.sms_tags(ctx, ResourceType::ProtectConfiguration, &repeat.id).await?;
            return Ok(CreateProtectConfigurationResult {
                account_default: info.account_default,
                created_timestamp: info.created_timestamp,
                deletion_protection_enabled: info.deletion_protection_enabled,
                protect_configuration_arn: info.protect_configuration_arn,
                protect_configuration_id: info.protect_configuration_id,
                tags: Some(tags),
            });
        }
        let limit = self.sms_quotas.protect_configurations;
        if existing.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::ProtectConfigurationsPerAccount,
                format!("An account can have at most {limit} protect configurations"),
            ));
        }
        let id = new_id("protect");
        // Every country starts as ALLOW, which is what an empty CountryRuleSets means.
        let mut document = json!({
            "ProtectConfigurationArn": arn(ctx, ResourceType::ProtectConfiguration, &id),
            "ProtectConfigurationId": id,
            "CreatedTimestamp": now_seconds(),
            "AccountDefault": false,
            "DeletionProtectionEnabled": input.deletion_protection_enabled.unwrap_or(false),
            "CountryRuleSets": {},
            "RuleSetNumberOverrides": {},
        });
        if let Some(token) = &input.client_token {
            members(&mut document)?.insert("ClientToken".into(), json!(token));
        }
        let record = new_record(ctx, ResourceType::ProtectConfiguration, &id, None, None, document);
        self.sms_write(&[create(record.clone())], (ResourceType::ProtectConfiguration, &id)).await?;
        if let Err(error) = self.sms_tag(ctx, ResourceType::ProtectConfiguration, &id, &tags).await {
            // Leave nothing behind a create that answers an error.
            let _ = self.sms_write(&[delete(&record)], (ResourceType::ProtectConfiguration, &id)).await;
            return Err(error);
        }
        let info = information(&record)?;
        Ok(CreateProtectConfigurationResult {
            account_default: info.account_default,
            created_timestamp: info.created_timestamp,
            deletion_protection_enabled: info.deletion_protection_enabled,
            protect_configuration_arn: info.protect_configuration_arn,
            protect_configuration_id: info.protect_configuration_id,
            tags: Some(tags),
        })
    }

    /// Refuses while deletion protection is on, while it is the account default, or while a
    /// configuration set uses it.
    pub(crate) async fn sms_delete_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: DeleteProtectConfigurationRequest,
    ) -> Result<DeleteProtectConfigurationResult, ApiError> {
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let info = information(&record)?;
        let id = record.id.as_str();
        if protection_on(&record.document) {
            return Err(deletion_protected(ResourceType::ProtectConfiguration, id));
        }
        if info.account_default {
            return Err(conflict(
                ConflictExceptionReason::ProtectConfigurationIsAccountDefault,
                ResourceType::ProtectConfiguration,
                id,
                format!("The protect configuration {id} is the account default; remove it as the default first"),
            ));
        }
        let sets = self.sms_list(ctx, ResourceType::ConfigurationSet, None).await?;
        if let Some(set) = sets.iter().find(|set| associated(set, id)) {
            return Err(conflict(
                ConflictExceptionReason::ProtectConfigurationAssociatedWithConfigurationSet,
                ResourceType::ProtectConfiguration,
                id,
                format!("The protect configuration {id} is associated with the configuration set {}", set.id),
            ));
        }
        self.sms_write(&[delete(&record)], (ResourceType::ProtectConfiguration, id)).await?;
        self.sms_drop_tags(ctx, ResourceType::ProtectConfiguration, id).await?;
        Ok(DeleteProtectConfigurationResult {
            account_default: info.account_default,
            created_timestamp: info.created_timestamp,
            deletion_protection_enabled: info.deletion_protection_enabled,
            protect_configuration_arn: info.protect_configuration_arn,
            protect_configuration_id: info.protect_configuration_id,
        })
    }

    pub(crate) async fn sms_update_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: UpdateProtectConfigurationRequest,
    ) -> Result<UpdateProtectConfigurationResult, ApiError> {
        let mut record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        if let Some(enabled) = input.deletion_protection_enabled {
            let mut document = record.document.clone();
            members(&mut document)?.insert("DeletionProtectionEnabled".into(), json!(enabled));
            self.sms_write(&[update(&record, document.clone())], (ResourceType::ProtectConfiguration, &record.id))
                .await?;
            record.document = document;
        }
        let info = information(&record)?;
        Ok(UpdateProtectConfigurationResult {
            account_default: info.account_default,
            created_timestamp: info.created_timestamp,
            deletion_protection_enabled: info.deletion_protection_enabled,
            protect_configuration_arn: info.protect_configuration_arn,
            protect_configuration_id: info.protect_configuration_id,
        })
    }

    pub(crate) async fn sms_describe_protect_configurations(
        &self,
        ctx: &RequestContext,
        input: DescribeProtectConfigurationsRequest,
    ) -> Result<DescribeProtectConfigurationsResult, ApiError> {
        let ids = input.protect_configuration_ids.unwrap_or_default();
        if ids.len() > MAX_LOOKUPS {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!("At most {MAX_LOOKUPS} protect configuration ids can be given"),
                &[("ProtectConfigurationIds", "too many values")],
            ));
        }
        let records = if ids.is_empty() {
            self.sms_list(ctx, ResourceType::ProtectConfiguration, None).await?
        } else {
            let mut records: Vec<ResourceRecord> = Vec::with_capacity(ids.len());
            for id in &ids {
                let record = self.sms_protect_configuration(ctx, id).await?;
                if !records.iter().any(|r| r.id == record.id) {
                    records.push(record);
                }
            }
            records
        };
        let documents: Vec<Value> = records.into_iter().map(|record| record.document).collect();
        let filters = input.filters.unwrap_or_default();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let fields =
            [("account-default", "AccountDefault"), ("deletion-protection-enabled", "DeletionProtectionEnabled")];
        let kept = filter(documents, &filters, &fields)?;
        let (kept, next_token) = page(kept, input.max_results, input.next_token.as_deref())?;
        let protect_configurations =
            kept.iter().map(from_document::<ProtectConfigurationInformation>).collect::<Result<Vec<_>, _>>()?;
        Ok(DescribeProtectConfigurationsResult { protect_configurations: Some(protect_configurations), next_token })
    }

    /// Points the account default at `id`, or clears it, flipping the `AccountDefault` flags in
    /// the same write. Answers the previous default's id. The account document is shared with
    /// unrelated settings, so a lost race there is retried rather than reported.
    async fn sms_replace_account_default(
        &self,
        ctx: &RequestContext,
        id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        for _ in 0..WRITE_ATTEMPTS {
            let account = self.sms_find(ctx, ResourceType::Account, ACCOUNT_ID).await?;
            let previous = default_id(account.as_ref()).map(str::to_owned);
            let mut document = account.as_ref().map(|a| a.document.clone()).unwrap_or_else(|| json!({}));
            match id {
                Some(id) => {
                    members(&mut document)?.insert(DEFAULT_MEMBER.into(), json!(id));
                }
                None => {
                    members(&mut document)?.remove(DEFAULT_MEMBER);
                }
            }
            let mut changes: Vec<ResourceChange> = vec![match &account {
                Some(account) => update(account, document),
                None => create(new_record(ctx, ResourceType::Account, ACCOUNT_ID, None, None, document)),
            }];
            if let Some(previous) = previous.as_deref().filter(|p| Some(*p) != id)
                && let Some(old) = self.sms_find(ctx, ResourceType::ProtectConfiguration, previous).await?
            {
                changes.push(update(&old, with_account_default(&old, false)?));
            }
            if let Some(id) = id {
                let record = self.sms_get(ctx, ResourceType::ProtectConfiguration, id).await?;
                changes.push(update(&record, with_account_default(&record, true)?));
            }
            match self.store.write_resources(&changes).await {
                Ok(()) => return Ok(previous),
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(internal(error)),
            }
        }
        Err(conflict(
            ConflictExceptionReason::ResourceModificationNotAllowed,
            ResourceType::Account,
            ACCOUNT_ID,
            "The account default protect configuration is being changed by other requests; try again",
        ))
    }

    /// Makes it the account default, replacing any other.
    pub(crate) async fn sms_set_account_default_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: SetAccountDefaultProtectConfigurationRequest,
    ) -> Result<SetAccountDefaultProtectConfigurationResult, ApiError> {
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        self.sms_replace_account_default(ctx, Some(&record.id)).await?;
        let info = information(&record)?;
        Ok(SetAccountDefaultProtectConfigurationResult {
            default_protect_configuration_arn: info.protect_configuration_arn,
            default_protect_configuration_id: info.protect_configuration_id,
        })
    }

    /// Clears the account default and answers the one it cleared; ResourceNotFoundException
    /// when there is none.
    pub(crate) async fn sms_delete_account_default_protect_configuration(
        &self,
        ctx: &RequestContext,
        _input: DeleteAccountDefaultProtectConfigurationRequest,
    ) -> Result<DeleteAccountDefaultProtectConfigurationResult, ApiError> {
        let account = self.sms_find(ctx, ResourceType::Account, ACCOUNT_ID).await?;
        if default_id(account.as_ref()).is_none() {
            return Err(no_default());
        }
        let Some(id) = self.sms_replace_account_default(ctx, None).await? else {
            // Another request cleared it between the read and the write.
            return Err(no_default());
        };
        Ok(DeleteAccountDefaultProtectConfigurationResult {
            default_protect_configuration_arn: arn(ctx, ResourceType::ProtectConfiguration, &id),
            default_protect_configuration_id: id,
        })
    }

    /// Sets the configuration set's protect configuration, replacing any other. The account
    /// default is not associated with sets: it already applies to every send.
    pub(crate) async fn sms_associate_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: AssociateProtectConfigurationRequest,
    ) -> Result<AssociateProtectConfigurationResult, ApiError> {
        let protect = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let set = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        let info = information(&protect)?;
        if info.account_default {
            return Err(conflict(
                ConflictExceptionReason::ProtectConfigurationIsAccountDefault,
                ResourceType::ProtectConfiguration,
                &protect.id,
                format!("The protect configuration {} is the account default", protect.id),
            ));
        }
        if !associated(&set, &protect.id) {
            let mut document = set.document.clone();
            members(&mut document)?.insert("ProtectConfigurationId".into(), json!(protect.id));
            // Rewriting the protect configuration unchanged moves its version, so a delete
            // that checked for associations before this write fails rather than succeeds.
            let changes = [update(&set, document), update(&protect, protect.document.clone())];
            self.sms_write(&changes, (ResourceType::ConfigurationSet, &set.id)).await?;
        }
        let set_info: ConfigurationSetInformation = from_document(&set.document)?;
        Ok(AssociateProtectConfigurationResult {
            configuration_set_arn: set_info.configuration_set_arn,
            configuration_set_name: set_info.configuration_set_name,
            protect_configuration_arn: info.protect_configuration_arn,
            protect_configuration_id: info.protect_configuration_id,
        })
    }

    pub(crate) async fn sms_disassociate_protect_configuration(
        &self,
        ctx: &RequestContext,
        input: DisassociateProtectConfigurationRequest,
    ) -> Result<DisassociateProtectConfigurationResult, ApiError> {
        let protect = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let set = self.sms_configuration_set(ctx, &input.configuration_set_name).await?;
        if !associated(&set, &protect.id) {
            return Err(conflict(
                ConflictExceptionReason::ProtectConfigurationNotAssociatedWithConfigurationSet,
                ResourceType::ProtectConfiguration,
                &protect.id,
                format!(
                    "The protect configuration {} is not associated with the configuration set {}",
                    protect.id, set.id
                ),
            ));
        }
        let mut document = set.document.clone();
        members(&mut document)?.remove("ProtectConfigurationId");
        self.sms_write(&[update(&set, document)], (ResourceType::ConfigurationSet, &set.id)).await?;
        let info = information(&protect)?;
        let set_info: ConfigurationSetInformation = from_document(&set.document)?;
        Ok(DisassociateProtectConfigurationResult {
            configuration_set_arn: set_info.configuration_set_arn,
            configuration_set_name: set_info.configuration_set_name,
            protect_configuration_arn: info.protect_configuration_arn,
            protect_configuration_id: info.protect_configuration_id,
        })
    }
}

/// There is no account default to remove.
fn no_default() -> ApiError {
    not_found(ResourceType::ProtectConfiguration, "account-default")
}

/// Whether a configuration set uses the protect configuration `id`.
fn associated(set: &ResourceRecord, id: &str) -> bool {
    set.document.get("ProtectConfigurationId").and_then(Value::as_str) == Some(id)
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::CreateConfigurationSetRequest;

    use super::*;
    use crate::sms_voice_v2::testing::test_core;

    fn create_request() -> CreateProtectConfigurationRequest {
        CreateProtectConfigurationRequest { client_token: None, deletion_protection_enabled: None, tags: None }
    }

    /// The id `effective_protect_configuration` picks, if any.
    async fn effective(core: &Core, ctx: &RequestContext, request: Option<&str>, set: Option<&str>) -> Option<String> {
        core.effective_protect_configuration(ctx, request, set).await.expect("effective").map(|record| record.id)
    }

    #[tokio::test]
    async fn request_beats_configuration_set_beats_account_default() {
        let (core, ctx) = test_core().await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            let created = core.sms_create_protect_configuration(&ctx, create_request()).await.expect("create");
            ids.push(created.protect_configuration_id);
        }
        let [request, of_set, default] = [&ids[0], &ids[1], &ids[2]];
        for name in ["guarded", "plain"] {
            let input =
                CreateConfigurationSetRequest { configuration_set_name: name.into(), tags: None, client_token: None };
            core.sms_create_configuration_set(&ctx, input).await.expect("create set");
        }
        core.sms_associate_protect_configuration(
            &ctx,
            AssociateProtectConfigurationRequest {
                protect_configuration_id: of_set.clone(),
                configuration_set_name: "guarded".into(),
            },
        )
        .await
        .expect("associate");

        // Nothing set anywhere: no filtering at all.
        assert_eq!(effective(&core, &ctx, None, Some("plain")).await, None);
        core.sms_set_account_default_protect_configuration(
            &ctx,
            SetAccountDefaultProtectConfigurationRequest { protect_configuration_id: default.clone() },
        )
        .await
        .expect("set default");

        assert_eq!(effective(&core, &ctx, Some(request), Some("guarded")).await.as_ref(), Some(request));
        assert_eq!(effective(&core, &ctx, None, Some("guarded")).await.as_ref(), Some(of_set));
        assert_eq!(effective(&core, &ctx, None, Some("plain")).await.as_ref(), Some(default));
        assert_eq!(effective(&core, &ctx, None, None).await.as_ref(), Some(default));
        let arn = arn(&ctx, ResourceType::ProtectConfiguration, request);
        assert_eq!(effective(&core, &ctx, Some(&arn), None).await.as_ref(), Some(request));

        // Names that do not exist are errors, not "no protection".
        assert!(core.effective_protect_configuration(&ctx, Some("protect-missing"), None).await.is_err());
        assert!(core.effective_protect_configuration(&ctx, None, Some("missing")).await.is_err());
    }

    #[tokio::test]
    async fn the_default_lives_in_the_account_document() {
        let (core, ctx) = test_core().await;
        let first = core.sms_create_protect_configuration(&ctx, create_request()).await.expect("create");
        let second = core.sms_create_protect_configuration(&ctx, create_request()).await.expect("create");
        for id in [&first.protect_configuration_id, &second.protect_configuration_id] {
            core.sms_set_account_default_protect_configuration(
                &ctx,
                SetAccountDefaultProtectConfigurationRequest { protect_configuration_id: id.clone() },
            )
            .await
            .expect("set default");
        }
        let account = core.sms_get(&ctx, ResourceType::Account, ACCOUNT_ID).await.expect("account document");
        assert_eq!(account.document[DEFAULT_MEMBER], json!(second.protect_configuration_id));
        let flags = |id: &str| {
            let core = &core;
            let ctx = &ctx;
            let id = id.to_string();
            async move {
                let record = core.sms_get(ctx, ResourceType::ProtectConfiguration, &id).await.expect("get");
                record.document["AccountDefault"].clone()
            }
        };
        assert_eq!(flags(&first.protect_configuration_id).await, json!(false));
        assert_eq!(flags(&second.protect_configuration_id).await, json!(true));

        let cleared = core
            .sms_delete_account_default_protect_configuration(&ctx, DeleteAccountDefaultProtectConfigurationRequest {})
            .await
            .expect("delete default");
        assert_eq!(cleared.default_protect_configuration_id, second.protect_configuration_id);
        assert_eq!(flags(&second.protect_configuration_id).await, json!(false));
        let account = core.sms_get(&ctx, ResourceType::Account, ACCOUNT_ID).await.expect("account document");
        assert!(account.document.get(DEFAULT_MEMBER).is_none());
        assert!(
            core.sms_delete_account_default_protect_configuration(
                &ctx,
                DeleteAccountDefaultProtectConfigurationRequest {}
            )
            .await
            .is_err()
        );
    }
}
