//! APNs TLS client certificate and its private key, as UpdateApnsChannel
//! takes them in `Certificate` and `PrivateKey`.

use std::sync::Arc;

use rustls::crypto::aws_lc_rs::sign::any_supported_type;
use rustls::sign::SigningKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;
use x509_parser::asn1_rs::{Any, FromDer as _, Sequence};
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::OID_USERID;

use super::{CredentialError, pem};

/// Apple's "APNs topics" extension, present on universal push certificates.
const APPLE_TOPICS_EXTENSION: &str = "1.2.840.113635.100.6.3.6";

/// What a valid APNs certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApnsCertificateInfo {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The leaf certificate's subject, RFC 4514 style
    /// ("UID=com.example.app, CN=Apple Push Services: com.example.app, ...").
    pub subject: String,
    /// The app's bundle id: the subject's UID attribute, or else the first
    /// topic of Apple's topics extension.
    pub bundle_id: Option<String>,
    /// The topics listed in Apple's topics extension (bundle id, `.voip`,
    /// `.complication`, ...); empty when the certificate has no such extension.
    pub topics: Vec<String>,
}

/// Checks an APNs certificate upload: `certificate_pem` is one or more PEM
/// certificates with the leaf first, `private_key_pem` a PEM PKCS#8, PKCS#1
/// or SEC1 private key. Both must parse, the key must belong to the leaf
/// certificate and the leaf must be valid at `now`.
pub fn validate_apns_certificate(
    certificate_pem: &str,
    private_key_pem: &str,
    now: OffsetDateTime,
) -> Result<ApnsCertificateInfo, CredentialError> {
    let chain = read_certificate_chain(certificate_pem)?;
    let Some(leaf_der) = chain.first() else {
        return Err(CredentialError::InvalidCertificate("no \"-----BEGIN CERTIFICATE-----\" block found".to_owned()));
    };
    let leaf = parse_x509(leaf_der, 0)?;
    // Intermediates are not used to build a path (APNs only needs the leaf),
    // but a corrupt one still means the upload is not what the user meant.
    for (index, der) in chain.iter().enumerate().skip(1) {
        parse_x509(der, index)?;
    }

    let signing_key = read_private_key(private_key_pem)?;
    let Some(key_spki) = signing_key.public_key() else {
        return Err(CredentialError::InvalidPrivateKey("the public key of this key type cannot be derived".to_owned()));
    };
    // Both sides are DER SubjectPublicKeyInfo: rustls encodes the key's public
    // half the same canonical way certificates carry it.
    if key_spki.as_ref() != leaf.public_key().raw {
        return Err(CredentialError::KeyMismatch);
    }

    let not_before = leaf.validity().not_before.to_datetime();
    let not_after = leaf.validity().not_after.to_datetime();
    if now < not_before {
        return Err(CredentialError::CertificateNotYetValid { not_before });
    }
    if not_after < now {
        return Err(CredentialError::CertificateExpired { not_after });
    }

    let topics = apple_topics(&leaf);
    let bundle_id = leaf
        .subject()
        .iter_by_oid(&OID_USERID)
        .find_map(|attribute| attribute.as_str().ok())
        .map(str::to_owned)
        .or_else(|| topics.first().cloned());

    Ok(ApnsCertificateInfo { not_before, not_after, subject: leaf.subject().to_string(), bundle_id, topics })
}

fn read_certificate_chain(certificate_pem: &str) -> Result<Vec<CertificateDer<'static>>, CredentialError> {
    let normalized = pem::normalize(certificate_pem);
    if normalized.is_empty() {
        return Err(CredentialError::InvalidCertificate("the value is empty".to_owned()));
    }
    CertificateDer::pem_slice_iter(normalized.as_bytes()).collect::<Result<Vec<_>, _>>().map_err(|error| {
        CredentialError::InvalidCertificate(pem::describe_error(
            &error,
            "no \"-----BEGIN CERTIFICATE-----\" block found",
        ))
    })
}

/// `index` is the certificate's position in the uploaded chain, so the
/// message can say which block is broken.
fn parse_x509<'a>(der: &'a CertificateDer<'_>, index: usize) -> Result<X509Certificate<'a>, CredentialError> {
    match X509Certificate::from_der(der.as_ref()) {
        Ok((_, certificate)) => Ok(certificate),
        Err(error) => {
            let which = if index == 0 {
                "the first (leaf) certificate".to_owned()
            } else {
                format!("certificate {} of the chain", index + 1)
            };
            Err(CredentialError::InvalidCertificate(format!("{which} is not valid X.509: {error}")))
        }
    }
}

