//! String to sign, signing key and the signature comparison.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::authorization::ALGORITHM;

type HmacSha256 = Hmac<Sha256>;

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `AWS4-HMAC-SHA256\n<amzdate>\n<scope>\n<hex sha256(canonical request)>`.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request))
}

/// The key is derived from the secret through the scope, so a signature is
/// only valid for one day, region and service.
pub(crate) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let key = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac_sha256(&key, region.as_bytes());
    let key = hmac_sha256(&key, service.as_bytes());
    hmac_sha256(&key, b"aws4_request")
}

/// Compares in constant time so the response timing says nothing about how
/// many leading bytes of a forged signature were right.
pub(crate) fn signature_matches(key: &[u8], string_to_sign: &str, provided_hex: &str) -> bool {
    let Ok(provided) = hex::decode(provided_hex) else {
        return false;
    };
    new_mac(key).chain_update(string_to_sign.as_bytes()).verify_slice(&provided).is_ok()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    new_mac(key).chain_update(data).finalize().into_bytes().to_vec()
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of any length (long ones are hashed first), so
    // this constructor cannot fail; its Result only exists for other MACs.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example from the AWS SigV4 documentation (IAM ListUsers).
    #[test]
    fn matches_the_documented_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let canonical = "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
            content-type:application/x-www-form-urlencoded; charset=utf-8\n\
            host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
            content-type;host;x-amz-date\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical.as_bytes());
        assert_eq!(sts.rsplit('\n').next(), Some("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
        let key = signing_key(secret, "20150830", "us-east-1", "iam");
        let expected = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        assert!(signature_matches(&key, &sts, expected));
        assert!(!signature_matches(&key, &sts, &expected.replace('5', "6")));
        assert!(!signature_matches(&key, &sts, "not hex"));
        assert!(!signature_matches(&key, &sts, &expected[..62]));
        assert!(!signature_matches(&key, &sts, ""));
    }
}
