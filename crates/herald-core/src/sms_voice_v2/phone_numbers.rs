//! Phone numbers: RequestPhoneNumber, ReleasePhoneNumber, UpdatePhoneNumber,
//! DescribePhoneNumbers and ListAvailablePhoneNumbers.
//!
//! A phone number is a "phone-number" resource: id `phone-…`, name = the E.164 number, document
//! = PhoneNumberInformation plus the internal `ClientToken` of the request that made it. Numbers
//! come from the operator's inventory (`inventory.rs`); US simulator numbers are minted on demand
//! (`simulator.rs`). Pool membership is the document's `PoolId`, written by the pools module and
//! by RequestPhoneNumber when it names a pool.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, DescribePhoneNumbersRequest, DescribePhoneNumbersResult, ListAvailablePhoneNumbersRequest,
    ListAvailablePhoneNumbersResult, MessageType, NumberCapability, NumberPreferenceItem, NumberStatus, NumberType,
    Owner, PhoneNumberInformation, PoolStatus, PreferenceType, ReleasePhoneNumberRequest, ReleasePhoneNumberResult,
    RequestPhoneNumberRequest, RequestPhoneNumberResult, RequestableNumberType, ResourceType,
    ServiceQuotaExceededExceptionReason, UpdatePhoneNumberRequest, UpdatePhoneNumberResult, ValidationExceptionReason,
};
use herald_proto::wire::EpochSeconds;
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord, StoreError};
use serde_json::{Value, json};

use super::country_rules;
use super::errors::{conflict, deletion_protected, internal, invalid, not_found, quota, validation};
use super::ids::{arn, id_or_arn, new_id};
use super::inventory::{self, InventoryNumber, OPERATOR_ACCOUNT, RESOURCE_TYPE as INVENTORY_TYPE};
use super::keywords::default_keywords;
use super::listing::{Filter, check_describe, filtered_page, page};
use super::opt_out_lists::DEFAULT_OPT_OUT_LIST;
use super::pools::{check_tags, now_seconds, recent_token};
use super::resources::{create, delete, deletion_protected as is_protected, new_record, update};
use super::simulator;
use crate::Core;

/// ListAvailablePhoneNumbers answers at most 10 numbers a page, 10 unless asked for fewer.
const MAX_AVAILABLE: i32 = 10;
/// How many free numbers RequestPhoneNumber tries when other requests take them first.
const ASSIGN_ATTEMPTS: usize = 3;

/// DescribePhoneNumbers filter names and the document members they test.
const FILTER_FIELDS: [(&str, &str); 10] = [
    ("status", "Status"),
    ("iso-country-code", "IsoCountryCode"),
    ("message-type", "MessageType"),
    ("number-capability", "NumberCapabilities"),
    ("number-type", "NumberType"),
    ("two-way-enabled", "TwoWayEnabled"),
    ("self-managed-opt-outs-enabled", "SelfManagedOptOutsEnabled"),
    ("opt-out-list-name", "OptOutListName"),
    ("deletion-protection-enabled", "DeletionProtectionEnabled"),
    ("two-way-channel-arn", "TwoWayChannelArn"),
];

/// What a request asks of a number.
struct Criteria<'a> {
    iso_country_code: &'a str,
    number_type: NumberType,
    capabilities: &'a [NumberCapability],
    preference: Option<&'a NumberPreferenceItem>,
}

