//! Registration versions: CreateRegistrationVersion, DescribeRegistrationVersions,
//! DiscardRegistrationVersion and SubmitRegistrationVersion.
//!
//! Version 1 is created with the registration as a DRAFT. Only a draft takes field values and
//! can be submitted. A new version may start once the current one is settled (APPROVED,
//! DENIED, DISCARDED or REVOKED); it starts with the current version's values.
//! The operator moves submitted versions on (`registration_review.rs`).

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, CreateRegistrationVersionRequest, CreateRegistrationVersionResult,
    DescribeRegistrationVersionsRequest, DescribeRegistrationVersionsResult, DiscardRegistrationVersionRequest,
    DiscardRegistrationVersionResult, RegistrationAssociationBehavior, RegistrationStatus,
    RegistrationVersionInformation, RegistrationVersionStatus, ResourceType, SubmitRegistrationVersionRequest,
    SubmitRegistrationVersionResult, ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use serde_json::Value;

use super::errors::{conflict, internal, invalid, not_found, validation};
use super::listing::{Filter, filter, page};
use super::registration_definitions::{FieldKind, TextFormat};
use super::registration_schema::at_most_five;
use super::registration_validation::form_problems;
use super::registrations::{RegistrationDoc, VersionDoc, now};
use crate::Core;

/// The model's highest version number.
const MAX_VERSION_NUMBER: i64 = 100_000;

/// Whether the version is with the reviewer (submitted and not yet decided).
pub fn in_review(status: RegistrationVersionStatus) -> bool {
    matches!(
        status,
        RegistrationVersionStatus::Submitted
            | RegistrationVersionStatus::AwsReviewing
            | RegistrationVersionStatus::Reviewing
            | RegistrationVersionStatus::RequiresAuthentication
            | RegistrationVersionStatus::RequiresOfflineReview
    )
}

fn not_allowed(reason: ConflictExceptionReason, doc: &RegistrationDoc, message: String) -> ApiError {
    conflict(reason, ResourceType::Registration, doc.id(), message)
}

