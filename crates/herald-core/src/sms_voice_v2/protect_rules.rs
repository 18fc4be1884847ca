//! What a protect configuration decides: its country rule sets (Get/Update
//! ProtectConfigurationCountryRuleSet) and its per-number overrides (Put/Delete/List
//! ProtectConfigurationRuleSetNumberOverride), and the two decisions a send asks of them.
//!
//! Both live in the protect configuration's document as internal members:
//! - `CountryRuleSets`: `{ "<NumberCapability>": { "<ISO country>": "<ProtectStatus>" } }`,
//!   holding only the countries that are not ALLOW (every country starts as ALLOW);
//! - `RuleSetNumberOverrides`: `{ "<E.164 number>": <ProtectConfigurationRuleSetNumberOverride> }`.

use std::collections::BTreeMap;

use herald_api::sms_voice_v2::types::{
    DeleteProtectConfigurationRuleSetNumberOverrideRequest, DeleteProtectConfigurationRuleSetNumberOverrideResult,
    GetProtectConfigurationCountryRuleSetRequest, GetProtectConfigurationCountryRuleSetResult,
    ListProtectConfigurationRuleSetNumberOverridesRequest, ListProtectConfigurationRuleSetNumberOverridesResult,
    NumberCapability, ProtectConfigurationCountryRuleSetInformation, ProtectConfigurationRuleOverrideAction,
    ProtectConfigurationRuleSetNumberOverride, ProtectConfigurationRuleSetNumberOverrideFilterItem,
    ProtectConfigurationRuleSetNumberOverrideFilterName as FilterName, ProtectStatus,
    PutProtectConfigurationRuleSetNumberOverrideRequest, PutProtectConfigurationRuleSetNumberOverrideResult,
    ResourceType, UpdateProtectConfigurationCountryRuleSetRequest, UpdateProtectConfigurationCountryRuleSetResult,
    ValidationExceptionReason,
};
use herald_proto::wire::EpochSeconds;
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::configuration_sets::{from_document, members, now_seconds};
use super::countries;
use super::errors::{internal, invalid, not_found, validation};
use super::listing::page;
use super::resources::update;
use crate::Core;

/// At most this many countries change in one UpdateProtectConfigurationCountryRuleSet.
pub(super) const MAX_RULE_UPDATES: usize = 300;

const RULE_SETS: &str = "CountryRuleSets";
const OVERRIDES: &str = "RuleSetNumberOverrides";

/// The rule a protect configuration document sets for sending on `channel` ("SMS", "MMS",
/// "VOICE" or "RCS") to `iso_country`: ALLOW unless a rule says otherwise.
pub(crate) fn country_decision(document: &Value, channel: &str, iso_country: &str) -> ProtectStatus {
    document
        .get(RULE_SETS)
        .and_then(|sets| sets.get(channel))
        .and_then(|rules| rules.get(iso_country))
        .and_then(Value::as_str)
        .and_then(ProtectStatus::from_wire)
        .unwrap_or(ProtectStatus::Allow)
}

/// The unexpired override a protect configuration document sets for `destination` (E.164, with
/// or without `+`), if any. An override wins over the destination country's rule.
#[allow(dead_code, reason = "the sending engine (a later issue) calls it")]
pub(crate) fn number_override(
    document: &Value,
    destination: &str,
    now: OffsetDateTime,
) -> Option<ProtectConfigurationRuleOverrideAction> {
    let number = normalize(destination);
    let stored = document.get(OVERRIDES)?.get(&number)?;
    let rule: ProtectConfigurationRuleSetNumberOverride = serde_json::from_value(stored.clone()).ok()?;
    if expired(&rule, now) {
        return None;
    }
    Some(rule.action)
}

/// A number in E.164 form, `+` first.
fn normalize(number: &str) -> String {
    format!("+{}", number.strip_prefix('+').unwrap_or(number))
}