impl Criteria<'_> {
    /// Whether a free inventory number satisfies the request: same country and type, every
    /// capability asked for, and the digit pattern if one is given.
    fn fits(&self, number: &InventoryNumber) -> bool {
        number.assigned_to.is_none()
            && number.iso_country == self.iso_country_code
            && number.number_type == self.number_type
            && self.capabilities.iter().all(|c| number.capabilities.contains(c))
            && self.preference.is_none_or(|p| prefers(p, self.iso_country_code, &number.phone_number))
    }

    /// The order candidates are tried in: numbers this account never released first, then those
    /// with the fewest capabilities beyond the request (the fuller ones stay for requests that
    /// need them), then by number.
    fn rank(&self, account_id: &str, number: &InventoryNumber) -> (bool, usize, String) {
        (
            number.released_by.iter().any(|a| a == account_id),
            number.capabilities.len().saturating_sub(self.capabilities.len()),
            number.phone_number.clone(),
        )
    }

    /// No free number fits. The request is well formed but asks for what the operator doesn't
    /// have, so this is a ValidationException naming the criteria, as AWS answers a country and
    /// number type it doesn't offer; ResourceNotFoundException would need a resource id, which
    /// a number not yet assigned doesn't have.
    fn no_match(&self) -> ApiError {
        let capabilities: Vec<&str> = self.capabilities.iter().map(|c| c.as_str()).collect();
        validation(
            ValidationExceptionReason::InvalidParameter,
            format!(
                "No available phone number matches IsoCountryCode {}, NumberType {}, NumberCapabilities {}{}",
                self.iso_country_code,
                self.number_type,
                capabilities.join(","),
                if self.preference.is_some() { " and the NumberPreference" } else { "" }
            ),
            &[
                ("IsoCountryCode", "no available number in this country matches"),
                ("NumberType", "no available number of this type matches"),
                ("NumberCapabilities", "no available number has all these capabilities"),
            ],
        )
    }
}

/// IsoCountryCode: two upper-case letters.
fn check_country_code(value: &str) -> Result<(), ApiError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid("IsoCountryCode", "must be a two-letter ISO 3166-1 alpha-2 code in upper case"))
    }
}

/// NumberCapabilities: 1 to 4, each once, in a stable order.
fn requested_capabilities(asked: &[NumberCapability]) -> Result<Vec<NumberCapability>, ApiError> {
    if asked.is_empty() || asked.len() > 4 {
        return Err(invalid("NumberCapabilities", "must list 1 to 4 capabilities"));
    }
    let mut capabilities = asked.to_vec();
    capabilities.sort();
    capabilities.dedup();
    Ok(capabilities)
}

/// NumberPreference: at most one item, with at least one match type and 1 to 10 digit patterns.
fn check_preference(asked: Option<&[NumberPreferenceItem]>) -> Result<Option<&NumberPreferenceItem>, ApiError> {
    let Some(items) = asked else { return Ok(None) };
    let [item] = items else {
        return Err(invalid("NumberPreference", "must hold exactly one preference"));
    };
    if item.preference_type.is_empty() {
        return Err(invalid("NumberPreference", "must name a PreferenceType"));
    }
    if item.filter.is_empty()
        || item.filter.len() > 10
        || item.filter.iter().any(|f| f.is_empty() || f.len() > 15 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid("NumberPreference", "Filter must hold 1 to 10 patterns of 1 to 15 digits"));
    }
    Ok(Some(item))
}

/// Whether a number matches the preference: any match type with any pattern, tested against the
/// national number (without the country prefix, so StartsWith 206 means area code 206). An
/// exact match may also be the whole number.
fn prefers(preference: &NumberPreferenceItem, iso_country_code: &str, number: &str) -> bool {
    let national = country_rules::national_number(iso_country_code, number);
    let full = number.strip_prefix('+').unwrap_or(number);
    preference.preference_type.iter().any(|kind| {
        preference.filter.iter().any(|pattern| match kind {
            PreferenceType::StartsWith => national.starts_with(pattern.as_str()),
            PreferenceType::EndsWith => national.ends_with(pattern.as_str()),
            PreferenceType::Contains => national.contains(pattern.as_str()),
            PreferenceType::ExactMatch => national == pattern || full == pattern,
        })
    })
}

fn requestable(kind: RequestableNumberType) -> NumberType {
    match kind {
        RequestableNumberType::LongCode => NumberType::LongCode,
        RequestableNumberType::TollFree => NumberType::TollFree,
        RequestableNumberType::TenDlc => NumberType::TenDlc,
        RequestableNumberType::Simulator => NumberType::Simulator,
    }
}

fn text<'a>(document: &'a Value, member: &str) -> Option<&'a str> {
    document.get(member).and_then(Value::as_str)
}

fn flag(document: &Value, member: &str) -> bool {
    document.get(member).and_then(Value::as_bool).unwrap_or(false)
}

