//! Firebase service-account key, as UpdateGcmChannel takes it in
//! `ServiceJson` (the JSON file downloaded from the Google Cloud console,
//! passed as a string).

use std::fmt;

use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Map, Value};

use super::{CredentialError, pem};

/// The parts of a service-account key that FCM HTTP v1 delivery needs.
///
/// `Debug` is written by hand so that logging a key never prints its secret.
#[derive(Clone, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct ServiceAccountKey {
    pub project_id: String,
    pub client_email: String,
    /// PEM PKCS#8 RSA private key used to sign OAuth token requests.
    pub private_key: String,
    pub private_key_id: Option<String>,
    /// Where signed JWTs are exchanged for access tokens.
    pub token_uri: String,
    #[serde(rename = "type")]
    pub key_type: Option<String>,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key", &"<redacted>")
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .field("key_type", &self.key_type)
            .finish()
    }
}

/// The only key type FCM accepts; user-account credentials ("authorized_user")
/// cannot mint tokens for a project.
const SERVICE_ACCOUNT_TYPE: &str = "service_account";

/// Parses and checks a `ServiceJson` value: a JSON object with non-empty
/// `project_id`, `client_email`, `private_key` (PEM PKCS#8 RSA) and
/// `token_uri` (http or https URL), and `type` "service_account" if present.
/// Other fields of the downloaded file are ignored.
pub fn parse_fcm_service_account(service_json: &str) -> Result<ServiceAccountKey, CredentialError> {
    let document: Value = serde_json::from_str(service_json)
        .map_err(|error| CredentialError::MalformedServiceJson(format!("not JSON ({error})")))?;
    let Value::Object(fields) = document else {
        return Err(CredentialError::MalformedServiceJson(format!(
            "expected a JSON object, found {}",
            describe_kind(&document)
        )));
    };

    // Checked in the order the fields appear in Google's files, so a user
    // fixing them one by one sees them in file order.
    let key_type = optional_string(&fields, "type")?;
    let project_id = required_string(&fields, "project_id")?;
    let private_key_id = optional_string(&fields, "private_key_id")?;
    let private_key = required_string(&fields, "private_key")?;
    let client_email = required_string(&fields, "client_email")?;
    let token_uri = required_string(&fields, "token_uri")?;

    if let Some(key_type) = &key_type
        && key_type != SERVICE_ACCOUNT_TYPE
    {
        return Err(CredentialError::InvalidServiceJsonField {
            field: "type",
            reason: format!("expected \"{SERVICE_ACCOUNT_TYPE}\", found \"{key_type}\""),
        });
    }
    check_private_key(&private_key)?;
    check_token_uri(&token_uri)?;

    Ok(ServiceAccountKey { project_id, client_email, private_key, private_key_id, token_uri, key_type })
}

/// A required field must be a string with more than whitespace in it; null,
/// absent and empty all read as "missing" to the user.
fn required_string(fields: &Map<String, Value>, field: &'static str) -> Result<String, CredentialError> {
    match optional_string(fields, field)? {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(CredentialError::MissingServiceJsonField(field)),
    }
}

fn optional_string(fields: &Map<String, Value>, field: &'static str) -> Result<Option<String>, CredentialError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(other) => Err(CredentialError::InvalidServiceJsonField {
            field,
            reason: format!("expected a string, found {}", describe_kind(other)),
        }),
    }
}

fn check_private_key(private_key_pem: &str) -> Result<(), CredentialError> {
    let invalid = |reason: String| CredentialError::InvalidServiceJsonField { field: "private_key", reason };

    let normalized = pem::normalize(private_key_pem);
    let key = PrivateKeyDer::from_pem_slice(normalized.as_bytes())
        .map_err(|error| invalid(pem::describe_error(&error, "no \"-----BEGIN PRIVATE KEY-----\" block found")))?;
    let PrivateKeyDer::Pkcs8(pkcs8) = key else {
        return Err(invalid("expected a \"PRIVATE KEY\" (PKCS#8) block as Google issues them".to_owned()));
    };
    RsaKeyPair::from_pkcs8(pkcs8.secret_pkcs8_der())
        .map(|_| ())
        .map_err(|rejected| invalid(format!("not a PKCS#8 RSA private key ({rejected})")))
}