fn expired(rule: &ProtectConfigurationRuleSetNumberOverride, now: OffsetDateTime) -> bool {
    rule.expiration_timestamp.is_some_and(|at| at.0 <= now)
}

/// A destination of the model's pattern `\+?[1-9][0-9]{1,18}`, in E.164 form.
fn check_number(number: &str) -> Result<String, ApiError> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let valid =
        (2..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    if valid {
        Ok(normalize(digits))
    } else {
        Err(invalid("DestinationPhoneNumber", "must be a phone number in E.164 format"))
    }
}

/// The document's full rule set for `capability`: every country, ALLOW unless a rule says
/// otherwise.
fn full_rule_set(
    document: &Value,
    capability: NumberCapability,
) -> BTreeMap<String, ProtectConfigurationCountryRuleSetInformation> {
    countries::all()
        .map(|iso| {
            let protect_status = country_decision(document, capability.as_str(), iso);
            (iso.to_string(), ProtectConfigurationCountryRuleSetInformation { protect_status })
        })
        .collect()
}

/// A filter timestamp: epoch seconds or RFC 3339.
fn filter_time(value: &str) -> Result<OffsetDateTime, ApiError> {
    let parsed = match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() => OffsetDateTime::from_unix_timestamp(seconds.floor() as i64).ok(),
        Ok(_) => None,
        Err(_) => OffsetDateTime::parse(value, &Rfc3339).ok(),
    };
    parsed.ok_or_else(|| {
        validation(
            ValidationExceptionReason::InvalidFilterValues,
            format!("{value} is not a timestamp (epoch seconds or RFC 3339)"),
            &[("Filters", "invalid timestamp")],
        )
    })
}

/// Whether an override passes one filter: any of the filter's values may match.
fn passes(
    rule: &ProtectConfigurationRuleSetNumberOverride,
    filter: &ProtectConfigurationRuleSetNumberOverrideFilterItem,
) -> Result<bool, ApiError> {
    if filter.values.is_empty() {
        return Err(validation(
            ValidationExceptionReason::InvalidFilterValues,
            format!("Filter {} has no values", filter.name.as_str()),
            &[("Filters", "no values")],
        ));
    }
    let mut any = false;
    for value in &filter.values {
        let matched = match filter.name {
            FilterName::IsoCountryCode => {
                rule.iso_country_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(value))
            }
            FilterName::DestinationPhoneNumberBeginsWith => {
                normalize(&rule.destination_phone_number).starts_with(&normalize(value))
            }
            FilterName::Action => rule.action.as_str().eq_ignore_ascii_case(value),
            // A rule that never expires expires after any time, and before none.
            FilterName::ExpiresBefore => {
                let at = filter_time(value)?;
                rule.expiration_timestamp.is_some_and(|e| e.0 < at)
            }
            FilterName::ExpiresAfter => {
                let at = filter_time(value)?;
                rule.expiration_timestamp.is_none_or(|e| e.0 > at)
            }
            FilterName::CreatedBefore => rule.created_timestamp.0 < filter_time(value)?,
            FilterName::CreatedAfter => rule.created_timestamp.0 > filter_time(value)?,
        };
        any |= matched;
    }
    Ok(any)
}

/// The stored overrides of a document, by number.
fn overrides(document: &Value) -> Result<Vec<ProtectConfigurationRuleSetNumberOverride>, ApiError> {
    let Some(stored) = document.get(OVERRIDES).and_then(Value::as_object) else { return Ok(Vec::new()) };
    let mut rules =
        stored.values().map(from_document).collect::<Result<Vec<ProtectConfigurationRuleSetNumberOverride>, _>>()?;
    rules.sort_by(|a, b| a.destination_phone_number.cmp(&b.destination_phone_number));
    Ok(rules)
}

/// The document's member map `name`, created empty if missing.
fn member_map<'a>(document: &'a mut Value, name: &str) -> Result<&'a mut Map<String, Value>, ApiError> {
    members(document)?
        .entry(name.to_string())
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| internal(format!("protect configuration member {name} is not a JSON object")))
}

