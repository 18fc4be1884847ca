//! Keywords on phone numbers and pools: PutKeyword, DeleteKeyword, DescribeKeywords, and the
//! default keyword set every new number and pool starts with (`default_keywords`).
//!
//! A keyword is a "keyword" resource: id `<owner id>/<KEYWORD upper-cased>` (keywords match
//! without regard to case), parent = the phone number id or pool id, document =
//! KeywordInformation.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, DeleteKeywordRequest, DeleteKeywordResult, DescribeKeywordsRequest,
    DescribeKeywordsResult, KeywordAction, KeywordInformation, NumberType, PutKeywordRequest, PutKeywordResult,
    ResourceType, ServiceQuotaExceededExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::Value;

use super::errors::{conflict, internal, invalid, not_found, quota};
use super::identities::Identity;
use super::listing::{Filter, check_filter_count, filtered_page};
use super::resources::{create, delete, new_record, update};
use crate::Core;

/// The opt-out keywords recipients can always use (guide sections 9.1 and 17).
pub(crate) const OPT_OUT_KEYWORDS: [&str; 10] =
    ["ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"];

pub(crate) const HELP_KEYWORD: &str = "HELP";
pub(crate) const STOP_KEYWORD: &str = "STOP";

/// Default responses; owners customise them with PutKeyword (guide section 9.3).
const DEFAULT_HELP_MESSAGE: &str =
    "For help with these messages, contact the sender. Msg & data rates may apply. Reply STOP to unsubscribe.";
const DEFAULT_STOP_MESSAGE: &str = "You are now unsubscribed and will receive no further messages.";

const MAX_KEYWORDS_ASKED: usize = 5;

/// The kinds of identity that own keywords.
const OWNERS: [ResourceType; 2] = [ResourceType::PhoneNumber, ResourceType::Pool];

pub(crate) fn keyword_id(owner_id: &str, keyword: &str) -> String {
    format!("{owner_id}/{}", keyword.to_uppercase())
}

fn keyword_record(
    ctx: &RequestContext,
    owner_id: &str,
    keyword: &str,
    message: &str,
    action: KeywordAction,
) -> ResourceRecord {
    let document = serde_json::json!({
        "Keyword": keyword,
        "KeywordAction": action.as_str(),
        "KeywordMessage": message,
    });
    new_record(ctx, ResourceType::Keyword, &keyword_id(owner_id, keyword), None, Some(owner_id), document)
}

/// The keywords a new phone number or pool starts with: HELP with an automatic response, and
/// every opt-out keyword with the opt-out action. US toll-free numbers only honour STOP (their
/// opt-outs are carrier-managed), so they get HELP and STOP. Write the records in the same
/// `sms_write` that creates the owner.
pub(crate) fn default_keywords(ctx: &RequestContext, owner_id: &str, toll_free: bool) -> Vec<ResourceRecord> {
    let mut records =
        vec![keyword_record(ctx, owner_id, HELP_KEYWORD, DEFAULT_HELP_MESSAGE, KeywordAction::AutomaticResponse)];
    let opt_outs: &[&str] = if toll_free { &[STOP_KEYWORD] } else { &OPT_OUT_KEYWORDS };
    records
        .extend(opt_outs.iter().map(|k| keyword_record(ctx, owner_id, k, DEFAULT_STOP_MESSAGE, KeywordAction::OptOut)));
    records
}

/// Copies of `keywords` (records of another owner) for `owner_id`: a pool created from a number
/// starts with the number's keywords.
pub(crate) fn copy_keywords(ctx: &RequestContext, owner_id: &str, keywords: &[ResourceRecord]) -> Vec<ResourceRecord> {
    keywords
        .iter()
        .filter_map(|record| {
            let information: KeywordInformation = serde_json::from_value(record.document.clone()).ok()?;
            Some(keyword_record(
                ctx,
                owner_id,
                &information.keyword,
                &information.keyword_message,
                information.keyword_action,
            ))
        })
        .collect()
}

/// The action a required keyword must keep, if `keyword` is one.
fn required_action(keyword: &str) -> Option<KeywordAction> {
    let upper = keyword.to_uppercase();
    if upper == HELP_KEYWORD {
        Some(KeywordAction::AutomaticResponse)
    } else if OPT_OUT_KEYWORDS.contains(&upper.as_str()) {
        Some(KeywordAction::OptOut)
    } else {
        None
    }
}

