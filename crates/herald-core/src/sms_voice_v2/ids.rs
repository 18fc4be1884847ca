//! Resource ids and ARNs in AWS's formats: `pool-` + 32 hex characters,
//! `arn:aws:sms-voice:<region>:<account>:pool/<id>`.

use herald_api::sms_voice_v2::types::{ResourceType, ValidationExceptionReason};
use herald_proto::{ApiError, RequestContext};

use super::errors::validation;

/// `<prefix>-` and 32 lowercase hex characters.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

pub fn arn(ctx: &RequestContext, resource_type: ResourceType, id: &str) -> String {
    format!("arn:aws:sms-voice:{}:{}:{}/{id}", ctx.region, ctx.account_id, resource_type.as_str())
}

/// What an ARN names: (type, id), for the caller's account. Sender id ARNs keep their
/// `SenderId/IsoCountryCode` pair as the id.
pub fn parse_arn(ctx: &RequestContext, arn: &str) -> Result<(ResourceType, String), ApiError> {
    let invalid = || {
        validation(
            ValidationExceptionReason::InvalidArn,
            format!("{arn} is not a valid resource ARN"),
            &[("ResourceArn", "is not a valid ARN")],
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, _region, account, resource] = parts.as_slice() else { return Err(invalid()) };
    if *prefix != "arn" || partition.is_empty() || *service != "sms-voice" || *account != ctx.account_id {
        return Err(invalid());
    }
    let (kind, id) = resource.split_once('/').ok_or_else(invalid)?;
    let resource_type = ResourceType::from_wire(kind).ok_or_else(invalid)?;
    if id.is_empty() {
        return Err(invalid());
    }
    Ok((resource_type, id.to_string()))
}

/// An id given as an id or as an ARN of the expected type.
pub fn id_or_arn(ctx: &RequestContext, value: &str, expected: ResourceType) -> Result<String, ApiError> {
    if !value.starts_with("arn:") {
        return Ok(value.to_string());
    }
    match parse_arn(ctx, value)? {
        (kind, id) if kind == expected => Ok(id),
        (kind, _) => Err(validation(
            ValidationExceptionReason::InvalidArn,
            format!("{value} names a {kind}, not a {expected}"),
            &[("Arn", "names another resource type")],
        )),
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
    fn ids_and_arns() {
        let id = new_id("pool");
        assert!(id.starts_with("pool-") && id.len() == 37);
        let arn = arn(&ctx(), ResourceType::Pool, &id);
        assert_eq!(arn, format!("arn:aws:sms-voice:us-east-1:111122223333:pool/{id}"));
        assert_eq!(parse_arn(&ctx(), &arn).expect("valid"), (ResourceType::Pool, id.clone()));
        assert_eq!(id_or_arn(&ctx(), &arn, ResourceType::Pool).expect("pool"), id);
        assert_eq!(id_or_arn(&ctx(), "pool-x", ResourceType::Pool).expect("plain id"), "pool-x");
        assert!(id_or_arn(&ctx(), &arn, ResourceType::OptOutList).is_err());
        let sender = "arn:aws:sms-voice:us-east-1:111122223333:sender-id/MYBRAND/GB";
        assert_eq!(parse_arn(&ctx(), sender).expect("sender id"), (ResourceType::SenderId, "MYBRAND/GB".to_string()));
        for bad in [
            "",
            "arn:aws:sms-voice:us-east-1:999999999999:pool/p",
            "arn:aws:sns:us-east-1:111122223333:pool/p",
            "arn:aws:sms-voice:us-east-1:111122223333:cat/p",
        ] {
            assert!(parse_arn(&ctx(), bad).is_err(), "{bad}");
        }
    }
}
