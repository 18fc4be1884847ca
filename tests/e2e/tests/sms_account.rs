//! The sandbox and the account: verified destination numbers and their codes, account
//! attributes and limits, spend limits.

use std::collections::HashSet;

use aws_sdk_pinpointsmsvoicev2::operation::create_verified_destination_number::CreateVerifiedDestinationNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_verified_destination_number::DeleteVerifiedDestinationNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_verified_destination_numbers::DescribeVerifiedDestinationNumbersError;
use aws_sdk_pinpointsmsvoicev2::operation::send_destination_number_verification_code::SendDestinationNumberVerificationCodeError;
use aws_sdk_pinpointsmsvoicev2::operation::set_text_message_spend_limit_override::SetTextMessageSpendLimitOverrideError;
use aws_sdk_pinpointsmsvoicev2::operation::set_voice_message_spend_limit_override::SetVoiceMessageSpendLimitOverrideError;
use aws_sdk_pinpointsmsvoicev2::operation::verify_destination_number::VerifyDestinationNumberError;
use aws_sdk_pinpointsmsvoicev2::types::{
    AccountAttributeName, AccountLimitName, ConflictExceptionReason, LanguageCode, ResourceType,
    ServiceQuotaExceededExceptionReason, SpendLimitName, Tag, ValidationExceptionReason, VerificationChannel,
    VerificationStatus, VerifiedDestinationNumberFilter, VerifiedDestinationNumberFilterName,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::fakes::smsc::{FakeSmsc, FakeSmscConfig};
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

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

#[tokio::test]
async fn verified_destination_numbers_are_created_described_and_limited() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let created = sms
        .create_verified_destination_number()
        .destination_phone_number("+12065550100")
        .tags(tag("team", "growth"))
        .client_token("first-number")
        .send()
        .await
        .expect("CreateVerifiedDestinationNumber");
    let id = created.verified_destination_number_id().to_string();
    let hex = id.strip_prefix("verifieddestinationnumber-").expect("id prefix");
    assert!(hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(
        created.verified_destination_number_arn(),
        format!("arn:aws:sms-voice:us-east-1:{}:verified-destination-number/{id}", server.account_id)
    );
    assert_eq!(created.status(), &VerificationStatus::Pending);
    assert_eq!(created.destination_phone_number(), "+12065550100");
    assert_eq!(created.tags(), &[tag("team", "growth")]);

    // The same ClientToken answers the same number again.
    let again = sms
        .create_verified_destination_number()
        .destination_phone_number("+12065550100")
        .client_token("first-number")
        .send()
        .await
        .expect("idempotent retry");
    assert_eq!(again.verified_destination_number_id(), id);

    // A number is added once.
    let duplicate = expect_error!(
        sms.create_verified_destination_number().destination_phone_number("+12065550100").send(),
        CreateVerifiedDestinationNumberError::ConflictException
    );
    assert_eq!(duplicate.reason(), Some(&ConflictExceptionReason::ResourceAlreadyExists));
    assert_eq!(duplicate.resource_type(), Some(&ResourceType::VerifiedDestinationNumber));
    assert_eq!(duplicate.resource_id(), Some(id.as_str()));

    // E.164 only: no spaces, hyphens or parentheses.
    let malformed = expect_error!(
        sms.create_verified_destination_number().destination_phone_number("+1 (206) 555-0142").send(),
        CreateVerifiedDestinationNumberError::ValidationException
    );
    assert_eq!(malformed.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    assert_eq!(malformed.fields()[0].name(), "DestinationPhoneNumber");

    // At most 10 per account.
    for n in 1..10 {
        sms.create_verified_destination_number()
            .destination_phone_number(format!("+1206555010{n}"))
            .send()
            .await
            .expect("within the quota");
    }
    let over = expect_error!(
        sms.create_verified_destination_number().destination_phone_number("+12065550199").send(),
        CreateVerifiedDestinationNumberError::ServiceQuotaExceededException
    );
    assert_eq!(over.reason(), Some(&ServiceQuotaExceededExceptionReason::VerifiedDestinationNumbersPerAccount));

    // Paging through all ten.
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = sms
            .describe_verified_destination_numbers()
            .max_results(4)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("DescribeVerifiedDestinationNumbers");
        pages += 1;
        seen.extend(page.verified_destination_numbers().iter().map(|n| n.verified_destination_number_id().to_string()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((seen.len(), pages), (10, 3));

    // By id or ARN, by number, by status filter.
    let by_arn = sms
        .describe_verified_destination_numbers()
        .verified_destination_number_ids(created.verified_destination_number_arn())
        .send()
        .await
        .expect("by ARN");
    assert_eq!(by_arn.verified_destination_numbers().len(), 1);
    assert_eq!(by_arn.verified_destination_numbers()[0].verified_destination_number_id(), id);
    let by_number = sms
        .describe_verified_destination_numbers()
        .destination_phone_numbers("+12065550103")
        .destination_phone_numbers("+19999999999")
        .send()
        .await
        .expect("by number");
    let numbers: Vec<&str> =
        by_number.verified_destination_numbers().iter().map(|n| n.destination_phone_number()).collect();
    assert_eq!(numbers, vec!["+12065550103"]);
    let status = |value: &str| {
        VerifiedDestinationNumberFilter::builder()
            .name(VerifiedDestinationNumberFilterName::Status)
            .values(value)
            .build()
            .expect("filter")
    };
    let pending = sms.describe_verified_destination_numbers().filters(status("PENDING")).send().await.expect("PENDING");
    assert_eq!(pending.verified_destination_numbers().len(), 10);
    let verified =
        sms.describe_verified_destination_numbers().filters(status("VERIFIED")).send().await.expect("VERIFIED");
    assert!(verified.verified_destination_numbers().is_empty());
    let missing = expect_error!(
        sms.describe_verified_destination_numbers()
            .verified_destination_number_ids("verifieddestinationnumber-00000000000000000000000000000000")
            .send(),
        DescribeVerifiedDestinationNumbersError::ResourceNotFoundException
    );
    assert_eq!(missing.resource_type(), Some(&ResourceType::VerifiedDestinationNumber));

    // Tags are on the resource.
    let tags = sms
        .list_tags_for_resource()
        .resource_arn(created.verified_destination_number_arn())
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(tags.tags(), &[tag("team", "growth")]);

    // The account limits count them.
    let limits = sms.describe_account_limits().send().await.expect("DescribeAccountLimits");
    let names: Vec<&AccountLimitName> = limits.account_limits().iter().map(|l| l.name()).collect();
    assert_eq!(names.len(), 8, "{names:?}");
    let verified_limit = limits
        .account_limits()
        .iter()
        .find(|l| l.name() == &AccountLimitName::VerifiedDestinationNumbers)
        .expect("VERIFIED_DESTINATION_NUMBERS");
    assert_eq!((verified_limit.used(), verified_limit.max()), (10, 10));
    let pools = limits.account_limits().iter().find(|l| l.name() == &AccountLimitName::Pools).expect("POOLS");
    assert_eq!((pools.used(), pools.max()), (0, 25));

    // Deleting is allowed only 24 hours after adding.
    let too_soon = expect_error!(
        sms.delete_verified_destination_number().verified_destination_number_id(&id).send(),
        DeleteVerifiedDestinationNumberError::ConflictException
    );
    assert_eq!(too_soon.reason(), Some(&ConflictExceptionReason::ResourceDeletionNotAllowed));
    assert_eq!(too_soon.resource_id(), Some(id.as_str()));
    let unknown = expect_error!(
        sms.delete_verified_destination_number()
            .verified_destination_number_id("verifieddestinationnumber-00000000000000000000000000000000")
            .send(),
        DeleteVerifiedDestinationNumberError::ResourceNotFoundException
    );
    assert_eq!(unknown.resource_type(), Some(&ResourceType::VerifiedDestinationNumber));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_codes_are_sent_checked_and_limited() {
    // Codes go out from the account's own number, through a carrier (the fake SMSC).
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let config = format!(
        "[[numbers]]\nphone_number = \"+12065550150\"\niso_country = \"US\"\nnumber_type = \"LONG_CODE\"\n\
         capabilities = [\"SMS\", \"VOICE\"]\ncarrier = \"fake\"\nmax_parts_per_second = 100\n\
         [[smpp.carriers]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"herald\"\n\
         password = \"secret\"\n",
        smsc.address().port()
    );
    let server = TestServer::builder().config(config).start();
    let sms = sms_voice(&server);
    let create = |number: &'static str| {
        let sms = sms.clone();
        async move {
            sms.create_verified_destination_number()
                .destination_phone_number(number)
                .send()
                .await
                .expect("CreateVerifiedDestinationNumber")
                .verified_destination_number_id()
                .to_string()
        }
    };
    let id = create("+12065550100").await;

    // Without a number that can reach the destination there is nothing to send a code from.
    let no_sender = expect_error!(
        sms.send_destination_number_verification_code()
            .verified_destination_number_id(&id)
            .verification_channel(VerificationChannel::Text)
            .send(),
        SendDestinationNumberVerificationCodeError::ConflictException
    );
    assert_eq!(no_sender.reason(), Some(&ConflictExceptionReason::NoOriginationIdentitiesFound));
    sms.request_phone_number()
        .iso_country_code("US")
        .message_type(aws_sdk_pinpointsmsvoicev2::types::MessageType::Transactional)
        .number_capabilities(aws_sdk_pinpointsmsvoicev2::types::NumberCapability::Sms)
        .number_capabilities(aws_sdk_pinpointsmsvoicev2::types::NumberCapability::Voice)
        .number_type(aws_sdk_pinpointsmsvoicev2::types::RequestableNumberType::LongCode)
        .send()
        .await
        .expect("a number to send codes from");

    // No code sent yet: nothing can match.
    let early = expect_error!(
        sms.verify_destination_number().verified_destination_number_id(&id).verification_code("123456").send(),
        VerifyDestinationNumberError::ValidationException
    );
    assert_eq!(early.reason(), Some(&ValidationExceptionReason::VerificationCodeMismatch));

    // A code goes out as a message (delivered by the sending engine).
    let sent = sms
        .send_destination_number_verification_code()
        .verified_destination_number_id(&id)
        .verification_channel(VerificationChannel::Text)
        .send()
        .await
        .expect("SendDestinationNumberVerificationCode");
    assert!(!sent.message_id().is_empty());
    let by_voice = sms
        .send_destination_number_verification_code()
        .verified_destination_number_id(&id)
        .verification_channel(VerificationChannel::Voice)
        .language_code(LanguageCode::FrFr)
        .context("campaign", "onboarding")
        .send()
        .await
        .expect("by voice, in French");
    assert_ne!(by_voice.message_id(), sent.message_id());

    // Malformed codes are refused before they are checked.
    let malformed = expect_error!(
        sms.verify_destination_number().verified_destination_number_id(&id).verification_code("12-34").send(),
        VerifyDestinationNumberError::ValidationException
    );
    assert_eq!(malformed.reason(), Some(&ValidationExceptionReason::InvalidParameter));

    // A code takes five wrong answers, then it is dead: even the right one would be refused.
    // The real code is 6 digits, so a 7-digit guess can never be right.
    let guess = || sms.verify_destination_number().verified_destination_number_id(&id).verification_code("1234567");
    for _ in 0..5 {
        let wrong = expect_error!(guess().send(), VerifyDestinationNumberError::ValidationException);
        assert_eq!(wrong.reason(), Some(&ValidationExceptionReason::VerificationCodeMismatch));
        assert_eq!(wrong.fields()[0].name(), "VerificationCode");
    }
    let dead = expect_error!(guess().send(), VerifyDestinationNumberError::ConflictException);
    assert_eq!(dead.reason(), Some(&ConflictExceptionReason::VerificationCodeExpired));
    assert_eq!(dead.resource_type(), Some(&ResourceType::VerifiedDestinationNumber));
    assert_eq!(dead.resource_id(), Some(id.as_str()));

    // A new code starts afresh; five codes a day per number.
    let send_code = || {
        sms.send_destination_number_verification_code()
            .verified_destination_number_id(&id)
            .verification_channel(VerificationChannel::Text)
    };
    send_code().send().await.expect("a new code");
    let wrong = expect_error!(guess().send(), VerifyDestinationNumberError::ValidationException);
    assert_eq!(wrong.reason(), Some(&ValidationExceptionReason::VerificationCodeMismatch));
    for _ in 0..2 {
        send_code().send().await.expect("within the daily codes");
    }
    let too_many =
        expect_error!(send_code().send(), SendDestinationNumberVerificationCodeError::ServiceQuotaExceededException);
    assert_eq!(too_many.reason(), Some(&ServiceQuotaExceededExceptionReason::VerificationAttemptsPerDay));

    // What the code is sent with must exist and fit.
    let other = create("+12065550101").await;
    let send = || {
        sms.send_destination_number_verification_code()
            .verified_destination_number_id(&other)
            .verification_channel(VerificationChannel::Text)
    };
    let no_number = expect_error!(
        send().origination_identity("+12065559999").send(),
        SendDestinationNumberVerificationCodeError::ResourceNotFoundException
    );
    assert_eq!(no_number.resource_type(), Some(&ResourceType::PhoneNumber));
    let no_set = expect_error!(
        send().configuration_set_name("no-such-set").send(),
        SendDestinationNumberVerificationCodeError::ResourceNotFoundException
    );
    assert_eq!(no_set.resource_type(), Some(&ResourceType::ConfigurationSet));
    let mut crowded = send();
    for n in 0..6 {
        crowded = crowded.context(format!("key{n}"), "value");
    }
    let crowded = expect_error!(crowded.send(), SendDestinationNumberVerificationCodeError::ValidationException);
    assert_eq!(crowded.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let unknown = expect_error!(
        sms.send_destination_number_verification_code()
            .verified_destination_number_id("verifieddestinationnumber-00000000000000000000000000000000")
            .verification_channel(VerificationChannel::Text)
            .send(),
        SendDestinationNumberVerificationCodeError::ResourceNotFoundException
    );
    assert_eq!(unknown.resource_type(), Some(&ResourceType::VerifiedDestinationNumber));

    // The code arrives at the handset (the fake SMSC) and verifies the number.
    send().send().await.expect("a code to the second number");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let text = loop {
        let found = smsc.submits().into_iter().find(|s| s.destination == "12065550101").and_then(|s| s.text);
        if let Some(text) = found {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "no code reached the SMSC: {:?}", smsc.submits());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{text}");
    let verified = sms
        .verify_destination_number()
        .verified_destination_number_id(&other)
        .verification_code(&code)
        .send()
        .await
        .expect("the code from the handset verifies the number");
    assert_eq!(verified.status(), &VerificationStatus::Verified);
}

#[tokio::test]
async fn accounts_start_in_the_sandbox_with_one_dollar_spend_limits() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let attributes = sms.describe_account_attributes().send().await.expect("DescribeAccountAttributes");
    let attributes: Vec<(&AccountAttributeName, &str)> =
        attributes.account_attributes().iter().map(|a| (a.name(), a.value())).collect();
    assert_eq!(attributes, vec![(&AccountAttributeName::AccountTier, "SANDBOXED")]);

    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    let names: Vec<&SpendLimitName> = limits.spend_limits().iter().map(|l| l.name()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in [
        SpendLimitName::TextMessageMonthlySpendLimit,
        SpendLimitName::VoiceMessageMonthlySpendLimit,
        SpendLimitName::MediaMessageMonthlySpendLimit,
    ] {
        assert!(names.contains(&&name), "{name:?} missing from {names:?}");
    }
    for limit in limits.spend_limits() {
        assert_eq!((limit.enforced_limit(), limit.max_limit(), limit.overridden()), (1, 1, false), "{limit:?}");
    }
    let first = sms.describe_spend_limits().max_results(2).send().await.expect("a page");
    assert_eq!(first.spend_limits().len(), 2);
    let rest = sms
        .describe_spend_limits()
        .set_next_token(first.next_token().map(str::to_owned))
        .send()
        .await
        .expect("the rest");
    assert_eq!(rest.spend_limits().len(), 3);

    // An override up to the maximum.
    let set = sms.set_text_message_spend_limit_override().monthly_limit(0).send().await.expect("text override");
    assert_eq!(set.monthly_limit(), Some(0));
    let text = |limits: &[aws_sdk_pinpointsmsvoicev2::types::SpendLimit]| {
        limits.iter().find(|l| l.name() == &SpendLimitName::TextMessageMonthlySpendLimit).cloned().expect("text limit")
    };
    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    let limit = text(limits.spend_limits());
    assert_eq!((limit.enforced_limit(), limit.max_limit(), limit.overridden()), (0, 1, true));

    let too_high = expect_error!(
        sms.set_text_message_spend_limit_override().monthly_limit(2).send(),
        SetTextMessageSpendLimitOverrideError::ValidationException
    );
    assert_eq!(too_high.reason(), Some(&ValidationExceptionReason::RequestedSpendLimitHigherThanServiceLimit));

    let deleted = sms.delete_text_message_spend_limit_override().send().await.expect("delete text override");
    assert_eq!(deleted.monthly_limit(), Some(1));
    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    let limit = text(limits.spend_limits());
    assert_eq!((limit.enforced_limit(), limit.overridden()), (1, false));

    // The other channels work the same way.
    let voice = sms.set_voice_message_spend_limit_override().monthly_limit(1).send().await.expect("voice");
    assert_eq!(voice.monthly_limit(), Some(1));
    let media = sms.set_media_message_spend_limit_override().monthly_limit(0).send().await.expect("media");
    assert_eq!(media.monthly_limit(), Some(0));
    let notify = sms.set_notify_message_spend_limit_override().monthly_limit(0).send().await.expect("notify");
    assert_eq!(notify.monthly_limit(), Some(0));
    let rcs = sms.set_rcs_message_spend_limit_override().monthly_limit(1).send().await.expect("rcs");
    assert_eq!(rcs.monthly_limit(), Some(1));
    let voice_too_high = expect_error!(
        sms.set_voice_message_spend_limit_override().monthly_limit(5).send(),
        SetVoiceMessageSpendLimitOverrideError::ValidationException
    );
    assert_eq!(voice_too_high.reason(), Some(&ValidationExceptionReason::RequestedSpendLimitHigherThanServiceLimit));
    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    let overridden = limits.spend_limits().iter().filter(|l| l.overridden()).count();
    assert_eq!(overridden, 4);
    assert_eq!(sms.delete_voice_message_spend_limit_override().send().await.expect("voice").monthly_limit(), Some(1));
    assert_eq!(sms.delete_media_message_spend_limit_override().send().await.expect("media").monthly_limit(), Some(1));
    assert_eq!(sms.delete_notify_message_spend_limit_override().send().await.expect("notify").monthly_limit(), Some(1));
    assert_eq!(sms.delete_rcs_message_spend_limit_override().send().await.expect("rcs").monthly_limit(), Some(1));
    let limits = sms.describe_spend_limits().send().await.expect("DescribeSpendLimits");
    assert!(limits.spend_limits().iter().all(|l| !l.overridden() && l.enforced_limit() == 1));
}
