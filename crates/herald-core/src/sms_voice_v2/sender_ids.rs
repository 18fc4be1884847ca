//! Sender ids: RequestSenderId, ReleaseSenderId, UpdateSenderId and DescribeSenderIds.
//!
//! A sender id is a "sender-id" resource: id `<SenderId>/<IsoCountryCode>` (its ARN is
//! `…:sender-id/<SenderId>/<IsoCountryCode>`), document = SenderIdInformation plus the internal
//! members `PoolIds` (the pools it is in, kept by the pools module), `RegistrationRequired` (the
//! country wants it registered before messages show it) and `ClientToken`. Sender ids compare
//! without regard to case, as handsets display them.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, DescribeSenderIdsRequest, DescribeSenderIdsResult, MessageType, Owner,
    ReleaseSenderIdRequest, ReleaseSenderIdResult, RequestSenderIdRequest, RequestSenderIdResult, ResourceType,
    SenderIdInformation, ServiceQuotaExceededExceptionReason, UpdateSenderIdRequest, UpdateSenderIdResult,
    ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::{Value, json};

use super::country_rules::{self, SenderIds};
use super::errors::{conflict, deletion_protected, internal, invalid, not_found, quota, validation};
use super::ids::{arn, parse_arn};
use super::listing::{Filter, check_describe, filtered_page};
use super::pools::{check_tags, recent_token};
use super::resources::{create, delete, deletion_protected as is_protected, new_record, update};
use crate::Core;

/// Herald charges nothing for a sender id: the guide notes "no extra cost for use", and an
/// operator's carriers don't lease them per id.
const MONTHLY_LEASING_PRICE: &str = "0.00";

/// DescribeSenderIds filter names and the document members they test.
const FILTER_FIELDS: [(&str, &str); 5] = [
    ("sender-id", "SenderId"),
    ("iso-country-code", "IsoCountryCode"),
    ("message-type", "MessageTypes"),
    ("deletion-protection-enabled", "DeletionProtectionEnabled"),
    ("registered", "Registered"),
];

/// The sender id rules. The API allows 1 to 11 of `[A-Za-z0-9_-]` with at least one letter and
/// no hyphen at either end (the model's pattern and documentation). The guide's general section
/// asks for 3 to 11 characters and no underscore; that is carrier advice for some countries,
/// while the console and the API accept 1 to 11, so Herald follows the API: SDK clients are built
/// against it.
fn check_sender_id(value: &str) -> Result<(), ApiError> {
    let problem = if value.is_empty() || value.chars().count() > 11 {
        Some("must be 1 to 11 characters")
    } else if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Some("may hold only letters, digits, - and _")
    } else if !value.bytes().any(|b| b.is_ascii_alphabetic()) {
        Some("must contain at least one letter")
    } else if value.starts_with('-') || value.ends_with('-') {
        Some("can't start or end with a hyphen")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(invalid("SenderId", problem)),
        None => Ok(()),
    }
}

fn check_country_code(value: &str) -> Result<(), ApiError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid("IsoCountryCode", "must be a two-letter ISO 3166-1 alpha-2 code in upper case"))
    }
}

fn information(record: &ResourceRecord) -> Result<SenderIdInformation, ApiError> {
    serde_json::from_value(record.document.clone()).map_err(internal)
}

/// The sender id a request names: a `SenderId` with the request's country, or a sender id ARN,
/// whose country must then be the request's.
fn named(ctx: &RequestContext, value: &str, iso_country_code: &str) -> Result<(String, String), ApiError> {
    if !value.starts_with("arn:") {
        return Ok((value.to_string(), iso_country_code.to_string()));
    }
    let (kind, id) = parse_arn(ctx, value)?;
    let Some((sender, country)) = id.split_once('/').filter(|_| kind == ResourceType::SenderId) else {
        return Err(validation(
            ValidationExceptionReason::InvalidArn,
            format!("{value} is not a sender id ARN"),
            &[("SenderId", "is not a sender id ARN")],
        ));
    };
    if !country.eq_ignore_ascii_case(iso_country_code) {
        return Err(invalid("IsoCountryCode", "doesn't match the country of the sender id ARN"));
    }
    Ok((sender.to_string(), country.to_string()))
}

