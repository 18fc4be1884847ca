//! PEM text as users paste it into API requests.

use rustls_pki_types::pem;

/// Rebuilds PEM text with one trimmed line per `\n`.
///
/// Credentials arrive from Windows editors, web consoles and JSON documents,
/// so they carry CRLF or lone CR line endings, indentation and blank lines
/// that the strict PEM decoder would reject or, for an indented BEGIN line,
/// silently skip.
pub(crate) fn normalize(text: &str) -> String {
    let mut normalized = String::with_capacity(text.len());
    for line in text.split(['\r', '\n']) {
        let line = line.trim();
        if !line.is_empty() {
            normalized.push_str(line);
            normalized.push('\n');
        }
    }
    normalized
}

/// Whether the text holds a passphrase-protected key.
///
/// The PEM decoder does not know these block types and would report "no key
/// found", which sends users looking in the wrong place.
pub(crate) fn is_encrypted_key(normalized: &str) -> bool {
    normalized.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || normalized.contains("Proc-Type: 4,ENCRYPTED")
}

/// Describes a PEM decoding failure; `missing` is used when no block of the
/// wanted kind was found at all.
pub(crate) fn describe_error(error: &pem::Error, missing: &str) -> String {
    // The decoder's own messages print labels and lines as byte arrays, which
    // users cannot read, so the common cases are spelled out here.
    match error {
        pem::Error::NoItemsFound => missing.to_owned(),
        pem::Error::MissingSectionEnd { end_marker } => format!(
            "PEM decoding failed: the \"-----END {}-----\" line is missing",
            String::from_utf8_lossy(end_marker)
        ),
        pem::Error::IllegalSectionStart { .. } => {
            "PEM decoding failed: a \"-----BEGIN ...-----\" line is malformed".to_owned()
        }
        pem::Error::Base64Decode(_) => "PEM decoding failed: the block content is not valid base64".to_owned(),
        other => format!("PEM decoding failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_crlf_indentation_and_blank_lines() {
        let text = "\r\n  -----BEGIN X-----\r\n\tAAAA \r\n\r\n-----END X-----  \r\n\n";
        assert_eq!(normalize(text), "-----BEGIN X-----\nAAAA\n-----END X-----\n");
    }

    #[test]
    fn normalize_of_blank_text_is_empty() {
        assert_eq!(normalize(" \r\n\t\n"), "");
    }

    #[test]
    fn encrypted_keys_are_recognised() {
        assert!(is_encrypted_key("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        assert!(is_encrypted_key("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"));
        assert!(!is_encrypted_key("-----BEGIN PRIVATE KEY-----\n"));
    }

    #[test]
    fn describes_errors_in_words() {
        let missing_end = pem::Error::MissingSectionEnd { end_marker: b"CERTIFICATE".to_vec() };
        assert_eq!(
            describe_error(&missing_end, "none"),
            "PEM decoding failed: the \"-----END CERTIFICATE-----\" line is missing"
        );
        assert_eq!(describe_error(&pem::Error::NoItemsFound, "none"), "none");
    }
}
