//! Origination identities as requests name them: a phone number (id, ARN or E.164 number), a
//! sender id (`SenderId`, `SenderId/IsoCountryCode` or ARN) or a pool (id or ARN), resolved to
//! the stored record. Pools, keywords and the sending engine all start from here.

use herald_api::sms_voice_v2::types::{NumberCapability, ResourceType, ValidationExceptionReason};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde_json::Value;

use super::errors::{missing, not_found, validation};
use super::ids::parse_arn;
use super::opt_out_lists::DEFAULT_OPT_OUT_LIST;
use crate::Core;

/// An origination identity with its stored record.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub kind: ResourceType,
    pub record: ResourceRecord,
}

impl Identity {
    fn text(&self, member: &str) -> Option<&str> {
        self.record.document.get(member).and_then(Value::as_str)
    }

    fn flag(&self, member: &str) -> bool {
        self.record.document.get(member).and_then(Value::as_bool).unwrap_or(false)
    }

    /// What AWS answers as `OriginationIdentity`: the PhoneNumberId, the SenderId or the PoolId.
    pub fn wire_id(&self) -> String {
        match self.kind {
            ResourceType::SenderId => self.text("SenderId").map(str::to_owned).unwrap_or_else(|| self.sender_id_part()),
            _ => self.record.id.clone(),
        }
    }

    fn sender_id_part(&self) -> String {
        self.record.id.split('/').next().unwrap_or_default().to_string()
    }

    pub fn arn(&self) -> String {
        let member = match self.kind {
            ResourceType::PhoneNumber => "PhoneNumberArn",
            ResourceType::SenderId => "SenderIdArn",
            _ => "PoolArn",
        };
        self.text(member).unwrap_or_default().to_string()
    }

    pub fn iso_country_code(&self) -> Option<&str> {
        self.text("IsoCountryCode")
    }

    /// The E.164 number of a phone number.
    pub fn phone_number(&self) -> Option<&str> {
        match self.kind {
            ResourceType::PhoneNumber => self.text("PhoneNumber"),
            _ => None,
        }
    }

    /// The list that guards sends from this identity. Sender ids carry none of their own and
    /// answer to the account's Default list.
    pub fn opt_out_list_name(&self) -> &str {
        self.text("OptOutListName").unwrap_or(DEFAULT_OPT_OUT_LIST)
    }

    pub fn two_way_enabled(&self) -> bool {
        self.flag("TwoWayEnabled")
    }

    pub fn two_way_channel_arn(&self) -> Option<&str> {
        self.text("TwoWayChannelArn")
    }

    pub fn self_managed_opt_outs(&self) -> bool {
        self.flag("SelfManagedOptOutsEnabled")
    }

    /// SMS, MMS, VOICE as stored; a sender id without the member sends SMS only.
    pub fn capabilities(&self) -> Vec<NumberCapability> {
        let stored: Vec<NumberCapability> = self
            .record
            .document
            .get("NumberCapabilities")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        if stored.is_empty() && self.kind == ResourceType::SenderId { vec![NumberCapability::Sms] } else { stored }
    }

    /// The pools this identity belongs to: a phone number's `PoolId`, a sender id's internal
    /// `PoolIds`.
    pub fn pool_ids(&self) -> Vec<String> {
        match self.kind {
            ResourceType::PhoneNumber => self.text("PoolId").map(|p| vec![p.to_string()]).unwrap_or_default(),
            ResourceType::SenderId => self
                .record
                .document
                .get("PoolIds")
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub fn in_pool(&self, pool_id: &str) -> bool {
        self.pool_ids().iter().any(|p| p == pool_id)
    }
}

/// An E.164 number: `+`, a non-zero digit, then 1 to 18 digits (the model's pattern).
pub(crate) fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (2..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
    })
}

/// The kind of identity a plain (non-ARN) value names, and the store id or name to look up.
enum Named {
    PhoneId(String),
    PhoneNumber(String),
    Pool(String),
    SenderId(String),
}

/// Ids carry their kind's prefix (`phone-…`, `pool-…`), so a missing one is reported as what it
/// names; sender ids are the rest.
fn classify(value: &str) -> Named {
    if value.starts_with("phone-") {
        Named::PhoneId(value.to_string())
    } else if value.starts_with("pool-") {
        Named::Pool(value.to_string())
    } else if value.starts_with('+') {
        Named::PhoneNumber(value.to_string())
    } else if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && !value.starts_with('0') {
        // Sender ids need a letter, so all digits is a phone number written without its `+`.
        Named::PhoneNumber(format!("+{value}"))
    } else {
        Named::SenderId(value.to_string())
    }
}

fn refuse_kind(value: &str, kind: ResourceType, allowed: &[ResourceType]) -> ApiError {
    let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
    validation(
        ValidationExceptionReason::InvalidParameter,
        format!("{value} names a {kind}; this operation takes a {}", names.join(" or ")),
        &[("OriginationIdentity", "names another kind of origination identity")],
    )
}

