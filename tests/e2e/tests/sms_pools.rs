//! Pools and keywords through the real AWS SDK, on simulator numbers requested with
//! RequestPhoneNumber: CreatePool / DeletePool / UpdatePool / DescribePools,
//! AssociateOriginationIdentity / DisassociateOriginationIdentity /
//! ListPoolOriginationIdentities, PutKeyword / DeleteKeyword / DescribeKeywords, with each
//! matching rule's exact error reason.

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::operation::associate_origination_identity::AssociateOriginationIdentityError;
use aws_sdk_pinpointsmsvoicev2::operation::create_pool::CreatePoolError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_keyword::DeleteKeywordError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_opt_out_list::DeleteOptOutListError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_pool::DeletePoolError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_keywords::DescribeKeywordsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_pools::DescribePoolsError;
use aws_sdk_pinpointsmsvoicev2::operation::disassociate_origination_identity::DisassociateOriginationIdentityError;
use aws_sdk_pinpointsmsvoicev2::operation::put_keyword::PutKeywordError;
use aws_sdk_pinpointsmsvoicev2::operation::update_pool::UpdatePoolError;
use aws_sdk_pinpointsmsvoicev2::types::{
    KeywordAction, KeywordFilter, KeywordFilterName, MessageType, NumberCapability, Owner, PoolFilter, PoolFilterName,
    PoolOriginationIdentitiesFilter, PoolOriginationIdentitiesFilterName, PoolStatus, RequestableNumberType,
    ResourceType, Tag,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::sms_voice;
use herald_e2e::{not_found, reason};

const CHANNEL: &str = "arn:aws:sns:us-east-1:111122223333:inbound-sms";
const ROLE: &str = "arn:aws:iam::111122223333:role/sms-two-way";

/// A requested US simulator number: (PhoneNumberId, PhoneNumberArn, E.164 number).
struct Number {
    id: String,
    arn: String,
    e164: String,
}

/// Simulator numbers are always transactional.
async fn simulator(sms: &Client, capabilities: &[NumberCapability]) -> Number {
    let mut request = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_type(RequestableNumberType::Simulator);
    for capability in capabilities {
        request = request.number_capabilities(capability.clone());
    }
    let number = request.send().await.expect("RequestPhoneNumber");
    Number {
        id: number.phone_number_id().expect("PhoneNumberId").to_string(),
        arn: number.phone_number_arn().expect("PhoneNumberArn").to_string(),
        e164: number.phone_number().expect("PhoneNumber").to_string(),
    }
}

async fn sms_number(sms: &Client) -> Number {
    simulator(sms, &[NumberCapability::Sms]).await
}

async fn pool_from(sms: &Client, identity: &str) -> String {
    let pool = sms
        .create_pool()
        .origination_identity(identity)
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool");
    pool.pool_id().expect("PoolId").to_string()
}

async fn pool_of(sms: &Client, number: &Number) -> Option<String> {
    let described =
        sms.describe_phone_numbers().phone_number_ids(&number.id).send().await.expect("DescribePhoneNumbers");
    described.phone_numbers()[0].pool_id().map(str::to_owned)
}

async fn keywords(sms: &Client, owner: &str) -> Vec<(String, String)> {
    let described = sms.describe_keywords().origination_identity(owner).send().await.expect("DescribeKeywords");
    described.keywords().iter().map(|k| (k.keyword().to_string(), k.keyword_action().as_str().to_string())).collect()
}

#[tokio::test]
async fn a_pool_is_created_from_a_simulator_number_and_inherits_its_settings() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let number = sms_number(&sms).await;

    let created = sms
        .create_pool()
        .origination_identity(&number.id)
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .tags(Tag::builder().key("Name").value("tutorial").build().expect("tag"))
        .client_token("tutorial-pool")
        .send()
        .await
        .expect("CreatePool");
    let pool_id = created.pool_id().expect("PoolId").to_string();
    assert!(pool_id.starts_with("pool-") && pool_id.len() == 37, "{pool_id}");
    assert_eq!(
        created.pool_arn(),
        Some(format!("arn:aws:sms-voice:us-east-1:{}:pool/{pool_id}", server.account_id).as_str())
    );
    assert_eq!(created.status(), Some(&PoolStatus::Active));
    assert_eq!(created.message_type(), Some(&MessageType::Transactional));
    assert_eq!(created.opt_out_list_name(), Some("Default"));
    assert!(!created.two_way_enabled());
    assert!(!created.self_managed_opt_outs_enabled());
    assert!(!created.shared_routes_enabled());
    assert!(!created.deletion_protection_enabled());
    assert_eq!(created.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(), [("Name", "tutorial")]);

    // The same request again answers the same pool.
    let again = sms
        .create_pool()
        .origination_identity(&number.id)
        .message_type(MessageType::Transactional)
        .client_token("tutorial-pool")
        .send()
        .await
        .expect("same ClientToken");
    assert_eq!(again.pool_id(), Some(pool_id.as_str()));

    // The number is in the pool, and the pool has the number's keywords.
    assert_eq!(pool_of(&sms, &number).await.as_deref(), Some(pool_id.as_str()));
    let pool_keywords = keywords(&sms, &pool_id).await;
    assert_eq!(pool_keywords, keywords(&sms, &number.id).await);
    assert_eq!(pool_keywords.len(), 11, "{pool_keywords:?}");
    assert!(pool_keywords.contains(&("HELP".to_string(), "AUTOMATIC_RESPONSE".to_string())));
    assert!(pool_keywords.contains(&("STOP".to_string(), "OPT_OUT".to_string())));

    let identities =
        sms.list_pool_origination_identities().pool_id(&pool_id).send().await.expect("ListPoolOriginationIdentities");
    assert_eq!(identities.pool_id(), Some(pool_id.as_str()));
    let [identity] = identities.origination_identities() else { panic!("one identity: {identities:?}") };
    assert_eq!(identity.origination_identity(), number.id);
    assert_eq!(identity.origination_identity_arn(), number.arn);
    assert_eq!(identity.phone_number(), Some(number.e164.as_str()));
    assert_eq!(identity.iso_country_code(), "US");
    assert_eq!(identity.number_capabilities(), [NumberCapability::Sms]);

    // A number is in one pool at most.
    let result =
        sms.create_pool().origination_identity(&number.arn).message_type(MessageType::Transactional).send().await;
    assert_eq!(reason!(result, CreatePoolError::ConflictException), "PHONE_NUMBER_ASSOCIATED_TO_POOL");

    // The pool's message type must be the number's; the country must be the number's.
    let other = sms_number(&sms).await;
    let result = sms.create_pool().origination_identity(&other.id).message_type(MessageType::Promotional).send().await;
    assert_eq!(reason!(result, CreatePoolError::ConflictException), "MESSAGE_TYPE_MISMATCH");
    let result = sms
        .create_pool()
        .origination_identity(&other.id)
        .iso_country_code("GB")
        .message_type(MessageType::Transactional)
        .send()
        .await;
    assert_eq!(reason!(result, CreatePoolError::ValidationException), "COUNTRY_CODE_MISMATCH");
    let missing = format!("phone-{}", "0".repeat(32));
    let result = sms.create_pool().origination_identity(&missing).message_type(MessageType::Transactional).send().await;
    assert_eq!(not_found!(result, CreatePoolError::ResourceNotFoundException), (ResourceType::PhoneNumber, missing));

    // By E.164 number and by ARN work too.
    let by_number = pool_from(&sms, &other.e164).await;
    assert_eq!(pool_of(&sms, &other).await, Some(by_number));
    let third = sms_number(&sms).await;
    let by_arn = pool_from(&sms, &third.arn).await;
    assert_eq!(pool_of(&sms, &third).await, Some(by_arn));
}

