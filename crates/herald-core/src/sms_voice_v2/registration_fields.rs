//! Registration field values: PutRegistrationFieldValue, DeleteRegistrationFieldValue and
//! DescribeRegistrationFieldValues. Values live in the current version of the registration
//! document and only a DRAFT version takes changes.

use herald_api::sms_voice_v2::types::{
    AttachmentStatus, ConflictExceptionReason, DeleteRegistrationFieldValueRequest, DeleteRegistrationFieldValueResult,
    DescribeRegistrationFieldValuesRequest, DescribeRegistrationFieldValuesResult, PutRegistrationFieldValueRequest,
    PutRegistrationFieldValueResult, RegistrationFieldValueInformation, RegistrationVersionStatus, ResourceType,
    ServiceQuotaExceededExceptionReason, ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};

use super::errors::{conflict, missing, not_found, quota, validation};
use super::ids::id_or_arn;
use super::listing::page;
use super::registration_attachments::AttachmentDoc;
use super::registration_definitions::{
    BRAND_REFERENCE_FIELD, FieldDef, FieldKind, FileFormat, Requirement, TextFormat, TypeDef, US_TEN_DLC_CAMPAIGN_TYPE,
};
use super::registration_schema::{at_most_five, unknown_field, unknown_section};
use super::registration_validation::{resolve, value_problem};
use super::registration_versions::unknown_version;
use super::registrations::RegistrationDoc;
use crate::Core;

/// Campaigns per 10DLC brand (guide: 10, adjustable).
const MAX_CAMPAIGNS_PER_BRAND: usize = 10;

fn field_failed(path: &str, problem: &str) -> ApiError {
    validation(ValidationExceptionReason::FieldValidationFailed, format!("{path} {problem}"), &[(path, problem)])
}

