//! Baidu's request signature (REST API 3.0, "签名算法"):
//!
//! ```text
//! sign = md5_hex(urlencode(HTTP_METHOD + URL + k1=v1 + k2=v2 + … + secret_key))
//! ```
//!
//! - `URL` is the full request URL with scheme and host, without a query string;
//! - the pairs are every request parameter but `sign`, sorted by name (PHP's `ksort`), joined
//!   with nothing between them, the values raw (not form-encoded);
//! - `urlencode` is PHP's: ASCII letters, digits and `-_.` stay, a space becomes `+`, every
//!   other byte of the UTF-8 text becomes `%XX` with upper-case hex (Baidu's SDKs in other
//!   languages patch their encoders to match: `*` as `%2A`, `~` as `%7E`, upper-case hex);
//! - the MD5 digest is written as lower-case hex.

use std::collections::BTreeMap;
use std::fmt::Write;

use md5::{Digest, Md5};

/// The `sign` parameter for a request of `method` to `url` with `params` (which must not hold
/// `sign` itself).
pub(crate) fn sign(method: &str, url: &str, params: &BTreeMap<&str, String>, secret_key: &str) -> String {
    let mut base = String::new();
    base.push_str(method);
    base.push_str(url);
    // BTreeMap orders its keys by their bytes, as PHP's ksort does for these ASCII names.
    for (name, value) in params {
        base.push_str(name);
        base.push('=');
        base.push_str(value);
    }
    base.push_str(secret_key);
    let digest = Md5::digest(php_urlencode(&base).as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// PHP's `urlencode`.
fn php_urlencode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => encoded.push(char::from(byte)),
            b' ' => encoded.push('+'),
            _ => {
                // Writing to a String cannot fail.
                let _ = write!(encoded, "%{byte:02X}");
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_matches_php() {
        assert_eq!(php_urlencode("azAZ09-_."), "azAZ09-_.");
        assert_eq!(php_urlencode("a b"), "a+b");
        assert_eq!(php_urlencode("~*!'()"), "%7E%2A%21%27%28%29");
        assert_eq!(php_urlencode("http://x/y?z=1&w"), "http%3A%2F%2Fx%2Fy%3Fz%3D1%26w");
        assert_eq!(php_urlencode("中"), "%E4%B8%AD");
        assert_eq!(php_urlencode("{\"k\":\"v\"}"), "%7B%22k%22%3A%22v%22%7D");
    }

    /// The expected digest was computed apart from this code, with Python's
    /// `hashlib.md5(urllib.parse.quote_plus(base, safe="").replace("~", "%7E").encode())`
    /// (`quote_plus` keeps `~`, PHP's `urlencode` does not).
    #[test]
    fn known_answer() {
        let params = BTreeMap::from([
            ("apikey", "Ljk0xEoPXUQUqDfSaXfDKeCd".to_string()),
            ("timestamp", "1427180735".to_string()),
            ("channel_id", "3812023617541395311".to_string()),
            ("device_type", "3".to_string()),
            ("msg_type", "1".to_string()),
            ("msg", r#"{"title":"Hi ~ there","description":"Ünïcode 中文 *!"}"#.to_string()),
            ("msg_expires", "3600".to_string()),
        ]);
        let url = "http://api.tuisong.baidu.com/rest/3.0/push/single_device";
        assert_eq!(sign("POST", url, &params, "aBcD1234EfGh5678IjKl9012MnOp3456"), KNOWN_SIGN);
    }

    const KNOWN_SIGN: &str = "e6a1e42874b7069fbbd82497b98f0315";
}
