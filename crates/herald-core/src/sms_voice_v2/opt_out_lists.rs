//! Opt-out lists and the numbers in them: CreateOptOutList, DeleteOptOutList,
//! DescribeOptOutLists, PutOptedOutNumber, DeleteOptedOutNumber, DescribeOptedOutNumbers, and
//! the helpers the sending and inbound engines call (`sms_is_opted_out`, `sms_record_opt_out`,
//! `sms_record_opt_in`).
//!
//! A list is an "opt-out-list" resource (id = name = OptOutListName, document =
//! OptOutListInformation). Each number in it is an "opted-out-number" resource (id =
//! `<list>/<number>`, parent = the list's name, document = OptedOutNumberInformation). Removing a
//! number keeps its record with the internal members `Removed` and `RemovedTimestamp`, because a
//! number can be removed only once every 30 days.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, CreateOptOutListRequest, CreateOptOutListResult, DeleteOptOutListRequest,
    DeleteOptOutListResult, DeleteOptedOutNumberRequest, DeleteOptedOutNumberResult, DescribeOptOutListsRequest,
    DescribeOptOutListsResult, DescribeOptedOutNumbersRequest, DescribeOptedOutNumbersResult, OptOutListInformation,
    OptedOutNumberInformation, Owner, PutOptedOutNumberRequest, PutOptedOutNumberResult, ResourceType,
    ServiceQuotaExceededExceptionReason, ValidationExceptionReason,
};
use herald_proto::wire::EpochSeconds;
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, internal, invalid, not_found, quota, validation};
use super::identities::is_e164;
use super::ids::{arn, id_or_arn};
use super::listing::{Filter, check_describe, check_filter_count, filtered_page, page};
use super::pools::{check_tags, now_seconds, recent_token};
use super::resources::{create, delete, new_record, update};
use crate::Core;

/// The list every new phone number and pool starts with. It exists implicitly: it is created
/// the first time anything reads or references it.
pub(crate) const DEFAULT_OPT_OUT_LIST: &str = "Default";

/// A removed number can't be removed again within this time (DeleteOptedOutNumber's rule).
const REMOVAL_INTERVAL: Duration = Duration::days(30);

/// At most this many names or numbers in one Describe call, as the model allows.
const MAX_NAMES: usize = 5;

/// OptOutListName: 1 to 64 of `[A-Za-z0-9_-]`.
fn check_list_name(name: &str) -> Result<(), ApiError> {
    let valid =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(invalid("OptOutListName", "must be 1 to 64 letters, digits, _ or -")) }
}

fn check_number(field: &str, number: &str) -> Result<(), ApiError> {
    if is_e164(number) {
        Ok(())
    } else {
        Err(invalid(field, "must be a phone number in E.164 format, such as +12065550100"))
    }
}

fn opted_out_id(list: &str, number: &str) -> String {
    format!("{list}/{number}")
}

fn list_information(record: &ResourceRecord) -> Result<OptOutListInformation, ApiError> {
    serde_json::from_value(record.document.clone()).map_err(internal)
}

fn number_information(record: &ResourceRecord) -> Result<OptedOutNumberInformation, ApiError> {
    serde_json::from_value(record.document.clone()).map_err(internal)
}

fn is_removed(record: &ResourceRecord) -> bool {
    record.document.get("Removed").and_then(Value::as_bool).unwrap_or(false)
}

fn list_record(ctx: &RequestContext, name: &str, client_token: Option<&str>) -> Result<ResourceRecord, ApiError> {
    let information = OptOutListInformation {
        created_timestamp: EpochSeconds(now_seconds()),
        opt_out_list_arn: arn(ctx, ResourceType::OptOutList, name),
        opt_out_list_name: name.to_string(),
    };
    let mut document = serde_json::to_value(&information).map_err(internal)?;
    if let Some(token) = client_token {
        document["ClientToken"] = json!(token);
    }
    Ok(new_record(ctx, ResourceType::OptOutList, name, Some(name), None, document))
}

fn number_document(number: &str, end_user: bool) -> Result<Value, ApiError> {
    let information = OptedOutNumberInformation {
        end_user_opted_out: end_user,
        opted_out_number: number.to_string(),
        opted_out_timestamp: EpochSeconds(now_seconds()),
    };
    serde_json::to_value(&information).map_err(internal)
}

impl Core {
    /// The account's Default list, created on first use.
    pub(crate) async fn sms_default_opt_out_list(&self, ctx: &RequestContext) -> Result<ResourceRecord, ApiError> {
        if let Some(record) = self.sms_find(ctx, ResourceType::OptOutList, DEFAULT_OPT_OUT_LIST).await? {
            return Ok(record);
        }
        let record = list_record(ctx, DEFAULT_OPT_OUT_LIST, None)?;
        match self.sms_write(&[create(record.clone())], (ResourceType::OptOutList, DEFAULT_OPT_OUT_LIST)).await {
            Ok(()) => Ok(record),
            // Another request created it first: use theirs.
            Err(error) => self.sms_find(ctx, ResourceType::OptOutList, DEFAULT_OPT_OUT_LIST).await?.ok_or(error),
        }
    }

