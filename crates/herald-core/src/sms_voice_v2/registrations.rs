//! Registrations: CreateRegistration, DeleteRegistration, DescribeRegistrations, and the
//! registration document the other registration operations share.
//!
//! A "registration" resource's document is its `RegistrationInformation` plus internal members:
//! `Versions` (each a `RegistrationVersionInformation` with its `Fields`, the field values as
//! `RegistrationFieldValueInformation`, and `AwsReview`), `HadAssociations` (an origination
//! identity was associated once, so releasing the last one closes the registration) and
//! `ClientToken`. `RegistrationStatus` follows the current version (see
//! `RegistrationDoc::refresh_status`); the associated identities are the phone numbers and
//! sender IDs whose documents carry the registration's id (`registration_associations.rs`).

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, CreateRegistrationRequest, CreateRegistrationResult, DeleteRegistrationRequest,
    DeleteRegistrationResult, DescribeRegistrationsRequest, DescribeRegistrationsResult,
    RegistrationDisassociationBehavior, RegistrationFieldValueInformation, RegistrationInformation, RegistrationStatus,
    RegistrationVersionInformation, RegistrationVersionStatus, RegistrationVersionStatusHistory, ResourceType,
    ServiceQuotaExceededExceptionReason, Tag, ValidationExceptionReason,
};
use herald_proto::wire::EpochSeconds;
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::errors::{conflict, internal, not_found, quota, validation};
use super::ids::{arn, id_or_arn, new_id};
use super::listing::{Filter, filter, page};
use super::registration_definitions::TypeDef;
use super::registration_schema::{at_most_five, definition};
use super::resources::{create, delete, new_record, update};
use crate::Core;

/// A ClientToken names the same request for this long.
pub const CLIENT_TOKEN_WINDOW: Duration = Duration::hours(24);

/// The stored registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationDoc {
    #[serde(flatten)]
    pub info: RegistrationInformation,
    #[serde(rename = "Versions", default)]
    pub versions: Vec<VersionDoc>,
    #[serde(rename = "HadAssociations", default)]
    pub ever_associated: bool,
    #[serde(rename = "ClientToken", default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// One version of a registration and the field values it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionDoc {
    #[serde(flatten)]
    pub info: RegistrationVersionInformation,
    #[serde(rename = "Fields", default)]
    pub fields: Vec<RegistrationFieldValueInformation>,
    #[serde(rename = "AwsReview", default)]
    pub aws_review: bool,
}

pub fn now() -> EpochSeconds {
    EpochSeconds(OffsetDateTime::now_utc())
}

impl VersionDoc {
    pub fn draft(number: i64, fields: Vec<RegistrationFieldValueInformation>) -> Self {
        VersionDoc {
            info: RegistrationVersionInformation {
                version_number: number,
                registration_version_status: RegistrationVersionStatus::Draft,
                registration_version_status_history: RegistrationVersionStatusHistory {
                    draft_timestamp: now(),
                    approved_timestamp: None,
                    archived_timestamp: None,
                    aws_reviewing_timestamp: None,
                    denied_timestamp: None,
                    discarded_timestamp: None,
                    requires_authentication_timestamp: None,
                    reviewing_timestamp: None,
                    revoked_timestamp: None,
                    submitted_timestamp: None,
                },
                denied_reasons: None,
                feedback: None,
            },
            fields,
            aws_review: false,
        }
    }

    pub fn status(&self) -> RegistrationVersionStatus {
        self.info.registration_version_status
    }
}

impl RegistrationDoc {
    pub fn decode(record: &ResourceRecord) -> Result<Self, ApiError> {
        serde_json::from_value(record.document.clone()).map_err(internal)
    }

    pub fn encode(&self) -> Result<Value, ApiError> {
        serde_json::to_value(self).map_err(internal)
    }

    pub fn id(&self) -> &str {
        &self.info.registration_id
    }