fn arn_and_id(record: &ResourceRecord) -> (String, String) {
    let arn = record.document.get("ProtectConfigurationArn").and_then(Value::as_str).unwrap_or_default();
    (arn.to_string(), record.id.clone())
}

impl Core {
    pub(crate) async fn sms_get_protect_configuration_country_rule_set(
        &self,
        ctx: &RequestContext,
        input: GetProtectConfigurationCountryRuleSetRequest,
    ) -> Result<GetProtectConfigurationCountryRuleSetResult, ApiError> {
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let (protect_configuration_arn, protect_configuration_id) = arn_and_id(&record);
        Ok(GetProtectConfigurationCountryRuleSetResult {
            country_rule_set: full_rule_set(&record.document, input.number_capability),
            number_capability: input.number_capability,
            protect_configuration_arn,
            protect_configuration_id,
        })
    }

    /// Changes the given countries of one capability's rule set and answers the whole set.
    pub(crate) async fn sms_update_protect_configuration_country_rule_set(
        &self,
        ctx: &RequestContext,
        input: UpdateProtectConfigurationCountryRuleSetRequest,
    ) -> Result<UpdateProtectConfigurationCountryRuleSetResult, ApiError> {
        let updates = input.country_rule_set_updates;
        if updates.is_empty() {
            return Err(invalid("CountryRuleSetUpdates", "must change at least one country"));
        }
        if updates.len() > MAX_RULE_UPDATES {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!("At most {MAX_RULE_UPDATES} countries can change in one request, not {}", updates.len()),
                &[("CountryRuleSetUpdates", "too many countries")],
            ));
        }
        if let Some(unknown) = updates.keys().find(|iso| !countries::is_known(iso)) {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!("{unknown} is not a supported ISO country code"),
                &[("CountryRuleSetUpdates", "unknown country")],
            ));
        }
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let capability = input.number_capability;
        let mut document = record.document.clone();
        let sets = member_map(&mut document, RULE_SETS)?;
        let rules = sets.entry(capability.as_str().to_string()).or_insert_with(|| json!({}));
        let rules =
            rules.as_object_mut().ok_or_else(|| internal("protect configuration rule set is not a JSON object"))?;
        for (iso, rule) in &updates {
            match rule.protect_status {
                ProtectStatus::Allow => rules.remove(iso),
                status => rules.insert(iso.clone(), json!(status.as_str())),
            };
        }
        self.sms_write(&[update(&record, document.clone())], (ResourceType::ProtectConfiguration, &record.id)).await?;
        let (protect_configuration_arn, protect_configuration_id) = arn_and_id(&record);
        Ok(UpdateProtectConfigurationCountryRuleSetResult {
            country_rule_set: full_rule_set(&document, capability),
            number_capability: capability,
            protect_configuration_arn,
            protect_configuration_id,
        })
    }

    /// Creates or replaces the override for one destination. A replaced override keeps its
    /// creation time.
    pub(crate) async fn sms_put_protect_configuration_rule_set_number_override(
        &self,
        ctx: &RequestContext,
        input: PutProtectConfigurationRuleSetNumberOverrideRequest,
    ) -> Result<PutProtectConfigurationRuleSetNumberOverrideResult, ApiError> {
        let number = check_number(&input.destination_phone_number)?;
        if input.expiration_timestamp.is_some_and(|at| at.0 <= OffsetDateTime::now_utc()) {
            return Err(invalid("ExpirationTimestamp", "must be in the future"));
        }
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let mut document = record.document.clone();
        let stored = member_map(&mut document, OVERRIDES)?;
        let created = stored.get(&number).and_then(|rule| rule.get("CreatedTimestamp")).cloned();
        let created: EpochSeconds = match created {
            Some(value) => serde_json::from_value(value).map_err(internal)?,
            None => serde_json::from_value(json!(now_seconds())).map_err(internal)?,
        };
        let rule = ProtectConfigurationRuleSetNumberOverride {
            action: input.action,
            created_timestamp: created,
            iso_country_code: countries::of_number(&number).map(str::to_owned),
            expiration_timestamp: input.expiration_timestamp,
            destination_phone_number: number.clone(),
        };
        stored.insert(number, serde_json::to_value(&rule).map_err(internal)?);
        self.sms_write(&[update(&record, document)], (ResourceType::ProtectConfiguration, &record.id)).await?;
        let (protect_configuration_arn, protect_configuration_id) = arn_and_id(&record);
        Ok(PutProtectConfigurationRuleSetNumberOverrideResult {
            action: rule.action,
            created_timestamp: rule.created_timestamp,
            destination_phone_number: rule.destination_phone_number,
            expiration_timestamp: rule.expiration_timestamp,
            iso_country_code: rule.iso_country_code,
            protect_configuration_arn,
            protect_configuration_id,
        })
    }

    /// Deletes one destination's override and answers it.
    pub(crate) async fn sms_delete_protect_configuration_rule_set_number_override(
        &self,
        ctx: &RequestContext,
        input: DeleteProtectConfigurationRuleSetNumberOverrideRequest,
    ) -> Result<DeleteProtectConfigurationRuleSetNumberOverrideResult, ApiError> {
        let number = check_number(&input.destination_phone_number)?;
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let mut document = record.document.clone();
        let Some(removed) = member_map(&mut document, OVERRIDES)?.remove(&number) else {
            return Err(not_found(ResourceType::ProtectConfiguration, format!("{}/{number}", record.id)));
        };
        let rule: ProtectConfigurationRuleSetNumberOverride = from_document(&removed)?;
        self.sms_write(&[update(&record, document)], (ResourceType::ProtectConfiguration, &record.id)).await?;
        let (protect_configuration_arn, protect_configuration_id) = arn_and_id(&record);
        Ok(DeleteProtectConfigurationRuleSetNumberOverrideResult {
            action: rule.action,
            created_timestamp: rule.created_timestamp,
            destination_phone_number: rule.destination_phone_number,
            expiration_timestamp: rule.expiration_timestamp,
            iso_country_code: rule.iso_country_code,
            protect_configuration_arn,
            protect_configuration_id,
        })
    }

    /// The unexpired overrides, by number, that pass every filter.
    pub(crate) async fn sms_list_protect_configuration_rule_set_number_overrides(
        &self,
        ctx: &RequestContext,
        input: ListProtectConfigurationRuleSetNumberOverridesRequest,
    ) -> Result<ListProtectConfigurationRuleSetNumberOverridesResult, ApiError> {
        let record = self.sms_protect_configuration(ctx, &input.protect_configuration_id).await?;
        let now = OffsetDateTime::now_utc();
        let filters = input.filters.unwrap_or_default();
        let mut kept = Vec::new();
        for rule in overrides(&record.document)? {
            if expired(&rule, now) {
                continue;
            }
            let mut all = true;
            for filter in &filters {
                all &= passes(&rule, filter)?;
            }
            if all {
                kept.push(rule);
            }
        }
        let (kept, next_token) = page(kept, input.max_results, input.next_token.as_deref())?;
        let (protect_configuration_arn, protect_configuration_id) = arn_and_id(&record);
        Ok(ListProtectConfigurationRuleSetNumberOverridesResult {
            next_token,
            protect_configuration_arn,
            protect_configuration_id,
            rule_set_number_overrides: Some(kept),
        })
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn document() -> Value {
        json!({
            "ProtectConfigurationId": "protect-1",
            "CountryRuleSets": {"SMS": {"GB": "BLOCK", "FR": "MONITOR"}, "VOICE": {"US": "FILTER"}},
            "RuleSetNumberOverrides": {
                "+447700900123": {"DestinationPhoneNumber": "+447700900123", "CreatedTimestamp": 1, "Action": "ALLOW"},
                "+447700900999": {
                    "DestinationPhoneNumber": "+447700900999", "CreatedTimestamp": 1, "Action": "BLOCK",
                    "ExpirationTimestamp": 2
                }
            }
        })
    }

    #[test]
    fn countries_are_allowed_unless_a_rule_says_otherwise() {
        let document = document();
        assert_eq!(country_decision(&document, "SMS", "GB"), ProtectStatus::Block);
        assert_eq!(country_decision(&document, "SMS", "FR"), ProtectStatus::Monitor);
        assert_eq!(country_decision(&document, "SMS", "US"), ProtectStatus::Allow);
        assert_eq!(country_decision(&document, "MMS", "GB"), ProtectStatus::Allow);
        assert_eq!(country_decision(&document, "VOICE", "US"), ProtectStatus::Filter);
        assert_eq!(country_decision(&json!({}), "SMS", "GB"), ProtectStatus::Allow);
        let full = full_rule_set(&document, NumberCapability::Sms);
        assert_eq!(full.len(), countries::all().count());
        assert_eq!(full["GB"].protect_status, ProtectStatus::Block);
        assert_eq!(full["DE"].protect_status, ProtectStatus::Allow);
    }

    #[test]
    fn unexpired_number_overrides_apply() {
        let document = document();
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            number_override(&document, "+447700900123", now),
            Some(ProtectConfigurationRuleOverrideAction::Allow)
        );
        assert_eq!(
            number_override(&document, "447700900123", now),
            Some(ProtectConfigurationRuleOverrideAction::Allow)
        );
        // Expired at epoch second 2.
        assert_eq!(number_override(&document, "+447700900999", now), None);
        let early = OffsetDateTime::from_unix_timestamp(1).expect("time");
        assert_eq!(
            number_override(&document, "+447700900999", early),
            Some(ProtectConfigurationRuleOverrideAction::Block)
        );
        assert_eq!(number_override(&document, "+12065550100", now), None);
    }

    #[test]
    fn numbers_and_filter_times_are_checked() {
        assert_eq!(check_number("447700900123").expect("valid"), "+447700900123");
        assert!(check_number("+0123").is_err());
        assert!(check_number("+1").is_err());
        assert!(check_number("+1206555abcd").is_err());
        assert!(filter_time("1700000000").is_ok());
        assert!(filter_time("2024-01-01T00:00:00Z").is_ok());
        assert!(filter_time("yesterday").is_err());
    }

    #[test]
    fn filters_match_any_value() {
        let now = OffsetDateTime::now_utc();
        let rule = ProtectConfigurationRuleSetNumberOverride {
            action: ProtectConfigurationRuleOverrideAction::Block,
            created_timestamp: EpochSeconds(now),
            destination_phone_number: "+447700900123".into(),
            expiration_timestamp: Some(EpochSeconds(now + Duration::days(1))),
            iso_country_code: Some("GB".into()),
        };
        let item = |name, values: &[&str]| ProtectConfigurationRuleSetNumberOverrideFilterItem {
            name,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let later = (now + Duration::hours(1)).unix_timestamp().to_string();
        let much_later = (now + Duration::days(2)).unix_timestamp().to_string();
        assert!(passes(&rule, &item(FilterName::IsoCountryCode, &["US", "GB"])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::DestinationPhoneNumberBeginsWith, &["+4477"])).expect("filter"));
        assert!(!passes(&rule, &item(FilterName::DestinationPhoneNumberBeginsWith, &["+1"])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::Action, &["BLOCK"])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::ExpiresAfter, &[&later])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::ExpiresBefore, &[&much_later])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::CreatedBefore, &[&later])).expect("filter"));
        assert!(!passes(&rule, &item(FilterName::CreatedAfter, &[&later])).expect("filter"));
        assert!(passes(&rule, &item(FilterName::CreatedAfter, &["garbage"])).is_err());
    }
}
