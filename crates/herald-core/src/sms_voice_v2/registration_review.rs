//! The operator's review of submitted registrations. In AWS third parties (The Campaign
//! Registry, carriers, regulators) decide; a self-hosted Herald has the operator decide, through
//! `herald registrations approve|reject ID` (and later the console), which call
//! `Core::review_registration`.
//!
//! A submitted version goes to REVIEWING (optional), then APPROVED or DENIED. Approval makes the
//! registration COMPLETE, archives the previously approved version, activates associated
//! phone numbers that were PENDING, marks associated sender IDs registered, and associates the
//! sender ID an ASSOCIATE_ON_APPROVAL form names when the account holds it. Denial makes the
//! registration REQUIRES_UPDATES (or leaves it COMPLETE when an earlier version is approved);
//! the customer then creates a new version, fixes it and submits again.

use herald_api::sms_voice_v2::types::{
    RegistrationAssociationBehavior, RegistrationDeniedReasonInformation, RegistrationInformation,
    RegistrationVersionStatus, ResourceType,
};
use herald_proto::ApiError;
use herald_store::ResourceChange;
use serde_json::json;

use super::registration_associations::Identity;
use super::registration_versions::in_review;
use super::registrations::{RegistrationDoc, now};
use super::resources::update;
use crate::{Core, CoreError};

/// What the operator decided about a registration's current (submitted) version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// The review has started: SUBMITTED -> REVIEWING.
    StartReview,
    Approve,
    /// The version is denied for `reason`, which the customer sees in DeniedReasons.
    Reject {
        reason: String,
    },
}

fn invalid(error: ApiError) -> CoreError {
    CoreError::Invalid(error.message().to_string())
}

impl Core {
    /// Applies the operator's decision to the registration's current version and returns the
    /// registration as it now stands.
    pub async fn review_registration(
        &self,
        account_id: &str,
        registration_id: &str,
        decision: ReviewDecision,
    ) -> Result<RegistrationInformation, CoreError> {
        let kind = ResourceType::Registration.as_str();
        let record =
            self.store.get_resource(account_id, kind, registration_id).await?.ok_or_else(|| {
                CoreError::Invalid(format!("account {account_id} has no registration {registration_id}"))
            })?;
        let mut doc = RegistrationDoc::decode(&record).map_err(invalid)?;
        let number = doc.info.current_version_number;
        let status = doc.current().map_err(invalid)?.status();
        if !in_review(status) {
            return Err(CoreError::Invalid(format!(
                "version {number} of registration {registration_id} is {status}; only a submitted version can be reviewed"
            )));
        }

        let previously_approved = doc.info.approved_version_number;
        let version = doc.current_mut().map_err(invalid)?;
        let history = &mut version.info.registration_version_status_history;
        match &decision {
            ReviewDecision::StartReview => {
                version.info.registration_version_status = RegistrationVersionStatus::Reviewing;
                history.reviewing_timestamp = Some(now());
            }
            ReviewDecision::Approve => {
                version.info.registration_version_status = RegistrationVersionStatus::Approved;
                history.approved_timestamp = Some(now());
            }
            ReviewDecision::Reject { reason } => {
                version.info.registration_version_status = RegistrationVersionStatus::Denied;
                history.denied_timestamp = Some(now());
                version.info.denied_reasons = Some(vec![RegistrationDeniedReasonInformation {
                    reason: reason.clone(),
                    short_description: reason.clone(),
                    ..Default::default()
                }]);
            }
        }
        match decision {
            ReviewDecision::StartReview => {}
            ReviewDecision::Approve => {
                // The version approved before this one gives way to it.
                if let Some(earlier) = previously_approved.and_then(|n| doc.version_mut(n)) {
                    earlier.info.registration_version_status = RegistrationVersionStatus::Archived;
                    earlier.info.registration_version_status_history.archived_timestamp = Some(now());
                }
                doc.info.approved_version_number = Some(number);
            }
            ReviewDecision::Reject { .. } => doc.info.latest_denied_version_number = Some(number),
        }
        doc.refresh_status();

        let mut changes = Vec::new();
        if doc.info.approved_version_number == Some(number) && previously_approved != Some(number) {
            changes = self.approval_changes(account_id, &mut doc).await?;
        }
        changes.insert(0, update(&record, doc.encode().map_err(invalid)?));
        self.store.write_resources(&changes).await?;
        Ok(doc.info)
    }

