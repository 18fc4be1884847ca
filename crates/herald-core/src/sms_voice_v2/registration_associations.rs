//! Registration associations with origination identities: CreateRegistrationAssociation and
//! ListRegistrationAssociations.
//!
//! The link lives in one place: the phone number's or sender ID's document carries
//! `RegistrationId` (the model's member), whoever set it: CreateRegistrationAssociation,
//! RequestPhoneNumber with a RegistrationId, or approval of a sender ID registration. Releasing
//! the identity deletes its document and so ends the association; a registration of a
//! DISASSOCIATE_ALL_CLOSES_REGISTRATION type then becomes CLOSED (`sms_registration`). The
//! model has no operation that removes an association otherwise. A sender ID's document also
//! carries `Registered`, true while its registration is COMPLETE.

use herald_api::sms_voice_v2::types::{
    ConflictExceptionReason, CreateRegistrationAssociationRequest, CreateRegistrationAssociationResult,
    ListRegistrationAssociationsRequest, ListRegistrationAssociationsResult, RegistrationAssociationBehavior,
    RegistrationAssociationMetadata, RegistrationStatus, ResourceType, ServiceQuotaExceededExceptionReason,
    ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceChange, ResourceRecord, StoreError};
use serde_json::{Value, json};

use super::errors::{conflict, internal, not_found, quota, validation};
use super::ids::parse_arn;
use super::listing::{Filter, filter, page};
use super::registration_definitions::{AssociationDef, BRAND_REFERENCE_FIELD, US_TEN_DLC_CAMPAIGN_TYPE};
use super::registrations::RegistrationDoc;
use super::resources::update;
use crate::Core;

/// 10DLC numbers per brand, over all its campaigns (guide: 49, not adjustable).
const MAX_NUMBERS_PER_BRAND: usize = 49;

fn invalid_association(message: String) -> ApiError {
    validation(
        ValidationExceptionReason::InvalidRegistrationAssociation,
        message,
        &[("ResourceId", "cannot be associated with this registration")],
    )
}

fn text(document: &Value, member: &str) -> Option<String> {
    document.get(member).and_then(Value::as_str).map(str::to_owned)
}

/// A phone number or sender ID as a registration sees it.
pub struct Identity {
    pub kind: ResourceType,
    pub record: ResourceRecord,
    /// A phone number's NumberType, or SENDER_ID: what SupportedAssociation.ResourceType names.
    pub association_type: String,
    /// ResourceType is "phone-number" or "sender-id"; ResourceId the PhoneNumberId or
    /// `SenderId/IsoCountryCode`.
    pub metadata: RegistrationAssociationMetadata,
}

impl Identity {
    pub fn new(kind: ResourceType, record: ResourceRecord) -> Self {
        let document = &record.document;
        let (association_type, arn_member, phone_number) = match kind {
            ResourceType::PhoneNumber => {
                (text(document, "NumberType").unwrap_or_default(), "PhoneNumberArn", text(document, "PhoneNumber"))
            }
            _ => ("SENDER_ID".to_string(), "SenderIdArn", None),
        };
        let metadata = RegistrationAssociationMetadata {
            resource_arn: text(document, arn_member).unwrap_or_default(),
            resource_id: record.id.clone(),
            resource_type: kind.as_str().to_string(),
            iso_country_code: text(document, "IsoCountryCode"),
            phone_number,
        };
        Identity { kind, record, association_type, metadata }
    }

    /// The registration this identity belongs to, if any.
    pub fn registration_id(&self) -> Option<String> {
        text(&self.record.document, "RegistrationId")
    }

    /// The identity's document pointing at `registration`, or at none.
    pub fn link(&self, registration: Option<&RegistrationDoc>) -> ResourceChange {
        let mut document = self.record.document.clone();
        if let Some(object) = document.as_object_mut() {
            match registration {
                Some(doc) => object.insert("RegistrationId".into(), json!(doc.id())),
                None => object.remove("RegistrationId"),
            };
            if self.kind == ResourceType::SenderId {
                let complete = registration.is_some_and(|r| r.info.registration_status == RegistrationStatus::Complete);
                object.insert("Registered".into(), json!(complete));
            }
        }
        update(&self.record, document)
    }
}