    /// The list a name or ARN names (ResourceNotFoundException otherwise). Naming the Default
    /// list creates it if needed, so numbers, pools and UpdatePhoneNumber can refer to it freely.
    pub(crate) async fn sms_opt_out_list(
        &self,
        ctx: &RequestContext,
        name_or_arn: &str,
    ) -> Result<ResourceRecord, ApiError> {
        let name = id_or_arn(ctx, name_or_arn, ResourceType::OptOutList)?;
        if name == DEFAULT_OPT_OUT_LIST {
            return self.sms_default_opt_out_list(ctx).await;
        }
        self.sms_get(ctx, ResourceType::OptOutList, &name).await
    }

    /// Whether `number` is in the list: the sending engine refuses such a send
    /// (DESTINATION_PHONE_NUMBER_OPTED_OUT).
    #[allow(dead_code)] // until the sending engine calls it
    pub(crate) async fn sms_is_opted_out(&self, account_id: &str, list: &str, number: &str) -> Result<bool, ApiError> {
        let record = self
            .store
            .get_resource(account_id, ResourceType::OptedOutNumber.as_str(), &opted_out_id(list, number))
            .await
            .map_err(internal)?;
        Ok(record.is_some_and(|record| !is_removed(&record)))
    }

    /// Adds `number` to the list: `end_user` when the recipient opted out with a keyword (the
    /// inbound engine), false for PutOptedOutNumber. A number already in the list keeps its
    /// timestamp; an end-user opt-out marks a manual entry as the end user's. Answers the entry
    /// (an OptedOutNumberInformation document).
    pub(crate) async fn sms_record_opt_out(
        &self,
        ctx: &RequestContext,
        list: &ResourceRecord,
        number: &str,
        end_user: bool,
    ) -> Result<Value, ApiError> {
        let id = opted_out_id(&list.id, number);
        let (change, document) = match self.sms_find(ctx, ResourceType::OptedOutNumber, &id).await? {
            Some(existing) if !is_removed(&existing) => {
                let already_end_user = existing.document.get("EndUserOptedOut").and_then(Value::as_bool) == Some(true);
                if !end_user || already_end_user {
                    return Ok(existing.document);
                }
                let mut document = existing.document.clone();
                document["EndUserOptedOut"] = json!(true);
                (update(&existing, document.clone()), document)
            }
            Some(removed) => {
                // Back in the list; keep when it was last removed, for the 30-day rule.
                let mut document = number_document(number, end_user)?;
                if let Some(at) = removed.document.get("RemovedTimestamp") {
                    document["RemovedTimestamp"] = at.clone();
                }
                (update(&removed, document.clone()), document)
            }
            None => {
                let document = number_document(number, end_user)?;
                let record = new_record(ctx, ResourceType::OptedOutNumber, &id, None, Some(&list.id), document.clone());
                (create(record), document)
            }
        };
        self.sms_write(&[change], (ResourceType::OptedOutNumber, number)).await?;
        Ok(document)
    }

    /// Takes `number` out of the list (an OPT_IN keyword, or DeleteOptedOutNumber once its
    /// rules passed). Returns the removed entry, or None when the number wasn't in the list.
    pub(crate) async fn sms_record_opt_in(
        &self,
        ctx: &RequestContext,
        list: &str,
        number: &str,
    ) -> Result<Option<ResourceRecord>, ApiError> {
        let Some(existing) = self.sms_find(ctx, ResourceType::OptedOutNumber, &opted_out_id(list, number)).await?
        else {
            return Ok(None);
        };
        if is_removed(&existing) {
            return Ok(None);
        }
        let mut document = existing.document.clone();
        document["Removed"] = json!(true);
        document["RemovedTimestamp"] = json!(now_seconds().unix_timestamp());
        self.sms_write(&[update(&existing, document)], (ResourceType::OptedOutNumber, number)).await?;
        Ok(Some(existing))
    }