    pub fn definition(&self) -> Result<&'static TypeDef, ApiError> {
        definition(&self.info.registration_type)
    }

    pub fn version(&self, number: i64) -> Option<&VersionDoc> {
        self.versions.iter().find(|v| v.info.version_number == number)
    }

    pub fn version_mut(&mut self, number: i64) -> Option<&mut VersionDoc> {
        self.versions.iter_mut().find(|v| v.info.version_number == number)
    }

    pub fn current(&self) -> Result<&VersionDoc, ApiError> {
        self.version(self.info.current_version_number)
            .ok_or_else(|| internal(format!("registration {} lost its current version", self.id())))
    }

    pub fn current_mut(&mut self) -> Result<&mut VersionDoc, ApiError> {
        let (id, number) = (self.info.registration_id.clone(), self.info.current_version_number);
        self.version_mut(number).ok_or_else(|| internal(format!("registration {id} lost its current version")))
    }

    /// The registration's status from its versions: an approved version keeps it COMPLETE while
    /// a newer version is edited or reviewed; otherwise it follows the current version, and
    /// falls back to REQUIRES_UPDATES (a version was denied) or CREATED. CLOSED is final.
    pub fn refresh_status(&mut self) {
        if self.info.registration_status == RegistrationStatus::Closed {
            return;
        }
        let current = self.version(self.info.current_version_number).map(VersionDoc::status);
        let fallback = if self.info.latest_denied_version_number.is_some() {
            RegistrationStatus::RequiresUpdates
        } else {
            RegistrationStatus::Created
        };
        self.info.registration_status = match current {
            _ if self.info.approved_version_number.is_some() => RegistrationStatus::Complete,
            Some(RegistrationVersionStatus::Approved) => RegistrationStatus::Complete,
            Some(RegistrationVersionStatus::Submitted | RegistrationVersionStatus::AwsReviewing) => {
                RegistrationStatus::Submitted
            }
            Some(
                RegistrationVersionStatus::Reviewing
                | RegistrationVersionStatus::RequiresAuthentication
                | RegistrationVersionStatus::RequiresOfflineReview,
            ) => RegistrationStatus::Reviewing,
            Some(RegistrationVersionStatus::Denied) => RegistrationStatus::RequiresUpdates,
            _ => fallback,
        };
    }

    /// The text or choice a field of the current version holds.
    /// Whether releasing its last identity closes the registration.
    pub fn closes_when_released(&self) -> Result<bool, ApiError> {
        let closes = RegistrationDisassociationBehavior::DisassociateAllClosesRegistration;
        Ok(self.definition()?.associations.iter().any(|a| a.disassociation == closes))
    }

    pub fn current_text(&self, path: &str) -> Option<&str> {
        let version = self.version(self.info.current_version_number)?;
        let value = version.fields.iter().find(|v| v.field_path == path)?;
        value.text_value.as_deref().or_else(|| value.select_choices.as_ref()?.first().map(String::as_str))
    }

    fn created_at(&self) -> OffsetDateTime {
        self.info.created_timestamp.0
    }
}

impl Core {
    /// The registration an id or ARN names, with its record for a later write.
    pub(crate) async fn sms_registration(
        &self,
        ctx: &RequestContext,
        id_or_arn_value: &str,
    ) -> Result<(ResourceRecord, RegistrationDoc), ApiError> {
        let id = id_or_arn(ctx, id_or_arn_value, ResourceType::Registration)?;
        let record = self.sms_get(ctx, ResourceType::Registration, &id).await?;
        let doc = RegistrationDoc::decode(&record)?;
        self.sms_settle_closed(ctx, record, doc).await
    }

