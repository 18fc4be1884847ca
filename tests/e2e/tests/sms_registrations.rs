//! Registrations through the SDK: the form definitions, a US toll-free registration from
//! creation to submission (field values, attachments, versions, the number's association, its
//! release closing the registration), and the 10DLC brand-before-campaign rule. The operator's
//! review is not an API operation; herald-core's unit tests drive it.

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::operation::create_registration::CreateRegistrationError;
use aws_sdk_pinpointsmsvoicev2::operation::create_registration_association::CreateRegistrationAssociationError;
use aws_sdk_pinpointsmsvoicev2::operation::create_registration_attachment::CreateRegistrationAttachmentError;
use aws_sdk_pinpointsmsvoicev2::operation::create_registration_version::CreateRegistrationVersionError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_registration::DeleteRegistrationError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_registration_field_value::DeleteRegistrationFieldValueError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registration_attachments::DescribeRegistrationAttachmentsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registration_field_definitions::DescribeRegistrationFieldDefinitionsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registration_field_values::DescribeRegistrationFieldValuesError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registration_section_definitions::DescribeRegistrationSectionDefinitionsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registration_type_definitions::DescribeRegistrationTypeDefinitionsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_registrations::DescribeRegistrationsError;
use aws_sdk_pinpointsmsvoicev2::operation::discard_registration_version::DiscardRegistrationVersionError;
use aws_sdk_pinpointsmsvoicev2::operation::put_registration_field_value::PutRegistrationFieldValueError;
use aws_sdk_pinpointsmsvoicev2::operation::submit_registration_version::SubmitRegistrationVersionError;
use aws_sdk_pinpointsmsvoicev2::primitives::Blob;
use aws_sdk_pinpointsmsvoicev2::types::{
    AttachmentStatus, ConflictExceptionReason, FieldRequirement, FieldType, MessageType, NumberCapability,
    RegistrationAssociationBehavior, RegistrationAssociationFilter, RegistrationAssociationFilterName,
    RegistrationAttachmentFilter, RegistrationAttachmentFilterName, RegistrationFilter, RegistrationFilterName,
    RegistrationStatus, RegistrationTypeFilter, RegistrationTypeFilterName, RegistrationVersionFilter,
    RegistrationVersionFilterName, RegistrationVersionStatus, RequestableNumberType, ResourceType, Tag,
    ValidationExceptionReason,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::sms_voice;

/// The operation's typed exception of the expected kind, or a panic naming what came instead.
macro_rules! expect_error {
    ($call:expr, $Error:ident :: $Variant:ident) => {
        match $call.await.expect_err(concat!("expected ", stringify!($Variant))).into_service_error() {
            $Error::$Variant(exception) => exception,
            other => panic!("expected {}, got {other:?}", stringify!($Variant)),
        }
    };
}

const TOLL_FREE: &str = "US_TOLL_FREE_REGISTRATION";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nopt-in screenshot";

/// A toll-free number and a US long code in the operator's inventory.
fn inventory_config() -> String {
    "[[numbers]]\nphone_number = \"+18885550100\"\niso_country = \"US\"\nnumber_type = \"TOLL_FREE\"\n\
     capabilities = [\"SMS\", \"VOICE\"]\ncarrier = \"route-a\"\n\
     [[numbers]]\nphone_number = \"+12065550100\"\niso_country = \"US\"\nnumber_type = \"LONG_CODE\"\n\
     capabilities = [\"SMS\"]\ncarrier = \"route-a\"\n"
        .to_string()
}

async fn create(sms: &Client, kind: &str) -> String {
    let created = sms.create_registration().registration_type(kind).send().await.expect("CreateRegistration");
    created.registration_id().to_string()
}

async fn put_text(sms: &Client, id: &str, path: &str, value: &str) {
    sms.put_registration_field_value()
        .registration_id(id)
        .field_path(path)
        .text_value(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
}

async fn put_choice(sms: &Client, id: &str, path: &str, value: &str) {
    sms.put_registration_field_value()
        .registration_id(id)
        .field_path(path)
        .select_choices(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
}

async fn status(sms: &Client, id: &str) -> RegistrationStatus {
    let described = sms.describe_registrations().registration_ids(id).send().await.expect("DescribeRegistrations");
    described.registrations()[0].registration_status().clone()
}

async fn attach(sms: &Client, body: &[u8]) -> String {
    let created = sms
        .create_registration_attachment()
        .attachment_body(Blob::new(body))
        .send()
        .await
        .expect("CreateRegistrationAttachment");
    created.registration_attachment_id().to_string()
}

async fn request_number(sms: &Client, kind: RequestableNumberType) -> String {
    let number = sms
        .request_phone_number()
        .iso_country_code("US")
        .number_type(kind)
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .send()
        .await
        .expect("RequestPhoneNumber");
    number.phone_number_id().expect("id").to_string()
}

#[tokio::test]
async fn registration_forms_are_described_with_filters_and_paging() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    // Every documented form, a page at a time.
    let first = sms.describe_registration_type_definitions().max_results(4).send().await.expect("types");
    let rest = sms
        .describe_registration_type_definitions()
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .expect("types page 2");
    assert!(rest.next_token().is_none());
    let names: Vec<&str> = first
        .registration_type_definitions()
        .iter()
        .chain(rest.registration_type_definitions())
        .map(|t| t.registration_type())
        .collect();
    for expected in [
        TOLL_FREE,
        "US_TEN_DLC_BRAND_REGISTRATION",
        "US_TEN_DLC_BRAND_VETTING",
        "US_TEN_DLC_CAMPAIGN_REGISTRATION",
        "SG_SENDER_ID_REGISTRATION",
        "IN_SENDER_ID_REGISTRATION",
        "CN_SMS_TEMPLATE_REGISTRATION",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }

    // The 10DLC campaign takes TEN_DLC numbers once complete.
    let filter = RegistrationTypeFilter::builder()
        .name(RegistrationTypeFilterName::SupportedAssociationResourceType)
        .values("TEN_DLC")
        .build()
        .expect("filter");
    let ten_dlc = sms.describe_registration_type_definitions().filters(filter).send().await.expect("filtered");
    let [campaign] = ten_dlc.registration_type_definitions() else { panic!("{ten_dlc:?}") };
    assert_eq!(campaign.registration_type(), "US_TEN_DLC_CAMPAIGN_REGISTRATION");
    let association = &campaign.supported_associations()[0];
    assert_eq!(association.association_behavior(), &RegistrationAssociationBehavior::AssociateAfterComplete);
    assert_eq!(association.iso_country_code(), Some("US"));
    let filter = RegistrationTypeFilter::builder()
        .name(RegistrationTypeFilterName::SupportedAssociationIsoCountryCode)
        .values("SG")
        .build()
        .expect("filter");
    let singapore = sms.describe_registration_type_definitions().filters(filter).send().await.expect("filtered");
    let types: Vec<&str> = singapore.registration_type_definitions().iter().map(|t| t.registration_type()).collect();
    assert_eq!(types, ["SG_SENDER_ID_REGISTRATION"]);
    let error = expect_error!(
        sms.describe_registration_type_definitions().registration_types("US_FAX_REGISTRATION").send(),
        DescribeRegistrationTypeDefinitionsError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationType));

    // Sections and fields of the toll-free form.
    let sections =
        sms.describe_registration_section_definitions().registration_type(TOLL_FREE).send().await.expect("sections");
    let paths: Vec<&str> = sections.registration_section_definitions().iter().map(|s| s.section_path()).collect();
    assert_eq!(paths, ["companyInfo", "contactInfo", "messagingUseCase", "messageSamples"]);
    let error = expect_error!(
        sms.describe_registration_section_definitions().registration_type(TOLL_FREE).section_paths("billing").send(),
        DescribeRegistrationSectionDefinitionsError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationSection));

    let fields = sms
        .describe_registration_field_definitions()
        .registration_type(TOLL_FREE)
        .section_path("messagingUseCase")
        .send()
        .await
        .expect("fields");
    let field = |path: &str| {
        fields.registration_field_definitions().iter().find(|f| f.field_path() == path).expect(path).clone()
    };
    let category = field("messagingUseCase.useCaseCategory");
    assert_eq!(
        (category.field_type(), category.field_requirement()),
        (&FieldType::Select, &FieldRequirement::Required)
    );
    let options = category.select_validation().expect("select validation").options();
    assert_eq!(options.len(), 7);
    assert!(options.contains(&"OTHER".to_string()));
    let details = field("messagingUseCase.useCaseDetails");
    assert_eq!(details.field_requirement(), &FieldRequirement::Conditional);
    let rule = &details.conditional_behavior().expect("conditional behavior").rules()[0];
    assert_eq!(rule.conditions()[0].depends_on_field_path(), "messagingUseCase.useCaseCategory");
    assert_eq!(rule.rule_behavior(), "REQUIRED");
    let image = field("messagingUseCase.optInImage");
    assert_eq!(image.field_type(), &FieldType::Attachment);
    assert!(image.display_hints().and_then(|h| h.long_description()).is_some_and(|d| d.contains("PNG up to 400 KB")));
    let phone = sms
        .describe_registration_field_definitions()
        .registration_type(TOLL_FREE)
        .field_paths("contactInfo.supportPhoneNumber")
        .send()
        .await
        .expect("one field");
    let validation = phone.registration_field_definitions()[0].text_validation().expect("text validation");
    assert_eq!(validation.pattern(), "^\\+[1-9][0-9]{1,14}$");
    let paged = sms
        .describe_registration_field_definitions()
        .registration_type(TOLL_FREE)
        .max_results(5)
        .send()
        .await
        .expect("a page of fields");
    assert_eq!(paged.registration_field_definitions().len(), 5);
    assert!(paged.next_token().is_some());
    let error = expect_error!(
        sms.describe_registration_field_definitions()
            .registration_type(TOLL_FREE)
            .field_paths("companyInfo.fax")
            .send(),
        DescribeRegistrationFieldDefinitionsError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationField));
}