    pub(crate) async fn sms_create_opt_out_list(
        &self,
        ctx: &RequestContext,
        input: CreateOptOutListRequest,
    ) -> Result<CreateOptOutListResult, ApiError> {
        let name = input.opt_out_list_name;
        check_list_name(&name)?;
        let tags = input.tags.unwrap_or_default();
        check_tags(&tags)?;
        let token = input.client_token.as_deref();
        if let Some(existing) = self.sms_find(ctx, ResourceType::OptOutList, &name).await? {
            // The same request again (same ClientToken within 24 hours) answers the same list.
            if recent_token(&existing, token) {
                return self.sms_created_list(ctx, &existing).await;
            }
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyExists,
                ResourceType::OptOutList,
                &name,
                format!("The opt-out list {name} already exists"),
            ));
        }
        // The Default list exists implicitly and counts toward the quota.
        self.sms_default_opt_out_list(ctx).await?;
        let limit = self.sms_quotas.opt_out_lists;
        if self.sms_count(ctx, ResourceType::OptOutList).await? >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::OptOutListsPerAccount,
                format!("An account can have at most {limit} opt-out lists, the Default list included"),
            ));
        }
        let record = list_record(ctx, &name, token)?;
        self.sms_write(&[create(record.clone())], (ResourceType::OptOutList, &name)).await?;
        self.sms_tag(ctx, ResourceType::OptOutList, &name, &tags).await?;
        self.sms_created_list(ctx, &record).await
    }

    async fn sms_created_list(
        &self,
        ctx: &RequestContext,
        record: &ResourceRecord,
    ) -> Result<CreateOptOutListResult, ApiError> {
        let information = list_information(record)?;
        let tags = self.sms_tags(ctx, ResourceType::OptOutList, &record.id).await?;
        Ok(CreateOptOutListResult {
            created_timestamp: Some(information.created_timestamp),
            opt_out_list_arn: Some(information.opt_out_list_arn),
            opt_out_list_name: Some(information.opt_out_list_name),
            tags: Some(tags),
        })
    }

    /// Deletes a list and every number in it. The Default list can't be deleted, and neither
    /// can a list a phone number or pool still uses.
    pub(crate) async fn sms_delete_opt_out_list(
        &self,
        ctx: &RequestContext,
        input: DeleteOptOutListRequest,
    ) -> Result<DeleteOptOutListResult, ApiError> {
        let name = id_or_arn(ctx, &input.opt_out_list_name, ResourceType::OptOutList)?;
        if name == DEFAULT_OPT_OUT_LIST {
            return Err(conflict(
                ConflictExceptionReason::ResourceDeletionNotAllowed,
                ResourceType::OptOutList,
                &name,
                "The Default opt-out list is required and can't be deleted",
            ));
        }
        let list = self.sms_get(ctx, ResourceType::OptOutList, &name).await?;
        for kind in [ResourceType::PhoneNumber, ResourceType::Pool] {
            let users = self.sms_list(ctx, kind, None).await?;
            if let Some(user) =
                users.iter().find(|r| r.document.get("OptOutListName").and_then(Value::as_str) == Some(name.as_str()))
            {
                return Err(conflict(
                    ConflictExceptionReason::ResourceNotEmpty,
                    ResourceType::OptOutList,
                    &name,
                    format!("The opt-out list {name} is in use by the {kind} {}", user.id),
                ));
            }
        }
        let mut changes: Vec<_> =
            self.sms_list(ctx, ResourceType::OptedOutNumber, Some(&name)).await?.iter().map(delete).collect();
        changes.push(delete(&list));
        self.sms_write(&changes, (ResourceType::OptOutList, &name)).await?;
        self.sms_drop_tags(ctx, ResourceType::OptOutList, &name).await?;
        let information = list_information(&list)?;
        Ok(DeleteOptOutListResult {
            created_timestamp: Some(information.created_timestamp),
            opt_out_list_arn: Some(information.opt_out_list_arn),
            opt_out_list_name: Some(information.opt_out_list_name),
        })
    }

    pub(crate) async fn sms_describe_opt_out_lists(
        &self,
        ctx: &RequestContext,
        input: DescribeOptOutListsRequest,
    ) -> Result<DescribeOptOutListsResult, ApiError> {
        let names = input.opt_out_list_names.unwrap_or_default();
        check_describe(input.owner.is_some(), "OptOutListNames", names.len(), "opt-out lists", 0)?;
        // Nothing is shared between accounts here.
        if input.owner == Some(Owner::Shared) {
            return Ok(DescribeOptOutListsResult { next_token: None, opt_out_lists: Some(Vec::new()) });
        }
        let records = if names.is_empty() {
            self.sms_default_opt_out_list(ctx).await?;
            self.sms_list(ctx, ResourceType::OptOutList, None).await?
        } else {
            let mut records = Vec::with_capacity(names.len());
            for name in &names {
                records.push(self.sms_opt_out_list(ctx, name).await?);
            }
            records
        };
        let (records, next_token) = page(records, input.max_results, input.next_token.as_deref())?;
        let lists = records.iter().map(list_information).collect::<Result<Vec<_>, _>>()?;
        Ok(DescribeOptOutListsResult { next_token, opt_out_lists: Some(lists) })
    }

    pub(crate) async fn sms_put_opted_out_number(
        &self,
        ctx: &RequestContext,
        input: PutOptedOutNumberRequest,
    ) -> Result<PutOptedOutNumberResult, ApiError> {
        check_number("OptedOutNumber", &input.opted_out_number)?;
        let list = self.sms_opt_out_list(ctx, &input.opt_out_list_name).await?;
        let document = self.sms_record_opt_out(ctx, &list, &input.opted_out_number, false).await?;
        let information: OptedOutNumberInformation = serde_json::from_value(document).map_err(internal)?;
        Ok(PutOptedOutNumberResult {
            end_user_opted_out: Some(information.end_user_opted_out),
            opt_out_list_arn: Some(list_information(&list)?.opt_out_list_arn),
            opt_out_list_name: Some(list.id.clone()),
            opted_out_number: Some(information.opted_out_number),
            opted_out_timestamp: Some(information.opted_out_timestamp),
        })
    }

    /// Lets the number receive again. A number can be removed only once every 30 days
    /// (ValidationException PHONE_NUMBER_CANNOT_BE_OPTED_IN).
    pub(crate) async fn sms_delete_opted_out_number(
        &self,
        ctx: &RequestContext,
        input: DeleteOptedOutNumberRequest,
    ) -> Result<DeleteOptedOutNumberResult, ApiError> {
        let number = input.opted_out_number;
        check_number("OptedOutNumber", &number)?;
        let list = self.sms_opt_out_list(ctx, &input.opt_out_list_name).await?;
        let record = self
            .sms_find(ctx, ResourceType::OptedOutNumber, &opted_out_id(&list.id, &number))
            .await?
            .filter(|record| !is_removed(record))
            .ok_or_else(|| not_found(ResourceType::OptedOutNumber, &number))?;
        let last_removed = record
            .document
            .get("RemovedTimestamp")
            .and_then(Value::as_i64)
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok());
        if let Some(at) = last_removed
            && OffsetDateTime::now_utc() - at < REMOVAL_INTERVAL
        {
            return Err(validation(
                ValidationExceptionReason::PhoneNumberCannotBeOptedIn,
                format!("{number} was removed from the opt-out list less than 30 days ago"),
                &[("OptedOutNumber", "can be removed only once every 30 days")],
            ));
        }
        let information = number_information(&record)?;
        self.sms_record_opt_in(ctx, &list.id, &number).await?;
        Ok(DeleteOptedOutNumberResult {
            end_user_opted_out: Some(information.end_user_opted_out),
            opt_out_list_arn: Some(list_information(&list)?.opt_out_list_arn),
            opt_out_list_name: Some(list.id.clone()),
            opted_out_number: Some(number),
            opted_out_timestamp: Some(information.opted_out_timestamp),
        })
    }

    pub(crate) async fn sms_describe_opted_out_numbers(
        &self,
        ctx: &RequestContext,
        input: DescribeOptedOutNumbersRequest,
    ) -> Result<DescribeOptedOutNumbersResult, ApiError> {
        let numbers = input.opted_out_numbers.unwrap_or_default();
        if numbers.len() > MAX_NAMES {
            return Err(invalid("OptedOutNumbers", "can name at most 5 numbers"));
        }
        for number in &numbers {
            check_number("OptedOutNumbers", number)?;
        }
        let filters = input.filters.unwrap_or_default();
        check_filter_count(filters.len())?;
        let list = self.sms_opt_out_list(ctx, &input.opt_out_list_name).await?;
        let documents: Vec<Value> = self
            .sms_list(ctx, ResourceType::OptedOutNumber, Some(&list.id))
            .await?
            .into_iter()
            .filter(|record| !is_removed(record))
            .map(|record| record.document)
            .filter(|document| {
                numbers.is_empty()
                    || document
                        .get("OptedOutNumber")
                        .and_then(Value::as_str)
                        .is_some_and(|n| numbers.iter().any(|wanted| wanted == n))
            })
            .collect();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let (numbers, next_token) = filtered_page::<OptedOutNumberInformation>(
            documents,
            &filters,
            &[("end-user-opted-out", "EndUserOptedOut")],
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(DescribeOptedOutNumbersResult {
            next_token,
            opt_out_list_arn: Some(list_information(&list)?.opt_out_list_arn),
            opt_out_list_name: Some(list.id.clone()),
            opted_out_numbers: Some(numbers),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names() {
        assert!(check_list_name("Default").is_ok());
        assert!(check_list_name("my_list-2").is_ok());
        assert!(check_list_name("").is_err());
        assert!(check_list_name("has space").is_err());
        assert!(check_list_name(&"a".repeat(65)).is_err());
    }
}
