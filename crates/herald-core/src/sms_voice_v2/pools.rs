//! Pools: CreatePool, DeletePool, UpdatePool, DescribePools, AssociateOriginationIdentity,
//! DisassociateOriginationIdentity and ListPoolOriginationIdentities.
//!
//! A pool is a "pool" resource (id `pool-…`, document = PoolInformation, with the internal
//! `ClientToken` of the request that created it). Membership lives on the identities: a phone
//! number's `PoolId`, a sender id's internal `PoolIds` list. Every membership change is written
//! together with a new version of the pool, so two concurrent changes to one pool can't both
//! pass the checks (the last identity can't leave, at most 100 identities).

use herald_api::sms_voice_v2::types::{
    AssociateOriginationIdentityRequest, AssociateOriginationIdentityResult, ConflictExceptionReason,
    CreatePoolRequest, CreatePoolResult, DeletePoolRequest, DeletePoolResult, DescribePoolsRequest,
    DescribePoolsResult, DisassociateOriginationIdentityRequest, DisassociateOriginationIdentityResult,
    ListPoolOriginationIdentitiesRequest, ListPoolOriginationIdentitiesResult, MessageType, NumberStatus,
    OriginationIdentityMetadata, Owner, PoolFilterName, PoolInformation, PoolStatus, ResourceType,
    ServiceQuotaExceededExceptionReason, Tag, UpdatePoolRequest, UpdatePoolResult, ValidationExceptionReason,
};
use herald_proto::wire::EpochSeconds;
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, deletion_protected, internal, invalid, quota, validation};
use super::identities::Identity;
use super::ids::{arn, id_or_arn, new_id};
use super::keywords::{copy_keywords, default_keywords};
use super::listing::{Filter, check_describe, check_filter_count, filtered_page};
use super::opt_out_lists::DEFAULT_OPT_OUT_LIST;
use super::resources::{create, delete, deletion_protected as is_protected, new_record, update};
use crate::Core;

/// A repeated request with the same ClientToken within this time answers the first result.
const CLIENT_TOKEN_LIFETIME: Duration = Duration::hours(24);

const MAX_TAGS_PER_CALL: usize = 200;

/// What pools and their members can be.
const MEMBER_KINDS: [ResourceType; 2] = [ResourceType::PhoneNumber, ResourceType::SenderId];

/// Now, to the second: documents hold whole epoch seconds.
pub(crate) fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Whether `record` was created by a request with this ClientToken less than 24 hours ago.
pub(crate) fn recent_token(record: &ResourceRecord, token: Option<&str>) -> bool {
    let Some(token) = token else { return false };
    record.document.get("ClientToken").and_then(Value::as_str) == Some(token)
        && OffsetDateTime::now_utc() - record.created_at < CLIENT_TOKEN_LIFETIME
}

/// Tags given at creation: at most 200, keys 1 to 128 characters and not `aws:`, values at most
/// 256 characters.
pub(crate) fn check_tags(tags: &[Tag]) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS_PER_CALL {
        return Err(invalid("Tags", "can hold at most 200 tags"));
    }
    for tag in tags {
        if tag.key.is_empty() || tag.key.chars().count() > 128 || tag.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid("Tags", "keys must be 1 to 128 characters and not start with aws:"));
        }
        if tag.value.chars().count() > 256 {
            return Err(invalid("Tags", "values must be at most 256 characters"));
        }
    }
    Ok(())
}

fn information(record: &ResourceRecord) -> Result<PoolInformation, ApiError> {
    serde_json::from_value(record.document.clone()).map_err(internal)
}

fn text<'a>(document: &'a Value, member: &str) -> Option<&'a str> {
    document.get(member).and_then(Value::as_str)
}

fn flag(document: &Value, member: &str) -> bool {
    document.get(member).and_then(Value::as_bool).unwrap_or(false)
}

fn not_active(kind: ResourceType, id: &str) -> ApiError {
    conflict(ConflictExceptionReason::ResourceNotActive, kind, id, format!("The {kind} {id} is not active"))
}

