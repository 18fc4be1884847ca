//! What an audit record keeps of a request's input: the resources it names, and its members
//! with the secrets hidden.
//!
//! Secret members come from the Pinpoint and SMS voice v2 models: the push channels' credentials
//! (APNs `Certificate`, `PrivateKey`, `TokenKey`; GCM `ApiKey`, `ServiceJson`; ADM
//! `ClientSecret`; Baidu `ApiKey`, `SecretKey`), one-time codes (`Otp`, `VerificationCode`), and
//! any member whose name says secret, password, private key or credential, so that members
//! added later are hidden by default. Pagination and idempotency tokens (`Token`, `NextToken`,
//! `ClientToken`) and key ids (`TokenKeyId`) are not secrets and stay, as do message bodies and
//! addresses.

use serde_json::Value;

/// What a hidden value reads as (CloudTrail's own wording).
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Member names (lower case) that carry secrets.
const SECRET_MEMBERS: &[&str] = &[
    "certificate",
    "privatekey",
    "tokenkey",
    "apikey",
    "servicejson",
    "clientsecret",
    "secretkey",
    "otp",
    "verificationcode",
];

/// Words that make any member name (lower case) secret.
const SECRET_WORDS: &[&str] = &["secret", "password", "privatekey", "credential"];

/// Strings longer than this are cut: registration attachments can be megabytes of base64, and
/// the log is for who did what, not a copy of every upload. Message bodies are far shorter.
const MAX_STRING_CHARS: usize = 8192;

/// At most this many resources per record.
const MAX_RESOURCES: usize = 20;

fn is_secret(member: &str) -> bool {
    let name = member.to_ascii_lowercase();
    SECRET_MEMBERS.contains(&name.as_str()) || SECRET_WORDS.iter().any(|word| name.contains(word))
}

/// Hides secret members at any depth and cuts very long strings.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if is_secret(name) && !member.is_null() {
                    *member = Value::String(HIDDEN.into());
                } else {
                    redact(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(text) => {
            if let Some((cut, _)) = text.char_indices().nth(MAX_STRING_CHARS) {
                let dropped = text[cut..].chars().count();
                text.truncate(cut);
                text.push_str(&format!("...[{dropped} more characters]"));
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The ARNs a request names: its Pinpoint application (`ApplicationId`), then every string in
/// it that is an ARN, each once. Ids that are not ARNs (an SMS pool
/// id, a configuration set name) are not turned into ARNs.
pub fn resource_arns(parameters: &Value, account_id: &str, region: &str) -> Vec<String> {
    let mut arns = Vec::new();
    if let Some(app_id) = parameters.get("ApplicationId").and_then(Value::as_str) {
        arns.push(format!("arn:aws:mobiletargeting:{region}:{account_id}:apps/{app_id}"));
    }
    collect_arns(parameters, &mut arns);
    arns
}

fn collect_arns(value: &Value, arns: &mut Vec<String>) {
    if arns.len() >= MAX_RESOURCES {
        return;
    }
    match value {
        Value::String(text) if text.starts_with("arn:") && !arns.contains(text) => arns.push(text.clone()),
        Value::Object(members) => members.values().for_each(|member| collect_arns(member, arns)),
        Value::Array(items) => items.iter().for_each(|item| collect_arns(item, arns)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_hidden_at_any_depth_whatever_the_case() {
        let mut input = json!({
            "ApplicationId": "app-1",
            "APNSChannelRequest": {
                "Certificate": "-----BEGIN CERTIFICATE-----",
                "PrivateKey": "-----BEGIN PRIVATE KEY-----",
                "TokenKey": "p8",
                "TokenKeyId": "ABC123DEFG",
                "BundleId": "com.example.app",
                "Enabled": true,
            },
            "list": [{"apikey": "k1", "SERVICEJSON": "{}"}, {"clientSecret": "s"}],
            "Deep": {"Deeper": {"DbPassword": "p", "MyCredentials": {"a": 1}, "Otp": "123456"}},
            "VerificationCode": "654321",
            "Token": "page-2",
            "ClientToken": "idempotent",
            "PrivateKey": null,
        });
        redact(&mut input);
        assert_eq!(
            input,
            json!({
                "ApplicationId": "app-1",
                "APNSChannelRequest": {
                    "Certificate": HIDDEN,
                    "PrivateKey": HIDDEN,
                    "TokenKey": HIDDEN,
                    "TokenKeyId": "ABC123DEFG",
                    "BundleId": "com.example.app",
                    "Enabled": true,
                },
                "list": [{"apikey": HIDDEN, "SERVICEJSON": HIDDEN}, {"clientSecret": HIDDEN}],
                "Deep": {"Deeper": {"DbPassword": HIDDEN, "MyCredentials": HIDDEN, "Otp": HIDDEN}},
                "VerificationCode": HIDDEN,
                "Token": "page-2",
                "ClientToken": "idempotent",
                "PrivateKey": null,
            })
        );
    }

    #[test]
    fn message_bodies_stay_and_huge_strings_are_cut() {
        let body = "Hello from Herald ".repeat(50);
        let mut input = json!({"MessageBody": body, "AttachmentBody": "A".repeat(MAX_STRING_CHARS + 10)});
        redact(&mut input);
        assert_eq!(input["MessageBody"], json!(body));
        let cut = input["AttachmentBody"].as_str().expect("string");
        assert!(cut.starts_with(&"A".repeat(MAX_STRING_CHARS)));
        assert!(cut.ends_with("...[10 more characters]"), "{}", &cut[MAX_STRING_CHARS..]);
    }

    #[test]
    fn resources_are_the_app_and_every_arn_once() {
        let topic = "arn:aws:sns:us-east-1:111122223333:events";
        let input = json!({
            "ApplicationId": "app-1",
            "ResourceArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/app-1",
            "EventDestination": {"SnsDestination": {"TopicArn": topic}, "Again": [topic]},
            "PoolId": "pool-123",
        });
        assert_eq!(
            resource_arns(&input, "111122223333", "eu-west-1"),
            ["arn:aws:mobiletargeting:eu-west-1:111122223333:apps/app-1", topic]
        );
        assert!(resource_arns(&json!({"PoolId": "pool-123"}), "1", "r").is_empty());
    }
}
