//! Freshly generated push credentials for tests.
//!
//! Enabled by the `test-material` cargo feature so that other crates' tests
//! (the test kit) can upload credentials that pass validation without
//! checking secrets into the repository. Every call generates new keys.
//!
//! These helpers panic on failure: they only ever run inside tests, where a
//! failure to generate a key is a broken environment, not bad input.

use std::borrow::Cow;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    CertificateParams, CustomExtension, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, SignatureAlgorithm,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use time::OffsetDateTime;
use x509_parser::asn1_rs::{Any, FromDer, Sequence, ToDer};

/// Apple's "APNs topics" certificate extension (1.2.840.113635.100.6.3.6).
const APPLE_TOPICS_EXTENSION: &[u64] = &[1, 2, 840, 113635, 100, 6, 3, 6];

/// The X.500 "UID" attribute Apple puts the bundle id in (0.9.2342.19200300.100.1.1).
const UID_ATTRIBUTE: &[u64] = &[0, 9, 2342, 19200300, 100, 1, 1];

/// A new APNs token signing key in Apple's .p8 format (PEM PKCS#8, EC P-256).
pub fn apns_token_key_p8() -> String {
    generate_key(&PKCS_ECDSA_P256_SHA256).serialize_pem()
}

/// A new RSA 2048 private key as PEM PKCS#8 ("PRIVATE KEY").
pub fn rsa_private_key_pkcs8_pem() -> String {
    generate_key(&PKCS_RSA_SHA256).serialize_pem()
}

/// A Firebase service-account JSON key (as pasted into UpdateGcmChannel's
/// ServiceJson) with a new RSA key. `token_uri` is where OAuth tokens are
/// requested, so tests can point it at a local fake.
pub fn fcm_service_account_json(project_id: &str, token_uri: &str) -> String {
    let document = serde_json::json!({
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": rsa_private_key_pkcs8_pem(),
        "client_email": format!("herald-test@{project_id}.iam.gserviceaccount.com"),
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    });
    document.to_string()
}

/// Key algorithm of a generated APNs certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKeyAlgorithm {
    /// What Apple issues APNs certificates with.
    Rsa2048,
    /// Cheaper to generate, and needed to test SEC1 keys.
    EcP256,
}

/// A self-signed APNs-style client certificate and its PEM PKCS#8 key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApnsCertificateMaterial {
    pub certificate_pem: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for ApnsCertificateMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsCertificateMaterial")
            .field("certificate_pem", &self.certificate_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// A self-signed certificate shaped like Apple's "Apple Push Services"
/// certificates: the bundle id in the subject's UID attribute and the topics
/// extension listing the bundle id and its VoIP topic.
pub fn apns_certificate(
    bundle_id: &str,
    algorithm: CertificateKeyAlgorithm,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> ApnsCertificateMaterial {
    let key = match algorithm {
        CertificateKeyAlgorithm::Rsa2048 => generate_key(&PKCS_RSA_SHA256),
        CertificateKeyAlgorithm::EcP256 => generate_key(&PKCS_ECDSA_P256_SHA256),
    };

    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty subject alternative names are valid");
    params.not_before = not_before;
    params.not_after = not_after;
    params.distinguished_name.push(DnType::CustomDnType(UID_ATTRIBUTE.to_vec()), bundle_id);
    params.distinguished_name.push(DnType::CommonName, format!("Apple Push Services: {bundle_id}"));
    params.distinguished_name.push(DnType::OrganizationalUnitName, "HERALDTEST");
    params.distinguished_name.push(DnType::CountryName, "US");
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(APPLE_TOPICS_EXTENSION, apple_topics_extension(bundle_id)));

    let certificate = params.self_signed(&key).expect("self-signing a test certificate");
    ApnsCertificateMaterial { certificate_pem: certificate.pem(), private_key_pem: key.serialize_pem() }
}

/// Re-encodes a PEM PKCS#8 RSA key as PEM PKCS#1 ("RSA PRIVATE KEY"), the
/// form `openssl pkcs12 -nodes` used to print.
pub fn rsa_pkcs8_pem_to_pkcs1(pkcs8_pem: &str) -> String {
    let pkcs8 = PrivatePkcs8KeyDer::from_pem_slice(pkcs8_pem.as_bytes()).expect("PKCS#8 PEM");
    // PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING, ... }
    // and for RSA the privateKey octets are the PKCS#1 RSAPrivateKey.
    let (_, info) = Sequence::from_der(pkcs8.secret_pkcs8_der()).expect("PrivateKeyInfo");
    let private_key = info
        .der_iter::<Any, x509_parser::asn1_rs::Error>()
        .nth(2)
        .expect("PrivateKeyInfo has a privateKey field")
        .expect("privateKey parses");
    pem_encode("RSA PRIVATE KEY", private_key.data)
}

/// Re-encodes a PEM PKCS#8 EC P-256 key as PEM SEC1 ("EC PRIVATE KEY").
pub fn ec_pkcs8_pem_to_sec1(pkcs8_pem: &str) -> String {
    let pkcs8 = PrivatePkcs8KeyDer::from_pem_slice(pkcs8_pem.as_bytes()).expect("PKCS#8 PEM");
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.secret_pkcs8_der())
        .expect("EC P-256 PKCS#8 key");
    let sec1 = key.private_key().as_der().expect("SEC1 encoding");
    pem_encode("EC PRIVATE KEY", sec1.as_ref())
}

fn generate_key(algorithm: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(algorithm).expect("generating a test key")
}

/// SEQUENCE { UTF8String bundle, SEQUENCE { UTF8String "app" },
///            UTF8String bundle.voip, SEQUENCE { UTF8String "voip" } },
/// the layout of Apple's topics extension.
fn apple_topics_extension(bundle_id: &str) -> Vec<u8> {
    let voip_topic = format!("{bundle_id}.voip");
    let mut content = Vec::new();
    for (topic, kind) in [(bundle_id, "app"), (voip_topic.as_str(), "voip")] {
        content.extend(topic.to_der_vec().expect("encoding a topic"));
        let kinds = Sequence::from_iter_to_der([kind].into_iter()).expect("encoding topic kinds");
        content.extend(kinds.to_der_vec().expect("encoding topic kinds"));
    }
    Sequence::new(Cow::Owned(content)).to_der_vec().expect("encoding the topics extension")
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    // PEM lines hold 64 base64 characters; base64 output is ASCII, so
    // splitting the bytes never cuts a character.
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn pkcs1_and_sec1_conversions_produce_the_expected_blocks() {
        let rsa = rsa_pkcs8_pem_to_pkcs1(&rsa_private_key_pkcs8_pem());
        assert!(rsa.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"), "{rsa}");
        aws_lc_rs::rsa::KeyPair::from_der(
            rustls_pki_types::PrivatePkcs1KeyDer::from_pem_slice(rsa.as_bytes())
                .expect("PKCS#1 PEM")
                .secret_pkcs1_der(),
        )
        .expect("PKCS#1 key parses");

        let ec = ec_pkcs8_pem_to_sec1(&apns_token_key_p8());
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
    }

    #[test]
    fn certificate_is_valid_for_the_requested_period() {
        let not_before = OffsetDateTime::now_utc() - Duration::days(1);
        let not_after = not_before + Duration::days(365);
        let material = apns_certificate("com.example.app", CertificateKeyAlgorithm::EcP256, not_before, not_after);
        assert!(material.certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!format!("{material:?}").contains("PRIVATE KEY"));
    }
}