impl Core {
    /// The phone numbers and sender IDs whose documents name the registration, oldest first.
    pub(crate) async fn registration_identities(
        &self,
        account_id: &str,
        registration_id: &str,
    ) -> Result<Vec<Identity>, StoreError> {
        let mut found = Vec::new();
        for kind in [ResourceType::PhoneNumber, ResourceType::SenderId] {
            for record in self.store.list_resources(account_id, kind.as_str(), None).await? {
                if text(&record.document, "RegistrationId").as_deref() == Some(registration_id) {
                    found.push(Identity::new(kind, record));
                }
            }
        }
        Ok(found)
    }

    pub(crate) async fn sms_registration_identities(
        &self,
        ctx: &RequestContext,
        registration_id: &str,
    ) -> Result<Vec<Identity>, ApiError> {
        self.registration_identities(&ctx.account_id, registration_id).await.map_err(internal)
    }

    /// The phone number or sender ID a ResourceId names: a PhoneNumberId, `SenderId/IsoCountryCode`,
    /// a bare SenderId held in one country only, or either's ARN.
    async fn sms_origination_identity(&self, ctx: &RequestContext, value: &str) -> Result<Identity, ApiError> {
        let (kind, id) = if value.starts_with("arn:") {
            match parse_arn(ctx, value)? {
                (kind @ (ResourceType::PhoneNumber | ResourceType::SenderId), id) => (kind, id),
                (kind, _) => {
                    return Err(invalid_association(format!("A {kind} cannot be associated with a registration")));
                }
            }
        } else if value.starts_with("phone-") {
            (ResourceType::PhoneNumber, value.to_string())
        } else if value.contains('/') {
            (ResourceType::SenderId, value.to_string())
        } else {
            let held: Vec<ResourceRecord> = self
                .sms_list(ctx, ResourceType::SenderId, None)
                .await?
                .into_iter()
                .filter(|r| text(&r.document, "SenderId").as_deref() == Some(value))
                .collect();
            match held.as_slice() {
                [] => return Err(not_found(ResourceType::SenderId, value)),
                [only] => (ResourceType::SenderId, only.id.clone()),
                _ => {
                    return Err(validation(
                        ValidationExceptionReason::InvalidParameter,
                        format!(
                            "Sender ID {value} is held in several countries: give SenderId/IsoCountryCode or its ARN"
                        ),
                        &[("ResourceId", "ambiguous sender ID")],
                    ));
                }
            }
        };
        let record = self.sms_get(ctx, kind, &id).await?;
        Ok(Identity::new(kind, record))
    }

    pub(crate) async fn sms_create_registration_association(
        &self,
        ctx: &RequestContext,
        input: CreateRegistrationAssociationRequest,
    ) -> Result<CreateRegistrationAssociationResult, ApiError> {
        let (record, mut doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let definition = doc.definition()?;
        let identity = self.sms_origination_identity(ctx, &input.resource_id).await?;
        let country = identity.metadata.iso_country_code.clone().unwrap_or_default();
        let Some(supported) = definition
            .associations
            .iter()
            .find(|a| a.resource_type == identity.association_type && a.iso_country_code == country)
        else {
            let supported: Vec<String> = definition
                .associations
                .iter()
                .map(|a| format!("{} in {}", a.resource_type, a.iso_country_code))
                .collect();
            return Err(invalid_association(format!(
                "A {} registration takes {}; {} is {} in {country}",
                definition.name,
                if supported.is_empty() { "no origination identities".to_string() } else { supported.join(", ") },
                identity.record.id,
                identity.association_type
            )));
        };
        self.sms_check_association_allowed(ctx, &doc, supported, &identity).await?;

        // The registration is written too: it remembers it had an identity (for CLOSED), and its
        // version check keeps a concurrent change of the registration from slipping past.
        doc.ever_associated = true;
        let link = identity.link(Some(&doc));
        self.sms_save_registration(&record, &doc, vec![link]).await?;
        let metadata = identity.metadata;
        Ok(CreateRegistrationAssociationResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            registration_type: doc.info.registration_type.clone(),
            resource_arn: metadata.resource_arn,
            resource_id: metadata.resource_id,
            resource_type: metadata.resource_type,
            iso_country_code: metadata.iso_country_code,
            phone_number: metadata.phone_number,
        })
    }