/// Keyword: 1 to 30 characters, spaces allowed inside but no other whitespace (pattern
/// `[ \S]+`), and no leading or trailing space.
fn check_keyword(field: &str, keyword: &str) -> Result<(), ApiError> {
    let length = keyword.chars().count();
    if !(1..=30).contains(&length) {
        return Err(invalid(field, "must be 1 to 30 characters"));
    }
    if keyword.chars().any(|c| c.is_whitespace() && c != ' ') || keyword.starts_with(' ') || keyword.ends_with(' ') {
        return Err(invalid(field, "can't contain tabs or line breaks, or start or end with a space"));
    }
    Ok(())
}

/// KeywordMessage: 1 to 1600 characters, not only whitespace.
fn check_message(message: &str) -> Result<(), ApiError> {
    if message.chars().count() > 1600 || message.trim().is_empty() {
        return Err(invalid("KeywordMessage", "must be 1 to 1600 characters and not only whitespace"));
    }
    Ok(())
}

fn is_toll_free(owner: &Identity) -> bool {
    owner.kind == ResourceType::PhoneNumber
        && owner.record.document.get("NumberType").and_then(Value::as_str) == Some(NumberType::TollFree.as_str())
}

impl Core {
    async fn sms_keyword_owner(&self, ctx: &RequestContext, value: &str) -> Result<Identity, ApiError> {
        self.sms_resolve_identity(ctx, value, None, &OWNERS).await
    }

    /// Adds a keyword or overwrites the one of the same name (without regard to case).
    pub(crate) async fn sms_put_keyword(
        &self,
        ctx: &RequestContext,
        input: PutKeywordRequest,
    ) -> Result<PutKeywordResult, ApiError> {
        check_keyword("Keyword", &input.keyword)?;
        check_message(&input.keyword_message)?;
        let action = input.keyword_action.unwrap_or(KeywordAction::AutomaticResponse);
        let owner = self.sms_keyword_owner(ctx, &input.origination_identity).await?;
        let owner_id = owner.record.id.clone();
        let refuse = |message: String| {
            conflict(
                ConflictExceptionReason::ResourceModificationNotAllowed,
                ResourceType::Keyword,
                &input.keyword,
                message,
            )
        };
        // HELP and the opt-out keywords must keep doing what the carriers require; only their
        // response can change.
        if let Some(required) = required_action(&input.keyword)
            && required != action
        {
            return Err(refuse(format!("The keyword {} must keep the action {required}", input.keyword)));
        }
        // US toll-free opt-outs are carrier-managed: STOP's reply is fixed and no other opt-out
        // keyword can be added.
        if is_toll_free(&owner) && action == KeywordAction::OptOut {
            return Err(refuse(format!(
                "Opt-out keywords of the toll-free number {owner_id} are managed by the carriers and can't be changed"
            )));
        }
        let id = keyword_id(&owner_id, &input.keyword);
        let record = keyword_record(ctx, &owner_id, &input.keyword, &input.keyword_message, action);
        let change = match self.sms_find(ctx, ResourceType::Keyword, &id).await? {
            Some(existing) => update(&existing, record.document),
            None => {
                let (limit, reason) = match owner.kind {
                    ResourceType::Pool => {
                        (self.sms_quotas.keywords_per_pool, ServiceQuotaExceededExceptionReason::KeywordsPerPool)
                    }
                    _ => (
                        self.sms_quotas.keywords_per_phone_number,
                        ServiceQuotaExceededExceptionReason::KeywordsPerPhoneNumber,
                    ),
                };
                if self.sms_list(ctx, ResourceType::Keyword, Some(&owner_id)).await?.len() as u64 >= limit {
                    return Err(quota(reason, format!("The {} {owner_id} already has {limit} keywords", owner.kind)));
                }
                create(record)
            }
        };
        self.sms_write(&[change], (ResourceType::Keyword, &input.keyword)).await?;
        Ok(PutKeywordResult {
            keyword: Some(input.keyword),
            keyword_action: Some(action),
            keyword_message: Some(input.keyword_message),
            origination_identity: Some(owner.wire_id()),
            origination_identity_arn: Some(owner.arn()),
        })
    }