    /// What approval does to the registration's identities (see the module comment).
    async fn approval_changes(
        &self,
        account_id: &str,
        doc: &mut RegistrationDoc,
    ) -> Result<Vec<ResourceChange>, CoreError> {
        let mut identities = self.registration_identities(account_id, doc.id()).await?;
        let definition = doc.definition().map_err(invalid)?;
        for supported in definition.associations {
            if supported.association != RegistrationAssociationBehavior::AssociateOnApproval {
                continue;
            }
            let Some(sender_id) = doc.current_text("senderIdInfo.senderId") else { continue };
            let id = format!("{sender_id}/{}", supported.iso_country_code);
            let kind = ResourceType::SenderId;
            let Some(record) = self.store.get_resource(account_id, kind.as_str(), &id).await? else { continue };
            let identity = Identity::new(kind, record);
            if identity.registration_id().is_none() {
                identities.push(identity);
            }
        }
        doc.ever_associated |= !identities.is_empty();

        let mut changes = Vec::new();
        for identity in identities {
            match identity.kind {
                ResourceType::SenderId => changes.push(identity.link(Some(doc))),
                ResourceType::PhoneNumber if identity.record.document.get("Status") == Some(&json!("PENDING")) => {
                    let mut document = identity.record.document.clone();
                    document["Status"] = json!("ACTIVE");
                    changes.push(update(&identity.record, document));
                }
                _ => {}
            }
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use herald_api::sms_voice_v2::types::*;
    use herald_proto::RequestContext;
    use herald_proto::wire::Blob;
    use herald_store::ResourceChange;
    use serde_json::json;

    use super::super::registration_definitions::FieldKind;
    use super::super::resources::new_record;
    use super::super::testing::test_core;
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            account_id: "111122223333".into(),
            access_key_id: "AKIA".into(),
            region: "us-east-1".into(),
            source_ip: None,
            user_agent: None,
        }
    }

    async fn core() -> (Core, RequestContext) {
        test_core().await
    }

    fn reason(error: &ApiError) -> String {
        format!("{}:{}", error.code(), error.member("Reason").and_then(|r| r.as_str()).unwrap_or_default())
    }

    /// Writes a phone number or sender ID as their operations would.
    async fn put_identity(core: &Core, kind: ResourceType, id: &str, document: serde_json::Value) {
        let record = new_record(&ctx(), kind, id, None, None, document);
        core.store.write_resources(&[ResourceChange::Put { record, expected_version: None }]).await.expect("identity");
    }

    async fn identity(core: &Core, kind: ResourceType, id: &str) -> serde_json::Value {
        core.store.get_resource("111122223333", kind.as_str(), id).await.expect("get").expect("exists").document
    }

    async fn create(core: &Core, kind: &str) -> String {
        let input = CreateRegistrationRequest { registration_type: kind.into(), ..Default::default() };
        core.sms_create_registration(&ctx(), input).await.expect("create").registration_id
    }

    async fn put(core: &Core, id: &str, path: &str, value: &str) -> Result<(), ApiError> {
        let mut input = PutRegistrationFieldValueRequest {
            registration_id: id.into(),
            field_path: path.into(),
            ..Default::default()
        };
        let (_, field) = {
            let (_, doc) = core.sms_registration(&ctx(), id).await?;
            doc.definition()?.field(path).expect("known field")
        };
        match field.kind {
            FieldKind::Select { .. } => input.select_choices = Some(vec![value.into()]),
            FieldKind::Text { .. } => input.text_value = Some(value.into()),
            FieldKind::Attachment { .. } => input.registration_attachment_id = Some(value.into()),
        }
        core.sms_put_registration_field_value(&ctx(), input).await.map(|_| ())
    }

    async fn fill(core: &Core, id: &str, values: &[(&str, &str)]) {
        for (path, value) in values {
            put(core, id, path, value).await.unwrap_or_else(|e| panic!("{path}: {e:?}"));
        }
    }

    async fn submit(core: &Core, id: &str) -> Result<SubmitRegistrationVersionResult, ApiError> {
        core.sms_submit_registration_version(
            &ctx(),
            SubmitRegistrationVersionRequest { registration_id: id.into(), aws_review: None },
        )
        .await
    }