fn check_token_uri(token_uri: &str) -> Result<(), CredentialError> {
    let invalid = |reason: String| CredentialError::InvalidServiceJsonField { field: "token_uri", reason };

    let uri: http::Uri = token_uri.parse().map_err(|error| invalid(format!("not a URL ({error})")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(invalid("expected an http:// or https:// URL".to_owned()));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host".to_owned()));
    }
    Ok(())
}

/// JSON kinds in words, for messages; values themselves are not echoed since
/// the document holds a private key.
fn describe_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_material;
    use std::sync::LazyLock;

    const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

    /// RSA key generation is the slow part, so the tests share one document.
    static VALID_JSON: LazyLock<String> =
        LazyLock::new(|| test_material::fcm_service_account_json("herald-test", TOKEN_URI));

    fn valid_document() -> Map<String, Value> {
        match serde_json::from_str(&VALID_JSON) {
            Ok(Value::Object(fields)) => fields,
            other => panic!("test material is not a JSON object: {other:?}"),
        }
    }

    fn parse_with(edit: impl FnOnce(&mut Map<String, Value>)) -> Result<ServiceAccountKey, CredentialError> {
        let mut fields = valid_document();
        edit(&mut fields);
        parse_fcm_service_account(&Value::Object(fields).to_string())
    }

    fn field_reason(result: Result<ServiceAccountKey, CredentialError>, expected_field: &str) -> String {
        match result {
            Err(CredentialError::InvalidServiceJsonField { field, reason }) if field == expected_field => reason,
            other => panic!("expected an invalid {expected_field}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_service_account_key() {
        let key = parse_fcm_service_account(&VALID_JSON).expect("valid service account");
        assert_eq!(key.project_id, "herald-test");
        assert_eq!(key.client_email, "herald-test@herald-test.iam.gserviceaccount.com");
        assert_eq!(key.token_uri, TOKEN_URI);
        assert_eq!(key.key_type.as_deref(), Some("service_account"));
        assert!(key.private_key_id.is_some());
        assert!(key.private_key.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn accepts_a_key_without_optional_fields() {
        let key = parse_with(|fields| {
            fields.remove("type");
            fields.remove("private_key_id");
        })
        .expect("optional fields may be absent");
        assert_eq!(key.key_type, None);
        assert_eq!(key.private_key_id, None);
    }

    #[test]
    fn accepts_a_plain_http_token_uri() {
        let key = parse_with(|fields| {
            fields.insert("token_uri".into(), "http://127.0.0.1:8080/token".into());
        })
        .expect("http token_uri for local fakes");
        assert_eq!(key.token_uri, "http://127.0.0.1:8080/token");
    }

    #[test]
    fn debug_output_redacts_the_private_key() {
        let key = parse_fcm_service_account(&VALID_JSON).expect("valid service account");
        let debug = format!("{key:?}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        assert!(debug.contains("herald-test"), "{debug}");
    }

    #[test]
    fn rejects_each_required_field_missing_null_or_empty() {
        for field in ["project_id", "client_email", "private_key", "token_uri"] {
            let expected = Err(CredentialError::MissingServiceJsonField(field));
            assert_eq!(parse_with(|fields| drop(fields.remove(field))), expected);
            assert_eq!(parse_with(|fields| drop(fields.insert(field.into(), Value::Null))), expected);
            assert_eq!(parse_with(|fields| drop(fields.insert(field.into(), "".into()))), expected);
            assert_eq!(parse_with(|fields| drop(fields.insert(field.into(), " \n".into()))), expected);
        }
        assert_eq!(
            CredentialError::MissingServiceJsonField("private_key").to_string(),
            "ServiceJson is missing the field private_key"
        );
    }

    #[test]
    fn rejects_a_required_field_that_is_not_a_string() {
        let reason =
            field_reason(parse_with(|fields| drop(fields.insert("project_id".into(), 42.into()))), "project_id");
        assert_eq!(reason, "expected a string, found a number");
    }

    #[test]
    fn rejects_another_credential_type() {
        let result = parse_with(|fields| drop(fields.insert("type".into(), "authorized_user".into())));
        let err = result.expect_err("authorized_user is not a service account");
        assert_eq!(
            err.to_string(),
            "ServiceJson field type is invalid: expected \"service_account\", found \"authorized_user\""
        );
    }

    #[test]
    fn rejects_an_unparseable_private_key() {
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END PRIVATE KEY-----\n";
        let reason =
            field_reason(parse_with(|fields| drop(fields.insert("private_key".into(), garbage.into()))), "private_key");
        assert!(reason.starts_with("not a PKCS#8 RSA private key"), "{reason}");

        let reason = field_reason(
            parse_with(|fields| drop(fields.insert("private_key".into(), "secret".into()))),
            "private_key",
        );
        assert_eq!(reason, "no \"-----BEGIN PRIVATE KEY-----\" block found");
    }

    #[test]
    fn rejects_a_private_key_of_another_algorithm_or_form() {
        let ec_key = test_material::apns_token_key_p8();
        let reason = field_reason(
            parse_with(|fields| drop(fields.insert("private_key".into(), ec_key.clone().into()))),
            "private_key",
        );
        assert!(reason.starts_with("not a PKCS#8 RSA private key"), "{reason}");

        let sec1 = test_material::ec_pkcs8_pem_to_sec1(&ec_key);
        let reason =
            field_reason(parse_with(|fields| drop(fields.insert("private_key".into(), sec1.into()))), "private_key");
        assert!(reason.contains("(PKCS#8)"), "{reason}");
    }

    #[test]
    fn rejects_text_that_is_not_json() {
        for text in ["", "not json", "{\"project_id\": ", "-----BEGIN PRIVATE KEY-----"] {
            match parse_fcm_service_account(text) {
                Err(CredentialError::MalformedServiceJson(reason)) => {
                    assert!(reason.starts_with("not JSON"), "{reason}");
                }
                other => panic!("expected MalformedServiceJson for {text:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_json_that_is_not_an_object() {
        let err = parse_fcm_service_account("[1, 2]").expect_err("array");
        assert_eq!(
            err.to_string(),
            "ServiceJson is not a valid service-account JSON object: expected a JSON object, found an array"
        );
        // A document encoded twice arrives as a JSON string.
        let twice = serde_json::to_string(&*VALID_JSON).expect("encode string");
        assert!(matches!(
            parse_fcm_service_account(&twice),
            Err(CredentialError::MalformedServiceJson(reason)) if reason.ends_with("found a string")
        ));
    }

    #[test]
    fn rejects_a_token_uri_that_is_not_an_http_url() {
        for token_uri in [
            "oauth2.googleapis.com/token",
            "ftp://oauth2.googleapis.com/token",
            "not a url",
            "/token",
            "https:///token",
        ] {
            let result = parse_with(|fields| drop(fields.insert("token_uri".into(), token_uri.into())));
            field_reason(result, "token_uri");
        }
    }

    #[test]
    fn serde_round_trip_keeps_the_type_field_name() {
        let key = parse_fcm_service_account(&VALID_JSON).expect("valid service account");
        let json = serde_json::to_value(&key).expect("serialize");
        assert_eq!(json["type"], "service_account");
        let back: ServiceAccountKey = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, key);
    }
}