    /// The registration's state, the identity's current link and the quotas allow the association.
    async fn sms_check_association_allowed(
        &self,
        ctx: &RequestContext,
        doc: &RegistrationDoc,
        supported: &AssociationDef,
        identity: &Identity,
    ) -> Result<(), ApiError> {
        let status = doc.info.registration_status;
        let needs_complete = supported.association != RegistrationAssociationBehavior::AssociateBeforeSubmit;
        if status == RegistrationStatus::Closed || (needs_complete && status != RegistrationStatus::Complete) {
            return Err(conflict(
                ConflictExceptionReason::RegistrationNotComplete,
                ResourceType::Registration,
                doc.id(),
                format!(
                    "Registration {} is {status}; {} identities join a {} registration once it is COMPLETE",
                    doc.id(),
                    supported.resource_type,
                    doc.info.registration_type
                ),
            ));
        }
        // An identity belongs to one registration ("a number can belong to only one campaign").
        if let Some(linked) = identity.registration_id() {
            return Err(conflict(
                ConflictExceptionReason::ResourceAlreadyAssociated,
                identity.kind,
                &identity.record.id,
                format!("{} is already associated with registration {linked}", identity.record.id),
            ));
        }
        let definition = doc.definition()?;
        if let Some(max) = definition.max_associations {
            let held = self.sms_registration_identities(ctx, doc.id()).await?.len();
            if held >= max {
                return Err(quota(
                    ServiceQuotaExceededExceptionReason::AssociationsPerRegistration,
                    format!("A {} registration covers at most {max} origination identity", definition.name),
                ));
            }
        }
        if doc.info.registration_type == US_TEN_DLC_CAMPAIGN_TYPE {
            let reference = format!("campaignInfo.{BRAND_REFERENCE_FIELD}");
            let brand = doc.current_text(&reference).map(str::to_owned);
            let campaigns: Vec<String> = self
                .sms_registrations(ctx)
                .await?
                .iter()
                .filter(|r| r.info.registration_type == US_TEN_DLC_CAMPAIGN_TYPE)
                .filter(|r| brand.is_some() && r.current_text(&reference) == brand.as_deref())
                .map(|r| r.id().to_string())
                .collect();
            let numbers = self
                .sms_list(ctx, ResourceType::PhoneNumber, None)
                .await?
                .iter()
                .filter(|r| text(&r.document, "RegistrationId").is_some_and(|id| campaigns.contains(&id)))
                .count();
            if numbers >= MAX_NUMBERS_PER_BRAND {
                return Err(quota(
                    ServiceQuotaExceededExceptionReason::PhoneNumbersPerRegistration,
                    format!("A 10DLC brand's campaigns hold at most {MAX_NUMBERS_PER_BRAND} numbers"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) async fn sms_list_registration_associations(
        &self,
        ctx: &RequestContext,
        input: ListRegistrationAssociationsRequest,
    ) -> Result<ListRegistrationAssociationsResult, ApiError> {
        let (_, doc) = self.sms_registration(ctx, &input.registration_id).await?;
        let identities = self.sms_registration_identities(ctx, doc.id()).await?;
        let documents: Vec<Value> =
            identities.iter().map(|i| serde_json::to_value(&i.metadata)).collect::<Result<_, _>>().map_err(internal)?;
        let filters: Vec<Filter<'_>> =
            input.filters.iter().flatten().map(|f| Filter { name: f.name.as_str(), values: &f.values }).collect();
        let kept =
            filter(documents, &filters, &[("resource-type", "ResourceType"), ("iso-country-code", "IsoCountryCode")])?;
        let associations: Vec<RegistrationAssociationMetadata> =
            kept.into_iter().map(serde_json::from_value).collect::<Result<_, _>>().map_err(internal)?;
        let (associations, next_token) = page(associations, input.max_results, input.next_token.as_deref())?;
        Ok(ListRegistrationAssociationsResult {
            registration_arn: doc.info.registration_arn.clone(),
            registration_id: doc.id().to_string(),
            registration_type: doc.info.registration_type.clone(),
            registration_associations: associations,
            next_token,
        })
    }
}
