//! Verified destination numbers (guide part 1 section 4.3): the only numbers a sandboxed
//! account may send to. CreateVerifiedDestinationNumber, DeleteVerifiedDestinationNumber and
//! DescribeVerifiedDestinationNumbers; sending and checking the code is `verification.rs`.
//!
//! A record is resource type "verified-destination-number", id `verifieddestinationnumber-` +
//! 32 hex, name = the E.164 number (so a number is verified once per account), document =
//! VerifiedDestinationNumberInformation plus the internal members `ClientToken` and
//! `Verification` (the hashed code and its counters).

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, CreateVerifiedDestinationNumberRequest, CreateVerifiedDestinationNumberResult,
    DeleteVerifiedDestinationNumberRequest, DeleteVerifiedDestinationNumberResult,
    DescribeVerifiedDestinationNumbersRequest, DescribeVerifiedDestinationNumbersResult, ResourceType,
    ServiceQuotaExceededExceptionReason, VerificationStatus, VerifiedDestinationNumberInformation,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, internal, invalid, quota};
use super::identities::is_e164;
use super::ids::{arn, id_or_arn, new_id};
use super::listing::{Filter, filter, page};
use super::resources::{create, delete, new_record};
use crate::Core;

const KIND: ResourceType = ResourceType::VerifiedDestinationNumber;

/// A verified number can be deleted only this long after it was added (guide part 1 section 4.1).
const DELETION_LOCK: Duration = Duration::hours(24);

/// How long a ClientToken makes CreateVerifiedDestinationNumber answer the same number again.
const CLIENT_TOKEN_WINDOW: Duration = Duration::hours(24);

/// At most this many ids or numbers in one DescribeVerifiedDestinationNumbers call (the model).
const MAX_LOOKUPS: usize = 5;

/// The filters DescribeVerifiedDestinationNumbers accepts, and the document members they test.
const FILTER_FIELDS: [(&str, &str); 2] = [("status", "Status"), ("rcs-agent-id", "RcsAgentId")];

/// The stored document as the wire shape.
pub fn information(document: &Value) -> Result<VerifiedDestinationNumberInformation, ApiError> {
    serde_json::from_value(document.clone()).map_err(internal)
}

impl Core {
    /// The verified destination number an id or ARN names, or ResourceNotFoundException.
    pub(crate) async fn sms_verified_number(
        &self,
        ctx: &RequestContext,
        id_or_arn_value: &str,
    ) -> Result<ResourceRecord, ApiError> {
        let id = id_or_arn(ctx, id_or_arn_value, KIND)?;
        self.sms_get(ctx, KIND, &id).await
    }

    /// Whether a sandboxed account may send to `number`: it was added and verified.
    #[allow(dead_code, reason = "the sending engine (a later issue) calls it")]
    pub(crate) async fn sms_is_verified_destination(
        &self,
        ctx: &RequestContext,
        number: &str,
    ) -> Result<bool, ApiError> {
        let record = self.sms_find_by_name(ctx, KIND, number).await?;
        Ok(record.is_some_and(|r| r.document.get("Status").and_then(Value::as_str) == Some("VERIFIED")))
    }

