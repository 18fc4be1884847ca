//! TLS for connections to push providers: which servers we trust, and the client identity some
//! providers (APNs certificate auth) want from us.
//!
//! Every configuration names the aws-lc-rs provider explicitly. The workspace may link more than
//! one rustls crypto provider (see rust-deps §2.3), and then rustls has no process default to fall
//! back on.

use std::fmt;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why a trust store or client TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The operator's extra CA bundle (`providers.extra_ca_file`) is not readable PEM.
    #[error("the extra CA bundle is not valid PEM: {0}")]
    ExtraCaPem(String),

    /// The extra CA bundle holds no "CERTIFICATE" block, which is always a mistake.
    #[error("the extra CA bundle contains no \"-----BEGIN CERTIFICATE-----\" block")]
    ExtraCaEmpty,

    /// One certificate of the extra CA bundle is not usable as a trust anchor.
    #[error("certificate #{index} of the extra CA bundle cannot be a trust anchor: {source}")]
    ExtraCaCertificate {
        /// 1-based position in the bundle.
        index: usize,
        #[source]
        source: rustls::Error,
    },

    /// The client certificate chain is not PEM or holds no certificate.
    #[error("the client certificate is not a valid PEM certificate chain: {0}")]
    ClientCertificate(String),

    /// The client private key is not PEM PKCS#8, PKCS#1 or SEC1.
    #[error("the client private key is not a valid PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC): {0}")]
    ClientKey(String),

    /// rustls refused the configuration (for example a key that does not fit the certificate).
    #[error("cannot build the TLS client configuration: {0}")]
    Config(#[source] rustls::Error),
}

/// The crypto provider every Herald TLS configuration uses.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The operating system's trusted roots plus the certificates of `extra_ca_pem` (a PEM bundle).
///
/// A missing or empty system store is fine: containers often have none, and tests trust only
/// their own CA. Reading the system store touches the file system, so build the store once and
/// share it (`Arc`) between clients.
pub fn root_store(extra_ca_pem: Option<&[u8]>) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();

    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "could not read part of the system certificate store");
    }
    let (added, ignored) = store.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "loaded system root certificates");

    if let Some(pem) = extra_ca_pem {
        let mut count = 0;
        for (position, certificate) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let certificate = certificate.map_err(|error| TlsError::ExtraCaPem(error.to_string()))?;
            store.add(certificate).map_err(|source| TlsError::ExtraCaCertificate { index: position + 1, source })?;
            count += 1;
        }
        if count == 0 {
            return Err(TlsError::ExtraCaEmpty);
        }
    }
    Ok(store)
}

/// A certificate chain and its private key, presented to servers that authenticate clients.
pub struct ClientIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    /// Reads a PEM certificate chain (leaf first) and a PEM private key in PKCS#8, PKCS#1 (RSA)
    /// or SEC1 (EC) form, which is how users paste APNs certificates.
    pub fn from_pem(certificate_pem: &str, private_key_pem: &str) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_slice_iter(certificate_pem.trim().as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| TlsError::ClientCertificate(error.to_string()))?;
        if chain.is_empty() {
            return Err(TlsError::ClientCertificate("no \"-----BEGIN CERTIFICATE-----\" block found".to_owned()));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key_pem.trim().as_bytes())
            .map_err(|error| TlsError::ClientKey(error.to_string()))?;
        Ok(ClientIdentity { chain, key })
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("chain", &format_args!("{} certificate(s)", self.chain.len()))
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A client configuration trusting `roots`, presenting `identity` when given, offering the ALPN
/// protocols in `alpn` (for example `[b"h2"]`).
pub fn client_config(
    roots: Arc<RootCertStore>,
    identity: Option<ClientIdentity>,
    alpn: &[&[u8]],
) -> Result<ClientConfig, TlsError> {
    let builder = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(identity) => builder.with_client_auth_cert(identity.chain, identity.key).map_err(TlsError::Config)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair};

    fn certificate_pem() -> (String, String) {
        let key = KeyPair::generate().expect("generate key");
        let certificate =
            CertificateParams::new(vec!["localhost".to_owned()]).expect("params").self_signed(&key).expect("self-sign");
        (certificate.pem(), key.serialize_pem())
    }

    #[test]
    fn extra_bundle_adds_every_certificate() {
        let without = root_store(None).expect("system store").len();
        let bundle = format!("{}{}", certificate_pem().0, certificate_pem().0);
        let with = root_store(Some(bundle.as_bytes())).expect("store with extra CAs").len();
        assert_eq!(with, without + 2);
    }

    #[test]
    fn extra_bundle_without_certificates_is_refused() {
        assert!(matches!(root_store(Some(b"just text\n")), Err(TlsError::ExtraCaEmpty)));
    }

    #[test]
    fn extra_bundle_with_broken_base64_is_refused() {
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        let error = root_store(Some(broken)).expect_err("broken PEM must be refused");
        assert!(matches!(error, TlsError::ExtraCaPem(_)), "{error}");
    }

    #[test]
    fn extra_bundle_with_garbage_certificate_names_its_position() {
        let (good, _) = certificate_pem();
        let garbage = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        let error = root_store(Some(format!("{good}{garbage}").as_bytes())).expect_err("garbage must be refused");
        assert!(matches!(error, TlsError::ExtraCaCertificate { index: 2, .. }), "{error}");
    }

    #[test]
    fn client_config_with_identity_offers_alpn() {
        let (certificate, key) = certificate_pem();
        let identity = ClientIdentity::from_pem(&certificate, &key).expect("identity");
        let config = client_config(Arc::new(RootCertStore::empty()), Some(identity), &[b"h2"]).expect("config");
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn identity_needs_a_certificate_and_a_key() {
        let (certificate, key) = certificate_pem();
        assert!(matches!(ClientIdentity::from_pem("", &key), Err(TlsError::ClientCertificate(_))));
        assert!(matches!(ClientIdentity::from_pem(&certificate, "nope"), Err(TlsError::ClientKey(_))));
    }

    #[test]
    fn identity_debug_hides_the_key() {
        let (certificate, key) = certificate_pem();
        let identity = ClientIdentity::from_pem(&certificate, &key).expect("identity");
        assert!(!format!("{identity:?}").contains("PRIVATE"));
    }
}
