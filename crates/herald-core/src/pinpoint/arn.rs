//! Pinpoint resource ARNs: `arn:aws:mobiletargeting:<region>:<account>:apps/<id>`.

use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRef;

use super::errors::{bad_request, not_found};

pub fn app_arn(ctx: &RequestContext, app_id: &str) -> String {
    format!("arn:aws:mobiletargeting:{}:{}:apps/{app_id}", ctx.region, ctx.account_id)
}

/// The taggable resource an ARN names, if it belongs to the caller's account.
pub fn parse_resource_arn(ctx: &RequestContext, arn: &str) -> Result<ResourceRef, ApiError> {
    let invalid = || bad_request(format!("{arn} is not a valid Amazon Pinpoint resource ARN"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, _region, account, resource] = parts.as_slice() else { return Err(invalid()) };
    if *prefix != "arn" || partition.is_empty() || *service != "mobiletargeting" {
        return Err(invalid());
    }
    if *account != ctx.account_id {
        return Err(not_found(format!("Resource {arn} not found")));
    }
    match resource.split('/').collect::<Vec<_>>().as_slice() {
        ["apps", id] if !id.is_empty() => Ok(ResourceRef::new("app", *id)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            account_id: "123456789012".into(),
            access_key_id: "AKIA".into(),
            region: "eu-west-1".into(),
            source_ip: None,
            user_agent: None,
        }
    }

    #[test]
    fn app_arns_round_trip() {
        let arn = app_arn(&ctx(), "abc");
        assert_eq!(arn, "arn:aws:mobiletargeting:eu-west-1:123456789012:apps/abc");
        assert_eq!(parse_resource_arn(&ctx(), &arn).expect("valid"), ResourceRef::new("app", "abc"));
    }

    #[test]
    fn foreign_and_malformed_arns_are_refused() {
        let other = parse_resource_arn(&ctx(), "arn:aws:mobiletargeting:eu-west-1:999999999999:apps/abc");
        assert_eq!(other.err().map(|e| e.code().to_string()), Some("NotFoundException".into()));
        for bad in ["", "arn:aws:sns:eu-west-1:123456789012:apps/abc", "arn:aws:mobiletargeting:x:123456789012:apps/"] {
            let error = parse_resource_arn(&ctx(), bad).expect_err("malformed");
            assert_eq!(error.code(), "BadRequestException", "{bad}");
        }
    }
}
