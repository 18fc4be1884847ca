//! The operator's commands against a running server's state: `herald accounts ...` and
//! `herald registrations approve|reject`, checked through the SMS v2 API.

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::primitives::Blob;
use aws_sdk_pinpointsmsvoicev2::types::{
    AccountAttributeName, MessageType, NumberCapability, RegistrationStatus, RequestableNumberType, SpendLimitName,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::admin::run_herald;
use herald_e2e::sms_voice;

/// `args` followed by the arguments that name the server's state (data directory, database).
fn with_state(server: &TestServer, args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).chain(server.state_args()).collect()
}

/// Runs `herald <args>` on the server's state and returns its standard output.
fn herald(server: &TestServer, args: &[&str]) -> String {
    let output = run_herald(with_state(server, args));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "herald {args:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

async fn tier(sms: &Client) -> String {
    let attributes = sms.describe_account_attributes().send().await.expect("DescribeAccountAttributes");
    let tier = attributes.account_attributes().iter().find(|a| a.name() == &AccountAttributeName::AccountTier);
    tier.map(|a| a.value().to_string()).expect("ACCOUNT_TIER")
}

#[tokio::test]
async fn accounts_leave_the_sandbox_and_get_spend_limit_maxima() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    assert_eq!(tier(&sms).await, "SANDBOXED");

    let out = herald(&server, &["accounts", "production"]);
    assert!(out.contains(&server.account_id), "{out}");
    assert_eq!(tier(&sms).await, "PRODUCTION");

    herald(
        &server,
        &["accounts", "spend-limit", "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "250", "--account", &server.account_id],
    );
    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    let text = limits.spend_limits().iter().find(|l| l.name() == &SpendLimitName::TextMessageMonthlySpendLimit);
    assert_eq!(text.map(|l| l.max_limit()), Some(250));
    sms.set_text_message_spend_limit_override().monthly_limit(200).send().await.expect("within the new maximum");

    herald(&server, &["accounts", "sandbox"]);
    assert_eq!(tier(&sms).await, "SANDBOXED");

    let output = run_herald(with_state(&server, &["accounts", "spend-limit", "PIZZA", "1"]));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"));
}

#[tokio::test]
async fn registrations_are_rejected_then_approved_by_the_operator() {
    let inventory = "[[numbers]]\nphone_number = \"+18885550100\"\niso_country = \"US\"\nnumber_type = \"TOLL_FREE\"\n\
                     capabilities = [\"SMS\"]\n";
    let server = TestServer::builder().config(inventory).start();
    let sms = sms_voice(&server);
    let number = sms
        .request_phone_number()
        .iso_country_code("US")
        .number_type(RequestableNumberType::TollFree)
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .send()
        .await
        .expect("RequestPhoneNumber");
    let number_id = number.phone_number_id().expect("id").to_string();
    let created =
        sms.create_registration().registration_type("US_TOLL_FREE_REGISTRATION").send().await.expect("create");
    let id = created.registration_id().to_string();
    for (path, value) in [
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
        ("messagingUseCase.optInDescription", "Customers tick a box on the sign-up form."),
        ("messagingUseCase.useCaseDetails", "Account sign-in codes."),
        ("messageSamples.messageSample1", "Your Example Corp code is 123456."),
    ] {
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path(path)
            .text_value(value)
            .send()
            .await
            .expect(path);
    }
    for (path, choice) in
        [("messagingUseCase.monthlyMessageVolume", "1,000"), ("messagingUseCase.useCaseCategory", "OTHER")]
    {
        sms.put_registration_field_value()
            .registration_id(&id)
            .field_path(path)
            .select_choices(choice)
            .send()
            .await
            .expect(path);
    }
    let image = sms
        .create_registration_attachment()
        .attachment_body(Blob::new(b"\x89PNG\r\n\x1a\nopt-in screenshot".as_slice()))
        .send()
        .await
        .expect("attachment");
    sms.put_registration_field_value()
        .registration_id(&id)
        .field_path("messagingUseCase.optInImage")
        .registration_attachment_id(image.registration_attachment_id())
        .send()
        .await
        .expect("image");
    sms.create_registration_association().registration_id(&id).resource_id(&number_id).send().await.expect("associate");
    sms.submit_registration_version().registration_id(&id).send().await.expect("submit");

    let status = |sms: Client, id: String| async move {
        let described = sms.describe_registrations().registration_ids(id).send().await.expect("describe");
        described.registrations()[0].registration_status().clone()
    };
    herald(&server, &["registrations", "reject", &id, "--reason", "The opt-in image is unreadable"]);
    assert_eq!(status(sms.clone(), id.clone()).await, RegistrationStatus::RequiresUpdates);

    sms.create_registration_version().registration_id(&id).send().await.expect("new version");
    sms.submit_registration_version().registration_id(&id).send().await.expect("resubmit");
    herald(&server, &["registrations", "review", &id]);
    assert_eq!(status(sms.clone(), id.clone()).await, RegistrationStatus::Reviewing);
    let out = herald(&server, &["registrations", "approve", &id]);
    assert!(out.contains("COMPLETE"), "{out}");
    assert_eq!(status(sms.clone(), id.clone()).await, RegistrationStatus::Complete);

    let missing = run_herald(with_state(&server, &["registrations", "approve", "registration-missing"]));
    assert!(!missing.status.success(), "an unknown registration is an error");
}