/// The identity's document with it added to or removed from the pool.
fn membership_change(identity: &Identity, pool_id: &str, join: bool) -> ResourceChange {
    let mut document = identity.record.document.clone();
    match identity.kind {
        ResourceType::PhoneNumber => {
            if join {
                document["PoolId"] = json!(pool_id);
            } else if let Some(members) = document.as_object_mut() {
                members.remove("PoolId");
            }
        }
        _ => {
            let mut pools = identity.pool_ids();
            pools.retain(|p| p != pool_id);
            if join {
                pools.push(pool_id.to_string());
            }
            document["PoolIds"] = json!(pools);
        }
    }
    update(&identity.record, document)
}

/// The identity's country must be the one the request gives, if it gives one.
fn check_country(identity: &Identity, iso_country_code: Option<&str>) -> Result<(), ApiError> {
    match (iso_country_code, identity.iso_country_code()) {
        (Some(asked), Some(actual)) if !asked.eq_ignore_ascii_case(actual) => Err(validation(
            ValidationExceptionReason::CountryCodeMismatch,
            format!("{} is in {actual}, not {asked}", identity.wire_id()),
            &[("IsoCountryCode", "doesn't match the origination identity")],
        )),
        _ => Ok(()),
    }
}

/// A phone number must be active to join a pool, and can be in one pool at most.
fn check_joinable(identity: &Identity, pool_id: Option<&str>) -> Result<(), ApiError> {
    if identity.kind != ResourceType::PhoneNumber {
        if pool_id.is_some_and(|p| identity.in_pool(p)) {
            return Err(already_associated(identity, pool_id.unwrap_or_default()));
        }
        return Ok(());
    }
    if let Some(current) = identity.pool_ids().first() {
        if Some(current.as_str()) == pool_id {
            return Err(already_associated(identity, current));
        }
        return Err(conflict(
            ConflictExceptionReason::PhoneNumberAssociatedToPool,
            ResourceType::PhoneNumber,
            identity.wire_id(),
            format!("The phone number {} is already in the pool {current}", identity.wire_id()),
        ));
    }
    let status = text(&identity.record.document, "Status");
    if status != Some(NumberStatus::Active.as_str()) {
        return Err(not_active(ResourceType::PhoneNumber, &identity.wire_id()));
    }
    Ok(())
}

fn already_associated(identity: &Identity, pool_id: &str) -> ApiError {
    conflict(
        ConflictExceptionReason::ResourceAlreadyAssociated,
        identity.kind,
        identity.wire_id(),
        format!("The {} {} is already in the pool {pool_id}", identity.kind, identity.wire_id()),
    )
}

/// Whether an identity's message types allow the pool's.
fn carries_message_type(identity: &Identity, message_type: MessageType) -> bool {
    let document = &identity.record.document;
    match identity.kind {
        ResourceType::SenderId => document
            .get("MessageTypes")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(message_type.as_str()))),
        _ => text(document, "MessageType") == Some(message_type.as_str()),
    }
}

fn mismatch(reason: ConflictExceptionReason, identity: &Identity, what: &str) -> ApiError {
    conflict(
        reason,
        identity.kind,
        identity.wire_id(),
        format!("The {} {} doesn't match the pool's {what}", identity.kind, identity.wire_id()),
    )
}

/// A new member must match the pool: message type always; for phone numbers also the opt-out
/// list, two-way configuration, self-managed opt-outs, and the capabilities of the numbers
/// already in it. Sender ids carry no opt-out list or two-way setting of their own.
fn check_matches(pool: &Value, identity: &Identity, members: &[Identity]) -> Result<(), ApiError> {
    let message_type = match text(pool, "MessageType") {
        Some("PROMOTIONAL") => MessageType::Promotional,
        _ => MessageType::Transactional,
    };
    if !carries_message_type(identity, message_type) {
        return Err(mismatch(ConflictExceptionReason::MessageTypeMismatch, identity, "message type"));
    }
    if identity.kind != ResourceType::PhoneNumber {
        return Ok(());
    }
    let capabilities = |i: &Identity| {
        let mut caps: Vec<&str> = i.capabilities().iter().map(|c| c.as_str()).collect();
        caps.sort_unstable();
        caps
    };
    if let Some(number) = members.iter().find(|m| m.kind == ResourceType::PhoneNumber)
        && capabilities(number) != capabilities(identity)
    {
        return Err(mismatch(ConflictExceptionReason::NumberCapabilitiesMismatch, identity, "number capabilities"));
    }
    if text(pool, "OptOutListName").unwrap_or(DEFAULT_OPT_OUT_LIST) != identity.opt_out_list_name() {
        return Err(mismatch(ConflictExceptionReason::OptOutListMismatch, identity, "opt-out list"));
    }
    let pool_two_way = flag(pool, "TwoWayEnabled");
    if pool_two_way != identity.two_way_enabled()
        || (pool_two_way && text(pool, "TwoWayChannelArn") != identity.two_way_channel_arn())
    {
        return Err(mismatch(ConflictExceptionReason::TwoWayConfigMismatch, identity, "two-way configuration"));
    }
    if flag(pool, "SelfManagedOptOutsEnabled") != identity.self_managed_opt_outs() {
        return Err(mismatch(ConflictExceptionReason::SelfManagedOptOutsMismatch, identity, "self-managed opt-outs"));
    }
    Ok(())
}

