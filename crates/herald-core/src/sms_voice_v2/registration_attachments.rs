//! Registration attachments: CreateRegistrationAttachment, DeleteRegistrationAttachment and
//! DescribeRegistrationAttachments.
//!
//! A "registration-attachment" document is its `RegistrationAttachmentsInformation` plus
//! internal members: `AttachmentBody` (the file, base64, when uploaded as a body), `FileFormat`
//! (PNG, JPEG, GIF or PDF, from the file's first bytes or the URL's extension), `SizeBytes`
//! (bodies only: a URL is not fetched) and `ClientToken`.

use herald_api::sms_voice_v2::types::{
    AttachmentStatus, CreateRegistrationAttachmentRequest, CreateRegistrationAttachmentResult,
    DeleteRegistrationAttachmentRequest, DeleteRegistrationAttachmentResult, DescribeRegistrationAttachmentsRequest,
    DescribeRegistrationAttachmentsResult, RegistrationAttachmentsInformation, ResourceType,
    ServiceQuotaExceededExceptionReason, ValidationExceptionReason,
};
use herald_proto::wire::Blob;
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::errors::{internal, invalid, missing, not_found, quota, validation};
use super::ids::{arn, id_or_arn, new_id};
use super::listing::{Filter, filter, page};
use super::registration_definitions::FileFormat;
use super::registration_schema::at_most_five;
use super::registrations::{CLIENT_TOKEN_WINDOW, now};
use super::resources::{create, delete, new_record};
use crate::Core;

/// The model's limit on an attachment file: 5 MB.
const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// The stored attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentDoc {
    #[serde(flatten)]
    pub info: RegistrationAttachmentsInformation,
    #[serde(rename = "AttachmentBody", default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Blob>,
    #[serde(rename = "FileFormat", default, skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
    #[serde(rename = "SizeBytes", default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    #[serde(rename = "ClientToken", default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

impl AttachmentDoc {
    pub fn decode(record: &ResourceRecord) -> Result<Self, ApiError> {
        serde_json::from_value(record.document.clone()).map_err(internal)
    }

    pub fn format(&self) -> Option<FileFormat> {
        self.file_format.as_deref().and_then(FileFormat::from_name)
    }
}

fn unsupported_type() -> ApiError {
    validation(
        ValidationExceptionReason::AttachmentTypeNotSupported,
        "Attachments must be PDF, JPEG or PNG files (GIF for MMS samples)",
        &[("AttachmentBody", "unsupported file type")],
    )
}

/// Where a URL attachment may live: an S3 object URI or a web address, with a path.
fn acceptable_url(url: &str) -> bool {
    ["s3://", "https://", "http://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(host, path)| !host.is_empty() && !path.is_empty())
    })
}

