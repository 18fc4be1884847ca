//! Origination identities through the real SMS and voice v2 SDK: phone numbers assigned from
//! the operator's inventory (configuration `[[numbers]]` and `herald numbers import`), US
//! simulator numbers, and sender ids, with each rule's exact error reason.

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::operation::describe_phone_numbers::DescribePhoneNumbersError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_sender_ids::DescribeSenderIdsError;
use aws_sdk_pinpointsmsvoicev2::operation::list_available_phone_numbers::ListAvailablePhoneNumbersError;
use aws_sdk_pinpointsmsvoicev2::operation::release_phone_number::ReleasePhoneNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::release_sender_id::ReleaseSenderIdError;
use aws_sdk_pinpointsmsvoicev2::operation::request_phone_number::RequestPhoneNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::request_sender_id::RequestSenderIdError;
use aws_sdk_pinpointsmsvoicev2::operation::update_phone_number::UpdatePhoneNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::update_sender_id::UpdateSenderIdError;
use aws_sdk_pinpointsmsvoicev2::types::{
    KeywordAction, MessageType, NumberCapability, NumberPreferenceItem, NumberStatus, NumberType, Owner,
    PhoneNumberFilter, PhoneNumberFilterName, PreferenceType, RequestableNumberType, ResourceType,
    SearchableNumberType, SenderIdAndCountry, SenderIdFilter, SenderIdFilterName, Tag,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::admin::run_herald;
use herald_e2e::sms_voice;
use herald_e2e::{not_found, reason};

const CHANNEL: &str = "arn:aws:sns:us-east-1:111122223333:inbound-sms";
const ROLE: &str = "arn:aws:iam::111122223333:role/sms-two-way";

/// One `[[numbers]]` table.
fn number_table(number: &str, country: &str, kind: &str, capabilities: &[&str], price: Option<&str>) -> String {
    let capabilities: Vec<String> = capabilities.iter().map(|c| format!("{c:?}")).collect();
    let mut table = format!(
        "[[numbers]]\nphone_number = {number:?}\niso_country = {country:?}\nnumber_type = {kind:?}\n\
         capabilities = [{}]\ncarrier = \"route-a\"\n",
        capabilities.join(", ")
    );
    if let Some(price) = price {
        table.push_str(&format!("monthly_price = {price:?}\n"));
    }
    table
}

/// The operator's inventory for most tests: two US long codes (one SMS, one SMS and voice), a
/// toll-free number, three 10DLC numbers, a UK long code and a Turkish long code (a country
/// without two-way SMS).
fn inventory_config() -> String {
    [
        number_table("+12065550100", "US", "LONG_CODE", &["SMS", "VOICE"], Some("1.00")),
        number_table("+12065550101", "US", "LONG_CODE", &["SMS"], Some("1.00")),
        number_table("+18885550100", "US", "TOLL_FREE", &["SMS", "MMS", "VOICE"], Some("2.00")),
        number_table("+12065550102", "US", "TEN_DLC", &["SMS", "MMS"], None),
        number_table("+12065550103", "US", "TEN_DLC", &["SMS", "MMS"], None),
        number_table("+14255550104", "US", "TEN_DLC", &["SMS", "MMS"], None),
        number_table("+447700900123", "GB", "LONG_CODE", &["SMS"], None),
        number_table("+905321234567", "TR", "LONG_CODE", &["SMS"], None),
    ]
    .concat()
}

async fn request(
    sms: &Client,
    country: &str,
    kind: RequestableNumberType,
    message_type: MessageType,
    capabilities: &[NumberCapability],
) -> Result<
    aws_sdk_pinpointsmsvoicev2::operation::request_phone_number::RequestPhoneNumberOutput,
    aws_sdk_pinpointsmsvoicev2::error::SdkError<RequestPhoneNumberError>,
> {
    let mut call = sms.request_phone_number().iso_country_code(country).number_type(kind).message_type(message_type);
    for capability in capabilities {
        call = call.number_capabilities(capability.clone());
    }
    call.send().await
}

/// Requests a number the test expects to get: (PhoneNumberId, E.164 number).
async fn get(
    sms: &Client,
    country: &str,
    kind: RequestableNumberType,
    capabilities: &[NumberCapability],
) -> (String, String) {
    let number =
        request(sms, country, kind, MessageType::Transactional, capabilities).await.expect("RequestPhoneNumber");
    (number.phone_number_id().expect("id").to_string(), number.phone_number().expect("number").to_string())
}

/// The E.164 numbers a filtered DescribePhoneNumbers answers.
async fn numbers_where(sms: &Client, name: PhoneNumberFilterName, value: &str) -> Vec<String> {
    let filter = PhoneNumberFilter::builder().name(name).values(value).build().expect("filter");
    let described = sms.describe_phone_numbers().filters(filter).send().await.expect("DescribePhoneNumbers");
    described.phone_numbers().iter().map(|n| n.phone_number().to_string()).collect()
}

async fn available(sms: &Client, preference: Option<NumberPreferenceItem>) -> Vec<String> {
    let listed = sms
        .list_available_phone_numbers()
        .iso_country_code("US")
        .number_type(SearchableNumberType::TenDlc)
        .number_capabilities(NumberCapability::Sms)
        .set_number_preference(preference.map(|p| vec![p]))
        .send()
        .await
        .expect("ListAvailablePhoneNumbers");
    listed.available_phone_numbers().to_vec()
}

#[tokio::test]
async fn numbers_are_assigned_from_the_configured_inventory() {
    let server = TestServer::builder().config(inventory_config()).start();
    let sms = sms_voice(&server);

    // What the inventory offers, a page at a time and by digit pattern.
    let first = sms
        .list_available_phone_numbers()
        .iso_country_code("US")
        .number_type(SearchableNumberType::TenDlc)
        .number_capabilities(NumberCapability::Sms)
        .number_capabilities(NumberCapability::Mms)
        .max_results(2)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.available_phone_numbers(), ["+12065550102", "+12065550103"]);
    let rest = sms
        .list_available_phone_numbers()
        .iso_country_code("US")
        .number_type(SearchableNumberType::TenDlc)
        .number_capabilities(NumberCapability::Sms)
        .max_results(2)
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .expect("second page");
    assert_eq!((rest.available_phone_numbers(), rest.next_token()), (&["+14255550104".to_string()][..], None));
    let area_425 = NumberPreferenceItem::builder()
        .preference_type(PreferenceType::StartsWith)
        .filter("425")
        .build()
        .expect("pref");
    assert_eq!(available(&sms, Some(area_425.clone())).await, ["+14255550104"]);
    let ends =
        NumberPreferenceItem::builder().preference_type(PreferenceType::EndsWith).filter("0103").build().expect("p");
    assert_eq!(available(&sms, Some(ends)).await, ["+12065550103"]);
    let voice = sms
        .list_available_phone_numbers()
        .iso_country_code("US")
        .number_type(SearchableNumberType::TenDlc)
        .number_capabilities(NumberCapability::Voice)
        .send()
        .await
        .expect("nothing matches: an empty list, not an error");
    assert!(voice.available_phone_numbers().is_empty());
    let result = sms
        .list_available_phone_numbers()
        .iso_country_code("US")
        .number_type(SearchableNumberType::TenDlc)
        .number_capabilities(NumberCapability::Sms)
        .max_results(11)
        .send()
        .await;
    assert_eq!(reason!(result, ListAvailablePhoneNumbersError::ValidationException), "INVALID_PARAMETER");

    // An SMS long code: the SMS-only number fits best, so the SMS-and-voice one stays free.
    let requested = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::LongCode)
        .tags(Tag::builder().key("team").value("alerts").build().expect("tag"))
        .client_token("request-1")
        .send()
        .await
        .expect("RequestPhoneNumber");
    let sms_only = requested.phone_number_id().expect("PhoneNumberId").to_string();
    assert_eq!(requested.phone_number(), Some("+12065550101"));
    assert!(sms_only.starts_with("phone-") && sms_only.len() == 38, "{sms_only}");
    assert_eq!(
        requested.phone_number_arn(),
        Some(format!("arn:aws:sms-voice:us-east-1:{}:phone-number/{sms_only}", server.account_id).as_str())
    );
    assert_eq!(requested.status(), Some(&NumberStatus::Active));
    assert_eq!(requested.iso_country_code(), Some("US"));
    assert_eq!(requested.number_type(), Some(&RequestableNumberType::LongCode));
    assert_eq!(requested.number_capabilities(), [NumberCapability::Sms]);
    assert_eq!(requested.monthly_leasing_price(), Some("1.00"));
    assert_eq!(requested.opt_out_list_name(), Some("Default"));
    assert!(!requested.two_way_enabled() && !requested.self_managed_opt_outs_enabled());
    assert!(!requested.deletion_protection_enabled());
    assert_eq!(requested.tags().len(), 1);
    // The same ClientToken answers the same number instead of taking another.
    let again = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::LongCode)
        .client_token("request-1")
        .send()
        .await
        .expect("idempotent RequestPhoneNumber");
    assert_eq!(again.phone_number_id(), Some(sms_only.as_str()));

    let (voice_capable, e164) = get(&sms, "US", RequestableNumberType::LongCode, &[NumberCapability::Sms]).await;
    assert_eq!(e164, "+12065550100");
    // Nothing left: the model's ValidationException, naming the criteria.
    let result =
        request(&sms, "US", RequestableNumberType::LongCode, MessageType::Transactional, &[NumberCapability::Sms])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result =
        request(&sms, "GB", RequestableNumberType::LongCode, MessageType::Transactional, &[NumberCapability::Voice])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result =
        request(&sms, "FR", RequestableNumberType::TollFree, MessageType::Transactional, &[NumberCapability::Sms])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result = sms
        .request_phone_number()
        .iso_country_code("usa")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::LongCode)
        .send()
        .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");

    // Named resources must exist.
    let result = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .opt_out_list_name("missing-list")
        .send()
        .await;
    assert_eq!(
        not_found!(result, RequestPhoneNumberError::ResourceNotFoundException),
        (ResourceType::OptOutList, "missing-list".to_string())
    );
    let missing_pool = format!("pool-{}", "f".repeat(32));
    let result = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .pool_id(&missing_pool)
        .send()
        .await;
    assert_eq!(
        not_found!(result, RequestPhoneNumberError::ResourceNotFoundException),
        (ResourceType::Pool, missing_pool)
    );

    // A protected, promotional toll-free number with a chosen digit pattern.
    sms.create_opt_out_list().opt_out_list_name("marketing").send().await.expect("CreateOptOutList");
    let toll_free = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Promotional)
        .number_capabilities(NumberCapability::Sms)
        .number_capabilities(NumberCapability::Voice)
        .number_type(RequestableNumberType::TollFree)
        .deletion_protection_enabled(true)
        .opt_out_list_name("marketing")
        .send()
        .await
        .expect("toll-free");
    let toll_free_id = toll_free.phone_number_id().expect("id").to_string();
    assert_eq!(toll_free.phone_number(), Some("+18885550100"));
    assert_eq!(toll_free.monthly_leasing_price(), Some("2.00"));
    assert_eq!(toll_free.opt_out_list_name(), Some("marketing"));
    assert!(toll_free.deletion_protection_enabled());
    let ten_dlc = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .number_preference(area_425)
        .send()
        .await
        .expect("10DLC by area code");
    assert_eq!(ten_dlc.phone_number(), Some("+14255550104"));
    assert_eq!(ten_dlc.monthly_leasing_price(), Some("0.00"));
    assert_eq!(available(&sms, None).await, ["+12065550102", "+12065550103"]);

    // New numbers start with the guide's keywords: HELP and every opt-out keyword; toll-free
    // numbers only honour STOP (carrier-managed opt-outs).
    let keywords = |owner: String| {
        let sms = sms.clone();
        async move {
            let described = sms.describe_keywords().origination_identity(owner).send().await.expect("DescribeKeywords");
            let mut words: Vec<(String, KeywordAction)> =
                described.keywords().iter().map(|k| (k.keyword().to_string(), k.keyword_action().clone())).collect();
            words.sort_by(|a, b| a.0.cmp(&b.0));
            words
        }
    };
    let long_code_words = keywords(sms_only.clone()).await;
    assert_eq!(long_code_words.len(), 11, "{long_code_words:?}");
    assert!(long_code_words.contains(&("HELP".to_string(), KeywordAction::AutomaticResponse)));
    assert!(long_code_words.contains(&("STOP".to_string(), KeywordAction::OptOut)));
    assert!(long_code_words.contains(&("UNSUBSCRIBE".to_string(), KeywordAction::OptOut)));
    assert_eq!(
        keywords(toll_free_id.clone()).await,
        [("HELP".to_string(), KeywordAction::AutomaticResponse), ("STOP".to_string(), KeywordAction::OptOut)]
    );

    // DescribePhoneNumbers: everything, filters, ids and ARNs, paging.
    let all = sms.describe_phone_numbers().send().await.expect("DescribePhoneNumbers");
    assert_eq!(all.phone_numbers().len(), 4);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::NumberType, "TOLL_FREE").await, ["+18885550100"]);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::MessageType, "PROMOTIONAL").await, ["+18885550100"]);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::DeletionProtectionEnabled, "true").await, ["+18885550100"]);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::OptOutListName, "marketing").await, ["+18885550100"]);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::NumberCapability, "VOICE").await, ["+18885550100"]);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::IsoCountryCode, "US").await.len(), 4);
    assert_eq!(numbers_where(&sms, PhoneNumberFilterName::Status, "ACTIVE").await.len(), 4);
    assert!(numbers_where(&sms, PhoneNumberFilterName::TwoWayEnabled, "true").await.is_empty());
    let page = sms.describe_phone_numbers().max_results(3).send().await.expect("page 1");
    assert_eq!(page.phone_numbers().len(), 3);
    let last = sms
        .describe_phone_numbers()
        .max_results(3)
        .next_token(page.next_token().expect("token"))
        .send()
        .await
        .expect("page 2");
    assert_eq!((last.phone_numbers().len(), last.next_token()), (1, None));
    let result = sms.describe_phone_numbers().next_token("not-a-token").send().await;
    assert_eq!(reason!(result, DescribePhoneNumbersError::ValidationException), "INVALID_NEXT_TOKEN");
    let arn = requested.phone_number_arn().expect("arn");
    let named = sms
        .describe_phone_numbers()
        .phone_number_ids(arn)
        .phone_number_ids(&toll_free_id)
        .send()
        .await
        .expect("by ARN and id");
    let named: Vec<&str> = named.phone_numbers().iter().map(|n| n.phone_number()).collect();
    assert_eq!(named, ["+12065550101", "+18885550100"]);
    let missing = format!("phone-{}", "0".repeat(32));
    let result = sms.describe_phone_numbers().phone_number_ids(&missing).send().await;
    assert_eq!(
        not_found!(result, DescribePhoneNumbersError::ResourceNotFoundException),
        (ResourceType::PhoneNumber, missing.clone())
    );
    let result = sms.describe_phone_numbers().phone_number_ids(&sms_only).owner(Owner::SelfValue).send().await;
    assert_eq!(reason!(result, DescribePhoneNumbersError::ValidationException), "PARAMETERS_CANNOT_BE_USED_TOGETHER");
    let shared = sms.describe_phone_numbers().owner(Owner::Shared).send().await.expect("shared");
    assert!(shared.phone_numbers().is_empty());

    // Release: deletion protection first, then back to the inventory.
    let result = sms.release_phone_number().phone_number_id(&toll_free_id).send().await;
    assert_eq!(reason!(result, ReleasePhoneNumberError::ConflictException), "DELETION_PROTECTION_ENABLED");
    sms.update_phone_number()
        .phone_number_id(&toll_free_id)
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("unprotect");
    let released = sms.release_phone_number().phone_number_id(&toll_free_id).send().await.expect("release");
    assert_eq!(released.status(), Some(&NumberStatus::Deleted));
    assert_eq!(released.phone_number(), Some("+18885550100"));
    let result = sms.describe_phone_numbers().phone_number_ids(&toll_free_id).send().await;
    assert_eq!(
        not_found!(result, DescribePhoneNumbersError::ResourceNotFoundException),
        (ResourceType::PhoneNumber, toll_free_id.clone())
    );
    let result = sms.release_phone_number().phone_number_id(&toll_free_id).send().await;
    assert_eq!(
        not_found!(result, ReleasePhoneNumberError::ResourceNotFoundException),
        (ResourceType::PhoneNumber, toll_free_id.clone())
    );
    let result = sms.describe_keywords().origination_identity(&toll_free_id).send().await;
    assert!(result.is_err(), "the released number's keywords are gone");
    // The operator's only toll-free number is free again.
    let (_, again) = get(&sms, "US", RequestableNumberType::TollFree, &[NumberCapability::Sms]).await;
    assert_eq!(again, "+18885550100");

    // A number in a pool can't be released, and a new number can be requested into the pool.
    let pool = sms
        .create_pool()
        .origination_identity(&voice_capable)
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool");
    let pool_id = pool.pool_id().expect("PoolId").to_string();
    let result = sms.release_phone_number().phone_number_id(&voice_capable).send().await;
    assert_eq!(reason!(result, ReleasePhoneNumberError::ConflictException), "PHONE_NUMBER_ASSOCIATED_TO_POOL");
    let result = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Promotional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .pool_id(&pool_id)
        .send()
        .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ConflictException), "MESSAGE_TYPE_MISMATCH");
    let result = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .pool_id(&pool_id)
        .opt_out_list_name("marketing")
        .send()
        .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ConflictException), "OPT_OUT_LIST_MISMATCH");
    let pooled = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TenDlc)
        .pool_id(&pool_id)
        .send()
        .await
        .expect("into the pool");
    assert_eq!(pooled.pool_id(), Some(pool_id.as_str()));
    let members =
        sms.list_pool_origination_identities().pool_id(&pool_id).send().await.expect("ListPoolOriginationIdentities");
    assert_eq!(members.origination_identities().len(), 2);
}

