//! SendMediaMessage (MMS): a body, a media file or both, to the US or Canada only (guide part 1,
//! §6 and §19.2), from a phone number or pool with the MMS capability. One message is one part
//! for price and rate, however long its body.
//!
//! Herald has no S3 and no media store: the file's type is known from its name, but not its
//! size, so MAXIMUM_SIZE_EXCEEDED cannot be raised at send time. The message keeps the URL in
//! `media_urls`; `media_type` gives its MIME type and size limit again to whatever fetches the
//! file (an MMS carrier, which is a later addition), since the message document has no member
//! for them and both follow from the URL.

use herald_api::sms_voice_v2::types::{SendMediaMessageRequest, SendMediaMessageResult, ValidationExceptionReason};
use herald_proto::{ApiError, RequestContext};

use super::errors::{invalid, validation};
use super::send_checks::{SendRequest, check_message_maps, destination_country, parse_price, time_to_live};
use super::send_text::check_body;
use super::send_voice::refuse_sender_id;
use crate::Core;
use crate::sms_delivery::{Channel, OutboundMessage};

/// The model's limit on MessageBody, in characters; MMS bodies are never split.
const MAX_BODY_CHARACTERS: usize = 1600;
/// The model's limit on a media URL.
const MAX_URL_CHARACTERS: usize = 2048;
/// The only countries MMS reaches (guide part 1, §19.2).
const MMS_COUNTRIES: &[&str] = &["US", "CA"];
const IMAGE_MAX_BYTES: u64 = 2 * 1024 * 1024;
const OTHER_MAX_BYTES: u64 = 600 * 1024;

/// What a media file is, by its name, and how large it may be (guide part 1, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MediaType {
    pub mime: &'static str,
    #[allow(dead_code, reason = "read by the MMS carrier once a media store lets it see file sizes")]
    pub max_bytes: u64,
}

/// The file types MMS carries, by extension. Where the guide gives an audio and a video type
/// for one extension (3GPP, MPEG-4), the video type is used: the container can hold either.
const MEDIA_TYPES: &[(&str, &str, u64)] = &[
    ("gif", "image/gif", IMAGE_MAX_BYTES),
    ("jpeg", "image/jpeg", IMAGE_MAX_BYTES),
    ("jpg", "image/jpeg", IMAGE_MAX_BYTES),
    ("png", "image/png", IMAGE_MAX_BYTES),
    ("tiff", "image/tiff", OTHER_MAX_BYTES),
    ("tif", "image/tiff", OTHER_MAX_BYTES),
    ("3gp", "video/3gpp", OTHER_MAX_BYTES),
    ("3g2", "video/3gpp2", OTHER_MAX_BYTES),
    ("amr", "audio/amr", OTHER_MAX_BYTES),
    ("mp4", "video/mp4", OTHER_MAX_BYTES),
    ("mp3", "audio/mpeg", OTHER_MAX_BYTES),
    ("ogg", "audio/ogg", OTHER_MAX_BYTES),
    ("mov", "video/quicktime", OTHER_MAX_BYTES),
    ("webm", "video/webm", OTHER_MAX_BYTES),
    ("ics", "text/calendar", OTHER_MAX_BYTES),
    ("vcf", "text/vcard", OTHER_MAX_BYTES),
    ("pdf", "application/pdf", OTHER_MAX_BYTES),
];

/// The bucket and key of an `s3://bucket/key` URL, as the model's pattern
/// `s3://([a-z0-9\.-]{3,63})/(.+)` takes it (the whole value, so the key has no line breaks).
fn s3_location(url: &str) -> Option<(&str, &str)> {
    let (bucket, key) = url.strip_prefix("s3://")?.split_once('/')?;
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let key_ok = !key.is_empty() && !key.contains(['\n', '\r']);
    (bucket_ok && key_ok).then_some((bucket, key))
}

/// The type of the file a media URL names, from the extension of its key.
pub(crate) fn media_type(url: &str) -> Option<MediaType> {
    let (_, key) = s3_location(url)?;
    let name = key.rsplit('/').next()?;
    let (_, extension) = name.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    MEDIA_TYPES
        .iter()
        .find(|(known, _, _)| *known == extension)
        .map(|(_, mime, max_bytes)| MediaType { mime, max_bytes: *max_bytes })
}

fn check_media_url(url: &str) -> Result<MediaType, ApiError> {
    if url.chars().count() > MAX_URL_CHARACTERS || s3_location(url).is_none() {
        return Err(invalid(
            "MediaUrls",
            &format!(
                "must be s3://bucket/key URLs of at most {MAX_URL_CHARACTERS} characters, the bucket 3-63 lower-case \
                 letters, digits, dots and hyphens"
            ),
        ));
    }
    media_type(url).ok_or_else(|| {
        let allowed: Vec<&str> = MEDIA_TYPES.iter().map(|(extension, _, _)| *extension).collect();
        validation(
            ValidationExceptionReason::MediaTypeNotSupported,
            format!("{url} is not a file type MMS carries; its name must end in .{}", allowed.join(", .")),
            &[("MediaUrls", "names a file type MMS does not carry")],
        )
    })
}