#[tokio::test]
async fn identities_join_only_pools_they_match() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let first = sms_number(&sms).await;
    let pool = pool_from(&sms, &first.id).await;

    let second = sms_number(&sms).await;
    let joined = sms
        .associate_origination_identity()
        .pool_id(&pool)
        .origination_identity(&second.arn)
        .iso_country_code("US")
        .send()
        .await
        .expect("AssociateOriginationIdentity");
    assert_eq!(joined.pool_id(), Some(pool.as_str()));
    assert_eq!(joined.origination_identity(), Some(second.id.as_str()));
    assert_eq!(joined.origination_identity_arn(), Some(second.arn.as_str()));
    assert_eq!(joined.iso_country_code(), Some("US"));
    assert_eq!(pool_of(&sms, &second).await.as_deref(), Some(pool.as_str()));
    let result = sms.associate_origination_identity().pool_id(&pool).origination_identity(&second.id).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "RESOURCE_ALREADY_ASSOCIATED");

    // Simulator numbers are transactional, so a promotional sender id shows the message type rule.
    sms.request_sender_id()
        .sender_id("PROMO")
        .iso_country_code("GB")
        .message_types(MessageType::Promotional)
        .send()
        .await
        .expect("RequestSenderId");
    let result = sms
        .associate_origination_identity()
        .pool_id(&pool)
        .origination_identity("PROMO")
        .iso_country_code("GB")
        .send()
        .await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "MESSAGE_TYPE_MISMATCH");

    let mms = simulator(&sms, &[NumberCapability::Sms, NumberCapability::Mms]).await;
    let result = sms.associate_origination_identity().pool_id(&pool).origination_identity(&mms.id).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "NUMBER_CAPABILITIES_MISMATCH");

    sms.create_opt_out_list().opt_out_list_name("other").send().await.expect("CreateOptOutList");
    let listed = sms_number(&sms).await;
    sms.update_phone_number().phone_number_id(&listed.id).opt_out_list_name("other").send().await.expect("list");
    let result = sms.associate_origination_identity().pool_id(&pool).origination_identity(&listed.id).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "OPT_OUT_LIST_MISMATCH");
    // The list is in use by that number now.
    let result = sms.delete_opt_out_list().opt_out_list_name("other").send().await;
    assert_eq!(reason!(result, DeleteOptOutListError::ConflictException), "RESOURCE_NOT_EMPTY");

    let two_way = sms_number(&sms).await;
    sms.update_phone_number()
        .phone_number_id(&two_way.id)
        .two_way_channel_arn(CHANNEL)
        .two_way_enabled(true)
        .send()
        .await
        .expect("two-way number");
    let result = sms.associate_origination_identity().pool_id(&pool).origination_identity(&two_way.id).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "TWO_WAY_CONFIG_MISMATCH");

    // A two-way pool takes the two-way number, but not one that manages its own opt-outs.
    let two_way_pool = pool_from(&sms, &sms_number(&sms).await.id).await;
    sms.update_pool()
        .pool_id(&two_way_pool)
        .two_way_enabled(true)
        .two_way_channel_arn(CHANNEL)
        .send()
        .await
        .expect("two-way pool");
    sms.associate_origination_identity()
        .pool_id(&two_way_pool)
        .origination_identity(&two_way.id)
        .send()
        .await
        .expect("matching two-way number");
    let self_managed = sms_number(&sms).await;
    sms.update_phone_number()
        .phone_number_id(&self_managed.id)
        .two_way_channel_arn(CHANNEL)
        .two_way_enabled(true)
        .self_managed_opt_outs_enabled(true)
        .send()
        .await
        .expect("self-managed number");
    let result =
        sms.associate_origination_identity().pool_id(&two_way_pool).origination_identity(&self_managed.id).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "SELF_MANAGED_OPT_OUTS_MISMATCH");

    // A number in one pool can't join another.
    let result =
        sms.associate_origination_identity().pool_id(&two_way_pool).origination_identity(&second.id).send().await;
    assert_eq!(
        reason!(result, AssociateOriginationIdentityError::ConflictException),
        "PHONE_NUMBER_ASSOCIATED_TO_POOL"
    );
    let missing = format!("pool-{}", "0".repeat(32));
    let result = sms.associate_origination_identity().pool_id(&missing).origination_identity(&listed.id).send().await;
    assert_eq!(
        not_found!(result, AssociateOriginationIdentityError::ResourceNotFoundException),
        (ResourceType::Pool, missing)
    );

    // Listing with filters and pages.
    let sms_filter = PoolOriginationIdentitiesFilter::builder()
        .name(PoolOriginationIdentitiesFilterName::NumberCapability)
        .values("SMS")
        .build()
        .expect("filter");
    let listed_sms =
        sms.list_pool_origination_identities().pool_id(&pool).filters(sms_filter).send().await.expect("by capability");
    let ids: Vec<&str> = listed_sms.origination_identities().iter().map(|i| i.origination_identity()).collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
    let gb = PoolOriginationIdentitiesFilter::builder()
        .name(PoolOriginationIdentitiesFilterName::IsoCountryCode)
        .values("GB")
        .build()
        .expect("filter");
    let none = sms.list_pool_origination_identities().pool_id(&pool).filters(gb).send().await.expect("by country");
    assert!(none.origination_identities().is_empty());
    let page = sms.list_pool_origination_identities().pool_id(&pool).max_results(1).send().await.expect("page");
    assert_eq!(page.origination_identities().len(), 1);
    let rest = sms
        .list_pool_origination_identities()
        .pool_id(&pool)
        .max_results(1)
        .next_token(page.next_token().expect("more"))
        .send()
        .await
        .expect("next page");
    assert_eq!(rest.origination_identities()[0].origination_identity(), second.id);

    // Leaving: not a member; the last identity stays.
    let left = sms
        .disassociate_origination_identity()
        .pool_id(&pool)
        .origination_identity(&second.id)
        .send()
        .await
        .expect("DisassociateOriginationIdentity");
    assert_eq!(left.origination_identity(), Some(second.id.as_str()));
    assert_eq!(pool_of(&sms, &second).await, None);
    let result = sms.disassociate_origination_identity().pool_id(&pool).origination_identity(&second.id).send().await;
    assert_eq!(
        reason!(result, DisassociateOriginationIdentityError::ConflictException),
        "PHONE_NUMBER_NOT_ASSOCIATED_TO_POOL"
    );
    let result = sms.disassociate_origination_identity().pool_id(&pool).origination_identity(&first.id).send().await;
    assert_eq!(reason!(result, DisassociateOriginationIdentityError::ConflictException), "LAST_PHONE_NUMBER");
}