#[tokio::test]
async fn update_phone_number_checks_two_way_and_opt_out_settings() {
    let server = TestServer::builder().config(inventory_config()).start();
    let sms = sms_voice(&server);
    let (id, _) = get(&sms, "US", RequestableNumberType::LongCode, &[NumberCapability::Sms]).await;

    let result = sms.update_phone_number().phone_number_id(&id).two_way_enabled(true).send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "TWO_WAY_CHANNEL_NOT_PRESENT");
    let result = sms.update_phone_number().phone_number_id(&id).self_managed_opt_outs_enabled(true).send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "TWO_WAY_NOT_ENABLED");
    let result = sms.update_phone_number().phone_number_id(&id).two_way_channel_arn("short").send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result =
        sms.update_phone_number().phone_number_id(&id).two_way_channel_role("not-an-arn-but-long-enough").send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result = sms.update_phone_number().phone_number_id(&id).opt_out_list_name("nowhere").send().await;
    assert_eq!(
        not_found!(result, UpdatePhoneNumberError::ResourceNotFoundException),
        (ResourceType::OptOutList, "nowhere".to_string())
    );
    let missing = format!("phone-{}", "a".repeat(32));
    let result = sms.update_phone_number().phone_number_id(&missing).deletion_protection_enabled(true).send().await;
    assert_eq!(
        not_found!(result, UpdatePhoneNumberError::ResourceNotFoundException),
        (ResourceType::PhoneNumber, missing)
    );

    sms.create_opt_out_list().opt_out_list_name("alerts").send().await.expect("CreateOptOutList");
    let updated = sms
        .update_phone_number()
        .phone_number_id(&id)
        .two_way_enabled(true)
        .two_way_channel_arn(CHANNEL)
        .two_way_channel_role(ROLE)
        .self_managed_opt_outs_enabled(true)
        .opt_out_list_name("alerts")
        .international_sending_enabled(true)
        .deletion_protection_enabled(true)
        .send()
        .await
        .expect("UpdatePhoneNumber");
    assert!(updated.two_way_enabled() && updated.self_managed_opt_outs_enabled());
    assert_eq!(updated.two_way_channel_arn(), Some(CHANNEL));
    assert_eq!(updated.two_way_channel_role(), Some(ROLE));
    assert_eq!(updated.opt_out_list_name(), Some("alerts"));
    assert!(updated.international_sending_enabled() && updated.deletion_protection_enabled());
    let described = sms.describe_phone_numbers().phone_number_ids(&id).send().await.expect("describe");
    let number = &described.phone_numbers()[0];
    assert!(number.two_way_enabled() && number.self_managed_opt_outs_enabled());
    assert_eq!(number.opt_out_list_name(), "alerts");

    // Self-managed opt-outs need two-way, and no Amazon Connect channel.
    let result = sms.update_phone_number().phone_number_id(&id).two_way_enabled(false).send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "TWO_WAY_NOT_ENABLED");
    let result = sms
        .update_phone_number()
        .phone_number_id(&id)
        .two_way_channel_arn("connect.us-east-1.amazonaws.com")
        .send()
        .await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "PARAMETERS_CANNOT_BE_USED_TOGETHER");
    sms.update_phone_number()
        .phone_number_id(&id)
        .self_managed_opt_outs_enabled(false)
        .two_way_enabled(false)
        .send()
        .await
        .expect("both off together");

    // Turkey has no two-way SMS in the guide's table.
    let (turkish, _) = get(&sms, "TR", RequestableNumberType::LongCode, &[NumberCapability::Sms]).await;
    let result = sms
        .update_phone_number()
        .phone_number_id(&turkish)
        .two_way_channel_arn(CHANNEL)
        .two_way_enabled(true)
        .send()
        .await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ValidationException), "TWO_WAY_NOT_SUPPORTED_IN_COUNTRY");

    // A pooled number takes its two-way and opt-out settings from the pool.
    let (member, _) = get(&sms, "US", RequestableNumberType::TenDlc, &[NumberCapability::Sms]).await;
    sms.create_pool()
        .origination_identity(&member)
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool");
    let result = sms.update_phone_number().phone_number_id(&member).opt_out_list_name("alerts").send().await;
    assert_eq!(reason!(result, UpdatePhoneNumberError::ConflictException), "PHONE_NUMBER_ASSOCIATED_TO_POOL");
    sms.update_phone_number()
        .phone_number_id(&member)
        .deletion_protection_enabled(true)
        .send()
        .await
        .expect("deletion protection is the number's own");
}