fn read_private_key(private_key_pem: &str) -> Result<Arc<dyn SigningKey>, CredentialError> {
    let invalid = |reason: &str| CredentialError::InvalidPrivateKey(reason.to_owned());

    let normalized = pem::normalize(private_key_pem);
    if normalized.is_empty() {
        return Err(invalid("the value is empty"));
    }
    if pem::is_encrypted_key(&normalized) {
        return Err(invalid("the key is encrypted; export it without a passphrase"));
    }
    let key = PrivateKeyDer::from_pem_slice(normalized.as_bytes()).map_err(|error| {
        CredentialError::InvalidPrivateKey(pem::describe_error(
            &error,
            "no \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" block found",
        ))
    })?;
    // rustls' own message lists algorithms in its words; ours names the
    // field already, so only the outcome is kept.
    any_supported_type(&key).map_err(|_| invalid("the key could not be decoded as an RSA, ECDSA or Ed25519 key"))
}

/// The topics are informational: an extension that cannot be read must not
/// make an otherwise usable certificate fail, so decoding errors yield what
/// was read so far.
fn apple_topics(certificate: &X509Certificate<'_>) -> Vec<String> {
    let Some(extension) =
        certificate.extensions().iter().find(|extension| extension.oid.to_id_string() == APPLE_TOPICS_EXTENSION)
    else {
        return Vec::new();
    };
    let Ok((_, entries)) = Sequence::from_der(extension.value) else {
        return Vec::new();
    };
    // Entries alternate between a topic UTF8String and a SEQUENCE naming the
    // topic's kind ("app", "voip", ...); only the strings are topics, and
    // `as_utf8string` refuses anything else.
    entries
        .der_iter::<Any, x509_parser::asn1_rs::Error>()
        .map_while(Result::ok)
        .filter_map(|entry| entry.as_utf8string().ok().map(|topic| topic.string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_material::{self, ApnsCertificateMaterial, CertificateKeyAlgorithm};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-06-01 12:00:00 UTC);
    const NOT_BEFORE: OffsetDateTime = datetime!(2025-01-01 00:00:00 UTC);
    const NOT_AFTER: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

    fn certificate(algorithm: CertificateKeyAlgorithm) -> ApnsCertificateMaterial {
        test_material::apns_certificate("com.example.app", algorithm, NOT_BEFORE, NOT_AFTER)
    }

    fn certificate_reason(result: Result<ApnsCertificateInfo, CredentialError>) -> String {
        match result {
            Err(CredentialError::InvalidCertificate(reason)) => reason,
            other => panic!("expected InvalidCertificate, got {other:?}"),
        }
    }

    fn key_reason(result: Result<ApnsCertificateInfo, CredentialError>) -> String {
        match result {
            Err(CredentialError::InvalidPrivateKey(reason)) => reason,
            other => panic!("expected InvalidPrivateKey, got {other:?}"),
        }
    }

    #[test]
    fn accepts_an_rsa_certificate_and_reports_its_details() {
        let material = certificate(CertificateKeyAlgorithm::Rsa2048);
        let info = validate_apns_certificate(&material.certificate_pem, &material.private_key_pem, NOW)
            .expect("valid certificate");
        assert_eq!(info.not_before, NOT_BEFORE);
        assert_eq!(info.not_after, NOT_AFTER);
        assert!(info.subject.contains("CN=Apple Push Services: com.example.app"), "{}", info.subject);
        assert_eq!(info.bundle_id.as_deref(), Some("com.example.app"));
        assert_eq!(info.topics, ["com.example.app", "com.example.app.voip"]);
    }

    #[test]
    fn accepts_an_rsa_key_in_pkcs1_form() {
        let material = certificate(CertificateKeyAlgorithm::Rsa2048);
        let pkcs1 = test_material::rsa_pkcs8_pem_to_pkcs1(&material.private_key_pem);
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let info = validate_apns_certificate(&material.certificate_pem, &pkcs1, NOW).expect("PKCS#1 key matches");
        assert_eq!(info.not_after, NOT_AFTER);
    }

    #[test]
    fn accepts_an_ec_key_in_pkcs8_and_sec1_form() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        let sec1 = test_material::ec_pkcs8_pem_to_sec1(&material.private_key_pem);
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        for key in [&material.private_key_pem, &sec1] {
            validate_apns_certificate(&material.certificate_pem, key, NOW).expect("EC key matches");
        }
    }

    #[test]
    fn accepts_crlf_line_endings_and_surrounding_whitespace() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        let certificate = format!("\r\n {}\r\n", material.certificate_pem.replace('\n', "\r\n"));
        let key = format!("  {}  ", material.private_key_pem.replace('\n', "\r\n"));
        validate_apns_certificate(&certificate, &key, NOW).expect("CRLF accepted");
    }

    #[test]
    fn uses_the_first_certificate_of_a_chain_as_the_leaf() {
        let leaf = certificate(CertificateKeyAlgorithm::EcP256);
        let issuer = certificate(CertificateKeyAlgorithm::EcP256);
        let chain = format!("{}{}", leaf.certificate_pem, issuer.certificate_pem);
        validate_apns_certificate(&chain, &leaf.private_key_pem, NOW).expect("leaf matches");

        let reversed = format!("{}{}", issuer.certificate_pem, leaf.certificate_pem);
        assert_eq!(validate_apns_certificate(&reversed, &leaf.private_key_pem, NOW), Err(CredentialError::KeyMismatch));
    }

    #[test]
    fn accepts_certificate_and_key_pasted_together() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        let bundle = format!("{}{}", material.private_key_pem, material.certificate_pem);
        validate_apns_certificate(&bundle, &bundle, NOW).expect("each block found");
    }

    #[test]
    fn rejects_a_key_of_another_certificate() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        let other = certificate(CertificateKeyAlgorithm::EcP256);
        let result = validate_apns_certificate(&material.certificate_pem, &other.private_key_pem, NOW);
        assert_eq!(result, Err(CredentialError::KeyMismatch));
        assert_eq!(CredentialError::KeyMismatch.to_string(), "PrivateKey does not match the public key in Certificate");
    }

    #[test]
    fn rejects_a_key_of_another_algorithm() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        let rsa_key = test_material::rsa_private_key_pkcs8_pem();
        let result = validate_apns_certificate(&material.certificate_pem, &rsa_key, NOW);
        assert_eq!(result, Err(CredentialError::KeyMismatch));
    }

    #[test]
    fn rejects_an_expired_certificate_naming_the_date() {
        let expired = test_material::apns_certificate(
            "com.example.app",
            CertificateKeyAlgorithm::EcP256,
            datetime!(2023-01-01 00:00:00 UTC),
            datetime!(2024-01-01 00:00:00 UTC),
        );
        let err = validate_apns_certificate(&expired.certificate_pem, &expired.private_key_pem, NOW)
            .expect_err("expired certificate");
        assert_eq!(err, CredentialError::CertificateExpired { not_after: datetime!(2024-01-01 00:00:00 UTC) });
        assert_eq!(err.to_string(), "Certificate expired on 2024-01-01T00:00:00Z");
    }

    #[test]
    fn rejects_a_certificate_that_is_not_yet_valid() {
        let future = test_material::apns_certificate(
            "com.example.app",
            CertificateKeyAlgorithm::EcP256,
            datetime!(2025-07-01 00:00:00 UTC),
            datetime!(2026-07-01 00:00:00 UTC),
        );
        let err = validate_apns_certificate(&future.certificate_pem, &future.private_key_pem, NOW)
            .expect_err("future certificate");
        assert_eq!(err.to_string(), "Certificate is not valid before 2025-07-01T00:00:00Z");
    }

    #[test]
    fn validity_bounds_are_inclusive() {
        let material = certificate(CertificateKeyAlgorithm::EcP256);
        for now in [NOT_BEFORE, NOT_AFTER] {
            validate_apns_certificate(&material.certificate_pem, &material.private_key_pem, now)
                .expect("valid at its bounds");
        }
    }

    #[test]
    fn rejects_empty_or_garbage_certificates() {
        let key = certificate(CertificateKeyAlgorithm::EcP256).private_key_pem;
        assert_eq!(certificate_reason(validate_apns_certificate(" \n", &key, NOW)), "the value is empty");
        assert!(
            certificate_reason(validate_apns_certificate("garbage", &key, NOW))
                .contains("no \"-----BEGIN CERTIFICATE-----\" block")
        );
        assert!(
            certificate_reason(validate_apns_certificate(&key, &key, NOW))
                .contains("no \"-----BEGIN CERTIFICATE-----\" block")
        );
    }

    #[test]
    fn rejects_a_certificate_block_that_is_not_x509() {
        let key = certificate(CertificateKeyAlgorithm::EcP256).private_key_pem;
        let not_x509 = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END CERTIFICATE-----\n";
        let reason = certificate_reason(validate_apns_certificate(not_x509, &key, NOW));
        assert!(reason.starts_with("the first (leaf) certificate is not valid X.509"), "{reason}");

        let leaf = certificate(CertificateKeyAlgorithm::EcP256);
        let chain = format!("{}{not_x509}", leaf.certificate_pem);
        let reason = certificate_reason(validate_apns_certificate(&chain, &leaf.private_key_pem, NOW));
        assert!(reason.starts_with("certificate 2 of the chain"), "{reason}");
    }

    #[test]
    fn rejects_empty_garbage_or_encrypted_keys() {
        let cert = certificate(CertificateKeyAlgorithm::EcP256).certificate_pem;
        assert_eq!(key_reason(validate_apns_certificate(&cert, "", NOW)), "the value is empty");
        assert!(key_reason(validate_apns_certificate(&cert, "garbage", NOW)).contains("no \""));
        let not_a_key = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END PRIVATE KEY-----\n";
        assert!(key_reason(validate_apns_certificate(&cert, not_a_key, NOW)).contains("could not be decoded"));
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(key_reason(validate_apns_certificate(&cert, encrypted, NOW)).contains("encrypted"));
    }
}