/// TwoWayChannelArn: 20 to 2048 characters without whitespace.
fn check_channel_arn(value: &str) -> Result<(), ApiError> {
    let length = value.chars().count();
    if !(20..=2048).contains(&length) || value.chars().any(char::is_whitespace) {
        return Err(invalid("TwoWayChannelArn", "must be 20 to 2048 characters without whitespace"));
    }
    Ok(())
}

/// TwoWayChannelRole: an IAM role ARN, 20 to 2048 characters.
fn check_channel_role(value: &str) -> Result<(), ApiError> {
    let length = value.chars().count();
    if !(20..=2048).contains(&length) || !value.starts_with("arn:") || value.chars().any(char::is_whitespace) {
        return Err(invalid("TwoWayChannelRole", "must be a role ARN of 20 to 2048 characters"));
    }
    Ok(())
}

fn metadata(identity: &Identity) -> Value {
    let metadata = OriginationIdentityMetadata {
        iso_country_code: identity.iso_country_code().unwrap_or_default().to_string(),
        number_capabilities: identity.capabilities(),
        origination_identity: identity.wire_id(),
        origination_identity_arn: identity.arn(),
        phone_number: identity.phone_number().map(str::to_owned),
    };
    serde_json::to_value(metadata).unwrap_or(Value::Null)
}

impl Core {
    async fn sms_pool(&self, ctx: &RequestContext, pool_id_or_arn: &str) -> Result<ResourceRecord, ApiError> {
        let id = id_or_arn(ctx, pool_id_or_arn, ResourceType::Pool)?;
        self.sms_get(ctx, ResourceType::Pool, &id).await
    }

