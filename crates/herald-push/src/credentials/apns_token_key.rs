//! Apple's APNs token signing key: the .p8 file from the developer portal.

use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair,
    Ed25519KeyPair,
};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use super::{CredentialError, pem};

/// Checks that `token_key_pem` is an Apple .p8 key: a PEM
/// "-----BEGIN PRIVATE KEY-----" block holding a PKCS#8 EC P-256 key.
///
/// Windows line endings, indentation and surrounding whitespace are accepted
/// because that is how keys come out of copy and paste.
pub fn validate_apns_token_key(token_key_pem: &str) -> Result<(), CredentialError> {
    let invalid = |reason: &str| CredentialError::InvalidTokenKey(reason.to_owned());

    let normalized = pem::normalize(token_key_pem);
    if normalized.is_empty() {
        return Err(invalid("the value is empty"));
    }
    if pem::is_encrypted_key(&normalized) {
        return Err(invalid("the key is encrypted; Apple .p8 keys are not protected by a passphrase"));
    }

    let key = PrivateKeyDer::from_pem_slice(normalized.as_bytes()).map_err(|error| {
        CredentialError::InvalidTokenKey(pem::describe_error(&error, "no \"-----BEGIN PRIVATE KEY-----\" block found"))
    })?;

    let pkcs8 = match key {
        PrivateKeyDer::Pkcs8(pkcs8) => pkcs8,
        PrivateKeyDer::Sec1(_) => {
            return Err(invalid(
                "found an \"EC PRIVATE KEY\" (SEC1) block; a .p8 file holds a \"PRIVATE KEY\" (PKCS#8) block",
            ));
        }
        PrivateKeyDer::Pkcs1(_) => {
            return Err(invalid("found an \"RSA PRIVATE KEY\" block; APNs token keys are EC P-256 keys"));
        }
        _ => return Err(invalid("unsupported private key block")),
    };

    let der = pkcs8.secret_pkcs8_der();
    match EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der) {
        Ok(_) => Ok(()),
        Err(rejected) => Err(CredentialError::InvalidTokenKey(describe_other_key(der, &rejected.to_string()))),
    }
}

/// Names the kind of key the user uploaded instead, since "wrong algorithm"
/// is the usual mistake (an APNs certificate key or an FCM key pasted into the
/// wrong field) and a bare parse error does not tell them that.
fn describe_other_key(pkcs8_der: &[u8], p256_rejection: &str) -> String {
    let found = if EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8_der).is_ok() {
        "an EC P-384 key"
    } else if EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, pkcs8_der).is_ok() {
        "an EC P-521 key"
    } else if RsaKeyPair::from_pkcs8(pkcs8_der).is_ok() {
        "an RSA key"
    } else if Ed25519KeyPair::from_pkcs8(pkcs8_der).is_ok() {
        "an Ed25519 key"
    } else {
        return format!("the key could not be decoded ({p256_rejection})");
    };
    format!("the block holds {found}, but APNs token keys are EC P-256 keys")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_material;
    use rcgen::{KeyPair, PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256};

    fn reason(result: Result<(), CredentialError>) -> String {
        match result {
            Err(CredentialError::InvalidTokenKey(reason)) => reason,
            other => panic!("expected InvalidTokenKey, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_p256_p8_key() {
        let p8 = test_material::apns_token_key_p8();
        assert!(p8.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(validate_apns_token_key(&p8), Ok(()));
    }

    #[test]
    fn accepts_crlf_line_endings_and_surrounding_whitespace() {
        let p8 = test_material::apns_token_key_p8().replace('\n', "\r\n");
        assert_eq!(validate_apns_token_key(&format!("\r\n  {p8}  \r\n\t")), Ok(()));
    }

    #[test]
    fn rejects_an_rsa_pkcs8_key() {
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).expect("generate RSA key");
        let reason = reason(validate_apns_token_key(&key.serialize_pem()));
        assert!(reason.contains("an RSA key"), "{reason}");
    }

    #[test]
    fn rejects_a_p384_key() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("generate P-384 key");
        let reason = reason(validate_apns_token_key(&key.serialize_pem()));
        assert!(reason.contains("P-384"), "{reason}");
    }

    #[test]
    fn rejects_a_sec1_block() {
        let sec1 = test_material::ec_pkcs8_pem_to_sec1(&test_material::apns_token_key_p8());
        let reason = reason(validate_apns_token_key(&sec1));
        assert!(reason.contains("SEC1"), "{reason}");
    }

    #[test]
    fn rejects_empty_and_blank_values() {
        assert_eq!(reason(validate_apns_token_key("")), "the value is empty");
        assert_eq!(reason(validate_apns_token_key(" \r\n ")), "the value is empty");
    }

    #[test]
    fn rejects_text_without_a_pem_block() {
        let reason = reason(validate_apns_token_key("not a key at all"));
        assert!(reason.contains("no \"-----BEGIN PRIVATE KEY-----\" block"), "{reason}");
    }

    #[test]
    fn rejects_a_block_with_garbage_content() {
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END PRIVATE KEY-----\n";
        let reason = reason(validate_apns_token_key(garbage));
        assert!(reason.starts_with("the key could not be decoded"), "{reason}");
    }

    #[test]
    fn rejects_a_block_with_invalid_base64() {
        let garbage = "-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n";
        let reason = reason(validate_apns_token_key(garbage));
        assert!(reason.starts_with("PEM decoding failed"), "{reason}");
    }

    #[test]
    fn rejects_a_truncated_block() {
        let p8 = test_material::apns_token_key_p8();
        let truncated = p8.replace("-----END PRIVATE KEY-----", "");
        assert_eq!(
            reason(validate_apns_token_key(&truncated)),
            "PEM decoding failed: the \"-----END PRIVATE KEY-----\" line is missing"
        );
    }

    #[test]
    fn rejects_an_encrypted_key() {
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let reason = reason(validate_apns_token_key(encrypted));
        assert!(reason.contains("encrypted"), "{reason}");
    }

    #[test]
    fn error_message_names_the_field() {
        let err = validate_apns_token_key("").expect_err("empty key must be rejected");
        assert!(err.to_string().starts_with("TokenKey is not a valid PKCS#8 EC P-256 private key (.p8): "), "{err}");
    }
}