impl Core {
    pub(crate) async fn sms_create_registration_version(
        &self,
        ctx: &RequestContext,
        input: CreateRegistrationVersionRequest,
    ) -> Result<CreateRegistrationVersionResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let current = doc.current()?.status();
        let settled = matches!(
            current,
            RegistrationVersionStatus::Approved
                | RegistrationVersionStatus::Denied
                | RegistrationVersionStatus::Discarded
                | RegistrationVersionStatus::Revoked
        );
        if !settled || doc.info.registration_status == RegistrationStatus::Closed {
            return Err(not_allowed(
                ConflictExceptionReason::CreateRegistrationVersionNotAllowed,
                &doc,
                format!(
                    "Registration {} is {} with version {} {current}; a new version can start once the current one \
                     is approved, denied or discarded",
                    doc.id(),
                    doc.info.registration_status,
                    doc.info.current_version_number
                ),
            ));
        }
        let number = doc.versions.iter().map(|v| v.info.version_number).max().unwrap_or(0) + 1;
        if number > MAX_VERSION_NUMBER {
            return Err(invalid("RegistrationId", "has reached the highest version number"));
        }
        // Start from the latest version, without the reviewer's notes: a denied version is fixed
        // rather than retyped, and a version discarded to correct a mistake keeps its values.
        let mut fields = doc.current()?.fields.clone();
        for value in &mut fields {
            value.denied_reason = None;
            value.feedback = None;
        }
        let version = VersionDoc::draft(number, fields);
        let result = CreateRegistrationVersionResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: number,
            registration_version_status: version.status(),
            registration_version_status_history: version.info.registration_version_status_history.clone(),
        };
        doc.versions.push(version);
        doc.info.current_version_number = number;
        doc.refresh_status();
        self.sms_save_registration(&record, &doc, Vec::new()).await?;
        Ok(result)
    }

    pub(crate) async fn sms_describe_registration_versions(
        &self,
        ctx: &RequestContext,
        input: DescribeRegistrationVersionsRequest,
    ) -> Result<DescribeRegistrationVersionsResult, ApiError> {
        let (_, doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let mut versions: Vec<&VersionDoc> = match &input.version_numbers {
            Some(numbers) if !numbers.is_empty() => {
                at_most_five(numbers, "VersionNumbers")?;
                numbers.iter().map(|n| doc.version(*n).ok_or_else(|| unknown_version(*n))).collect::<Result<_, _>>()?
            }
            _ => doc.versions.iter().collect(),
        };
        versions.sort_by_key(|v| std::cmp::Reverse(v.info.version_number));
        let documents: Vec<Value> =
            versions.iter().map(|v| serde_json::to_value(&v.info)).collect::<Result<_, _>>().map_err(internal)?;
        let filters: Vec<Filter<'_>> =
            input.filters.iter().flatten().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let kept = filter(documents, &filters, &[("registration-version-status", "RegistrationVersionStatus")])?;
        let versions: Vec<RegistrationVersionInformation> =
            kept.into_iter().map(serde_json::from_value).collect::<Result<_, _>>().map_err(internal)?;
        let (versions, next_token) = page(versions, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationVersionsResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            registration_versions: versions,
            next_token,
        })
    }

    pub(crate) async fn sms_discard_registration_version(
        &self,
        ctx: &RequestContext,
        input: DiscardRegistrationVersionRequest,
    ) -> Result<DiscardRegistrationVersionResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let status = doc.current()?.status();
        // A draft, or a submission the reviewer has not picked up yet, can be thrown away.
        if !matches!(status, RegistrationVersionStatus::Draft | RegistrationVersionStatus::Submitted) {
            return Err(not_allowed(
                ConflictExceptionReason::DiscardRegistrationVersionNotAllowed,
                &doc,
                format!(
                    "Version {} of registration {} is {status}; only a draft or a submission not yet in review can \
                     be discarded",
                    doc.info.current_version_number,
                    doc.id()
                ),
            ));
        }
        let version = doc.current_mut()?;
        version.info.registration_version_status = RegistrationVersionStatus::Discarded;
        version.info.registration_version_status_history.discarded_timestamp = Some(now());
        let result = DiscardRegistrationVersionResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: doc.info.current_version_number,
            registration_version_status: RegistrationVersionStatus::Discarded,
            registration_version_status_history: doc.current()?.info.registration_version_status_history.clone(),
        };
        doc.refresh_status();
        self.sms_save_registration(&record, &doc, Vec::new()).await?;
        Ok(result)
    }

    pub(crate) async fn sms_submit_registration_version(
        &self,
        ctx: &RequestContext,
        input: SubmitRegistrationVersionRequest,
    ) -> Result<SubmitRegistrationVersionResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let status = doc.current()?.status();
        if in_review(status) {
            return Err(not_allowed(
                ConflictExceptionReason::RegistrationAlreadySubmitted,
                &doc,
                format!("Version {} of registration {} is already {status}", doc.info.current_version_number, doc.id()),
            ));
        }
        if status != RegistrationVersionStatus::Draft || doc.info.registration_status == RegistrationStatus::Closed {
            return Err(not_allowed(
                ConflictExceptionReason::SubmitRegistrationVersionNotAllowed,
                &doc,
                format!(
                    "Version {} of registration {} is {status}; only a draft can be submitted (create a new version)",
                    doc.info.current_version_number,
                    doc.id()
                ),
            ));
        }
        self.sms_check_submittable(ctx, &doc).await?;

        let version = doc.current_mut()?;
        version.info.registration_version_status = RegistrationVersionStatus::Submitted;
        version.info.registration_version_status_history.submitted_timestamp = Some(now());
        version.aws_review = input.aws_review.unwrap_or(false);
        // Identities associated before submission count for CLOSED like later ones.
        doc.ever_associated |= !self.sms_registration_identities(ctx, doc.id()).await?.is_empty();
        let result = SubmitRegistrationVersionResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            version_number: doc.info.current_version_number,
            registration_version_status: RegistrationVersionStatus::Submitted,
            registration_version_status_history: doc.current()?.info.registration_version_status_history.clone(),
            aws_review: input.aws_review.unwrap_or(false),
        };
        doc.refresh_status();
        self.sms_save_registration(&record, &doc, Vec::new()).await?;
        Ok(result)
    }

    /// Everything a submission needs: every required field set and valid, attachments that
    /// still exist, the identity of ASSOCIATE_BEFORE_SUBMIT types, and approved brands behind
    /// vetting and campaign registrations.
    async fn sms_check_submittable(&self, ctx: &RequestContext, doc: &RegistrationDoc) -> Result<(), ApiError> {
        let definition = doc.definition()?;
        let version = doc.current()?;
        let mut problems = form_problems(definition, &version.fields);
        for value in &version.fields {
            if let Some(attachment) = &value.registration_attachment_id
                && self.sms_find(ctx, ResourceType::RegistrationAttachment, attachment).await?.is_none()
            {
                problems.push((value.field_path.clone(), format!("names attachment {attachment}, which was deleted")));
            }
        }
        if !problems.is_empty() {
            let names: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
            let fields: Vec<(&str, &str)> = problems.iter().map(|(p, m)| (p.as_str(), m.as_str())).collect();
            return Err(validation(
                ValidationExceptionReason::FieldValidationFailed,
                format!("The registration cannot be submitted until these fields are fixed: {}", names.join(", ")),
                &fields,
            ));
        }

        let before_submit = definition
            .associations
            .iter()
            .find(|a| a.association == RegistrationAssociationBehavior::AssociateBeforeSubmit);
        if let Some(association) = before_submit
            && self.sms_registration_identities(ctx, doc.id()).await?.is_empty()
        {
            return Err(validation(
                ValidationExceptionReason::InvalidRegistrationAssociation,
                format!(
                    "A {} registration is submitted with its {} origination identity: associate it first",
                    definition.name, association.resource_type
                ),
                &[("RegistrationId", "has no associated origination identity")],
            ));
        }

        // A brand must be approved before it is vetted or its campaigns are registered.
        for (path, _, field) in definition.fields() {
            let FieldKind::Text { format: TextFormat::RegistrationOf(_), .. } = field.kind else { continue };
            let Some(referenced) =
                version.fields.iter().find(|v| v.field_path == path).and_then(|v| v.text_value.as_ref())
            else {
                continue;
            };
            let record = self.sms_find(ctx, ResourceType::Registration, referenced).await?;
            let record = record.ok_or_else(|| not_found(ResourceType::Registration, referenced))?;
            let brand = RegistrationDoc::decode(&record)?;
            if brand.info.registration_status != RegistrationStatus::Complete {
                return Err(conflict(
                    ConflictExceptionReason::RegistrationNotComplete,
                    ResourceType::Registration,
                    referenced,
                    format!("Registration {referenced} ({path}) is {}, not COMPLETE", brand.info.registration_status),
                ));
            }
        }
        Ok(())
    }
}

pub fn unknown_version(number: i64) -> ApiError {
    validation(
        ValidationExceptionReason::UnknownRegistrationVersion,
        format!("The registration has no version {number}"),
        &[("VersionNumber", "unknown version")],
    )
}