    /// Deletes a keyword; HELP and the opt-out keywords can't be deleted.
    pub(crate) async fn sms_delete_keyword(
        &self,
        ctx: &RequestContext,
        input: DeleteKeywordRequest,
    ) -> Result<DeleteKeywordResult, ApiError> {
        check_keyword("Keyword", &input.keyword)?;
        let owner = self.sms_keyword_owner(ctx, &input.origination_identity).await?;
        if required_action(&input.keyword).is_some() {
            return Err(conflict(
                ConflictExceptionReason::ResourceDeletionNotAllowed,
                ResourceType::Keyword,
                &input.keyword,
                format!("The keyword {} is required and can't be deleted", input.keyword),
            ));
        }
        let record = self
            .sms_find(ctx, ResourceType::Keyword, &keyword_id(&owner.record.id, &input.keyword))
            .await?
            .ok_or_else(|| not_found(ResourceType::Keyword, &input.keyword))?;
        self.sms_write(&[delete(&record)], (ResourceType::Keyword, &input.keyword)).await?;
        let information: KeywordInformation = serde_json::from_value(record.document).map_err(internal)?;
        Ok(DeleteKeywordResult {
            keyword: Some(information.keyword),
            keyword_action: Some(information.keyword_action),
            keyword_message: Some(information.keyword_message),
            origination_identity: Some(owner.wire_id()),
            origination_identity_arn: Some(owner.arn()),
        })
    }

    pub(crate) async fn sms_describe_keywords(
        &self,
        ctx: &RequestContext,
        input: DescribeKeywordsRequest,
    ) -> Result<DescribeKeywordsResult, ApiError> {
        let wanted = input.keywords.unwrap_or_default();
        if wanted.len() > MAX_KEYWORDS_ASKED {
            return Err(invalid("Keywords", "can name at most 5 keywords"));
        }
        for keyword in &wanted {
            check_keyword("Keywords", keyword)?;
        }
        let filters = input.filters.unwrap_or_default();
        check_filter_count(filters.len())?;
        let owner = self.sms_keyword_owner(ctx, &input.origination_identity).await?;
        let documents: Vec<Value> = self
            .sms_keywords_of(ctx, &owner.record.id)
            .await?
            .into_iter()
            .map(|record| record.document)
            .filter(|document| {
                wanted.is_empty()
                    || document
                        .get("Keyword")
                        .and_then(Value::as_str)
                        .is_some_and(|k| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)))
            })
            .collect();
        let filters: Vec<Filter<'_>> =
            filters.iter().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let (keywords, next_token) = filtered_page::<KeywordInformation>(
            documents,
            &filters,
            &[("keyword-action", "KeywordAction")],
            input.max_results,
            input.next_token.as_deref(),
        )?;
        Ok(DescribeKeywordsResult {
            keywords: Some(keywords),
            next_token,
            origination_identity: Some(owner.wire_id()),
            origination_identity_arn: Some(owner.arn()),
        })
    }

    /// A number's or pool's keywords, in keyword order so pages are stable and readable.
    pub(crate) async fn sms_keywords_of(
        &self,
        ctx: &RequestContext,
        owner_id: &str,
    ) -> Result<Vec<ResourceRecord>, ApiError> {
        let mut records = self.sms_list(ctx, ResourceType::Keyword, Some(owner_id)).await?;
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            account_id: "111122223333".into(),
            access_key_id: "AKIA".into(),
            region: "us-east-1".into(),
            source_ip: None,
            user_agent: None,
        }
    }

    #[test]
    fn defaults_hold_help_and_every_opt_out_keyword() {
        let records = default_keywords(&ctx(), "pool-1", false);
        assert_eq!(records.len(), 11);
        assert!(records.iter().all(|r| r.parent_id.as_deref() == Some("pool-1")));
        assert!(records.iter().any(|r| r.id == "pool-1/OPT-OUT" && r.document["KeywordAction"] == "OPT_OUT"));
        assert!(records.iter().any(|r| r.id == "pool-1/HELP" && r.document["KeywordAction"] == "AUTOMATIC_RESPONSE"));
        let toll_free = default_keywords(&ctx(), "phone-1", true);
        let ids: Vec<&str> = toll_free.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["phone-1/HELP", "phone-1/STOP"]);
    }

    #[test]
    fn keyword_rules() {
        assert!(check_keyword("Keyword", "JOIN").is_ok());
        assert!(check_keyword("Keyword", "two words").is_ok());
        assert!(check_keyword("Keyword", "").is_err());
        assert!(check_keyword("Keyword", " lead").is_err());
        assert!(check_keyword("Keyword", "tab\there").is_err());
        assert!(check_keyword("Keyword", &"k".repeat(31)).is_err());
        assert_eq!(required_action("stop"), Some(KeywordAction::OptOut));
        assert_eq!(required_action("Help"), Some(KeywordAction::AutomaticResponse));
        assert_eq!(required_action("JOIN"), None);
        assert!(check_message("   ").is_err());
    }
}