#[tokio::test]
async fn pools_are_updated_described_and_deleted() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let first = sms_number(&sms).await;
    let protected = sms
        .create_pool()
        .origination_identity(&first.id)
        .message_type(MessageType::Transactional)
        .deletion_protection_enabled(true)
        .send()
        .await
        .expect("CreatePool")
        .pool_id()
        .expect("PoolId")
        .to_string();
    let second = sms_number(&sms).await;
    let plain = pool_from(&sms, &second.id).await;

    // Settings that need others.
    let result = sms.update_pool().pool_id(&plain).two_way_enabled(true).send().await;
    assert_eq!(reason!(result, UpdatePoolError::ValidationException), "TWO_WAY_CHANNEL_NOT_PRESENT");
    let result = sms.update_pool().pool_id(&plain).self_managed_opt_outs_enabled(true).send().await;
    assert_eq!(reason!(result, UpdatePoolError::ValidationException), "TWO_WAY_NOT_ENABLED");
    let result = sms.update_pool().pool_id(&plain).two_way_channel_arn("short").send().await;
    assert_eq!(reason!(result, UpdatePoolError::ValidationException), "INVALID_PARAMETER");
    let result = sms.update_pool().pool_id(&plain).opt_out_list_name("missing").send().await;
    assert_eq!(
        not_found!(result, UpdatePoolError::ResourceNotFoundException),
        (ResourceType::OptOutList, "missing".to_string())
    );

    sms.create_opt_out_list().opt_out_list_name("pool-list").send().await.expect("CreateOptOutList");
    let updated = sms
        .update_pool()
        .pool_id(format!("arn:aws:sms-voice:us-east-1:{}:pool/{protected}", server.account_id))
        .opt_out_list_name("pool-list")
        .shared_routes_enabled(true)
        .two_way_enabled(true)
        .two_way_channel_arn(CHANNEL)
        .two_way_channel_role(ROLE)
        .self_managed_opt_outs_enabled(true)
        .send()
        .await
        .expect("UpdatePool");
    assert_eq!(updated.opt_out_list_name(), Some("pool-list"));
    assert!(updated.shared_routes_enabled());
    assert!(updated.two_way_enabled());
    assert_eq!(updated.two_way_channel_arn(), Some(CHANNEL));
    assert_eq!(updated.two_way_channel_role(), Some(ROLE));
    assert!(updated.self_managed_opt_outs_enabled());
    assert!(updated.deletion_protection_enabled());
    let result = sms.delete_opt_out_list().opt_out_list_name("pool-list").send().await;
    assert_eq!(reason!(result, DeleteOptOutListError::ConflictException), "RESOURCE_NOT_EMPTY");

    // Describe: all, by id, by filters, by page.
    let all = sms.describe_pools().send().await.expect("DescribePools");
    let ids: Vec<&str> = all.pools().iter().map(|p| p.pool_id()).collect();
    assert_eq!(ids, [protected.as_str(), plain.as_str()]);
    let one = sms.describe_pools().pool_ids(&plain).send().await.expect("by id");
    assert_eq!(one.pools()[0].opt_out_list_name(), "Default");
    let filter =
        |name: PoolFilterName, value: &str| PoolFilter::builder().name(name).values(value).build().expect("filter");
    let shared = sms
        .describe_pools()
        .filters(filter(PoolFilterName::SharedRoutesEnabled, "true"))
        .send()
        .await
        .expect("shared routes");
    assert_eq!(shared.pools().iter().map(|p| p.pool_id()).collect::<Vec<_>>(), [protected.as_str()]);
    let both = sms
        .describe_pools()
        .filters(filter(PoolFilterName::Status, "ACTIVE"))
        .filters(filter(PoolFilterName::MessageType, "TRANSACTIONAL"))
        .filters(filter(PoolFilterName::OptOutListName, "Default"))
        .send()
        .await
        .expect("several filters");
    assert_eq!(both.pools().iter().map(|p| p.pool_id()).collect::<Vec<_>>(), [plain.as_str()]);
    let by_channel = sms
        .describe_pools()
        .filters(filter(PoolFilterName::TwoWayChannelArn, CHANNEL))
        .filters(filter(PoolFilterName::DeletionProtectionEnabled, "true"))
        .filters(filter(PoolFilterName::TwoWayEnabled, "true"))
        .filters(filter(PoolFilterName::SelfManagedOptOutsEnabled, "true"))
        .send()
        .await
        .expect("two-way filters");
    assert_eq!(by_channel.pools().len(), 1);
    let page = sms.describe_pools().max_results(1).send().await.expect("page");
    assert_eq!(page.pools()[0].pool_id(), protected);
    let rest =
        sms.describe_pools().max_results(1).next_token(page.next_token().expect("more")).send().await.expect("next");
    assert_eq!(rest.pools()[0].pool_id(), plain);
    assert!(rest.next_token().is_none());
    let missing = format!("pool-{}", "f".repeat(32));
    let result = sms.describe_pools().pool_ids(&missing).send().await;
    assert_eq!(not_found!(result, DescribePoolsError::ResourceNotFoundException), (ResourceType::Pool, missing));
    let result = sms.describe_pools().pool_ids(&plain).owner(Owner::SelfValue).send().await;
    assert_eq!(reason!(result, DescribePoolsError::ValidationException), "PARAMETERS_CANNOT_BE_USED_TOGETHER");

    // Deletion protection, then deletion frees the numbers and drops the pool's keywords.
    let result = sms.delete_pool().pool_id(&protected).send().await;
    assert_eq!(reason!(result, DeletePoolError::ConflictException), "DELETION_PROTECTION_ENABLED");
    sms.update_pool().pool_id(&protected).deletion_protection_enabled(false).send().await.expect("unprotect");
    let joined = sms_number(&sms).await;
    sms.update_phone_number()
        .phone_number_id(&joined.id)
        .opt_out_list_name("pool-list")
        .two_way_channel_arn(CHANNEL)
        .two_way_enabled(true)
        .self_managed_opt_outs_enabled(true)
        .send()
        .await
        .expect("match the pool");
    sms.associate_origination_identity()
        .pool_id(&protected)
        .origination_identity(&joined.id)
        .send()
        .await
        .expect("join");
    let deleted = sms.delete_pool().pool_id(&protected).send().await.expect("DeletePool");
    assert_eq!(deleted.pool_id(), Some(protected.as_str()));
    assert_eq!(deleted.status(), Some(&PoolStatus::Deleting));
    assert_eq!(pool_of(&sms, &first).await, None);
    assert_eq!(pool_of(&sms, &joined).await, None);
    let result = sms.describe_keywords().origination_identity(&protected).send().await;
    assert_eq!(
        not_found!(result, DescribeKeywordsError::ResourceNotFoundException),
        (ResourceType::Pool, protected.clone())
    );
    let result = sms.delete_pool().pool_id(&protected).send().await;
    assert_eq!(not_found!(result, DeletePoolError::ResourceNotFoundException), (ResourceType::Pool, protected));
    // The freed number can start a new pool, and the list is no longer in use once it moves on.
    pool_from(&sms, &first.id).await;
    sms.update_phone_number().phone_number_id(&joined.id).opt_out_list_name("Default").send().await.expect("move");
    sms.delete_opt_out_list().opt_out_list_name("pool-list").send().await.expect("no longer in use");
}