#[tokio::test]
async fn simulator_numbers_need_no_inventory() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let first =
        request(&sms, "US", RequestableNumberType::Simulator, MessageType::Transactional, &[NumberCapability::Sms])
            .await
            .expect("simulator number");
    assert_eq!(first.number_type(), Some(&RequestableNumberType::Simulator));
    assert_eq!(first.status(), Some(&NumberStatus::Active));
    assert_eq!(first.phone_number(), Some("+12065550100"));
    let (second_id, second) =
        get(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms, NumberCapability::Mms]).await;
    assert_eq!(second, "+12065550101");
    let described = sms.describe_phone_numbers().phone_number_ids(&second_id).send().await.expect("describe");
    assert_eq!(described.phone_numbers()[0].number_type(), &NumberType::Simulator);

    let result =
        request(&sms, "US", RequestableNumberType::Simulator, MessageType::Promotional, &[NumberCapability::Sms]).await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");
    let result =
        request(&sms, "US", RequestableNumberType::Simulator, MessageType::Transactional, &[NumberCapability::Voice])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "VOICE_CAPABILITY_NOT_AVAILABLE");
    // Origination simulator numbers exist in the US only.
    let result =
        request(&sms, "GB", RequestableNumberType::Simulator, MessageType::Transactional, &[NumberCapability::Sms])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ValidationException), "INVALID_PARAMETER");

    // A released simulator number returns to the pool of simulator numbers and is reused.
    sms.release_phone_number().phone_number_id(&second_id).send().await.expect("release");
    let (_, reused) = get(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms]).await;
    assert_eq!(reused, "+12065550101");

    // The account quota: 25 numbers.
    for _ in 0..23 {
        get(&sms, "US", RequestableNumberType::Simulator, &[NumberCapability::Sms]).await;
    }
    let result =
        request(&sms, "US", RequestableNumberType::Simulator, MessageType::Transactional, &[NumberCapability::Sms])
            .await;
    assert_eq!(reason!(result, RequestPhoneNumberError::ServiceQuotaExceededException), "PHONE_NUMBERS_PER_ACCOUNT");
}

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// Runs `herald ARGS` to completion.
fn herald(args: &[String]) -> std::process::Output {
    run_herald(args)
}