impl Core {
    /// The origination identity `value` names, among the `allowed` kinds. A bare sender id is
    /// looked up in `iso_country_code` when given, otherwise it must be unambiguous.
    pub(crate) async fn sms_resolve_identity(
        &self,
        ctx: &RequestContext,
        value: &str,
        iso_country_code: Option<&str>,
        allowed: &[ResourceType],
    ) -> Result<Identity, ApiError> {
        if value.is_empty() {
            return Err(missing("OriginationIdentity"));
        }
        if value.starts_with("arn:") {
            let (kind, id) = parse_arn(ctx, value)?;
            if !allowed.contains(&kind) {
                return Err(refuse_kind(value, kind, allowed));
            }
            if kind == ResourceType::SenderId {
                return self.sms_find_sender_id(ctx, &id, None).await;
            }
            let record = self.sms_get(ctx, kind, &id).await?;
            return Ok(Identity { kind, record });
        }
        let (kind, record) = match classify(value) {
            Named::PhoneId(id) => {
                (ResourceType::PhoneNumber, self.sms_find(ctx, ResourceType::PhoneNumber, &id).await?)
            }
            Named::PhoneNumber(number) => {
                (ResourceType::PhoneNumber, self.sms_find_by_name(ctx, ResourceType::PhoneNumber, &number).await?)
            }
            Named::Pool(id) => (ResourceType::Pool, self.sms_find(ctx, ResourceType::Pool, &id).await?),
            Named::SenderId(sender) => {
                if !allowed.contains(&ResourceType::SenderId) {
                    // Not a shape any allowed kind has: report it missing as the first of them.
                    let kind = allowed.first().copied().unwrap_or(ResourceType::PhoneNumber);
                    return Err(not_found(kind, value));
                }
                return self.sms_find_sender_id(ctx, &sender, iso_country_code).await;
            }
        };
        if !allowed.contains(&kind) {
            return Err(refuse_kind(value, kind, allowed));
        }
        let record = record.ok_or_else(|| not_found(kind, value))?;
        Ok(Identity { kind, record })
    }

    /// A sender id given as `SenderId/IsoCountryCode` or as a bare `SenderId` (with or without a
    /// country). Sender ids compare without regard to case, as carriers display them.
    async fn sms_find_sender_id(
        &self,
        ctx: &RequestContext,
        value: &str,
        iso_country_code: Option<&str>,
    ) -> Result<Identity, ApiError> {
        let (sender, country) = match value.split_once('/') {
            Some((sender, country)) => (sender, Some(country)),
            None => (value, iso_country_code),
        };
        let records = self.sms_list(ctx, ResourceType::SenderId, None).await?;
        let mut matches: Vec<ResourceRecord> = records
            .into_iter()
            .filter(|record| {
                let (id_sender, id_country) = record.id.split_once('/').unwrap_or((record.id.as_str(), ""));
                id_sender.eq_ignore_ascii_case(sender) && country.is_none_or(|c| id_country.eq_ignore_ascii_case(c))
            })
            .collect();
        match matches.len() {
            0 => Err(not_found(ResourceType::SenderId, value)),
            1 => Ok(Identity { kind: ResourceType::SenderId, record: matches.remove(0) }),
            _ => Err(missing("IsoCountryCode")),
        }
    }

    /// Every identity in a pool: phone numbers whose `PoolId` names it and sender ids whose
    /// `PoolIds` list it, numbers first, each oldest first.
    pub(crate) async fn sms_pool_members(
        &self,
        ctx: &RequestContext,
        pool_id: &str,
    ) -> Result<Vec<Identity>, ApiError> {
        let mut members = Vec::new();
        for kind in [ResourceType::PhoneNumber, ResourceType::SenderId] {
            for record in self.sms_list(ctx, kind, None).await? {
                let identity = Identity { kind, record };
                if identity.in_pool(pool_id) {
                    members.push(identity);
                }
            }
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_classified_by_shape() {
        let phone = format!("phone-{}", "a".repeat(32));
        assert!(matches!(classify(&phone), Named::PhoneId(_)));
        let pool = format!("pool-{}", "0".repeat(32));
        assert!(matches!(classify(&pool), Named::Pool(_)));
        assert!(matches!(classify("+12065550100"), Named::PhoneNumber(n) if n == "+12065550100"));
        assert!(matches!(classify("12065550100"), Named::PhoneNumber(n) if n == "+12065550100"));
        assert!(matches!(classify("MYBRAND"), Named::SenderId(_)));
        assert!(matches!(classify("MY-BRAND"), Named::SenderId(_)));
    }

    #[test]
    fn e164_numbers() {
        assert!(is_e164("+12065550100"));
        assert!(!is_e164("12065550100"));
        assert!(!is_e164("+0123"));
        assert!(!is_e164("+1"));
        assert!(!is_e164("+1206555010a"));
        assert!(!is_e164(&format!("+1{}", "2".repeat(19))));
    }
}