impl Core {
    pub(crate) async fn sms_create_registration_attachment(
        &self,
        ctx: &RequestContext,
        input: CreateRegistrationAttachmentRequest,
    ) -> Result<CreateRegistrationAttachmentResult, ApiError> {
        let (body, url, format, size) = match (input.attachment_body, input.attachment_url) {
            (Some(_), Some(_)) => {
                return Err(validation(
                    ValidationExceptionReason::ParametersCannotBeUsedTogether,
                    "Give AttachmentBody or AttachmentUrl, not both",
                    &[("AttachmentBody", "not with AttachmentUrl"), ("AttachmentUrl", "not with AttachmentBody")],
                ));
            }
            (None, None) => return Err(missing("AttachmentBody or AttachmentUrl")),
            (Some(body), None) => {
                if body.0.len() > MAX_ATTACHMENT_BYTES {
                    return Err(validation(
                        ValidationExceptionReason::MaximumSizeExceeded,
                        format!("An attachment can be at most {MAX_ATTACHMENT_BYTES} bytes"),
                        &[("AttachmentBody", "too large")],
                    ));
                }
                let format = FileFormat::detect(&body.0).ok_or_else(unsupported_type)?;
                let size = body.0.len() as u64;
                (Some(body), None, format, Some(size))
            }
            (None, Some(url)) => {
                if !acceptable_url(&url) {
                    return Err(invalid("AttachmentUrl", "must be an s3://, https:// or http:// URL naming a file"));
                }
                let format = FileFormat::from_url(&url).ok_or_else(unsupported_type)?;
                (None, Some(url), format, None)
            }
        };

        let records = self.sms_list(ctx, ResourceType::RegistrationAttachment, None).await?;
        if let Some(token) = &input.client_token {
            let cutoff = OffsetDateTime::now_utc() - CLIENT_TOKEN_WINDOW;
            for record in &records {
                let earlier = AttachmentDoc::decode(record)?;
                if earlier.client_token.as_ref() == Some(token) && earlier.info.created_timestamp.0 > cutoff {
                    let tags = self.sms_tags(ctx, ResourceType::RegistrationAttachment, &record.id).await?;
                    return Ok(created_result(earlier.info, tags));
                }
            }
        }
        let limit = self.sms_quotas.registration_attachments;
        if records.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::RegistrationAttachmentsPerAccount,
                format!("An account can have at most {limit} registration attachments"),
            ));
        }

        let id = new_id("attachment");
        let doc = AttachmentDoc {
            info: RegistrationAttachmentsInformation {
                registration_attachment_arn: arn(ctx, ResourceType::RegistrationAttachment, &id),
                registration_attachment_id: id.clone(),
                // Herald stores the file as it arrives (or keeps the URL), so the upload is done.
                attachment_status: AttachmentStatus::UploadComplete,
                attachment_upload_error_reason: None,
                attachment_url: url,
                created_timestamp: now(),
            },
            body,
            file_format: Some(format.name().to_string()),
            size_bytes: size,
            client_token: input.client_token,
        };
        let document = serde_json::to_value(&doc).map_err(internal)?;
        let record = new_record(ctx, ResourceType::RegistrationAttachment, &id, None, None, document);
        self.sms_write(&[create(record)], (ResourceType::RegistrationAttachment, &id)).await?;
        let tags = input.tags.unwrap_or_default();
        self.sms_tag(ctx, ResourceType::RegistrationAttachment, &id, &tags).await?;
        Ok(created_result(doc.info, tags))
    }

    pub(crate) async fn sms_delete_registration_attachment(
        &self,
        ctx: &RequestContext,
        input: DeleteRegistrationAttachmentRequest,
    ) -> Result<DeleteRegistrationAttachmentResult, ApiError> {
        let id = id_or_arn(ctx, &input.registration_attachment_id, ResourceType::RegistrationAttachment)?;
        let record = self.sms_get(ctx, ResourceType::RegistrationAttachment, &id).await?;
        let doc = AttachmentDoc::decode(&record)?;
        self.sms_write(&[delete(&record)], (ResourceType::RegistrationAttachment, &id)).await?;
        self.sms_drop_tags(ctx, ResourceType::RegistrationAttachment, &id).await?;
        Ok(DeleteRegistrationAttachmentResult {
            registration_attachment_arn: doc.info.registration_attachment_arn,
            registration_attachment_id: doc.info.registration_attachment_id,
            attachment_status: AttachmentStatus::Deleted,
            attachment_upload_error_reason: doc.info.attachment_upload_error_reason,
            created_timestamp: doc.info.created_timestamp,
        })
    }

    pub(crate) async fn sms_describe_registration_attachments(
        &self,
        ctx: &RequestContext,
        input: DescribeRegistrationAttachmentsRequest,
    ) -> Result<DescribeRegistrationAttachmentsResult, ApiError> {
        let documents: Vec<Value> = match &input.registration_attachment_ids {
            Some(ids) if !ids.is_empty() => {
                at_most_five(ids, "RegistrationAttachmentIds")?;
                let mut documents = Vec::with_capacity(ids.len());
                for value in ids {
                    let id = id_or_arn(ctx, value, ResourceType::RegistrationAttachment)?;
                    let record = self.sms_find(ctx, ResourceType::RegistrationAttachment, &id).await?;
                    documents
                        .push(record.ok_or_else(|| not_found(ResourceType::RegistrationAttachment, &id))?.document);
                }
                documents
            }
            _ => self
                .sms_list(ctx, ResourceType::RegistrationAttachment, None)
                .await?
                .into_iter()
                .map(|r| r.document)
                .collect(),
        };
        let filters: Vec<Filter<'_>> =
            input.filters.iter().flatten().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let kept = filter(documents, &filters, &[("attachment-status", "AttachmentStatus")])?;
        let mut attachments: Vec<RegistrationAttachmentsInformation> =
            kept.into_iter().map(serde_json::from_value).collect::<Result<_, _>>().map_err(internal)?;
        attachments.sort_by(|a, b| {
            (a.created_timestamp.0, &a.registration_attachment_id)
                .cmp(&(b.created_timestamp.0, &b.registration_attachment_id))
        });
        let (attachments, next_token) = page(attachments, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationAttachmentsResult { registration_attachments: attachments, next_token })
    }
}

fn created_result(
    info: RegistrationAttachmentsInformation,
    tags: Vec<herald_api::sms_voice_v2::types::Tag>,
) -> CreateRegistrationAttachmentResult {
    CreateRegistrationAttachmentResult {
        registration_attachment_arn: info.registration_attachment_arn,
        registration_attachment_id: info.registration_attachment_id,
        attachment_status: info.attachment_status,
        tags: Some(tags),
        created_timestamp: info.created_timestamp,
    }
}