/// `args` followed by the arguments that name the server's state (data directory, database).
fn with_state(server: &TestServer, args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).chain(server.state_args()).collect()
}

fn sender(sender_id: &str, country: &str) -> SenderIdAndCountry {
    SenderIdAndCountry::builder().sender_id(sender_id).iso_country_code(country).build().expect("sender id")
}

#[tokio::test]
async fn sender_ids_follow_the_country_rules() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let requested = sms
        .request_sender_id()
        .sender_id("MYBRAND")
        .iso_country_code("GB")
        .message_types(MessageType::Transactional)
        .tags(Tag::builder().key("team").value("alerts").build().expect("tag"))
        .client_token("sender-1")
        .send()
        .await
        .expect("RequestSenderId");
    let arn = format!("arn:aws:sms-voice:us-east-1:{}:sender-id/MYBRAND/GB", server.account_id);
    assert_eq!(requested.sender_id_arn(), arn);
    assert_eq!((requested.sender_id(), requested.iso_country_code()), ("MYBRAND", "GB"));
    assert_eq!(requested.message_types(), [MessageType::Transactional]);
    assert!(!requested.registered() && !requested.deletion_protection_enabled());
    assert_eq!(requested.monthly_leasing_price(), "0.00");
    assert_eq!(requested.tags().len(), 1);
    let tags = sms.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    assert_eq!(tags.tags().len(), 1);
    let replay = sms
        .request_sender_id()
        .sender_id("MYBRAND")
        .iso_country_code("GB")
        .client_token("sender-1")
        .send()
        .await
        .expect("same ClientToken");
    assert_eq!(replay.sender_id_arn(), arn);
    let result = sms.request_sender_id().sender_id("mybrand").iso_country_code("GB").send().await;
    assert_eq!(reason!(result, RequestSenderIdError::ConflictException), "RESOURCE_ALREADY_EXISTS");

    // Registration countries take the sender id unregistered; some countries take none.
    let india = sms.request_sender_id().sender_id("MYBRND").iso_country_code("IN").send().await.expect("India");
    assert!(!india.registered());
    assert_eq!(india.message_types(), [MessageType::Transactional, MessageType::Promotional]);
    let result = sms.request_sender_id().sender_id("MYBRAND").iso_country_code("US").send().await;
    assert_eq!(reason!(result, RequestSenderIdError::ValidationException), "SENDER_ID_NOT_SUPPORTED");
    let result = sms.request_sender_id().sender_id("MYBRAND").iso_country_code("ZZ").send().await;
    assert_eq!(reason!(result, RequestSenderIdError::ValidationException), "INVALID_PARAMETER");
    for bad in ["12345", "TOOLONGBRAND", "-BRAND", "BRAND-", "MY BRAND", "MY.BRAND"] {
        let result = sms.request_sender_id().sender_id(bad).iso_country_code("GB").send().await;
        assert_eq!(reason!(result, RequestSenderIdError::ValidationException), "INVALID_PARAMETER", "{bad}");
    }
    sms.request_sender_id().sender_id("A-1_b").iso_country_code("DE").send().await.expect("1 to 11 of [A-Za-z0-9_-]");

    // DescribeSenderIds: all, by name (or ARN), filters, paging.
    let all = sms.describe_sender_ids().send().await.expect("DescribeSenderIds");
    assert_eq!(all.sender_ids().len(), 3);
    let named = sms.describe_sender_ids().sender_ids(sender(&arn, "GB")).send().await.expect("by ARN");
    assert_eq!(named.sender_ids()[0].sender_id(), "MYBRAND");
    let named = sms.describe_sender_ids().sender_ids(sender("mybrand", "GB")).send().await.expect("any case");
    assert_eq!(named.sender_ids()[0].sender_id_arn(), arn);
    let result = sms.describe_sender_ids().sender_ids(sender("OTHER", "GB")).send().await;
    assert_eq!(
        not_found!(result, DescribeSenderIdsError::ResourceNotFoundException),
        (ResourceType::SenderId, "OTHER/GB".to_string())
    );
    let result = sms.describe_sender_ids().sender_ids(sender("MYBRAND", "GB")).owner(Owner::SelfValue).send().await;
    assert_eq!(reason!(result, DescribeSenderIdsError::ValidationException), "PARAMETERS_CANNOT_BE_USED_TOGETHER");
    let by = |name: SenderIdFilterName, value: &str| {
        let sms = sms.clone();
        let filter = SenderIdFilter::builder().name(name).values(value).build().expect("filter");
        async move {
            let described = sms.describe_sender_ids().filters(filter).send().await.expect("filtered");
            described.sender_ids().iter().map(|s| s.sender_id().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(by(SenderIdFilterName::IsoCountryCode, "IN").await, ["MYBRND"]);
    assert_eq!(by(SenderIdFilterName::MessageType, "PROMOTIONAL").await, ["MYBRND", "A-1_b"]);
    assert_eq!(by(SenderIdFilterName::SenderId, "MYBRAND").await, ["MYBRAND"]);
    assert_eq!(by(SenderIdFilterName::Registered, "false").await.len(), 3);
    let page = sms.describe_sender_ids().max_results(2).send().await.expect("page 1");
    assert_eq!(page.sender_ids().len(), 2);
    let rest = sms
        .describe_sender_ids()
        .max_results(2)
        .next_token(page.next_token().expect("token"))
        .send()
        .await
        .expect("page 2");
    assert_eq!((rest.sender_ids().len(), rest.next_token()), (1, None));

    // Deletion protection, then release.
    let updated = sms
        .update_sender_id()
        .sender_id("MYBRAND")
        .iso_country_code("GB")
        .deletion_protection_enabled(true)
        .send()
        .await
        .expect("UpdateSenderId");
    assert!(updated.deletion_protection_enabled());
    assert_eq!(by(SenderIdFilterName::DeletionProtectionEnabled, "true").await, ["MYBRAND"]);
    let result = sms.release_sender_id().sender_id("MYBRAND").iso_country_code("GB").send().await;
    assert_eq!(reason!(result, ReleaseSenderIdError::ConflictException), "DELETION_PROTECTION_ENABLED");
    let result =
        sms.update_sender_id().sender_id("NOPE").iso_country_code("GB").deletion_protection_enabled(true).send().await;
    assert_eq!(
        not_found!(result, UpdateSenderIdError::ResourceNotFoundException),
        (ResourceType::SenderId, "NOPE/GB".to_string())
    );
    sms.update_sender_id()
        .sender_id(&arn)
        .iso_country_code("GB")
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("unprotect by ARN");
    let released = sms.release_sender_id().sender_id("MYBRAND").iso_country_code("GB").send().await.expect("release");
    assert_eq!(released.sender_id_arn(), arn);
    let result = sms.release_sender_id().sender_id("MYBRAND").iso_country_code("GB").send().await;
    assert_eq!(
        not_found!(result, ReleaseSenderIdError::ResourceNotFoundException),
        (ResourceType::SenderId, "MYBRAND/GB".to_string())
    );
    let result = sms.list_tags_for_resource().resource_arn(&arn).send().await;
    assert!(result.is_err(), "the released sender id is gone");

    // A sender id in a pool can't be released.
    sms.create_pool()
        .origination_identity("A-1_b")
        .iso_country_code("DE")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool from a sender id");
    let result = sms.release_sender_id().sender_id("A-1_b").iso_country_code("DE").send().await;
    assert_eq!(reason!(result, ReleaseSenderIdError::ConflictException), "SENDER_ID_ASSOCIATED_TO_POOL");
}

#[tokio::test]
async fn herald_numbers_import_then_list() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let dir = tempfile::tempdir().expect("temp dir");

    let csv = dir.path().join("numbers.csv");
    std::fs::write(
        &csv,
        "phone_number,iso_country,number_type,capabilities,carrier,monthly_price\n\
         +12065550150,US,LONG_CODE,SMS|VOICE,route-a,1.00\n\
         +18885550150,US,TOLL_FREE,SMS MMS,route-b,2.00\n",
    )
    .expect("write csv");
    let output = herald(&with_state(&server, &["numbers", "import", path(&csv)]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("added     +12065550150 US LONG_CODE SMS|VOICE"), "{stdout}");
    assert!(stdout.contains("2 added, 0 updated, 0 unchanged"), "{stdout}");

    // The running server hands out what was just imported.
    let (_, number) = get(&sms, "US", RequestableNumberType::LongCode, &[NumberCapability::Voice]).await;
    assert_eq!(number, "+12065550150");

    // A TOML import updates a number's declared facts, never its assignment.
    let toml = dir.path().join("numbers.toml");
    std::fs::write(
        &toml,
        [
            number_table("+12065550150", "US", "LONG_CODE", &["SMS", "VOICE"], Some("1.50")),
            number_table("+447700900150", "GB", "LONG_CODE", &["SMS"], None),
        ]
        .concat(),
    )
    .expect("write toml");
    let output = herald(&with_state(&server, &["numbers", "import", path(&toml)]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1 added, 1 updated, 0 unchanged"), "{stdout}");

    let output = herald(&with_state(&server, &["numbers", "list"]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("NUMBER") && lines[0].contains("ASSIGNED TO"), "{stdout}");
    let row = |number: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(number))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(
        row("+12065550150"),
        ["+12065550150", "US", "LONG_CODE", "SMS|VOICE", "route-a", "1.50", &server.account_id]
    );
    assert_eq!(row("+18885550150"), ["+18885550150", "US", "TOLL_FREE", "SMS|MMS", "route-b", "2.00", "-"]);
    assert_eq!(row("+447700900150"), ["+447700900150", "GB", "LONG_CODE", "SMS", "route-a", "-", "-"]);
    assert!(stdout.contains("3 numbers, 2 free"), "{stdout}");

    // Mistakes name the line and the column, and change nothing.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "phone_number,iso_country,number_type,capabilities\n+12065550151,US,LONG_CODE,SMS\n+12065550152,US,PAGER,SMS\n",
    )
    .expect("write");
    let output = herald(&with_state(&server, &["numbers", "import", path(&bad)]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("line 3") && stderr.contains("number_type"), "{stderr}");
    let output = herald(&with_state(&server, &["numbers", "list"]));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("+12065550151"));
}
