//! A throw-away PKI for tests: one CA that issues server certificates (for the fake providers)
//! and client certificates (for APNs certificate auth).
//!
//! Everything is generated in memory per `TestCa`; Herald is told to trust the CA through
//! `providers.extra_ca_file` (see [`TestCa::write_ca_pem`]). Generation failures panic: they mean
//! a broken test environment, never bad input.

use std::io;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

/// A certificate authority for one test run.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA with a fresh EC P-256 key.
    pub fn new() -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, "Herald Test CA");
        params.distinguished_name.push(DnType::OrganizationName, "Herald tests");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        set_validity(&mut params);
        let issuer = CertifiedIssuer::self_signed(params, new_key()).expect("self-signing the test CA");
        TestCa { issuer }
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> String {
        self.issuer.pem()
    }

    /// Writes the CA certificate as a PEM file, e.g. for Herald's `providers.extra_ca_file`.
    pub fn write_ca_pem(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.ca_pem())
    }

    /// A server certificate for `names` (DNS names or IP addresses) as (PEM chain: leaf then CA,
    /// PEM PKCS#8 key).
    pub fn server_cert(&self, names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("subject alternative names for the test server");
        params.distinguished_name.push(DnType::CommonName, "Herald test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let (certificate, key) = self.issue(params);
        (format!("{certificate}{}", self.ca_pem()), key)
    }

    /// A client certificate with subject `CN=<common_name>` as (PEM certificate, PEM PKCS#8 key).
    pub fn client_cert(&self, common_name: &str) -> (String, String) {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }

    fn issue(&self, mut params: CertificateParams) -> (String, String) {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params);
        let key = new_key();
        let certificate = params.signed_by(&key, &self.issuer).expect("signing a test certificate");
        (certificate.pem(), key.serialize_pem())
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

fn new_key() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("generating a test key")
}

/// Valid from a day ago (clock skew between test processes is harmless) for a year.
fn set_validity(params: &mut CertificateParams) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};

    #[test]
    fn server_chain_is_leaf_then_ca() {
        let ca = TestCa::new();
        let (chain, key) = ca.server_cert(&["localhost", "127.0.0.1"]);
        let certificates: Vec<_> =
            CertificateDer::pem_slice_iter(chain.as_bytes()).collect::<Result<_, _>>().expect("PEM chain");
        assert_eq!(certificates.len(), 2);
        assert!(chain.ends_with(&ca.ca_pem()));
        PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("PEM key");
    }

    #[test]
    fn ca_pem_is_written_to_a_file() {
        let ca = TestCa::new();
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("ca.pem");
        ca.write_ca_pem(&path).expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), ca.ca_pem());
    }
}
