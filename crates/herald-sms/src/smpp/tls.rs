//! TLS towards SMSCs that offer it (SMPP over TLS, usually port 3550 or the carrier's choice).

use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio_rustls::TlsConnector;

/// A connector trusting the operating system's roots plus `extra_ca_pem` (a PEM bundle, for
/// carriers with a private CA). Fails when no root at all could be loaded, or when the extra PEM
/// holds no certificate, since either way every handshake would fail later with a vaguer error.
pub(crate) fn connector(extra_ca_pem: Option<&[u8]>) -> Result<TlsConnector, String> {
    let mut roots = RootCertStore::empty();
    // Unreadable system certificates are skipped: one bad file in the store must not take
    // every carrier down.
    let native = rustls_native_certs::load_native_certs();
    let (_added, _ignored) = roots.add_parsable_certificates(native.certs);
    if let Some(pem) = extra_ca_pem {
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| format!("tls_ca: unreadable PEM: {e}"))?;
            roots.add(certificate).map_err(|e| format!("tls_ca: unusable CA certificate: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("tls_ca: no certificate in the PEM".to_owned());
        }
    }
    if roots.is_empty() {
        return Err("no trusted root certificates (none from the system and no tls_ca)".to_owned());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_pem_without_certificates() {
        let error = connector(Some(b"not a pem")).err().expect("error");
        assert!(error.contains("no certificate"), "{error}");
    }
}