#[tokio::test]
async fn keywords_on_numbers_and_pools() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let number = sms_number(&sms).await;
    let defaults = keywords(&sms, &number.id).await;
    let names: Vec<&str> = defaults.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["ARRET", "CANCEL", "END", "HELP", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"]
    );

    // Put adds (AUTOMATIC_RESPONSE by default) and overwrites without regard to case.
    let put = sms
        .put_keyword()
        .origination_identity(&number.arn)
        .keyword("JOIN")
        .keyword_message("Welcome! Reply STOP to cancel.")
        .send()
        .await
        .expect("PutKeyword");
    assert_eq!(put.keyword(), Some("JOIN"));
    assert_eq!(put.keyword_action(), Some(&KeywordAction::AutomaticResponse));
    assert_eq!(put.origination_identity(), Some(number.id.as_str()));
    assert_eq!(put.origination_identity_arn(), Some(number.arn.as_str()));
    sms.put_keyword()
        .origination_identity(&number.id)
        .keyword("join")
        .keyword_message("You're back in.")
        .keyword_action(KeywordAction::OptIn)
        .send()
        .await
        .expect("overwrite");
    let opt_in = KeywordFilter::builder().name(KeywordFilterName::KeywordAction).values("OPT_IN").build().expect("f");
    let found =
        sms.describe_keywords().origination_identity(&number.id).filters(opt_in).send().await.expect("by action");
    let [join] = found.keywords() else { panic!("one OPT_IN keyword: {found:?}") };
    assert_eq!((join.keyword(), join.keyword_message()), ("join", "You're back in."));
    assert_eq!(found.origination_identity(), Some(number.id.as_str()));
    let named = sms
        .describe_keywords()
        .origination_identity(&number.id)
        .keywords("JOIN")
        .keywords("help")
        .send()
        .await
        .expect("named");
    assert_eq!(named.keywords().len(), 2);
    let page = sms.describe_keywords().origination_identity(&number.id).max_results(5).send().await.expect("page");
    assert_eq!(page.keywords().len(), 5);
    assert!(page.next_token().is_some());

    // Required keywords keep their action and can't be deleted; their reply can change.
    sms.put_keyword()
        .origination_identity(&number.id)
        .keyword("HELP")
        .keyword_message("ExampleCorp alerts: call 425-555-0199.")
        .send()
        .await
        .expect("customise HELP");
    let result = sms
        .put_keyword()
        .origination_identity(&number.id)
        .keyword("STOP")
        .keyword_message("nope")
        .keyword_action(KeywordAction::AutomaticResponse)
        .send()
        .await;
    assert_eq!(reason!(result, PutKeywordError::ConflictException), "RESOURCE_MODIFICATION_NOT_ALLOWED");
    for required in ["STOP", "help", "ARRET"] {
        let result = sms.delete_keyword().origination_identity(&number.id).keyword(required).send().await;
        assert_eq!(
            reason!(result, DeleteKeywordError::ConflictException),
            "RESOURCE_DELETION_NOT_ALLOWED",
            "{required}"
        );
    }
    let deleted =
        sms.delete_keyword().origination_identity(&number.id).keyword("JOIN").send().await.expect("DeleteKeyword");
    assert_eq!(deleted.keyword_action(), Some(&KeywordAction::OptIn));
    let result = sms.delete_keyword().origination_identity(&number.id).keyword("JOIN").send().await;
    assert_eq!(
        not_found!(result, DeleteKeywordError::ResourceNotFoundException),
        (ResourceType::Keyword, "JOIN".to_string())
    );

    // Validation and unknown owners.
    for bad in [" lead", "tab\there", &"k".repeat(31)] {
        let result = sms.put_keyword().origination_identity(&number.id).keyword(bad).keyword_message("hi").send().await;
        assert_eq!(reason!(result, PutKeywordError::ValidationException), "INVALID_PARAMETER", "{bad:?}");
    }
    let result = sms.put_keyword().origination_identity(&number.id).keyword("JOIN").keyword_message("  ").send().await;
    assert_eq!(reason!(result, PutKeywordError::ValidationException), "INVALID_PARAMETER");
    let missing = format!("phone-{}", "1".repeat(32));
    let result = sms.describe_keywords().origination_identity(&missing).send().await;
    assert_eq!(
        not_found!(result, DescribeKeywordsError::ResourceNotFoundException),
        (ResourceType::PhoneNumber, missing)
    );
    let result = sms.put_keyword().origination_identity("pool-gone").keyword("JOIN").keyword_message("hi").send().await;
    assert_eq!(
        not_found!(result, PutKeywordError::ResourceNotFoundException),
        (ResourceType::Pool, "pool-gone".to_string())
    );

    // 30 keywords per number, defaults included; pools have the same quota.
    for n in 0..19 {
        sms.put_keyword()
            .origination_identity(&number.id)
            .keyword(format!("WORD{n}"))
            .keyword_message("ok")
            .send()
            .await
            .expect("within the quota");
    }
    let result =
        sms.put_keyword().origination_identity(&number.id).keyword("ONE-TOO-MANY").keyword_message("x").send().await;
    assert_eq!(reason!(result, PutKeywordError::ServiceQuotaExceededException), "KEYWORDS_PER_PHONE_NUMBER");
    // Overwriting an existing keyword is still allowed at the quota.
    sms.put_keyword()
        .origination_identity(&number.id)
        .keyword("WORD0")
        .keyword_message("again")
        .send()
        .await
        .expect("overwrite");

    let pool = pool_from(&sms, &number.id).await;
    assert_eq!(keywords(&sms, &pool).await.len(), 30);
    let result =
        sms.put_keyword().origination_identity(&pool).keyword("ONE-TOO-MANY").keyword_message("x").send().await;
    assert_eq!(reason!(result, PutKeywordError::ServiceQuotaExceededException), "KEYWORDS_PER_POOL");
    sms.delete_keyword().origination_identity(&pool).keyword("WORD5").send().await.expect("delete from pool");
    let on_pool = sms
        .put_keyword()
        .origination_identity(format!("arn:aws:sms-voice:us-east-1:{}:pool/{pool}", server.account_id))
        .keyword("POOLWORD")
        .keyword_message("pool reply")
        .keyword_action(KeywordAction::OptOut)
        .send()
        .await
        .expect("PutKeyword on a pool ARN");
    assert_eq!(on_pool.origination_identity(), Some(pool.as_str()));
}

