//! The canonical request: the normalised text of a request that both sides
//! hash. Every rule here mirrors what the aws-sigv4 crate does with its
//! default settings (the ones every non-S3 AWS SDK client uses), because a
//! single byte of difference makes every signature fail.

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};

use super::error::AuthError;

/// Everything except the RFC 3986 unreserved characters gets percent-encoded.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The pieces of a request that go into its canonical form.
pub(crate) struct CanonicalInput<'a> {
    pub(crate) method: &'a str,
    pub(crate) raw_path: &'a str,
    pub(crate) raw_query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) signed_headers: &'a [String],
    pub(crate) payload_hash: &'a str,
}

/// Builds the canonical request. Bytes rather than a string because header
/// values are not guaranteed to be UTF-8 and are signed as sent.
pub(crate) fn canonical_request(input: &CanonicalInput<'_>) -> Result<Vec<u8>, AuthError> {
    let mut out = Vec::new();
    out.extend_from_slice(input.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(input.raw_path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(input.raw_query).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&canonical_headers(input.headers, input.signed_headers)?);
    out.push(b'\n');
    out.extend_from_slice(input.signed_headers.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(input.payload_hash.as_bytes());
    Ok(out)
}

/// Non-S3 services sign the path *as already encoded on the wire*, encoded
/// once more: `%3A` is signed as `%253A`. Dot segments and empty segments
/// are removed first, as the SDKs do before signing.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            // aws-sigv4 drops empty segments too, so `/a//b` signs as `/a/b`.
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }

    let mut uri = String::with_capacity(raw_path.len() + 1);
    for segment in &segments {
        uri.push('/');
        uri.extend(utf8_percent_encode(segment, STRICT));
    }
    // A trailing slash survives normalisation (RFC 3986 5.2.4), including the
    // one implied by a final `.` or `..`.
    let trailing_slash = ["/", "/.", "/..", ""].iter().any(|end| {
        if end.is_empty() {
            // An empty path, or one that normalises to nothing, is "/".
            segments.is_empty()
        } else {
            raw_path.ends_with(end)
        }
    });
    if trailing_slash {
        uri.push('/');
    }
    uri
}

/// Query parameters are decoded the way HTML forms are (`+` is a space),
/// re-encoded strictly, and sorted by key then value.
pub(crate) fn canonical_query(raw_query: Option<&str>) -> String {
    let Some(raw_query) = raw_query else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode_query_part(key), reencode_query_part(value))
        })
        .collect();
    // Sorting the encoded forms (not the decoded ones) is what the spec and
    // aws-sigv4 do; the two orders differ for characters like ' ' vs '-'.
    pairs.sort();

    let mut query = String::with_capacity(raw_query.len());
    for (key, value) in &pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(key);
        query.push('=');
        query.push_str(value);
    }
    query
}

fn reencode_query_part(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    // Invalid escapes stay literal and invalid UTF-8 becomes U+FFFD, exactly
    // as the form decoder aws-sigv4 uses behaves.
    let decoded = percent_decode(spaced.as_bytes()).decode_utf8_lossy();
    utf8_percent_encode(&decoded, STRICT).to_string()
}

/// One `name:value\n` line per signed header, in SignedHeaders order.
fn canonical_headers(headers: &HeaderMap, signed_headers: &[String]) -> Result<Vec<u8>, AuthError> {
    let mut out = Vec::new();
    for name in signed_headers {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        if values.peek().is_none() {
            return Err(AuthError::invalid_signature(format!(
                "Header '{name}' is listed in SignedHeaders but is not present in the request."
            )));
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut first = true;
        for value in values {
            if !first {
                out.push(b',');
            }
            first = false;
            push_trimmed(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// Trims spaces at both ends and collapses runs of spaces into one. Only
/// the space character: aws-sigv4 leaves tabs and other whitespace alone.
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut previous_was_space = false;
    let start = out.len();
    for &byte in value {
        if byte == b' ' {
            previous_was_space = true;
            continue;
        }
        if previous_was_space && out.len() > start {
            out.push(b' ');
        }
        previous_was_space = false;
        out.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_encoded_twice() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/v1/apps"), "/v1/apps");
        assert_eq!(canonical_uri("/v1/apps/"), "/v1/apps/");
        assert_eq!(
            canonical_uri("/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A1%3Aapps%2Fabc"),
            "/v1/tags/arn%253Aaws%253Amobiletargeting%253Aus-east-1%253A1%253Aapps%252Fabc"
        );
        assert_eq!(
            canonical_uri("/v1/templates/My%20Template%2B%C3%A9/push"),
            "/v1/templates/My%2520Template%252B%25C3%25A9/push"
        );
        assert_eq!(canonical_uri("/a:b/c~d_e.f-g"), "/a%3Ab/c~d_e.f-g");
        assert_eq!(canonical_uri("/é"), "/%C3%A9");
    }

    #[test]
    fn uri_is_normalised() {
        assert_eq!(canonical_uri("/a//b"), "/a/b");
        assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
        assert_eq!(canonical_uri("/a/b/."), "/a/b/");
        assert_eq!(canonical_uri("/a/b/.."), "/a/");
        assert_eq!(canonical_uri("/../../a"), "/a");
        assert_eq!(canonical_uri("/.."), "/");
        assert_eq!(canonical_uri("a/b"), "/a/b");
        assert_eq!(canonical_uri("/a%2E/b"), "/a%252E/b");
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(canonical_query(None), "");
        assert_eq!(canonical_query(Some("")), "");
        assert_eq!(canonical_query(Some("b=2&a=1")), "a=1&b=2");
        assert_eq!(canonical_query(Some("k=b&k=a&k=")), "k=&k=a&k=b");
        assert_eq!(canonical_query(Some("flag&x=1")), "flag=&x=1");
        assert_eq!(canonical_query(Some("a=1&&b=2&")), "a=1&b=2");
        assert_eq!(canonical_query(Some("q=a+b%2Bc")), "q=a%20b%2Bc");
        assert_eq!(canonical_query(Some("q=x=y/z")), "q=x%3Dy%2Fz");
        assert_eq!(canonical_query(Some("q=%zz")), "q=%25zz");
        assert_eq!(canonical_query(Some("q=%ff")), "q=%EF%BF%BD");
        assert_eq!(canonical_query(Some("q=%c3%a9~")), "q=%C3%A9~");
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", http::HeaderValue::from_static("  one   two  "));
        headers.append("x-a", http::HeaderValue::from_static("three"));
        headers.append("x-b", http::HeaderValue::from_static("tab\t\tkept"));
        headers.append("x-c", http::HeaderValue::from_static(""));
        let signed = ["x-a".to_owned(), "x-b".to_owned(), "x-c".to_owned()];
        let lines = canonical_headers(&headers, &signed).expect("all present");
        assert_eq!(lines, b"x-a:one two,three\nx-b:tab\t\tkept\nx-c:\n");

        let missing = ["x-z".to_owned()];
        let err = canonical_headers(&headers, &missing).unwrap_err();
        assert_eq!(err.code, "InvalidSignatureException");
    }
}