    /// Creates a pool from one phone number or sender id. The pool takes the identity's message
    /// type, opt-out list, two-way and self-managed opt-out settings and copies its keywords
    /// (a sender id has none, so its pool gets the default set); deletion protection starts off
    /// unless asked for.
    pub(crate) async fn sms_create_pool(
        &self,
        ctx: &RequestContext,
        input: CreatePoolRequest,
    ) -> Result<CreatePoolResult, ApiError> {
        let tags = input.tags.clone().unwrap_or_default();
        check_tags(&tags)?;
        let token = input.client_token.as_deref();
        if token.is_some() {
            let pools = self.sms_list(ctx, ResourceType::Pool, None).await?;
            if let Some(existing) = pools.iter().find(|pool| recent_token(pool, token)) {
                return self.sms_created_pool(ctx, existing).await;
            }
        }
        let iso_country_code = input.iso_country_code.as_deref();
        let identity =
            self.sms_resolve_identity(ctx, &input.origination_identity, iso_country_code, &MEMBER_KINDS).await?;
        check_country(&identity, iso_country_code)?;
        check_joinable(&identity, None)?;
        if !carries_message_type(&identity, input.message_type) {
            return Err(mismatch(ConflictExceptionReason::MessageTypeMismatch, &identity, "message type"));
        }
        let limit = self.sms_quotas.pools;
        if self.sms_count(ctx, ResourceType::Pool).await? >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::PoolsPerAccount,
                format!("An account can have at most {limit} pools"),
            ));
        }
        let opt_out_list = identity.opt_out_list_name().to_string();
        if opt_out_list == DEFAULT_OPT_OUT_LIST {
            self.sms_default_opt_out_list(ctx).await?;
        }

        let pool_id = new_id("pool");
        let pool = PoolInformation {
            created_timestamp: EpochSeconds(now_seconds()),
            deletion_protection_enabled: input.deletion_protection_enabled.unwrap_or(false),
            message_type: input.message_type,
            opt_out_list_name: opt_out_list,
            pool_arn: arn(ctx, ResourceType::Pool, &pool_id),
            pool_id: pool_id.clone(),
            self_managed_opt_outs_enabled: identity.self_managed_opt_outs(),
            shared_routes_enabled: false,
            status: PoolStatus::Active,
            two_way_channel_arn: identity.two_way_channel_arn().map(str::to_owned),
            two_way_channel_role: text(&identity.record.document, "TwoWayChannelRole").map(str::to_owned),
            two_way_enabled: identity.two_way_enabled(),
        };
        let mut document = serde_json::to_value(&pool).map_err(internal)?;
        if let Some(token) = token {
            document["ClientToken"] = json!(token);
        }
        let record = new_record(ctx, ResourceType::Pool, &pool_id, None, None, document);

        let inherited = match identity.kind {
            ResourceType::PhoneNumber => self.sms_keywords_of(ctx, &identity.record.id).await?,
            _ => Vec::new(),
        };
        let keywords = if inherited.is_empty() {
            default_keywords(ctx, &pool_id, false)
        } else {
            copy_keywords(ctx, &pool_id, &inherited)
        };
        let mut changes = vec![create(record.clone()), membership_change(&identity, &pool_id, true)];
        changes.extend(keywords.into_iter().map(create));
        self.sms_write(&changes, (ResourceType::Pool, &pool_id)).await?;
        self.sms_tag(ctx, ResourceType::Pool, &pool_id, &tags).await?;
        self.sms_created_pool(ctx, &record).await
    }

    async fn sms_created_pool(
        &self,
        ctx: &RequestContext,
        record: &ResourceRecord,
    ) -> Result<CreatePoolResult, ApiError> {
        let pool = information(record)?;
        let tags = self.sms_tags(ctx, ResourceType::Pool, &record.id).await?;
        Ok(CreatePoolResult {
            created_timestamp: Some(pool.created_timestamp),
            deletion_protection_enabled: Some(pool.deletion_protection_enabled),
            message_type: Some(pool.message_type),
            opt_out_list_name: Some(pool.opt_out_list_name),
            pool_arn: Some(pool.pool_arn),
            pool_id: Some(pool.pool_id),
            self_managed_opt_outs_enabled: Some(pool.self_managed_opt_outs_enabled),
            shared_routes_enabled: Some(pool.shared_routes_enabled),
            status: Some(pool.status),
            tags: Some(tags),
            two_way_channel_arn: pool.two_way_channel_arn,
            two_way_channel_role: pool.two_way_channel_role,
            two_way_enabled: Some(pool.two_way_enabled),
        })
    }

    /// Deletes a pool: its identities leave it (they stay in the account) and its keywords go.
    pub(crate) async fn sms_delete_pool(
        &self,
        ctx: &RequestContext,
        input: DeletePoolRequest,
    ) -> Result<DeletePoolResult, ApiError> {
        let record = self.sms_pool(ctx, &input.pool_id).await?;
        if is_protected(&record.document) {
            return Err(deletion_protected(ResourceType::Pool, &record.id));
        }
        if text(&record.document, "Status") != Some(PoolStatus::Active.as_str()) {
            return Err(not_active(ResourceType::Pool, &record.id));
        }
        let mut changes: Vec<ResourceChange> = self
            .sms_pool_members(ctx, &record.id)
            .await?
            .iter()
            .map(|identity| membership_change(identity, &record.id, false))
            .collect();
        changes.extend(self.sms_keywords_of(ctx, &record.id).await?.iter().map(delete));
        changes.push(delete(&record));
        self.sms_write(&changes, (ResourceType::Pool, &record.id)).await?;
        self.sms_drop_tags(ctx, ResourceType::Pool, &record.id).await?;
        let pool = information(&record)?;
        Ok(DeletePoolResult {
            created_timestamp: Some(pool.created_timestamp),
            message_type: Some(pool.message_type),
            opt_out_list_name: Some(pool.opt_out_list_name),
            pool_arn: Some(pool.pool_arn),
            pool_id: Some(pool.pool_id),
            self_managed_opt_outs_enabled: Some(pool.self_managed_opt_outs_enabled),
            shared_routes_enabled: Some(pool.shared_routes_enabled),
            status: Some(PoolStatus::Deleting),
            two_way_channel_arn: pool.two_way_channel_arn,
            two_way_channel_role: pool.two_way_channel_role,
            two_way_enabled: Some(pool.two_way_enabled),
        })
    }

    /// Changes the pool's own settings; its members keep theirs (sends through the pool use
    /// the pool's).
    pub(crate) async fn sms_update_pool(
        &self,
        ctx: &RequestContext,
        input: UpdatePoolRequest,
    ) -> Result<UpdatePoolResult, ApiError> {
        if let Some(channel) = &input.two_way_channel_arn {
            check_channel_arn(channel)?;
        }
        if let Some(role) = &input.two_way_channel_role {
            check_channel_role(role)?;
        }
        let record = self.sms_pool(ctx, &input.pool_id).await?;
        let mut document = record.document.clone();
        if let Some(list) = &input.opt_out_list_name {
            let list = self.sms_opt_out_list(ctx, list).await?;
            document["OptOutListName"] = json!(list.id);
        }
        if let Some(channel) = &input.two_way_channel_arn {
            document["TwoWayChannelArn"] = json!(channel);
        }
        if let Some(role) = &input.two_way_channel_role {
            document["TwoWayChannelRole"] = json!(role);
        }
        let settings = [
            ("TwoWayEnabled", input.two_way_enabled),
            ("SelfManagedOptOutsEnabled", input.self_managed_opt_outs_enabled),
            ("SharedRoutesEnabled", input.shared_routes_enabled),
            ("DeletionProtectionEnabled", input.deletion_protection_enabled),
        ];
        for (member, value) in settings {
            if let Some(value) = value {
                document[member] = json!(value);
            }
        }
        let two_way = flag(&document, "TwoWayEnabled");
        if two_way && text(&document, "TwoWayChannelArn").is_none() {
            return Err(validation(
                ValidationExceptionReason::TwoWayChannelNotPresent,
                "Two-way messaging needs a TwoWayChannelArn",
                &[("TwoWayChannelArn", "is required when TwoWayEnabled is true")],
            ));
        }
        // Self-managed opt-outs route HELP and STOP to the two-way channel, so they need it on.
        let turns_on_self_managed =
            input.self_managed_opt_outs_enabled == Some(true) || input.two_way_enabled == Some(false);
        if turns_on_self_managed && flag(&document, "SelfManagedOptOutsEnabled") && !two_way {
            return Err(validation(
                ValidationExceptionReason::TwoWayNotEnabled,
                "Self-managed opt-outs need two-way messaging enabled",
                &[("SelfManagedOptOutsEnabled", "requires TwoWayEnabled")],
            ));
        }
        self.sms_write(&[update(&record, document.clone())], (ResourceType::Pool, &record.id)).await?;
        let pool: PoolInformation = serde_json::from_value(document).map_err(internal)?;
        Ok(UpdatePoolResult {
            created_timestamp: Some(pool.created_timestamp),
            deletion_protection_enabled: Some(pool.deletion_protection_enabled),
            message_type: Some(pool.message_type),
            opt_out_list_name: Some(pool.opt_out_list_name),
            pool_arn: Some(pool.pool_arn),
            pool_id: Some(pool.pool_id),
            self_managed_opt_outs_enabled: Some(pool.self_managed_opt_outs_enabled),
            shared_routes_enabled: Some(pool.shared_routes_enabled),
            status: Some(pool.status),
            two_way_channel_arn: pool.two_way_channel_arn,
            two_way_channel_role: pool.two_way_channel_role,
            two_way_enabled: Some(pool.two_way_enabled),
        })
    }

    pub(crate) async fn sms_describe_pools(
        &self,
        ctx: &RequestContext,
        input: DescribePoolsRequest,
    ) -> Result<DescribePoolsResult, ApiError> {
        let ids = input.pool_ids.unwrap_or_default();
        let filters = input.filters.unwrap_or_default();
        check_describe(input.owner.is_some(), "PoolIds", ids.len(), "pools", filters.len())?;
        // Nothing is shared between accounts here.
        if input.owner == Some(Owner::Shared) {
            return Ok(DescribePoolsResult { next_token: None, pools: Some(Vec::new()) });
        }
        let records = if ids.is_empty() {
            self.sms_list(ctx, ResourceType::Pool, None).await?
        } else {
            let mut records = Vec::with_capacity(ids.len());
            for id in &ids {
                records.push(self.sms_pool(ctx, id).await?);
            }
            records
        };
        let fields: Vec<(&str, &str)> = PoolFilterName::ALL
            .iter()
            .map(|name| {
                let member = match name {
                    PoolFilterName::Status => "Status",
                    PoolFilterName::MessageType => "MessageType",
                    PoolFilterName::TwoWayEnabled => "TwoWayEnabled",
                    PoolFilterName::SelfManagedOptOutsEnabled => "SelfManagedOptOutsEnabled",
                    PoolFilterName::OptOutListName => "OptOutListName",
                    PoolFilterName::SharedRoutesEnabled => "SharedRoutesEnabled",
                    PoolFilterName::DeletionProtectionEnabled => "DeletionProtectionEnabled",
                    PoolFilterName::TwoWayChannelArn => "TwoWayChannelArn",
                };
                (name.as_str(), member)
            })
            .collect();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let (pools, next_token) = filtered_page::<PoolInformation>(
            records.into_iter().map(|r| r.document).collect(),
            &filters,
            &fields,
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(DescribePoolsResult { next_token, pools: Some(pools) })
    }

    /// Adds a phone number or sender id to a pool, if it matches the pool's configuration.
    pub(crate) async fn sms_associate_origination_identity(
        &self,
        ctx: &RequestContext,
        input: AssociateOriginationIdentityRequest,
    ) -> Result<AssociateOriginationIdentityResult, ApiError> {
        let pool = self.sms_pool(ctx, &input.pool_id).await?;
        if text(&pool.document, "Status") != Some(PoolStatus::Active.as_str()) {
            return Err(not_active(ResourceType::Pool, &pool.id));
        }
        let iso_country_code = input.iso_country_code.as_deref();
        let identity =
            self.sms_resolve_identity(ctx, &input.origination_identity, iso_country_code, &MEMBER_KINDS).await?;
        check_country(&identity, iso_country_code)?;
        check_joinable(&identity, Some(&pool.id))?;
        let members = self.sms_pool_members(ctx, &pool.id).await?;
        let limit = self.sms_quotas.origination_identities_per_pool;
        if members.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::OriginationIdentitiesPerPool,
                format!("A pool can hold at most {limit} origination identities"),
            ));
        }
        check_matches(&pool.document, &identity, &members)?;
        let changes = [update(&pool, pool.document.clone()), membership_change(&identity, &pool.id, true)];
        self.sms_write(&changes, (ResourceType::Pool, &pool.id)).await?;
        Ok(AssociateOriginationIdentityResult {
            iso_country_code: identity.iso_country_code().map(str::to_owned),
            origination_identity: Some(identity.wire_id()),
            origination_identity_arn: Some(identity.arn()),
            pool_arn: text(&pool.document, "PoolArn").map(str::to_owned),
            pool_id: Some(pool.id.clone()),
        })
    }

    /// Takes an identity out of a pool; the pool's last identity can't leave.
    pub(crate) async fn sms_disassociate_origination_identity(
        &self,
        ctx: &RequestContext,
        input: DisassociateOriginationIdentityRequest,
    ) -> Result<DisassociateOriginationIdentityResult, ApiError> {
        let pool = self.sms_pool(ctx, &input.pool_id).await?;
        let iso_country_code = input.iso_country_code.as_deref();
        let identity =
            self.sms_resolve_identity(ctx, &input.origination_identity, iso_country_code, &MEMBER_KINDS).await?;
        check_country(&identity, iso_country_code)?;
        if !identity.in_pool(&pool.id) {
            return Err(conflict(
                ConflictExceptionReason::PhoneNumberNotAssociatedToPool,
                identity.kind,
                identity.wire_id(),
                format!("The {} {} is not in the pool {}", identity.kind, identity.wire_id(), pool.id),
            ));
        }
        if self.sms_pool_members(ctx, &pool.id).await?.len() <= 1 {
            return Err(conflict(
                ConflictExceptionReason::LastPhoneNumber,
                ResourceType::Pool,
                &pool.id,
                format!("{} is the last origination identity of the pool {}", identity.wire_id(), pool.id),
            ));
        }
        let changes = [update(&pool, pool.document.clone()), membership_change(&identity, &pool.id, false)];
        self.sms_write(&changes, (ResourceType::Pool, &pool.id)).await?;
        Ok(DisassociateOriginationIdentityResult {
            iso_country_code: identity.iso_country_code().map(str::to_owned),
            origination_identity: Some(identity.wire_id()),
            origination_identity_arn: Some(identity.arn()),
            pool_arn: text(&pool.document, "PoolArn").map(str::to_owned),
            pool_id: Some(pool.id.clone()),
        })
    }

    pub(crate) async fn sms_list_pool_origination_identities(
        &self,
        ctx: &RequestContext,
        input: ListPoolOriginationIdentitiesRequest,
    ) -> Result<ListPoolOriginationIdentitiesResult, ApiError> {
        let filters = input.filters.unwrap_or_default();
        check_filter_count(filters.len())?;
        let pool = self.sms_pool(ctx, &input.pool_id).await?;
        let documents: Vec<Value> = self.sms_pool_members(ctx, &pool.id).await?.iter().map(metadata).collect();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let fields = [("iso-country-code", "IsoCountryCode"), ("number-capability", "NumberCapabilities")];
        let (identities, next_token) = filtered_page::<OriginationIdentityMetadata>(
            documents,
            &filters,
            &fields,
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(ListPoolOriginationIdentitiesResult {
            next_token,
            origination_identities: Some(identities),
            pool_arn: text(&pool.document, "PoolArn").map(str::to_owned),
            pool_id: Some(pool.id.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(document: Value) -> Identity {
        Identity {
            kind: ResourceType::PhoneNumber,
            record: ResourceRecord {
                account_id: "111122223333".into(),
                resource_type: "phone-number".into(),
                id: "phone-1".into(),
                name: Some("+12065550100".into()),
                parent_id: None,
                document,
                version: 1,
                created_at: OffsetDateTime::now_utc(),
                updated_at: OffsetDateTime::now_utc(),
            },
        }
    }

    fn reason(error: ApiError) -> String {
        format!("{error:?}")
    }

    #[test]
    fn members_must_match_the_pool() {
        let pool = json!({"MessageType": "TRANSACTIONAL", "OptOutListName": "Default", "TwoWayEnabled": false,
            "SelfManagedOptOutsEnabled": false});
        let base = json!({"MessageType": "TRANSACTIONAL", "OptOutListName": "Default", "TwoWayEnabled": false,
            "SelfManagedOptOutsEnabled": false, "NumberCapabilities": ["SMS"]});
        assert!(check_matches(&pool, &number(base.clone()), &[]).is_ok());
        let cases = [
            ("MessageType", json!("PROMOTIONAL"), "MESSAGE_TYPE_MISMATCH"),
            ("OptOutListName", json!("Other"), "OPT_OUT_LIST_MISMATCH"),
            ("TwoWayEnabled", json!(true), "TWO_WAY_CONFIG_MISMATCH"),
            ("SelfManagedOptOutsEnabled", json!(true), "SELF_MANAGED_OPT_OUTS_MISMATCH"),
        ];
        for (member, value, expected) in cases {
            let mut document = base.clone();
            document[member] = value;
            let error = check_matches(&pool, &number(document), &[]).expect_err(member);
            assert!(reason(error).contains(expected), "{member}");
        }
        let mut voice = base.clone();
        voice["NumberCapabilities"] = json!(["SMS", "VOICE"]);
        let error = check_matches(&pool, &number(voice), &[number(base)]).expect_err("capabilities");
        assert!(reason(error).contains("NUMBER_CAPABILITIES_MISMATCH"));
    }

    #[test]
    fn a_number_joins_one_pool_at_most() {
        let free = number(json!({"Status": "ACTIVE"}));
        assert!(check_joinable(&free, Some("pool-a")).is_ok());
        let pending = number(json!({"Status": "PENDING"}));
        assert!(reason(check_joinable(&pending, None).expect_err("pending")).contains("RESOURCE_NOT_ACTIVE"));
        let member = number(json!({"Status": "ACTIVE", "PoolId": "pool-a"}));
        assert!(
            reason(check_joinable(&member, Some("pool-a")).expect_err("same")).contains("RESOURCE_ALREADY_ASSOCIATED")
        );
        assert!(
            reason(check_joinable(&member, Some("pool-b")).expect_err("other"))
                .contains("PHONE_NUMBER_ASSOCIATED_TO_POOL")
        );
    }
}