    /// A registration whose identities were all released becomes CLOSED, when its type says so.
    /// Releases happen in the phone number and sender ID operations, so the registration
    /// notices the next time it is read.
    async fn sms_settle_closed(
        &self,
        ctx: &RequestContext,
        record: ResourceRecord,
        mut doc: RegistrationDoc,
    ) -> Result<(ResourceRecord, RegistrationDoc), ApiError> {
        let open = doc.info.registration_status != RegistrationStatus::Closed;
        if !(doc.ever_associated && open && doc.closes_when_released()?) {
            return Ok((record, doc));
        }
        if !self.sms_registration_identities(ctx, doc.id()).await?.is_empty() {
            return Ok((record, doc));
        }
        doc.info.registration_status = RegistrationStatus::Closed;
        let change = update(&record, doc.encode()?);
        self.sms_write(std::slice::from_ref(&change), (ResourceType::Registration, doc.id())).await?;
        match change {
            ResourceChange::Put { record, .. } => Ok((record, doc)),
            ResourceChange::Delete { .. } => Err(internal("an update became a delete")),
        }
    }

    /// Writes a changed registration (and any other changes with it), all or nothing.
    pub(crate) async fn sms_save_registration(
        &self,
        record: &ResourceRecord,
        doc: &RegistrationDoc,
        mut others: Vec<ResourceChange>,
    ) -> Result<(), ApiError> {
        others.insert(0, update(record, doc.encode()?));
        self.sms_write(&others, (ResourceType::Registration, doc.id())).await
    }

    pub(crate) async fn sms_registrations(&self, ctx: &RequestContext) -> Result<Vec<RegistrationDoc>, ApiError> {
        let records = self.sms_list(ctx, ResourceType::Registration, None).await?;
        records.iter().map(RegistrationDoc::decode).collect()
    }

    pub(crate) async fn sms_create_registration(
        &self,
        ctx: &RequestContext,
        input: CreateRegistrationRequest,
    ) -> Result<CreateRegistrationResult, ApiError> {
        let definition = definition(&input.registration_type)?;
        let existing = self.sms_registrations(ctx).await?;

        // The same ClientToken within 24 hours answers with the registration it created.
        if let Some(token) = &input.client_token {
            let cutoff = OffsetDateTime::now_utc() - CLIENT_TOKEN_WINDOW;
            if let Some(earlier) =
                existing.iter().find(|r| r.client_token.as_ref() == Some(token) && r.created_at() > cutoff)
            {
                if earlier.info.registration_type != definition.name {
                    return Err(validation(
                        ValidationExceptionReason::InvalidParameter,
                        "This ClientToken was used for a registration of another type",
                        &[("ClientToken", "already used for another request")],
                    ));
                }
                let tags = self.sms_tags(ctx, ResourceType::Registration, earlier.id()).await?;
                return Ok(created_result(&earlier.info, tags));
            }
        }

        // The account quota (25) is also the guide's 10DLC brand quota.
        let limit = self.sms_quotas.registrations;
        if existing.len() as u64 >= limit {
            return Err(quota(
                ServiceQuotaExceededExceptionReason::RegistrationsPerAccount,
                format!("An account can have at most {limit} registrations"),
            ));
        }

        let id = new_id("registration");
        let doc = RegistrationDoc {
            info: RegistrationInformation {
                registration_arn: arn(ctx, ResourceType::Registration, &id),
                registration_id: id.clone(),
                registration_type: definition.name.to_string(),
                registration_status: RegistrationStatus::Created,
                current_version_number: 1,
                approved_version_number: None,
                latest_denied_version_number: None,
                additional_attributes: None,
                created_timestamp: now(),
            },
            versions: vec![VersionDoc::draft(1, Vec::new())],
            ever_associated: false,
            client_token: input.client_token.clone(),
        };
        let record = new_record(ctx, ResourceType::Registration, &id, None, None, doc.encode()?);
        self.sms_write(&[create(record)], (ResourceType::Registration, &id)).await?;
        let tags = input.tags.unwrap_or_default();
        self.sms_tag(ctx, ResourceType::Registration, &id, &tags).await?;
        Ok(created_result(&doc.info, tags))
    }