#[tokio::test]
async fn sender_ids_join_several_pools() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    sms.request_sender_id()
        .sender_id("MYBRAND")
        .iso_country_code("GB")
        .message_types(MessageType::Transactional)
        .send()
        .await
        .expect("RequestSenderId");
    let sender_arn = format!("arn:aws:sms-voice:us-east-1:{}:sender-id/MYBRAND/GB", server.account_id);

    // A pool from a sender id: no opt-out list or keywords of its own, so Default and the defaults.
    let created = sms
        .create_pool()
        .origination_identity("MYBRAND")
        .iso_country_code("GB")
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool from a sender id");
    let pool = created.pool_id().expect("PoolId").to_string();
    assert_eq!(created.opt_out_list_name(), Some("Default"));
    assert_eq!(keywords(&sms, &pool).await.len(), 11);
    let listed = sms.list_pool_origination_identities().pool_id(&pool).send().await.expect("list");
    let [identity] = listed.origination_identities() else { panic!("one identity: {listed:?}") };
    assert_eq!(identity.origination_identity(), "MYBRAND");
    assert_eq!(identity.origination_identity_arn(), sender_arn);
    assert_eq!(identity.iso_country_code(), "GB");
    assert_eq!(identity.number_capabilities(), [NumberCapability::Sms]);
    assert_eq!(identity.phone_number(), None);

    // Already in this pool; a number joins it; the sender id leaves; it can't be the last to.
    let result = sms.associate_origination_identity().pool_id(&pool).origination_identity(&sender_arn).send().await;
    assert_eq!(reason!(result, AssociateOriginationIdentityError::ConflictException), "RESOURCE_ALREADY_ASSOCIATED");
    let number = sms_number(&sms).await;
    sms.associate_origination_identity().pool_id(&pool).origination_identity(&number.id).send().await.expect("number");
    sms.disassociate_origination_identity()
        .pool_id(&pool)
        .origination_identity("MYBRAND")
        .iso_country_code("GB")
        .send()
        .await
        .expect("sender id leaves");
    let result = sms.disassociate_origination_identity().pool_id(&pool).origination_identity(&number.id).send().await;
    assert_eq!(reason!(result, DisassociateOriginationIdentityError::ConflictException), "LAST_PHONE_NUMBER");

    // One sender id can start many pools, up to the account's 25.
    sms.associate_origination_identity().pool_id(&pool).origination_identity(&sender_arn).send().await.expect("back");
    for _ in 1..25 {
        pool_from_sender(&sms, &sender_arn).await;
    }
    let result =
        sms.create_pool().origination_identity(&sender_arn).message_type(MessageType::Transactional).send().await;
    assert_eq!(reason!(result, CreatePoolError::ServiceQuotaExceededException), "POOLS_PER_ACCOUNT");

    // Deleting a pool takes the sender id out of it, and only that one.
    sms.delete_pool().pool_id(&pool).send().await.expect("DeletePool");
    let remaining = sms.describe_pools().send().await.expect("DescribePools");
    assert_eq!(remaining.pools().len(), 24);
    for pool in remaining.pools() {
        let members = sms.list_pool_origination_identities().pool_id(pool.pool_id()).send().await.expect("list");
        assert_eq!(members.origination_identities().len(), 1);
    }
    assert_eq!(pool_of(&sms, &number).await, None);
}