    pub(crate) async fn sms_create_verified_destination_number(
        &self,
        ctx: &RequestContext,
        input: CreateVerifiedDestinationNumberRequest,
    ) -> Result<CreateVerifiedDestinationNumberResult, ApiError> {
        let number = input.destination_phone_number;
        if !is_e164(&number) {
            return Err(invalid(
                "DestinationPhoneNumber",
                "must be an E.164 number: + and digits, without spaces, hyphens or parentheses",
            ));
        }
        let tags = input.tags.unwrap_or_default();
        for tag in &tags {
            if tag.key.is_empty() || tag.key.chars().count() > 128 || tag.key.to_ascii_lowercase().starts_with("aws:") {
                return Err(invalid("Tags", "keys must be 1 to 128 characters and not start with aws:"));
            }
            if tag.value.chars().count() > 256 {
                return Err(invalid("Tags", "values must be at most 256 characters"));
            }
        }

        let existing = self.sms_list(ctx, KIND, None).await?;
        // A retried request with the same ClientToken answers the number it created.
        if let Some(token) = input.client_token.as_deref()
            && let Some(previous) = existing.iter().find(|r| {
                r.document.get("ClientToken").and_then(Value::as_str) == Some(token)
                    && OffsetDateTime::now_utc() - r.created_at < CLIENT_TOKEN_WINDOW
            })
        {
            if previous.name.as_deref() != Some(number.as_str()) {
                return Err(invalid("ClientToken", "was already used for another destination number"));
            }
            let tags = self.sms_tags(ctx, KIND, &previous.id).await?;
            return created_result(&previous.document, tags);
        }
        if let Some(duplicate) = existing.iter().find(|r| r.name.as_deref() == Some(number.as_str())) {
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                KIND,
                &duplicate.id,
                format!("{number} is already a verified destination number ({})", duplicate.id),
            ));
        }
        let limit = self.sms_quotas.verified_destination_numbers;
        if existing.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::VerifiedDestinationNumbersPerAccount,
                format!("An account can have at most {limit} verified destination numbers"),
            ));
        }

        let id = new_id("verifieddestinationnumber");
        let mut document = json!({
            "CreatedTimestamp": OffsetDateTime::now_utc().unix_timestamp(),
            "DestinationPhoneNumber": number,
            "Status": VerificationStatus::Pending.as_str(),
            "VerifiedDestinationNumberArn": arn(ctx, KIND, &id),
            "VerifiedDestinationNumberId": id,
        });
        if let Some(agent) = &input.rcs_agent_id {
            document["RcsAgentId"] = json!(agent);
        }
        if let Some(token) = &input.client_token {
            document["ClientToken"] = json!(token);
        }
        let record = new_record(ctx, KIND, &id, Some(&number), None, document.clone());
        self.sms_write(&[create(record)], (KIND, &id)).await?;
        self.sms_tag(ctx, KIND, &id, &tags).await?;
        created_result(&document, tags)
    }

    pub(crate) async fn sms_delete_verified_destination_number(
        &self,
        ctx: &RequestContext,
        input: DeleteVerifiedDestinationNumberRequest,
    ) -> Result<DeleteVerifiedDestinationNumberResult, ApiError> {
        let record = self.sms_verified_number(ctx, &input.verified_destination_number_id).await?;
        let deletable_at = record.created_at + DELETION_LOCK;
        if OffsetDateTime::now_utc() < deletable_at {
            return Err(conflict(
                ConflictExceptionReason::ResourceDeletionNotAllowed,
                KIND,
                &record.id,
                format!(
                    "A verified destination number can be deleted only 24 hours after it was added; {} can be deleted from {}",
                    record.id,
                    deletable_at.unix_timestamp()
                ),
            ));
        }
        self.sms_write(&[delete(&record)], (KIND, &record.id)).await?;
        self.sms_drop_tags(ctx, KIND, &record.id).await?;
        let info = information(&record.document)?;
        Ok(DeleteVerifiedDestinationNumberResult {
            created_timestamp: info.created_timestamp,
            destination_phone_number: info.destination_phone_number,
            verified_destination_number_arn: info.verified_destination_number_arn,
            verified_destination_number_id: info.verified_destination_number_id,
        })
    }

    pub(crate) async fn sms_describe_verified_destination_numbers(
        &self,
        ctx: &RequestContext,
        input: DescribeVerifiedDestinationNumbersRequest,
    ) -> Result<DescribeVerifiedDestinationNumbersResult, ApiError> {
        let ids = input.verified_destination_number_ids.unwrap_or_default();
        let numbers = input.destination_phone_numbers.unwrap_or_default();
        if ids.len() > MAX_LOOKUPS {
            return Err(invalid("VerifiedDestinationNumberIds", "can name at most 5 numbers"));
        }
        if numbers.len() > MAX_LOOKUPS {
            return Err(invalid("DestinationPhoneNumbers", "can name at most 5 numbers"));
        }
        let documents: Vec<Value> = if ids.is_empty() {
            self.sms_list(ctx, KIND, None).await?.into_iter().map(|r| r.document).collect()
        } else {
            // Named ids must exist, as for the other Describe operations.
            let mut documents = Vec::with_capacity(ids.len());
            for id in &ids {
                documents.push(self.sms_verified_number(ctx, id).await?.document);
            }
            documents
        };
        let documents: Vec<Value> = documents
            .into_iter()
            .filter(|d| {
                numbers.is_empty()
                    || d.get("DestinationPhoneNumber")
                        .and_then(Value::as_str)
                        .is_some_and(|n| numbers.iter().any(|x| x == n))
            })
            .collect();
        let filters = input.filters.unwrap_or_default();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let documents = filter(documents, &filters, &FILTER_FIELDS)?;
        let (documents, next_token) = page(documents, input.max_results, input.next_token.as_deref())?;
        let verified_destination_numbers = documents.iter().map(information).collect::<Result<_, _>>()?;
        Ok(DescribeVerifiedDestinationNumbersResult { next_token, verified_destination_numbers })
    }
}

fn created_result(
    document: &Value,
    tags: Vec<herald_api::sms_voice_v2::types::Tag>,
) -> Result<CreateVerifiedDestinationNumberResult, ApiError> {
    let info = information(document)?;
    Ok(CreateVerifiedDestinationNumberResult {
        created_timestamp: info.created_timestamp,
        destination_phone_number: info.destination_phone_number,
        rcs_agent_id: info.rcs_agent_id,
        status: info.status,
        tags: Some(tags),
        verified_destination_number_arn: info.verified_destination_number_arn,
        verified_destination_number_id: info.verified_destination_number_id,
    })
}

#[cfg(test)]
mod tests {
    use herald_store::ResourceChange;

    use super::*;
    use crate::sms_voice_v2::testing::test_core;

    fn create_request(number: &str) -> CreateVerifiedDestinationNumberRequest {
        CreateVerifiedDestinationNumberRequest {
            client_token: None,
            destination_phone_number: number.into(),
            rcs_agent_id: None,
            tags: None,
        }
    }

    #[tokio::test]
    async fn numbers_older_than_a_day_can_be_deleted() {
        let (core, ctx) = test_core().await;
        let created =
            core.sms_create_verified_destination_number(&ctx, create_request("+12065550100")).await.expect("create");
        let id = created.verified_destination_number_id;
        let delete_request = || DeleteVerifiedDestinationNumberRequest { verified_destination_number_id: id.clone() };
        let error = core.sms_delete_verified_destination_number(&ctx, delete_request()).await.expect_err("too soon");
        assert_eq!(error.member("Reason"), Some(&json!("RESOURCE_DELETION_NOT_ALLOWED")));

        // A day later (the record is rewritten with an older creation time).
        // (The store keeps a record's creation time on update, so the test replaces the record.)
        let record = core.sms_get(&ctx, KIND, &id).await.expect("record");
        let mut aged = record.clone();
        aged.created_at -= Duration::hours(25);
        core.store
            .write_resources(&[delete(&record), ResourceChange::Put { record: aged, expected_version: None }])
            .await
            .expect("age the record");
        let deleted = core.sms_delete_verified_destination_number(&ctx, delete_request()).await.expect("delete");
        assert_eq!(deleted.destination_phone_number, "+12065550100");
        assert!(core.sms_find(&ctx, KIND, &id).await.expect("find").is_none());
    }
}