/// The field a path names in the registration's form, or UNKNOWN_REGISTRATION_FIELD.
fn field_of(definition: &'static TypeDef, path: &str) -> Result<&'static FieldDef, ApiError> {
    definition.field(path).map(|(_, field)| field).ok_or_else(|| unknown_field(path))
}

/// Field values change only in a draft.
fn editable(doc: &RegistrationDoc) -> Result<(), ApiError> {
    let status = doc.current()?.status();
    if status != RegistrationVersionStatus::Draft {
        return Err(conflict(
            ConflictExceptionReason::EditRegistrationFieldValuesNotAllowed,
            ResourceType::Registration,
            doc.id(),
            format!(
                "Version {} of registration {} is {status}; field values change only in a DRAFT version (create a new \
                 version)",
                doc.info.current_version_number,
                doc.id()
            ),
        ));
    }
    Ok(())
}

impl Core {
    pub(crate) async fn sms_put_registration_field_value(
        &self,
        ctx: &RequestContext,
        input: PutRegistrationFieldValueRequest,
    ) -> Result<PutRegistrationFieldValueResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let definition = doc.definition()?;
        let field = field_of(definition, &input.field_path)?;
        editable(&doc)?;

        let given =
            [input.select_choices.is_some(), input.text_value.is_some(), input.registration_attachment_id.is_some()];
        match given.iter().filter(|g| **g).count() {
            0 => return Err(missing("SelectChoices, TextValue or RegistrationAttachmentId")),
            1 => {}
            _ => {
                return Err(validation(
                    ValidationExceptionReason::ParametersCannotBeUsedTogether,
                    "Give exactly one of SelectChoices, TextValue and RegistrationAttachmentId",
                    &[("SelectChoices", "one value only"), ("TextValue", "one value only")],
                ));
            }
        }
        let attachment_id = match &input.registration_attachment_id {
            Some(value) => Some(id_or_arn(ctx, value, ResourceType::RegistrationAttachment)?),
            None => None,
        };
        let value = RegistrationFieldValueInformation {
            field_path: input.field_path.clone(),
            select_choices: input.select_choices.clone(),
            text_value: input.text_value.clone(),
            registration_attachment_id: attachment_id,
            denied_reason: None,
            feedback: None,
        };

        let others: Vec<RegistrationFieldValueInformation> =
            doc.current()?.fields.iter().filter(|v| v.field_path != input.field_path).cloned().collect();
        if let Some(problem) = value_problem(field, &resolve(field, &others), &value) {
            return Err(field_failed(&input.field_path, &problem));
        }
        match &field.kind {
            FieldKind::Attachment { formats } => {
                let id = value.registration_attachment_id.as_deref().unwrap_or_default();
                self.sms_check_attachment(ctx, &input.field_path, id, formats).await?;
            }
            FieldKind::Text { format: TextFormat::RegistrationOf(kind), .. } => {
                let id = value.text_value.as_deref().unwrap_or_default();
                self.sms_check_reference(ctx, &doc, &input.field_path, id, kind).await?;
            }
            _ => {}
        }

        // Keep the values in form order, so Describe answers them as the form reads.
        let mut fields = others;
        fields.push(value.clone());
        fields.sort_by_key(|v| definition.fields().position(|(path, _, _)| path == v.field_path));
        doc.current_mut()?.fields = fields;
        self.sms_save_registration(&record, &doc, Vec::new()).await?;
        Ok(PutRegistrationFieldValueResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: doc.info.current_version_number,
            field_path: value.field_path,
            select_choices: value.select_choices,
            text_value: value.text_value,
            registration_attachment_id: value.registration_attachment_id,
        })
    }

    /// An attachment field takes an uploaded attachment of one of its formats, within the
    /// format's size limit.
    async fn sms_check_attachment(
        &self,
        ctx: &RequestContext,
        path: &str,
        id: &str,
        formats: &[(FileFormat, u64)],
    ) -> Result<(), ApiError> {
        let record = self.sms_find(ctx, ResourceType::RegistrationAttachment, id).await?;
        let attachment =
            AttachmentDoc::decode(&record.ok_or_else(|| not_found(ResourceType::RegistrationAttachment, id))?)?;
        if attachment.info.attachment_status != AttachmentStatus::UploadComplete {
            return Err(field_failed(
                path,
                &format!("names attachment {id}, which is {}", attachment.info.attachment_status),
            ));
        }
        let accepted: Vec<&str> = formats.iter().map(|(f, _)| f.name()).collect();
        let Some((format, limit)) = attachment.format().and_then(|found| formats.iter().find(|(f, _)| *f == found))
        else {
            return Err(validation(
                ValidationExceptionReason::AttachmentTypeNotSupported,
                format!("{path} accepts {} files only", accepted.join(", ")),
                &[(path, "attachment type not supported")],
            ));
        };
        if attachment.size_bytes.is_some_and(|size| size > *limit) {
            return Err(validation(
                ValidationExceptionReason::MaximumSizeExceeded,
                format!("{path} accepts {} files of at most {} KB", format.name(), limit / 1024),
                &[(path, "attachment too large")],
            ));
        }
        Ok(())
    }

    /// A field naming another registration must name one of the right type; a brand takes at
    /// most MAX_CAMPAIGNS_PER_BRAND campaigns.
    async fn sms_check_reference(
        &self,
        ctx: &RequestContext,
        doc: &RegistrationDoc,
        path: &str,
        id: &str,
        kind: &str,
    ) -> Result<(), ApiError> {
        let record = self.sms_find(ctx, ResourceType::Registration, id).await?;
        let referenced = RegistrationDoc::decode(&record.ok_or_else(|| not_found(ResourceType::Registration, id))?)?;
        if referenced.info.registration_type != kind {
            return Err(field_failed(
                path,
                &format!("must name a {kind}, not a {}", referenced.info.registration_type),
            ));
        }
        if doc.info.registration_type == US_TEN_DLC_CAMPAIGN_TYPE {
            let reference = format!("campaignInfo.{BRAND_REFERENCE_FIELD}");
            let campaigns = self
                .sms_registrations(ctx)
                .await?
                .into_iter()
                .filter(|r| r.info.registration_type == US_TEN_DLC_CAMPAIGN_TYPE && r.id() != doc.id())
                .filter(|r| r.current_text(&reference) == Some(id))
                .count();
            if campaigns >= MAX_CAMPAIGNS_PER_BRAND {
                return Err(quota(
                    ServiceQuotaExceededExceptionReason::RegistrationsPerAccount,
                    format!("10DLC brand {id} already has {MAX_CAMPAIGNS_PER_BRAND} campaigns"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) async fn sms_delete_registration_field_value(
        &self,
        ctx: &RequestContext,
        input: DeleteRegistrationFieldValueRequest,
    ) -> Result<DeleteRegistrationFieldValueResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let field = field_of(doc.definition()?, &input.field_path)?;
        editable(&doc)?;
        // A required field can be overwritten but not emptied.
        if matches!(field.requirement, Requirement::Required) {
            return Err(validation(
                ValidationExceptionReason::RegistrationFieldCannotBeDeleted,
                format!("{} is required: put a new value instead of deleting it", input.field_path),
                &[(input.field_path.as_str(), "required field")],
            ));
        }
        let version = doc.current_mut()?;
        let position = version.fields.iter().position(|v| v.field_path == input.field_path);
        let removed = position.map(|index| version.fields.remove(index)).unwrap_or_default();
        if position.is_some() {
            self.sms_save_registration(&record, &doc, Vec::new()).await?;
        }
        Ok(DeleteRegistrationFieldValueResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: doc.info.current_version_number,
            field_path: input.field_path,
            select_choices: removed.select_choices,
            text_value: removed.text_value,
            registration_attachment_id: removed.registration_attachment_id,
        })
    }

    pub(crate) async fn sms_describe_registration_field_values(
        &self,
        ctx: &RequestContext,
        input: DescribeRegistrationFieldValuesRequest,
    ) -> Result<DescribeRegistrationFieldValuesResult, ApiError> {
        let (_, doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let definition = doc.definition()?;
        let number = input.version_number.unwrap_or(doc.info.current_version_number);
        let version = doc.version(number).ok_or_else(|| unknown_version(number))?;
        if let Some(section) = &input.section_path {
            definition.section(section).ok_or_else(|| unknown_section(section))?;
        }
        let wanted = input.field_paths.as_deref().unwrap_or_default();
        at_most_five(wanted, "FieldPaths")?;
        if let Some(unknown) = wanted.iter().find(|path| definition.field(path).is_none()) {
            return Err(unknown_field(unknown));
        }
        let values: Vec<RegistrationFieldValueInformation> = version
            .fields
            .iter()
            .filter(|v| {
                input.section_path.as_deref().is_none_or(|s| v.field_path.split_once('.').is_some_and(|(p, _)| p == s))
            })
            .filter(|v| wanted.is_empty() || wanted.contains(&v.field_path))
            .cloned()
            .collect();
        let (values, next_token) = page(values, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationFieldValuesResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: number,
            registration_field_values: values,
            next_token,
        })
    }
}