impl Core {
    pub(crate) async fn sms_send_media_message(
        &self,
        ctx: &RequestContext,
        input: SendMediaMessageRequest,
    ) -> Result<SendMediaMessageResult, ApiError> {
        refuse_sender_id(&input.origination_identity, "media")?;
        let media_urls = input.media_urls.unwrap_or_default();
        if media_urls.len() > 1 {
            return Err(invalid("MediaUrls", "can hold only one URL"));
        }
        let body = match input.message_body.as_deref() {
            Some("") => return Err(invalid("MessageBody", "must be 1 to 1600 characters when it is given")),
            Some(body) => Some(check_body(Some(body), MAX_BODY_CHARACTERS)?),
            None => None,
        };
        if body.is_none() && media_urls.is_empty() {
            return Err(validation(
                ValidationExceptionReason::MissingParameter,
                "A media message needs a MessageBody, a MediaUrls file or both",
                &[("MessageBody", "is required without MediaUrls"), ("MediaUrls", "is required without MessageBody")],
            ));
        }
        for url in &media_urls {
            check_media_url(url)?;
        }
        check_message_maps(input.context.as_ref(), None)?;
        let ttl = time_to_live(input.time_to_live)?;
        let max_price = input.max_price.as_deref().map(|price| parse_price("MaxPrice", price)).transpose()?;

        let iso = destination_country(&input.destination_phone_number)?;
        if !MMS_COUNTRIES.contains(&iso) {
            // The model has no reason for "this channel does not reach that country".
            // DESTINATION_COUNTRY_BLOCKED says what happened, that MMS to the country is
            // refused whatever the identity; INVALID_IDENTITY_FOR_DESTINATION_COUNTRY would send
            // the caller looking for an identity in that country, which would not help.
            return Err(validation(
                ValidationExceptionReason::DestinationCountryBlocked,
                format!("Media messages can be sent to the US and Canada only, not to {iso}"),
                &[("DestinationPhoneNumber", "is not in a country MMS reaches")],
            ));
        }

        let request = SendRequest {
            channel: Channel::Media,
            destination: &input.destination_phone_number,
            origination_identity: Some(&input.origination_identity),
            message_type: None,
            configuration_set_name: input.configuration_set_name.as_deref(),
            protect_configuration_id: input.protect_configuration_id.as_deref(),
            keyword: None,
            max_price,
            max_price_field: "MaxPrice",
            message_feedback_enabled: input.message_feedback_enabled,
            units: 1,
        };
        let checked = self.sms_check_send(ctx, &request).await?;
        let spend_limit = checked.spend_limit_micros;
        let mut message = OutboundMessage::new(ctx, Channel::Media, checked, body.unwrap_or_default(), ttl);
        message.total_parts = 1;
        message.media_urls = media_urls;
        message.context = input.context;
        if input.dry_run == Some(true) {
            return Ok(SendMediaMessageResult { message_id: Some(message.message_id) });
        }
        let message_id = self.sms_accept(ctx, message, spend_limit).await?;
        Ok(SendMediaMessageResult { message_id: Some(message_id) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_models_pattern() {
        assert!(s3_location("s3://my-bucket.example/media/file.jpg").is_some());
        assert!(s3_location("s3://abc/x").is_some());
        for bad in [
            "https://example.com/a.jpg",
            "s3://ab/a.jpg",
            "s3://My-Bucket/a.jpg",
            "s3://bucket/",
            "s3://bucket",
            "s3://b_ck/a",
        ] {
            assert!(s3_location(bad).is_none(), "{bad}");
        }
        assert!(check_media_url(&format!("s3://bucket/{}.png", "a".repeat(2040))).is_err());
    }

    #[test]
    fn file_types_come_from_the_extension() {
        let mime = |url: &str| media_type(url).map(|t| t.mime);
        assert_eq!(mime("s3://bucket/a/b/photo.JPG"), Some("image/jpeg"));
        assert_eq!(mime("s3://bucket/clip.mp4"), Some("video/mp4"));
        assert_eq!(mime("s3://bucket/card.vcf"), Some("text/vcard"));
        assert_eq!(media_type("s3://bucket/photo.png").map(|t| t.max_bytes), Some(2 * 1024 * 1024));
        assert_eq!(media_type("s3://bucket/doc.pdf").map(|t| t.max_bytes), Some(600 * 1024));
        assert_eq!(mime("s3://bucket/archive.zip"), None);
        assert_eq!(mime("s3://bucket/no-extension"), None);
        assert_eq!(mime("s3://bucket/dir.jpg/file"), None);
    }
}