async fn pool_from_sender(sms: &Client, sender_arn: &str) -> String {
    let pool = sms
        .create_pool()
        .origination_identity(sender_arn)
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("CreatePool");
    pool.pool_id().expect("PoolId").to_string()
}

#[tokio::test]
async fn toll_free_opt_outs_are_carrier_managed() {
    let server = TestServer::builder()
        .config(
            "[[numbers]]\nphone_number = \"+18885550100\"\niso_country = \"US\"\nnumber_type = \"TOLL_FREE\"\n\
             capabilities = [\"SMS\"]\n",
        )
        .start();
    let sms = sms_voice(&server);
    let number = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::TollFree)
        .send()
        .await
        .expect("RequestPhoneNumber");
    let id = number.phone_number_id().expect("PhoneNumberId");

    // Only STOP opts out, with a reply the carriers fix; UNSTOP and START can opt back in.
    let names: Vec<String> = keywords(&sms, id).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["HELP", "STOP"]);
    let result = sms
        .put_keyword()
        .origination_identity(id)
        .keyword("STOP")
        .keyword_message("Bye")
        .keyword_action(KeywordAction::OptOut)
        .send()
        .await;
    assert_eq!(reason!(result, PutKeywordError::ConflictException), "RESOURCE_MODIFICATION_NOT_ALLOWED");
    let result = sms
        .put_keyword()
        .origination_identity(id)
        .keyword("QUIT")
        .keyword_message("Bye")
        .keyword_action(KeywordAction::OptOut)
        .send()
        .await;
    assert_eq!(reason!(result, PutKeywordError::ConflictException), "RESOURCE_MODIFICATION_NOT_ALLOWED");
    sms.put_keyword()
        .origination_identity(id)
        .keyword("UNSTOP")
        .keyword_message("You are subscribed again.")
        .keyword_action(KeywordAction::OptIn)
        .send()
        .await
        .expect("UNSTOP opts in");
}