    pub(crate) async fn sms_delete_registration(
        &self,
        ctx: &RequestContext,
        input: DeleteRegistrationRequest,
    ) -> Result<DeleteRegistrationResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let definition = doc.definition()?;
        let mut changes = vec![delete(&record)];
        let identities = self.sms_registration_identities(ctx, doc.id()).await?;
        if !identities.is_empty() {
            // Only types whose identities leave with the registration may be deleted while
            // identities are associated; the others need the identities released first.
            let leaves = RegistrationDisassociationBehavior::DeleteRegistrationDisassociates;
            if !definition.associations.iter().all(|a| a.disassociation == leaves) {
                return Err(conflict(
                    ConflictExceptionReason::ResourceNotEmpty,
                    ResourceType::Registration,
                    doc.id(),
                    format!(
                        "Registration {} still has {} associated origination identities; release them first",
                        doc.id(),
                        identities.len()
                    ),
                ));
            }
            changes.extend(identities.iter().map(|identity| identity.link(None)));
        }
        self.sms_write(&changes, (ResourceType::Registration, doc.id())).await?;
        self.sms_drop_tags(ctx, ResourceType::Registration, doc.id()).await?;
        doc.info.registration_status = RegistrationStatus::Deleted;
        let info = doc.info;
        Ok(DeleteRegistrationResult {
            registration_arn: info.registration_arn,
            registration_id: info.registration_id,
            registration_type: info.registration_type,
            registration_status: info.registration_status,
            current_version_number: info.current_version_number,
            approved_version_number: info.approved_version_number,
            latest_denied_version_number: info.latest_denied_version_number,
            additional_attributes: info.additional_attributes,
            created_timestamp: info.created_timestamp,
        })
    }

    pub(crate) async fn sms_describe_registrations(
        &self,
        ctx: &RequestContext,
        input: DescribeRegistrationsRequest,
    ) -> Result<DescribeRegistrationsResult, ApiError> {
        let records: Vec<ResourceRecord> = match &input.registration_ids {
            Some(ids) if !ids.is_empty() => {
                at_most_five(ids, "RegistrationIds")?;
                let mut records = Vec::with_capacity(ids.len());
                for value in ids {
                    let id = id_or_arn(ctx, value, ResourceType::Registration)?;
                    let record = self.sms_find(ctx, ResourceType::Registration, &id).await?;
                    records.push(record.ok_or_else(|| not_found(ResourceType::Registration, &id))?);
                }
                records
            }
            _ => self.sms_list(ctx, ResourceType::Registration, None).await?,
        };
        let mut documents: Vec<Value> = Vec::with_capacity(records.len());
        for record in records {
            let doc = RegistrationDoc::decode(&record)?;
            let (_, doc) = self.sms_settle_closed(ctx, record, doc).await?;
            documents.push(serde_json::to_value(&doc.info).map_err(internal)?);
        }
        let filters: Vec<Filter<'_>> =
            input.filters.iter().flatten().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let kept = filter(
            documents,
            &filters,
            &[("registration-type", "RegistrationType"), ("registration-status", "RegistrationStatus")],
        )?;
        let mut registrations: Vec<RegistrationInformation> =
            kept.into_iter().map(serde_json::from_value).collect::<Result<_, _>>().map_err(internal)?;
        registrations.sort_by(|a, b| {
            (a.created_timestamp.0, &a.registration_id).cmp(&(b.created_timestamp.0, &b.registration_id))
        });
        let (registrations, next_token) = page(registrations, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationsResult { registrations, next_token })
    }
}

fn created_result(info: &RegistrationInformation, tags: Vec<Tag>) -> CreateRegistrationResult {
    CreateRegistrationResult {
        registration_arn: info.registration_arn.clone(),
        registration_id: info.registration_id.clone(),
        registration_type: info.registration_type.clone(),
        registration_status: info.registration_status,
        current_version_number: info.current_version_number,
        additional_attributes: info.additional_attributes.clone(),
        tags: Some(tags),
        created_timestamp: info.created_timestamp,
    }
}