#[tokio::test]
async fn a_toll_free_registration_is_filled_associated_submitted_and_closed() {
    let server = TestServer::builder().config(inventory_config()).start();
    let sms = sms_voice(&server);

    let error = expect_error!(
        sms.create_registration().registration_type("US_FAX_REGISTRATION").send(),
        CreateRegistrationError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationType));
    let name = Tag::builder().key("Name").value("Support line").build().expect("tag");
    let created = sms
        .create_registration()
        .registration_type(TOLL_FREE)
        .tags(name.clone())
        .client_token("toll-free-1")
        .send()
        .await
        .expect("CreateRegistration");
    let id = created.registration_id().to_string();
    let hex = id.strip_prefix("registration-").expect("id prefix");
    assert!(hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(
        created.registration_arn(),
        format!("arn:aws:sms-voice:us-east-1:{}:registration/{id}", server.account_id)
    );
    assert_eq!((created.registration_status(), created.current_version_number()), (&RegistrationStatus::Created, 1));
    assert_eq!(created.tags(), &[name]);
    let again = sms
        .create_registration()
        .registration_type(TOLL_FREE)
        .client_token("toll-free-1")
        .send()
        .await
        .expect("same token");
    assert_eq!(again.registration_id(), id);

    let filter = RegistrationFilter::builder()
        .name(RegistrationFilterName::RegistrationStatus)
        .values("CREATED")
        .build()
        .expect("filter");
    let described = sms.describe_registrations().filters(filter).send().await.expect("DescribeRegistrations");
    assert_eq!(described.registrations().len(), 1);
    let error = expect_error!(
        sms.describe_registrations().registration_ids(format!("registration-{}", "0".repeat(32))).send(),
        DescribeRegistrationsError::ResourceNotFoundException
    );
    assert_eq!(error.resource_type(), Some(&ResourceType::Registration));

    // Field values are checked against the form.
    let error = expect_error!(
        sms.put_registration_field_value().registration_id(&id).field_path("companyInfo.fax").text_value("1").send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationField));
    for (path, bad) in [
        ("contactInfo.supportPhoneNumber", "+1 (206) 555-0142"),
        ("companyInfo.website", "www.example.com"),
        ("companyInfo.isoCountryCode", "USA"),
    ] {
        let error = expect_error!(
            sms.put_registration_field_value().registration_id(&id).field_path(path).text_value(bad).send(),
            PutRegistrationFieldValueError::ValidationException
        );
        assert_eq!(error.reason(), Some(&ValidationExceptionReason::FieldValidationFailed), "{path}");
        assert_eq!(error.fields()[0].name(), path);
    }
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path("messagingUseCase.useCaseCategory")
            .select_choices("SPAM")
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::FieldValidationFailed));
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path("companyInfo.city")
            .text_value("Seattle")
            .select_choices("Seattle")
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::ParametersCannotBeUsedTogether));

    for (path, value) in [
        ("companyInfo.companyName", "Example Corp"),
        ("companyInfo.website", "https://www.example.com"),
        ("companyInfo.address1", "123 Any Street"),
        ("companyInfo.address2", "Suite 100"),
        ("companyInfo.city", "Seattle"),
        ("companyInfo.state", "WA"),
        ("companyInfo.zipCode", "98101"),
        ("companyInfo.isoCountryCode", "US"),
        ("contactInfo.firstName", "Jane"),
        ("contactInfo.lastName", "Doe"),
        ("contactInfo.supportEmail", "support@example.com"),
        ("contactInfo.supportPhoneNumber", "+12065550142"),
        ("messagingUseCase.optInDescription", "Customers tick a box on the sign-up form."),
        ("messageSamples.messageSample1", "Your Example Corp code is 123456."),
    ] {
        put_text(&sms, &id, path, value).await;
    }
    put_choice(&sms, &id, "messagingUseCase.monthlyMessageVolume", "1,000").await;
    put_choice(&sms, &id, "messagingUseCase.useCaseCategory", "OTHER").await;

    // A required field can be replaced but not removed; an optional one can go.
    let error = expect_error!(
        sms.delete_registration_field_value().registration_id(&id).field_path("companyInfo.city").send(),
        DeleteRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::RegistrationFieldCannotBeDeleted));
    let removed = sms
        .delete_registration_field_value()
        .registration_id(&id)
        .field_path("companyInfo.address2")
        .send()
        .await
        .expect("DeleteRegistrationFieldValue");
    assert_eq!(removed.text_value(), Some("Suite 100"));

    let values = sms
        .describe_registration_field_values()
        .registration_id(&id)
        .section_path("contactInfo")
        .send()
        .await
        .expect("DescribeRegistrationFieldValues");
    let paths: Vec<&str> = values.registration_field_values().iter().map(|v| v.field_path()).collect();
    assert_eq!(
        paths,
        ["contactInfo.firstName", "contactInfo.lastName", "contactInfo.supportEmail", "contactInfo.supportPhoneNumber"]
    );
    let error = expect_error!(
        sms.describe_registration_field_values().registration_id(&id).version_number(9).send(),
        DescribeRegistrationFieldValuesError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::UnknownRegistrationVersion));

    // Submission lists what is missing: the image, and the details "Other" requires.
    let error = expect_error!(
        sms.submit_registration_version().registration_id(&id).send(),
        SubmitRegistrationVersionError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::FieldValidationFailed));
    let missing: Vec<&str> = error.fields().iter().map(|f| f.name()).collect();
    assert_eq!(missing, ["messagingUseCase.useCaseDetails", "messagingUseCase.optInImage"]);
    put_text(&sms, &id, "messagingUseCase.useCaseDetails", "Account sign-in codes.").await;

    // Attachments: one file per attachment, of the types and sizes the field takes.
    let error = expect_error!(
        sms.create_registration_attachment()
            .attachment_body(Blob::new(PNG))
            .attachment_url("s3://bucket/opt-in.png")
            .send(),
        CreateRegistrationAttachmentError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::ParametersCannotBeUsedTogether));
    let error = expect_error!(
        sms.create_registration_attachment().attachment_body(Blob::new(b"plain text".as_slice())).send(),
        CreateRegistrationAttachmentError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::AttachmentTypeNotSupported));
    let mut huge = PNG.to_vec();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    let error = expect_error!(
        sms.create_registration_attachment().attachment_body(Blob::new(huge)).send(),
        CreateRegistrationAttachmentError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::MaximumSizeExceeded));
    let jpeg = attach(&sms, b"\xff\xd8\xff\xe0photo").await;
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path("messagingUseCase.optInImage")
            .registration_attachment_id(&jpeg)
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::AttachmentTypeNotSupported));
    let mut large_png = PNG.to_vec();
    large_png.resize(500 * 1024, 0);
    let large = attach(&sms, &large_png).await;
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path("messagingUseCase.optInImage")
            .registration_attachment_id(&large)
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::MaximumSizeExceeded));
    let image = attach(&sms, PNG).await;
    sms.put_registration_field_value()
        .registration_id(&id)
        .field_path("messagingUseCase.optInImage")
        .registration_attachment_id(&image)
        .send()
        .await
        .expect("opt-in image");

    let linked = sms
        .create_registration_attachment()
        .attachment_url("s3://example-bucket/letters/loa.pdf")
        .send()
        .await
        .expect("attachment by URL");
    let filter = RegistrationAttachmentFilter::builder()
        .name(RegistrationAttachmentFilterName::AttachmentStatus)
        .values("UPLOAD_COMPLETE")
        .build()
        .expect("filter");
    let attachments =
        sms.describe_registration_attachments().filters(filter).send().await.expect("DescribeRegistrationAttachments");
    assert_eq!(attachments.registration_attachments().len(), 4);
    let by_id = sms
        .describe_registration_attachments()
        .registration_attachment_ids(linked.registration_attachment_id())
        .send()
        .await
        .expect("by id");
    assert_eq!(by_id.registration_attachments()[0].attachment_url(), Some("s3://example-bucket/letters/loa.pdf"));
    let deleted = sms
        .delete_registration_attachment()
        .registration_attachment_id(linked.registration_attachment_id())
        .send()
        .await
        .expect("DeleteRegistrationAttachment");
    assert_eq!(deleted.attachment_status(), &AttachmentStatus::Deleted);
    let error = expect_error!(
        sms.describe_registration_attachments().registration_attachment_ids(linked.registration_attachment_id()).send(),
        DescribeRegistrationAttachmentsError::ResourceNotFoundException
    );
    assert_eq!(error.resource_type(), Some(&ResourceType::RegistrationAttachment));

    // The toll-free number is associated before submission; a long code does not fit.
    let error = expect_error!(
        sms.submit_registration_version().registration_id(&id).send(),
        SubmitRegistrationVersionError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::InvalidRegistrationAssociation));
    let error = expect_error!(
        sms.create_registration_association()
            .registration_id(&id)
            .resource_id(format!("phone-{}", "0".repeat(32)))
            .send(),
        CreateRegistrationAssociationError::ResourceNotFoundException
    );
    assert_eq!(error.resource_type(), Some(&ResourceType::PhoneNumber));
    let long_code = request_number(&sms, RequestableNumberType::LongCode).await;
    let error = expect_error!(
        sms.create_registration_association().registration_id(&id).resource_id(&long_code).send(),
        CreateRegistrationAssociationError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::InvalidRegistrationAssociation));
    let toll_free = request_number(&sms, RequestableNumberType::TollFree).await;
    let associated = sms
        .create_registration_association()
        .registration_id(&id)
        .resource_id(&toll_free)
        .send()
        .await
        .expect("CreateRegistrationAssociation");
    assert_eq!((associated.resource_type(), associated.phone_number()), ("phone-number", Some("+18885550100")));
    let error = expect_error!(
        sms.create_registration_association().registration_id(&id).resource_id(&toll_free).send(),
        CreateRegistrationAssociationError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::ResourceAlreadyAssociated));
    let filter = RegistrationAssociationFilter::builder()
        .name(RegistrationAssociationFilterName::ResourceType)
        .values("phone-number")
        .build()
        .expect("filter");
    let listed = sms
        .list_registration_associations()
        .registration_id(&id)
        .filters(filter)
        .send()
        .await
        .expect("ListRegistrationAssociations");
    let ids: Vec<&str> = listed.registration_associations().iter().map(|a| a.resource_id()).collect();
    assert_eq!(ids, [toll_free.as_str()]);

    // Submitted: no more edits, no second submission, no new version until it is settled.
    let submitted = sms.submit_registration_version().registration_id(&id).send().await.expect("Submit");
    assert_eq!(submitted.registration_version_status(), &RegistrationVersionStatus::Submitted);
    assert_eq!(status(&sms, &id).await, RegistrationStatus::Submitted);
    let error = expect_error!(
        sms.submit_registration_version().registration_id(&id).send(),
        SubmitRegistrationVersionError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::RegistrationAlreadySubmitted));
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path("companyInfo.city")
            .text_value("Tacoma")
            .send(),
        PutRegistrationFieldValueError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::EditRegistrationFieldValuesNotAllowed));
    let error = expect_error!(
        sms.create_registration_version().registration_id(&id).send(),
        CreateRegistrationVersionError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::CreateRegistrationVersionNotAllowed));

    // Discarding the submission to fix a mistake; the next version keeps the values.
    let discarded = sms.discard_registration_version().registration_id(&id).send().await.expect("Discard");
    assert_eq!(discarded.registration_version_status(), &RegistrationVersionStatus::Discarded);
    assert_eq!(status(&sms, &id).await, RegistrationStatus::Created);
    let error = expect_error!(
        sms.discard_registration_version().registration_id(&id).send(),
        DiscardRegistrationVersionError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::DiscardRegistrationVersionNotAllowed));
    let error = expect_error!(
        sms.submit_registration_version().registration_id(&id).send(),
        SubmitRegistrationVersionError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::SubmitRegistrationVersionNotAllowed));
    let version = sms.create_registration_version().registration_id(&id).send().await.expect("CreateVersion");
    assert_eq!(
        (version.version_number(), version.registration_version_status()),
        (2, &RegistrationVersionStatus::Draft)
    );
    put_text(&sms, &id, "companyInfo.city", "Tacoma").await;
    let resubmitted = sms.submit_registration_version().registration_id(&id).aws_review(true).send().await.expect("v2");
    assert!(resubmitted.aws_review());

    let filter = RegistrationVersionFilter::builder()
        .name(RegistrationVersionFilterName::RegistrationVersionStatus)
        .values("DISCARDED")
        .build()
        .expect("filter");
    let versions = sms.describe_registration_versions().registration_id(&id).send().await.expect("versions");
    let listed: Vec<(i64, RegistrationVersionStatus)> = versions
        .registration_versions()
        .iter()
        .map(|v| (v.version_number(), v.registration_version_status().clone()))
        .collect();
    assert_eq!(listed, [(2, RegistrationVersionStatus::Submitted), (1, RegistrationVersionStatus::Discarded)]);
    let discarded =
        sms.describe_registration_versions().registration_id(&id).filters(filter).send().await.expect("filter");
    assert_eq!(discarded.registration_versions().len(), 1);
    let old = sms
        .describe_registration_field_values()
        .registration_id(&id)
        .version_number(1)
        .field_paths("companyInfo.city")
        .send()
        .await
        .expect("version 1 values");
    assert_eq!(old.registration_field_values()[0].text_value(), Some("Seattle"));

    // The number holds the registration; releasing it closes the registration, which can then go.
    let error = expect_error!(
        sms.delete_registration().registration_id(&id).send(),
        DeleteRegistrationError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::ResourceNotEmpty));
    sms.release_phone_number().phone_number_id(&toll_free).send().await.expect("ReleasePhoneNumber");
    assert_eq!(status(&sms, &id).await, RegistrationStatus::Closed);
    let deleted = sms.delete_registration().registration_id(&id).send().await.expect("DeleteRegistration");
    assert_eq!(deleted.registration_status(), &RegistrationStatus::Deleted);
    let error = expect_error!(
        sms.describe_registrations().registration_ids(&id).send(),
        DescribeRegistrationsError::ResourceNotFoundException
    );
    assert_eq!(error.resource_id(), Some(id.as_str()));
}