    async fn associate(core: &Core, id: &str, resource: &str) -> Result<CreateRegistrationAssociationResult, ApiError> {
        let input = CreateRegistrationAssociationRequest { registration_id: id.into(), resource_id: resource.into() };
        core.sms_create_registration_association(&ctx(), input).await
    }

    async fn new_version(core: &Core, id: &str) -> Result<CreateRegistrationVersionResult, ApiError> {
        core.sms_create_registration_version(&ctx(), CreateRegistrationVersionRequest { registration_id: id.into() })
            .await
    }

    async fn versions(core: &Core, id: &str) -> Vec<(i64, RegistrationVersionStatus)> {
        let input = DescribeRegistrationVersionsRequest { registration_id: id.into(), ..Default::default() };
        let result = core.sms_describe_registration_versions(&ctx(), input).await.expect("versions");
        result.registration_versions.iter().map(|v| (v.version_number, v.registration_version_status)).collect()
    }

    fn phone(id: &str, number: &str, number_type: &str, status: &str) -> serde_json::Value {
        json!({
            "PhoneNumberArn": format!("arn:aws:sms-voice:us-east-1:111122223333:phone-number/{id}"),
            "PhoneNumberId": id, "PhoneNumber": number, "Status": status, "IsoCountryCode": "US",
            "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"], "NumberType": number_type,
            "MonthlyLeasingPrice": "2.00", "TwoWayEnabled": false, "SelfManagedOptOutsEnabled": false,
            "OptOutListName": "Default", "DeletionProtectionEnabled": false, "CreatedTimestamp": 1_700_000_000
        })
    }

    const TOLL_FREE_FORM: &[(&str, &str)] = &[
        ("companyInfo.companyName", "Example Corp"),
        ("companyInfo.website", "https://www.example.com"),
        ("companyInfo.address1", "123 Any Street"),
        ("companyInfo.city", "Seattle"),
        ("companyInfo.state", "WA"),
        ("companyInfo.zipCode", "98101"),
        ("companyInfo.isoCountryCode", "US"),
        ("contactInfo.firstName", "Jane"),
        ("contactInfo.lastName", "Doe"),
        ("contactInfo.supportEmail", "support@example.com"),
        ("contactInfo.supportPhoneNumber", "+12065550142"),
        ("messagingUseCase.monthlyMessageVolume", "1,000"),
        ("messagingUseCase.useCaseCategory", "ONE_TIME_PASSWORDS"),
        ("messagingUseCase.optInDescription", "Customers tick a box on the sign-up form."),
        ("messageSamples.messageSample1", "Your Example Corp code is 123456."),
    ];

    #[tokio::test]
    async fn toll_free_registration_goes_through_review_and_versions() {
        let (core, _dir) = core().await;
        let tfn = "phone-0123456789abcdef0123456789abcdef";
        put_identity(&core, ResourceType::PhoneNumber, tfn, phone(tfn, "+18885550100", "TOLL_FREE", "PENDING")).await;
        let id = create(&core, "US_TOLL_FREE_REGISTRATION").await;
        fill(&core, &id, TOLL_FREE_FORM).await;

        let error = submit(&core, &id).await.expect_err("opt-in image missing");
        assert_eq!(reason(&error), "ValidationException:FIELD_VALIDATION_FAILED");
        assert!(error.message().contains("messagingUseCase.optInImage"), "{}", error.message());
        let png = Blob(b"\x89PNG\r\n\x1a\nimage".to_vec());
        let input = CreateRegistrationAttachmentRequest { attachment_body: Some(png), ..Default::default() };
        let attachment = core.sms_create_registration_attachment(&ctx(), input).await.expect("attachment");
        put(&core, &id, "messagingUseCase.optInImage", &attachment.registration_attachment_id).await.expect("image");

        let error = submit(&core, &id).await.expect_err("the number is missing");
        assert_eq!(reason(&error), "ValidationException:INVALID_REGISTRATION_ASSOCIATION");
        associate(&core, &id, tfn).await.expect("associate the toll-free number");
        assert_eq!(identity(&core, ResourceType::PhoneNumber, tfn).await["RegistrationId"], json!(id));
        assert_eq!(
            submit(&core, &id).await.expect("submit").registration_version_status,
            RegistrationVersionStatus::Submitted
        );

        // The operator looks at it and asks for changes.
        let info = core.review_registration("111122223333", &id, ReviewDecision::StartReview).await.expect("start");
        assert_eq!(info.registration_status, RegistrationStatus::Reviewing);
        let error = core
            .sms_discard_registration_version(&ctx(), DiscardRegistrationVersionRequest { registration_id: id.clone() })
            .await
            .expect_err("in review");
        assert_eq!(reason(&error), "ConflictException:DISCARD_REGISTRATION_VERSION_NOT_ALLOWED");
        let reject = ReviewDecision::Reject { reason: "Non-compliant opt-in".into() };
        let info = core.review_registration("111122223333", &id, reject).await.expect("reject");
        assert_eq!(info.registration_status, RegistrationStatus::RequiresUpdates);
        assert_eq!(info.latest_denied_version_number, Some(1));
        let error = put(&core, &id, "companyInfo.city", "Tacoma").await.expect_err("denied version");
        assert_eq!(reason(&error), "ConflictException:EDIT_REGISTRATION_FIELD_VALUES_NOT_ALLOWED");
        let error = submit(&core, &id).await.expect_err("denied version");
        assert_eq!(reason(&error), "ConflictException:SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED");

        // A new version starts from the denied one; it is fixed, submitted and approved.
        assert_eq!(new_version(&core, &id).await.expect("version 2").version_number, 2);
        let error = new_version(&core, &id).await.expect_err("a draft is open");
        assert_eq!(reason(&error), "ConflictException:CREATE_REGISTRATION_VERSION_NOT_ALLOWED");
        put(&core, &id, "messagingUseCase.optInDescription", "Customers text JOIN to +18885550100.")
            .await
            .expect("fix");
        submit(&core, &id).await.expect("resubmit");
        let error = submit(&core, &id).await.expect_err("twice");
        assert_eq!(reason(&error), "ConflictException:REGISTRATION_ALREADY_SUBMITTED");
        let info = core.review_registration("111122223333", &id, ReviewDecision::Approve).await.expect("approve");
        assert_eq!((info.registration_status, info.approved_version_number), (RegistrationStatus::Complete, Some(2)));
        assert_eq!(identity(&core, ResourceType::PhoneNumber, tfn).await["Status"], json!("ACTIVE"));
        assert!(core.review_registration("111122223333", &id, ReviewDecision::Approve).await.is_err());

        // Amending a complete registration keeps it complete; the new approval archives the old.
        new_version(&core, &id).await.expect("version 3");
        put(&core, &id, "companyInfo.city", "Tacoma").await.expect("amend");
        submit(&core, &id).await.expect("submit amendment");
        let (_, doc) = core.sms_registration(&ctx(), &id).await.expect("get");
        assert_eq!(doc.info.registration_status, RegistrationStatus::Complete);
        core.review_registration("111122223333", &id, ReviewDecision::Approve).await.expect("approve amendment");
        use RegistrationVersionStatus::*;
        assert_eq!(versions(&core, &id).await, vec![(3, Approved), (2, Archived), (1, Denied)]);

        // The number must leave before the registration goes; releasing it closes the registration.
        let context = ctx();
        let delete =
            || core.sms_delete_registration(&context, DeleteRegistrationRequest { registration_id: id.clone() });
        assert_eq!(reason(&delete().await.expect_err("number associated")), "ConflictException:RESOURCE_NOT_EMPTY");
        let number = core.store.get_resource("111122223333", "phone-number", tfn).await.expect("get").expect("number");
        core.store.write_resources(&[super::super::resources::delete(&number)]).await.expect("release");
        let (_, doc) = core.sms_registration(&ctx(), &id).await.expect("get");
        assert_eq!(doc.info.registration_status, RegistrationStatus::Closed);
        assert_eq!(delete().await.expect("delete").registration_status, RegistrationStatus::Deleted);
    }

    #[tokio::test]
    async fn ten_dlc_campaigns_need_an_approved_brand_and_take_numbers_after_approval() {
        let (core, _dir) = core().await;
        let brand = create(&core, "US_TEN_DLC_BRAND_REGISTRATION").await;
        fill(
            &core,
            &brand,
            &[
                ("companyInfo.legalCompanyName", "Example Corp LLC"),
                ("companyInfo.taxIdIssuingCountry", "US"),
                ("companyInfo.taxId", "123456789"),
                ("companyInfo.legalOrganizationForm", "PRIVATE_PROFIT"),
                ("companyInfo.address1", "123 Any Street"),
                ("companyInfo.city", "Seattle"),
                ("companyInfo.state", "WA"),
                ("companyInfo.zipCode", "98101"),
                ("companyInfo.isoCountryCode", "US"),
                ("additionalInfo.dbaName", "Example"),
                ("additionalInfo.vertical", "TECHNOLOGY"),
                ("additionalInfo.website", "https://example.com"),
                ("additionalInfo.supportEmail", "support@example.com"),
                ("additionalInfo.supportPhoneNumber", "+12065550142"),
            ],
        )
        .await;
        let error = put(&core, &brand, "companyInfo.taxId", "12-3456789").await.expect_err("not an EIN");
        assert_eq!(reason(&error), "ValidationException:FIELD_VALIDATION_FAILED");
        // Public companies need a stock symbol and exchange.
        put(&core, &brand, "companyInfo.legalOrganizationForm", "PUBLIC_PROFIT").await.expect("public");
        let error = submit(&core, &brand).await.expect_err("stock symbol missing");
        assert!(error.message().contains("companyInfo.stockSymbol"), "{}", error.message());
        put(&core, &brand, "companyInfo.legalOrganizationForm", "PRIVATE_PROFIT").await.expect("private");
        submit(&core, &brand).await.expect("submit brand");

        let campaign = create(&core, "US_TEN_DLC_CAMPAIGN_REGISTRATION").await;
        let form = [
            ("campaignInfo.brandRegistrationId", brand.as_str()),
            ("campaignInfo.campaignDescription", "Example account alerts"),
            ("campaignInfo.vertical", "TECHNOLOGY"),
            ("campaignInfo.optInWorkflow", "Customers opt in on https://example.com/alerts and accept the terms."),
            ("campaignInfo.helpMessage", "Example alerts: call 1-888-555-0142. Text STOP to cancel."),
            ("campaignInfo.stopMessage", "You are unsubscribed from Example alerts."),
            ("messagingCapabilities.numberCapability", "SMS"),
            ("campaignUseCase.useCase", "ACCOUNT_NOTIFICATION"),
            ("campaignAttributes.subscriberOptIn", "YES"),
            ("campaignAttributes.subscriberOptOut", "YES"),
            ("campaignAttributes.subscriberHelp", "YES"),
            ("campaignAttributes.directLending", "NO"),
            ("campaignAttributes.embeddedLink", "YES"),
            ("campaignAttributes.embeddedPhoneNumber", "NO"),
            ("campaignAttributes.ageGated", "NO"),
            ("messageSamples.messageSample1", "Example: your statement is ready to view."),
        ];
        fill(&core, &campaign, &form).await;
        let error = put(&core, &campaign, "messageSamples.messageSample2", "Read more at https://bit.ly/x1 today")
            .await
            .expect_err("public shortener");
        assert_eq!(reason(&error), "ValidationException:FIELD_VALIDATION_FAILED");
        let error = submit(&core, &campaign).await.expect_err("brand not approved");
        assert_eq!(reason(&error), "ConflictException:REGISTRATION_NOT_COMPLETE");
        core.review_registration("111122223333", &brand, ReviewDecision::Approve).await.expect("approve brand");
        submit(&core, &campaign).await.expect("submit campaign");

        let number = "phone-00000000000000000000000000000001";
        put_identity(&core, ResourceType::PhoneNumber, number, phone(number, "+12065550100", "TEN_DLC", "ACTIVE"))
            .await;
        let simulator = "phone-00000000000000000000000000000002";
        put_identity(
            &core,
            ResourceType::PhoneNumber,
            simulator,
            phone(simulator, "+12065550101", "SIMULATOR", "ACTIVE"),
        )
        .await;
        let error = associate(&core, &campaign, number).await.expect_err("campaign not approved");
        assert_eq!(reason(&error), "ConflictException:REGISTRATION_NOT_COMPLETE");
        core.review_registration("111122223333", &campaign, ReviewDecision::Approve).await.expect("approve campaign");
        let arn = format!("arn:aws:sms-voice:us-east-1:111122223333:phone-number/{number}");
        let associated = associate(&core, &campaign, &arn).await.expect("associate");
        assert_eq!(
            (associated.resource_type.as_str(), associated.phone_number.as_deref()),
            ("phone-number", Some("+12065550100"))
        );
        let error = associate(&core, &campaign, number).await.expect_err("twice");
        assert_eq!(reason(&error), "ConflictException:RESOURCE_ALREADY_ASSOCIATED");
        let error = associate(&core, &campaign, simulator).await.expect_err("not a 10DLC number");
        assert_eq!(reason(&error), "ValidationException:INVALID_REGISTRATION_ASSOCIATION");
        let error = associate(&core, &brand, number).await.expect_err("brands take no numbers");
        assert_eq!(reason(&error), "ValidationException:INVALID_REGISTRATION_ASSOCIATION");
        let error = associate(&core, &campaign, "phone-ffffffffffffffffffffffffffffffff").await.expect_err("missing");
        assert_eq!(reason(&error), "ResourceNotFoundException:");
        assert_eq!(error.member("ResourceType"), Some(&json!("phone-number")));

        let list = ListRegistrationAssociationsRequest { registration_id: campaign.clone(), ..Default::default() };
        let listed = core.sms_list_registration_associations(&ctx(), list).await.expect("list");
        assert_eq!(listed.registration_associations.len(), 1);
        let error = core
            .sms_delete_registration(&ctx(), DeleteRegistrationRequest { registration_id: campaign.clone() })
            .await
            .expect_err("numbers associated");
        assert_eq!(reason(&error), "ConflictException:RESOURCE_NOT_EMPTY");
    }

    #[tokio::test]
    async fn singapore_sender_id_is_associated_and_registered_on_approval() {
        let (core, _dir) = core().await;
        let sender = "EXAMPLECO/SG";
        let document = json!({
            "SenderIdArn": "arn:aws:sms-voice:us-east-1:111122223333:sender-id/EXAMPLECO/SG",
            "SenderId": "EXAMPLECO", "IsoCountryCode": "SG", "MessageTypes": ["TRANSACTIONAL"],
            "MonthlyLeasingPrice": "0.00", "DeletionProtectionEnabled": false, "Registered": false
        });
        put_identity(&core, ResourceType::SenderId, sender, document).await;
        let id = create(&core, "SG_SENDER_ID_REGISTRATION").await;
        let error = associate(&core, &id, "EXAMPLECO").await.expect_err("not approved yet");
        assert_eq!(reason(&error), "ConflictException:REGISTRATION_NOT_COMPLETE");
        fill(
            &core,
            &id,
            &[
                ("companyInfo.companyName", "Example Pte Ltd"),
                ("companyInfo.taxId", "201912345K"),
                ("companyInfo.website", "https://example.sg"),
                ("companyInfo.address1", "1 Raffles Place"),
                ("companyInfo.city", "Singapore"),
                ("companyInfo.state", "Singapore"),
                ("companyInfo.zipCode", "048616"),
                ("companyInfo.isoCountryCode", "SG"),
                ("contactInfo.firstName", "Jane"),
                ("contactInfo.lastName", "Tan"),
                ("contactInfo.supportEmail", "support@example.sg"),
                ("contactInfo.supportPhoneNumber", "+6561234567"),
                ("senderIdInfo.senderId", "EXAMPLECO"),
                ("senderIdInfo.isOnBehalfOf", "TRUE"),
                ("messagingUseCase.monthlyMessageVolume", "10,000"),
                ("messagingUseCase.useCaseCategory", "ONE_TIME_PASSWORDS"),
                ("messageSamples.messageSample1", "Your Example code is 123456."),
            ],
        )
        .await;
        let error = submit(&core, &id).await.expect_err("letter of authorization missing");
        assert!(error.message().contains("senderIdInfo.letterOfAuthorization"), "{}", error.message());
        put(&core, &id, "senderIdInfo.isOnBehalfOf", "FALSE").await.expect("own brand");
        submit(&core, &id).await.expect("submit");
        core.review_registration("111122223333", &id, ReviewDecision::Approve).await.expect("approve");

        let sender_document = identity(&core, ResourceType::SenderId, sender).await;
        assert_eq!((&sender_document["Registered"], &sender_document["RegistrationId"]), (&json!(true), &json!(id)));
        let list = ListRegistrationAssociationsRequest { registration_id: id.clone(), ..Default::default() };
        let listed = core.sms_list_registration_associations(&ctx(), list).await.expect("list");
        let ids: Vec<&str> = listed.registration_associations.iter().map(|a| a.resource_id.as_str()).collect();
        assert_eq!(ids, vec![sender]);
    }
}