impl Core {
    /// The account's sender id, compared without regard to case.
    async fn sms_find_sender(
        &self,
        ctx: &RequestContext,
        sender_id: &str,
        iso_country_code: &str,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        let wanted = format!("{sender_id}/{iso_country_code}");
        Ok(self
            .sms_list(ctx, ResourceType::SenderId, None)
            .await?
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(&wanted)))
    }

    async fn sms_sender(
        &self,
        ctx: &RequestContext,
        value: &str,
        iso_country_code: &str,
    ) -> Result<ResourceRecord, ApiError> {
        let (sender, country) = named(ctx, value, iso_country_code)?;
        self.sms_find_sender(ctx, &sender, &country)
            .await?
            .ok_or_else(|| not_found(ResourceType::SenderId, format!("{sender}/{country}")))
    }

    /// Adds a sender id for a country where sender ids are allowed. In countries that require
    /// registration it starts unregistered (Registered false); the sending engine refuses it
    /// there with SENDER_ID_NOT_REGISTERED until a registration completes.
    pub(crate) async fn sms_request_sender_id(
        &self,
        ctx: &RequestContext,
        input: RequestSenderIdRequest,
    ) -> Result<RequestSenderIdResult, ApiError> {
        check_sender_id(&input.sender_id)?;
        check_country_code(&input.iso_country_code)?;
        let tags = input.tags.clone().unwrap_or_default();
        check_tags(&tags)?;
        if let Some(token) = input.client_token.as_deref()
            && (token.is_empty() || token.len() > 64 || !token.bytes().all(|b| (b'!'..=b'~').contains(&b)))
        {
            return Err(invalid("ClientToken", "must be 1 to 64 printable ASCII characters"));
        }
        let country = input.iso_country_code.as_str();
        let registration_required = match country_rules::sender_ids(country) {
            None => return Err(invalid("IsoCountryCode", "is not a country where SMS can be sent")),
            Some(SenderIds::NotSupported) => {
                return Err(validation(
                    ValidationExceptionReason::SenderIdNotSupported,
                    format!("Sender ids are not supported in {country}"),
                    &[("IsoCountryCode", "sender ids are not supported in this country")],
                ));
            }
            Some(SenderIds::Registration) => true,
            Some(SenderIds::Dynamic) => false,
        };
        if let Some(existing) = self.sms_find_sender(ctx, &input.sender_id, country).await? {
            if recent_token(&existing, input.client_token.as_deref()) {
                return self.sms_sender_answer(ctx, &existing).await;
            }
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                ResourceType::SenderId,
                &existing.id,
                format!("The sender id {} already exists", existing.id),
            ));
        }
        let limit = self.sms_quotas.sender_ids;
        if self.sms_count(ctx, ResourceType::SenderId).await? >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::SenderIdsPerAccount,
                format!("An account can have at most {limit} sender ids"),
            ));
        }
        let mut message_types = input
            .message_types
            .clone()
            .filter(|types| !types.is_empty())
            .unwrap_or_else(|| vec![MessageType::Transactional, MessageType::Promotional]);
        if message_types.len() > 2 {
            return Err(invalid("MessageTypes", "can hold at most 2 message types"));
        }
        message_types.sort();
        message_types.dedup();
        let id = format!("{}/{country}", input.sender_id);
        let information = SenderIdInformation {
            deletion_protection_enabled: input.deletion_protection_enabled.unwrap_or(false),
            iso_country_code: country.to_string(),
            message_types,
            messaging_limits: None,
            monthly_leasing_price: MONTHLY_LEASING_PRICE.to_string(),
            pricing_tier: None,
            registered: false,
            registration_id: None,
            sender_id: input.sender_id.clone(),
            sender_id_arn: arn(ctx, ResourceType::SenderId, &id),
        };
        let mut document = serde_json::to_value(&information).map_err(internal)?;
        document["PoolIds"] = json!([]);
        document["RegistrationRequired"] = json!(registration_required);
        if let Some(token) = &input.client_token {
            document["ClientToken"] = json!(token);
        }
        let record = new_record(ctx, ResourceType::SenderId, &id, None, None, document);
        self.sms_write(&[create(record.clone())], (ResourceType::SenderId, &id)).await?;
        self.sms_tag(ctx, ResourceType::SenderId, &id, &tags).await?;
        self.sms_sender_answer(ctx, &record).await
    }

    async fn sms_sender_answer(
        &self,
        ctx: &RequestContext,
        record: &ResourceRecord,
    ) -> Result<RequestSenderIdResult, ApiError> {
        let information = information(record)?;
        Ok(RequestSenderIdResult {
            deletion_protection_enabled: information.deletion_protection_enabled,
            iso_country_code: information.iso_country_code,
            message_types: information.message_types,
            monthly_leasing_price: information.monthly_leasing_price,
            registered: information.registered,
            sender_id: information.sender_id,
            sender_id_arn: information.sender_id_arn,
            tags: Some(self.sms_tags(ctx, ResourceType::SenderId, &record.id).await?),
        })
    }

    /// Releases a sender id. Refused while deletion protection is on or it is in a pool.
    pub(crate) async fn sms_release_sender_id(
        &self,
        ctx: &RequestContext,
        input: ReleaseSenderIdRequest,
    ) -> Result<ReleaseSenderIdResult, ApiError> {
        let record = self.sms_sender(ctx, &input.sender_id, &input.iso_country_code).await?;
        if is_protected(&record.document) {
            return Err(deletion_protected(ResourceType::SenderId, &record.id));
        }
        let pools: Vec<&str> = record
            .document
            .get("PoolIds")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !pools.is_empty() {
            return Err(conflict(
                ConflictExceptionReason::SenderIdAssociatedToPool,
                ResourceType::SenderId,
                &record.id,
                format!("The sender id {} is in the pool(s) {}; disassociate it first", record.id, pools.join(", ")),
            ));
        }
        self.sms_write(&[delete(&record)], (ResourceType::SenderId, &record.id)).await?;
        self.sms_drop_tags(ctx, ResourceType::SenderId, &record.id).await?;
        let information = information(&record)?;
        Ok(ReleaseSenderIdResult {
            iso_country_code: information.iso_country_code,
            message_types: information.message_types,
            monthly_leasing_price: information.monthly_leasing_price,
            registered: information.registered,
            registration_id: information.registration_id,
            sender_id: information.sender_id,
            sender_id_arn: information.sender_id_arn,
        })
    }

    /// Turns deletion protection on or off, the one setting a sender id has.
    pub(crate) async fn sms_update_sender_id(
        &self,
        ctx: &RequestContext,
        input: UpdateSenderIdRequest,
    ) -> Result<UpdateSenderIdResult, ApiError> {
        let record = self.sms_sender(ctx, &input.sender_id, &input.iso_country_code).await?;
        let mut document = record.document.clone();
        if let Some(enabled) = input.deletion_protection_enabled {
            document["DeletionProtectionEnabled"] = json!(enabled);
            self.sms_write(&[update(&record, document.clone())], (ResourceType::SenderId, &record.id)).await?;
        }
        let information: SenderIdInformation = serde_json::from_value(document).map_err(internal)?;
        Ok(UpdateSenderIdResult {
            deletion_protection_enabled: information.deletion_protection_enabled,
            iso_country_code: information.iso_country_code,
            message_types: information.message_types,
            monthly_leasing_price: information.monthly_leasing_price,
            registered: information.registered,
            registration_id: information.registration_id,
            sender_id: information.sender_id,
            sender_id_arn: information.sender_id_arn,
        })
    }

    /// The account's sender ids, or those named, narrowed by the filters, a page at a time.
    pub(crate) async fn sms_describe_sender_ids(
        &self,
        ctx: &RequestContext,
        input: DescribeSenderIdsRequest,
    ) -> Result<DescribeSenderIdsResult, ApiError> {
        let named_ids = input.sender_ids.unwrap_or_default();
        let filters = input.filters.unwrap_or_default();
        check_describe(input.owner.is_some(), "SenderIds", named_ids.len(), "sender ids", filters.len())?;
        let records = if input.owner == Some(Owner::Shared) {
            // Herald has no resource sharing between accounts.
            Vec::new()
        } else if named_ids.is_empty() {
            self.sms_list(ctx, ResourceType::SenderId, None).await?
        } else {
            let mut records: Vec<ResourceRecord> = Vec::with_capacity(named_ids.len());
            for wanted in &named_ids {
                let record = self.sms_sender(ctx, &wanted.sender_id, &wanted.iso_country_code).await?;
                if !records.iter().any(|r| r.id == record.id) {
                    records.push(record);
                }
            }
            records
        };
        let wanted: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let (sender_ids, next_token) = filtered_page::<SenderIdInformation>(
            records.into_iter().map(|r| r.document).collect(),
            &wanted,
            &FILTER_FIELDS,
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(DescribeSenderIdsResult { next_token, sender_ids: Some(sender_ids) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_ids_follow_the_api_rules() {
        for good in ["A", "MYBRAND", "My-Brand_1", "ABCDEFGHIJK", "1A"] {
            assert!(check_sender_id(good).is_ok(), "{good}");
        }
        for bad in ["", "ABCDEFGHIJKL", "12345", "MY BRAND", "-BRAND", "BRAND-", "BRÄND", "MY.BRAND"] {
            assert!(check_sender_id(bad).is_err(), "{bad}");
        }
    }
}