#[tokio::test]
async fn a_ten_dlc_campaign_waits_for_its_brand() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let brand = create(&sms, "US_TEN_DLC_BRAND_REGISTRATION").await;
    let campaign = create(&sms, "US_TEN_DLC_CAMPAIGN_REGISTRATION").await;
    let other_campaign = create(&sms, "US_TEN_DLC_CAMPAIGN_REGISTRATION").await;

    // The brand field names a brand registration of this account.
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&campaign)
            .field_path("campaignInfo.brandRegistrationId")
            .text_value(format!("registration-{}", "0".repeat(32)))
            .send(),
        PutRegistrationFieldValueError::ResourceNotFoundException
    );
    assert_eq!(error.resource_type(), Some(&ResourceType::Registration));
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&campaign)
            .field_path("campaignInfo.brandRegistrationId")
            .text_value(&other_campaign)
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::FieldValidationFailed));

    for (path, value) in [
        ("campaignInfo.brandRegistrationId", brand.as_str()),
        ("campaignInfo.campaignDescription", "Example account alerts"),
        ("campaignInfo.optInWorkflow", "Customers opt in on https://example.com/alerts and accept the terms."),
        ("campaignInfo.helpMessage", "Example alerts: call 1-888-555-0142. Text STOP to cancel."),
        ("campaignInfo.stopMessage", "You are unsubscribed from Example alerts."),
        ("messageSamples.messageSample1", "Example: your statement is ready to view."),
    ] {
        put_text(&sms, &campaign, path, value).await;
    }
    for (path, value) in [
        ("campaignInfo.vertical", "TECHNOLOGY"),
        ("messagingCapabilities.numberCapability", "SMS"),
        ("campaignUseCase.useCase", "ACCOUNT_NOTIFICATION"),
        ("campaignAttributes.subscriberOptIn", "YES"),
        ("campaignAttributes.subscriberOptOut", "YES"),
        ("campaignAttributes.subscriberHelp", "YES"),
        ("campaignAttributes.directLending", "NO"),
        ("campaignAttributes.embeddedLink", "NO"),
        ("campaignAttributes.embeddedPhoneNumber", "NO"),
        ("campaignAttributes.ageGated", "NO"),
    ] {
        put_choice(&sms, &campaign, path, value).await;
    }
    // Help and stop replies are 20 to 160 characters.
    let error = expect_error!(
        sms.put_registration_field_value()
            .registration_id(&campaign)
            .field_path("campaignInfo.helpMessage")
            .text_value("Call us.")
            .send(),
        PutRegistrationFieldValueError::ValidationException
    );
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::FieldValidationFailed));

    let error = expect_error!(
        sms.submit_registration_version().registration_id(&campaign).send(),
        SubmitRegistrationVersionError::ConflictException
    );
    assert_eq!(error.reason(), Some(&ConflictExceptionReason::RegistrationNotComplete));
    assert_eq!(error.resource_id(), Some(brand.as_str()));
    assert_eq!(status(&sms, &campaign).await, RegistrationStatus::Created);

    let filter = RegistrationFilter::builder()
        .name(RegistrationFilterName::RegistrationType)
        .values("US_TEN_DLC_CAMPAIGN_REGISTRATION")
        .build()
        .expect("filter");
    let first = sms.describe_registrations().filters(filter.clone()).max_results(1).send().await.expect("page 1");
    let second = sms
        .describe_registrations()
        .filters(filter)
        .next_token(first.next_token().expect("more"))
        .send()
        .await
        .expect("page 2");
    // Two pages of one, together the two campaigns (resources made in the same millisecond have
    // no defined order between them).
    let mut ids: Vec<&str> =
        first.registrations().iter().chain(second.registrations()).map(|r| r.registration_id()).collect();
    ids.sort_unstable();
    let mut expected = [campaign.as_str(), other_campaign.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
}