/// TwoWayChannelArn: 20 to 2048 characters without whitespace (an SNS topic ARN, or
/// `connect.<region>.amazonaws.com` for Amazon Connect).
fn check_channel_arn(value: &str) -> Result<(), ApiError> {
    if !(20..=2048).contains(&value.chars().count()) || value.chars().any(char::is_whitespace) {
        return Err(invalid("TwoWayChannelArn", "must be 20 to 2048 characters without whitespace"));
    }
    Ok(())
}

/// TwoWayChannelRole: an IAM role ARN of 20 to 2048 characters.
fn check_channel_role(value: &str) -> Result<(), ApiError> {
    if !(20..=2048).contains(&value.chars().count())
        || !value.starts_with("arn:")
        || value.chars().any(char::is_whitespace)
    {
        return Err(invalid("TwoWayChannelRole", "must be an IAM role ARN of 20 to 2048 characters"));
    }
    Ok(())
}

/// Amazon Connect two-way channels are named by service, not by ARN.
fn is_connect_channel(arn: Option<&str>) -> bool {
    arn.is_some_and(|a| a.starts_with("connect."))
}

impl Core {
    /// Every inventory record with its number.
    async fn sms_inventory(&self) -> Result<Vec<(ResourceRecord, InventoryNumber)>, ApiError> {
        let records = self.store.list_resources(OPERATOR_ACCOUNT, INVENTORY_TYPE, None).await.map_err(internal)?;
        records
            .into_iter()
            .map(|record| inventory::from_record(&record).map(|number| (record, number)).map_err(internal))
            .collect()
    }

    /// The inventory entry of an E.164 number, if the operator declared it (or Herald minted it
    /// as a simulator number): its carrier route and price, for the sending engine.
    #[allow(dead_code)] // read by the sending engine
    pub(crate) async fn sms_inventory_number(&self, phone_number: &str) -> Result<Option<InventoryNumber>, ApiError> {
        let record = self.store.get_resource(OPERATOR_ACCOUNT, INVENTORY_TYPE, phone_number).await.map_err(internal)?;
        record.map(|r| inventory::from_record(&r).map_err(internal)).transpose()
    }

    async fn sms_phone_number(&self, ctx: &RequestContext, id_or_arn_value: &str) -> Result<ResourceRecord, ApiError> {
        let id = id_or_arn(ctx, id_or_arn_value, ResourceType::PhoneNumber)?;
        self.sms_get(ctx, ResourceType::PhoneNumber, &id).await
    }

    async fn sms_request_answer(
        &self,
        ctx: &RequestContext,
        record: &ResourceRecord,
    ) -> Result<RequestPhoneNumberResult, ApiError> {
        let mut result: RequestPhoneNumberResult = serde_json::from_value(record.document.clone()).map_err(internal)?;
        result.tags = Some(self.sms_tags(ctx, ResourceType::PhoneNumber, &record.id).await?);
        Ok(result)
    }

    /// Assigns a free inventory number matching the request to the account. Numbers are ACTIVE
    /// at once: the operator already owns them, so there is no carrier provisioning to wait for.
    pub(crate) async fn sms_request_phone_number(
        &self,
        ctx: &RequestContext,
        input: RequestPhoneNumberRequest,
    ) -> Result<RequestPhoneNumberResult, ApiError> {
        check_country_code(&input.iso_country_code)?;
        let capabilities = requested_capabilities(&input.number_capabilities)?;
        let number_type = requestable(input.number_type);
        let preference = check_preference(input.number_preference.as_deref())?;
        let tags = input.tags.clone().unwrap_or_default();
        check_tags(&tags)?;
        if let Some(token) = input.client_token.as_deref() {
            if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
                return Err(invalid("ClientToken", "must be 1 to 64 printable ASCII characters"));
            }
            let numbers = self.sms_list(ctx, ResourceType::PhoneNumber, None).await?;
            if let Some(record) = numbers.iter().find(|r| recent_token(r, Some(token))) {
                return self.sms_request_answer(ctx, record).await;
            }
        }
        if number_type == NumberType::Simulator {
            // The model: a SIMULATOR number must be requested as TRANSACTIONAL. The guide: the
            // simulator works for SMS and MMS only.
            if input.message_type != MessageType::Transactional {
                return Err(invalid("MessageType", "must be TRANSACTIONAL for a SIMULATOR number"));
            }
            if let Some(other) = capabilities.iter().find(|c| !simulator::CAPABILITIES.contains(c)) {
                return Err(validation(
                    ValidationExceptionReason::VoiceCapabilityNotAvailable,
                    format!("Simulator numbers send SMS and MMS only, not {other}"),
                    &[("NumberCapabilities", "simulator numbers have SMS and MMS only")],
                ));
            }
        }
        let limit = self.sms_quotas.phone_numbers;
        if self.sms_count(ctx, ResourceType::PhoneNumber).await? >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::PhoneNumbersPerAccount,
                format!("An account can have at most {limit} phone numbers"),
            ));
        }
        let registration_id = match input.registration_id.as_deref() {
            Some(value) => {
                let id = id_or_arn(ctx, value, ResourceType::Registration)?;
                self.sms_get(ctx, ResourceType::Registration, &id).await?;
                Some(id)
            }
            None => None,
        };
        let pool = match input.pool_id.as_deref().filter(|p| !p.is_empty()) {
            Some(value) => {
                let id = id_or_arn(ctx, value, ResourceType::Pool)?;
                Some(self.sms_get(ctx, ResourceType::Pool, &id).await?)
            }
            None => None,
        };
        let mut opt_out_list = match input.opt_out_list_name.as_deref() {
            Some(value) => Some(self.sms_opt_out_list(ctx, value).await?.id),
            None => None,
        };
        // A number requested into a pool takes the pool's settings, which pools keep for their
        // members (guide §14.1); what can't be adopted must match.
        let mut pool_settings = json!({});
        if let Some(pool) = &pool {
            let document = &pool.document;
            if text(document, "Status") != Some(PoolStatus::Active.as_str()) {
                return Err(conflict(
                    ConflictExceptionReason::ResourceNotActive,
                    ResourceType::Pool,
                    &pool.id,
                    format!("The pool {} is not active", pool.id),
                ));
            }
            if text(document, "MessageType") != Some(input.message_type.as_str()) {
                return Err(conflict(
                    ConflictExceptionReason::MessageTypeMismatch,
                    ResourceType::Pool,
                    &pool.id,
                    format!("The pool {} sends {} messages", pool.id, text(document, "MessageType").unwrap_or("other")),
                ));
            }
            let pool_list = text(document, "OptOutListName").unwrap_or(DEFAULT_OPT_OUT_LIST).to_string();
            if opt_out_list.as_ref().is_some_and(|list| *list != pool_list) {
                return Err(conflict(
                    ConflictExceptionReason::OptOutListMismatch,
                    ResourceType::Pool,
                    &pool.id,
                    format!("The pool {} uses the opt-out list {pool_list}", pool.id),
                ));
            }
            opt_out_list = Some(pool_list);
            let members = self.sms_pool_members(ctx, &pool.id).await?;
            let limit = self.sms_quotas.origination_identities_per_pool;
            if members.len() as u64 >= limit {
                return Err(quota(
                    ServiceQuotaExceededExceptionReason::OriginationIdentitiesPerPool,
                    format!("A pool can hold at most {limit} origination identities"),
                ));
            }
            if let Some(member) = members.iter().find(|m| m.kind == ResourceType::PhoneNumber) {
                let mut theirs = member.capabilities();
                theirs.sort();
                if theirs != capabilities {
                    return Err(conflict(
                        ConflictExceptionReason::NumberCapabilitiesMismatch,
                        ResourceType::Pool,
                        &pool.id,
                        format!("The numbers of the pool {} have other capabilities", pool.id),
                    ));
                }
            }
            for member in ["TwoWayEnabled", "TwoWayChannelArn", "TwoWayChannelRole", "SelfManagedOptOutsEnabled"] {
                if let Some(value) = document.get(member) {
                    pool_settings[member] = value.clone();
                }
            }
        }
        let opt_out_list = match opt_out_list {
            Some(list) => list,
            None => self.sms_default_opt_out_list(ctx).await?.id,
        };

        let criteria = Criteria {
            iso_country_code: &input.iso_country_code,
            number_type,
            capabilities: &capabilities,
            preference,
        };
        let mut tried: Vec<String> = Vec::new();
        for _ in 0..ASSIGN_ATTEMPTS {
            let inventory = self.sms_inventory().await?;
            let mut candidates: Vec<&(ResourceRecord, InventoryNumber)> = inventory
                .iter()
                .filter(|(_, number)| criteria.fits(number) && !tried.contains(&number.phone_number))
                .collect();
            candidates.sort_by_key(|(_, number)| criteria.rank(&ctx.account_id, number));
            // The number and the inventory change that assigns it.
            let (number, inventory_change) = match candidates.first() {
                Some((record, number)) => {
                    let mut assigned = number.clone();
                    assigned.assigned_to = Some(ctx.account_id.clone());
                    (number.clone(), inventory::update(record, &assigned).map_err(internal)?)
                }
                None if number_type == NumberType::Simulator
                    && input.iso_country_code == simulator::ORIGINATION_COUNTRY
                    && preference.is_none() =>
                {
                    let Some(phone_number) = simulator::origination_candidates().find(|candidate| {
                        !inventory.iter().any(|(r, _)| r.id == *candidate) && !tried.contains(candidate)
                    }) else {
                        return Err(criteria.no_match());
                    };
                    let mut minted = simulator::minted(phone_number);
                    minted.assigned_to = Some(ctx.account_id.clone());
                    let record = inventory::new_record(&minted).map_err(internal)?;
                    (minted, ResourceChange::Put { record, expected_version: None })
                }
                None => return Err(criteria.no_match()),
            };
            tried.push(number.phone_number.clone());

            let id = new_id("phone");
            let information = PhoneNumberInformation {
                created_timestamp: EpochSeconds(now_seconds()),
                deletion_protection_enabled: input.deletion_protection_enabled.unwrap_or(false),
                international_sending_enabled: Some(input.international_sending_enabled.unwrap_or(false)),
                iso_country_code: number.iso_country.clone(),
                message_type: input.message_type,
                messaging_limits: None,
                monthly_leasing_price: number.monthly_price.clone().unwrap_or_else(|| "0.00".to_string()),
                number_capabilities: capabilities.clone(),
                number_type,
                opt_out_list_name: opt_out_list.clone(),
                phone_number: number.phone_number.clone(),
                phone_number_arn: arn(ctx, ResourceType::PhoneNumber, &id),
                phone_number_id: Some(id.clone()),
                pool_id: pool.as_ref().map(|p| p.id.clone()),
                pricing_tier: None,
                registration_id: registration_id.clone(),
                self_managed_opt_outs_enabled: false,
                status: NumberStatus::Active,
                two_way_channel_arn: None,
                two_way_channel_role: None,
                two_way_enabled: false,
            };
            let mut document = serde_json::to_value(&information).map_err(internal)?;
            if let (Some(members), Some(settings)) = (document.as_object_mut(), pool_settings.as_object()) {
                members.extend(settings.clone());
            }
            if let Some(token) = &input.client_token {
                document["ClientToken"] = json!(token);
            }
            let record = new_record(ctx, ResourceType::PhoneNumber, &id, Some(&number.phone_number), None, document);
            let mut changes = vec![inventory_change, create(record.clone())];
            changes.extend(default_keywords(ctx, &id, number_type == NumberType::TollFree).into_iter().map(create));
            if let Some(pool) = &pool {
                // Membership changes bump the pool's version, so they serialise with the pools
                // module's checks; its PoolInformation is unchanged.
                changes.push(update(pool, pool.document.clone()));
            }
            match self.store.write_resources(&changes).await {
                Ok(()) => {
                    self.sms_tag(ctx, ResourceType::PhoneNumber, &id, &tags).await?;
                    return self.sms_request_answer(ctx, &record).await;
                }
                // Another request took this number (or changed the pool): try the next one.
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(internal(error)),
            }
        }
        Err(conflict(
            ConflictExceptionReason::ResourceAlreadyExists,
            ResourceType::PhoneNumber,
            tried.last().cloned().unwrap_or_default(),
            "Other requests took every matching number first; try again",
        ))
    }

    /// Releases a number back to the inventory, with its keywords and tags. Refused while
    /// deletion protection is on or the number is in a pool.
    pub(crate) async fn sms_release_phone_number(
        &self,
        ctx: &RequestContext,
        input: ReleasePhoneNumberRequest,
    ) -> Result<ReleasePhoneNumberResult, ApiError> {
        let record = self.sms_phone_number(ctx, &input.phone_number_id).await?;
        if is_protected(&record.document) {
            return Err(deletion_protected(ResourceType::PhoneNumber, &record.id));
        }
        if let Some(pool_id) = text(&record.document, "PoolId") {
            return Err(conflict(
                ConflictExceptionReason::PhoneNumberAssociatedToPool,
                ResourceType::PhoneNumber,
                &record.id,
                format!("The phone number {} is in the pool {pool_id}; disassociate it first", record.id),
            ));
        }
        let mut changes = vec![delete(&record)];
        for keyword in self.sms_list(ctx, ResourceType::Keyword, Some(&record.id)).await? {
            changes.push(delete(&keyword));
        }
        let phone_number = text(&record.document, "PhoneNumber").unwrap_or_default();
        let inventory_record =
            self.store.get_resource(OPERATOR_ACCOUNT, INVENTORY_TYPE, phone_number).await.map_err(internal)?;
        if let Some(inventory_record) = inventory_record {
            let mut number = inventory::from_record(&inventory_record).map_err(internal)?;
            if number.assigned_to.as_deref() == Some(ctx.account_id.as_str()) {
                number.assigned_to = None;
                if !number.released_by.contains(&ctx.account_id) {
                    number.released_by.push(ctx.account_id.clone());
                }
                changes.push(inventory::update(&inventory_record, &number).map_err(internal)?);
            }
        }
        self.sms_write(&changes, (ResourceType::PhoneNumber, &record.id)).await?;
        self.sms_drop_tags(ctx, ResourceType::PhoneNumber, &record.id).await?;
        let mut result: ReleasePhoneNumberResult = serde_json::from_value(record.document).map_err(internal)?;
        result.status = Some(NumberStatus::Deleted);
        Ok(result)
    }

    /// Changes two-way settings, self-managed opt-outs, the opt-out list, international sending
    /// and deletion protection.
    pub(crate) async fn sms_update_phone_number(
        &self,
        ctx: &RequestContext,
        input: UpdatePhoneNumberRequest,
    ) -> Result<UpdatePhoneNumberResult, ApiError> {
        let record = self.sms_phone_number(ctx, &input.phone_number_id).await?;
        let mut document = record.document.clone();
        // The model: updating a number in a pool is an error. The settings a pool keeps for its
        // members (two-way, opt-outs) are changed on the pool; deletion protection and
        // international sending aren't pool settings, so they stay editable.
        let pool_settings = input.two_way_enabled.is_some()
            || input.two_way_channel_arn.is_some()
            || input.two_way_channel_role.is_some()
            || input.self_managed_opt_outs_enabled.is_some()
            || input.opt_out_list_name.is_some();
        if let Some(pool_id) = text(&document, "PoolId")
            && pool_settings
        {
            return Err(conflict(
                ConflictExceptionReason::PhoneNumberAssociatedToPool,
                ResourceType::PhoneNumber,
                &record.id,
                format!(
                    "The phone number {} is in the pool {pool_id}: change these settings with UpdatePool",
                    record.id
                ),
            ));
        }
        if let Some(channel) = &input.two_way_channel_arn {
            check_channel_arn(channel)?;
            document["TwoWayChannelArn"] = json!(channel);
        }
        if let Some(role) = &input.two_way_channel_role {
            check_channel_role(role)?;
            document["TwoWayChannelRole"] = json!(role);
        }
        if let Some(enabled) = input.two_way_enabled {
            if enabled {
                if text(&document, "TwoWayChannelArn").is_none() {
                    return Err(validation(
                        ValidationExceptionReason::TwoWayChannelNotPresent,
                        "Two-way messaging needs a TwoWayChannelArn",
                        &[("TwoWayChannelArn", "is required to enable two-way messaging")],
                    ));
                }
                let country = text(&document, "IsoCountryCode").unwrap_or_default();
                if !country_rules::two_way(country) {
                    return Err(validation(
                        ValidationExceptionReason::TwoWayNotSupportedInCountry,
                        format!("Two-way SMS is not available in {country}"),
                        &[("TwoWayEnabled", "not available in the number's country")],
                    ));
                }
            }
            document["TwoWayEnabled"] = json!(enabled);
        }
        if let Some(enabled) = input.self_managed_opt_outs_enabled {
            document["SelfManagedOptOutsEnabled"] = json!(enabled);
        }
        // Self-managed opt-outs route HELP and STOP to the two-way channel, so they need two-way
        // on, and Amazon Connect channels don't support them (guide §17).
        let two_way_changes = input.self_managed_opt_outs_enabled.is_some()
            || input.two_way_enabled.is_some()
            || input.two_way_channel_arn.is_some();
        if two_way_changes && flag(&document, "SelfManagedOptOutsEnabled") {
            if !flag(&document, "TwoWayEnabled") {
                return Err(validation(
                    ValidationExceptionReason::TwoWayNotEnabled,
                    "Self-managed opt-outs need two-way messaging enabled",
                    &[("SelfManagedOptOutsEnabled", "requires TwoWayEnabled")],
                ));
            }
            if is_connect_channel(text(&document, "TwoWayChannelArn")) {
                return Err(validation(
                    ValidationExceptionReason::ParametersCannotBeUsedTogether,
                    "Self-managed opt-outs are not supported with an Amazon Connect two-way channel",
                    &[("SelfManagedOptOutsEnabled", "not supported with Amazon Connect")],
                ));
            }
        }
        if let Some(list) = &input.opt_out_list_name {
            let list = self.sms_opt_out_list(ctx, list).await?;
            document["OptOutListName"] = json!(list.id);
        }
        if let Some(enabled) = input.international_sending_enabled {
            document["InternationalSendingEnabled"] = json!(enabled);
        }
        if let Some(enabled) = input.deletion_protection_enabled {
            document["DeletionProtectionEnabled"] = json!(enabled);
        }
        self.sms_write(&[update(&record, document.clone())], (ResourceType::PhoneNumber, &record.id)).await?;
        serde_json::from_value(document).map_err(internal)
    }

    /// The account's numbers, or those named, narrowed by the filters, a page at a time.
    pub(crate) async fn sms_describe_phone_numbers(
        &self,
        ctx: &RequestContext,
        input: DescribePhoneNumbersRequest,
    ) -> Result<DescribePhoneNumbersResult, ApiError> {
        let ids = input.phone_number_ids.unwrap_or_default();
        let filters = input.filters.unwrap_or_default();
        check_describe(input.owner.is_some(), "PhoneNumberIds", ids.len(), "phone numbers", filters.len())?;
        let records = if input.owner == Some(Owner::Shared) {
            // Herald has no resource sharing between accounts: nothing is shared with anyone.
            Vec::new()
        } else if ids.is_empty() {
            self.sms_list(ctx, ResourceType::PhoneNumber, None).await?
        } else {
            let mut records: Vec<ResourceRecord> = Vec::with_capacity(ids.len());
            for id in &ids {
                let record = self.sms_phone_number(ctx, id).await?;
                if !records.iter().any(|r| r.id == record.id) {
                    records.push(record);
                }
            }
            records
        };
        let wanted: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let (phone_numbers, next_token) = filtered_page::<PhoneNumberInformation>(
            records.into_iter().map(|r| r.document).collect(),
            &wanted,
            &FILTER_FIELDS,
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(DescribePhoneNumbersResult { next_token, phone_numbers: Some(phone_numbers) })
    }

    /// What the inventory offers: free numbers of the country and type with every capability
    /// asked for. Matches nothing is an empty list, not an error (the model).
    pub(crate) async fn sms_list_available_phone_numbers(
        &self,
        ctx: &RequestContext,
        input: ListAvailablePhoneNumbersRequest,
    ) -> Result<ListAvailablePhoneNumbersResult, ApiError> {
        check_country_code(&input.iso_country_code)?;
        let capabilities = requested_capabilities(&input.number_capabilities)?;
        let preference = check_preference(input.number_preference.as_deref())?;
        let max_results = input.max_results.unwrap_or(MAX_AVAILABLE);
        if !(1..=MAX_AVAILABLE).contains(&max_results) {
            return Err(invalid("MaxResults", "must be from 1 to 10"));
        }
        if let Some(value) = input.registration_id.as_deref() {
            let id = id_or_arn(ctx, value, ResourceType::Registration)?;
            if self.sms_find(ctx, ResourceType::Registration, &id).await?.is_none() {
                return Err(not_found(ResourceType::Registration, id));
            }
        }
        // SearchableNumberType has TEN_DLC only.
        let criteria = Criteria {
            iso_country_code: &input.iso_country_code,
            number_type: NumberType::TenDlc,
            capabilities: &capabilities,
            preference,
        };
        let mut available: Vec<InventoryNumber> =
            self.sms_inventory().await?.into_iter().map(|(_, n)| n).filter(|n| criteria.fits(n)).collect();
        available.sort_by_key(|number| criteria.rank(&ctx.account_id, number));
        let numbers: Vec<String> = available.into_iter().map(|n| n.phone_number).collect();
        let (available_phone_numbers, next_token) = page(numbers, Some(max_results), input.next_token.as_deref())?;
        Ok(ListAvailablePhoneNumbersResult { available_phone_numbers, next_token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(phone_number: &str, capabilities: &[NumberCapability]) -> InventoryNumber {
        InventoryNumber {
            phone_number: phone_number.into(),
            iso_country: "US".into(),
            number_type: NumberType::LongCode,
            capabilities: capabilities.to_vec(),
            carrier: None,
            monthly_price: None,
            max_parts_per_second: None,
            assigned_to: None,
            released_by: Vec::new(),
        }
    }

    #[test]
    fn criteria_pick_the_closest_free_number() {
        let sms = [NumberCapability::Sms];
        let criteria = Criteria {
            iso_country_code: "US",
            number_type: NumberType::LongCode,
            capabilities: &sms,
            preference: None,
        };
        let full = number("+12065550100", &[NumberCapability::Sms, NumberCapability::Voice]);
        let exact = number("+12065550199", &sms);
        let mut taken = number("+12065550101", &sms);
        taken.assigned_to = Some("111122223333".into());
        let voice_only = number("+12065550102", &[NumberCapability::Voice]);
        assert!(criteria.fits(&full) && criteria.fits(&exact));
        assert!(!criteria.fits(&taken) && !criteria.fits(&voice_only));
        assert!(criteria.rank("a", &exact) < criteria.rank("a", &full));
        let mut released = exact.clone();
        released.released_by.push("a".into());
        assert!(criteria.rank("a", &full) < criteria.rank("a", &released));
        assert!(criteria.rank("b", &released) < criteria.rank("b", &full));
    }

    #[test]
    fn preferences_match_the_national_number() {
        let item = |kind: PreferenceType, pattern: &str| NumberPreferenceItem {
            filter: vec![pattern.to_string()],
            preference_type: vec![kind],
        };
        assert!(prefers(&item(PreferenceType::StartsWith, "206"), "US", "+12065550100"));
        assert!(!prefers(&item(PreferenceType::StartsWith, "425"), "US", "+12065550100"));
        assert!(prefers(&item(PreferenceType::EndsWith, "0100"), "US", "+12065550100"));
        assert!(prefers(&item(PreferenceType::Contains, "555"), "US", "+12065550100"));
        assert!(prefers(&item(PreferenceType::ExactMatch, "2065550100"), "US", "+12065550100"));
        assert!(prefers(&item(PreferenceType::ExactMatch, "12065550100"), "US", "+12065550100"));
        assert!(!prefers(&item(PreferenceType::ExactMatch, "206555010"), "US", "+12065550100"));
    }
}
