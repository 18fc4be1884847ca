//! Protect configurations through the real SMS and voice v2 SDK: lifecycle, country rule sets,
//! the account default, configuration set associations and number overrides.

use std::time::{Duration, SystemTime};

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::error::ProvideErrorMetadata;
use aws_sdk_pinpointsmsvoicev2::operation::associate_protect_configuration::AssociateProtectConfigurationError;
use aws_sdk_pinpointsmsvoicev2::operation::create_protect_configuration::CreateProtectConfigurationError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_account_default_protect_configuration::DeleteAccountDefaultProtectConfigurationError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_protect_configuration::DeleteProtectConfigurationError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_protect_configuration_rule_set_number_override::DeleteProtectConfigurationRuleSetNumberOverrideError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_protect_configurations::DescribeProtectConfigurationsError;
use aws_sdk_pinpointsmsvoicev2::operation::disassociate_protect_configuration::DisassociateProtectConfigurationError;
use aws_sdk_pinpointsmsvoicev2::operation::put_protect_configuration_rule_set_number_override::PutProtectConfigurationRuleSetNumberOverrideError;
use aws_sdk_pinpointsmsvoicev2::operation::update_protect_configuration_country_rule_set::UpdateProtectConfigurationCountryRuleSetError;
use aws_sdk_pinpointsmsvoicev2::primitives::DateTime;
use aws_sdk_pinpointsmsvoicev2::types::{
    AccountAttributeName, ConflictExceptionReason, NumberCapability, ProtectConfigurationCountryRuleSetInformation,
    ProtectConfigurationFilter, ProtectConfigurationFilterName, ProtectConfigurationRuleOverrideAction,
    ProtectConfigurationRuleSetNumberOverrideFilterItem, ProtectConfigurationRuleSetNumberOverrideFilterName,
    ProtectStatus, ResourceType, ServiceQuotaExceededExceptionReason, Tag, ValidationExceptionReason,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::sms_voice;

/// The modelled exception a failed call answered: `exception!(result, OperationError::Variant)`.
macro_rules! exception {
    ($result:expr, $variant:path) => {
        match $result.expect_err("the call should fail").into_service_error() {
            $variant(exception) => exception,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

fn rule(status: ProtectStatus) -> ProtectConfigurationCountryRuleSetInformation {
    ProtectConfigurationCountryRuleSetInformation::builder().protect_status(status).build().expect("rule")
}

async fn create_protect(sms: &Client) -> String {
    let created = sms.create_protect_configuration().send().await.expect("CreateProtectConfiguration");
    created.protect_configuration_id().to_string()
}

/// The ids a filtered DescribeProtectConfigurations answers.
async fn ids_where(sms: &Client, name: ProtectConfigurationFilterName, value: &str) -> Vec<String> {
    let filter = ProtectConfigurationFilter::builder().name(name).values(value).build().expect("filter");
    let described =
        sms.describe_protect_configurations().filters(filter).send().await.expect("DescribeProtectConfigurations");
    described.protect_configurations().iter().map(|p| p.protect_configuration_id().to_string()).collect()
}

#[tokio::test]
async fn protect_configuration_lifecycle() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let created = sms
        .create_protect_configuration()
        .deletion_protection_enabled(true)
        .tags(Tag::builder().key("Name").value("strict").build().expect("tag"))
        .send()
        .await
        .expect("CreateProtectConfiguration");
    let id = created.protect_configuration_id().to_string();
    let hex = id.strip_prefix("protect-").expect("protect- prefix");
    assert!(hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert!(created.protect_configuration_arn().ends_with(&format!(":protect-configuration/{id}")));
    assert!(created.deletion_protection_enabled());
    assert!(!created.account_default());
    assert_eq!(created.tags().first().map(|t| t.value()), Some("strict"));
    let loose = create_protect(&sms).await;

    // Describe by id or ARN, and by filter.
    let described = sms
        .describe_protect_configurations()
        .protect_configuration_ids(created.protect_configuration_arn())
        .send()
        .await
        .expect("DescribeProtectConfigurations");
    assert_eq!(described.protect_configurations().len(), 1);
    assert_eq!(described.protect_configurations()[0].protect_configuration_id(), id);
    assert_eq!(ids_where(&sms, ProtectConfigurationFilterName::DeletionProtectionEnabled, "true").await, [id.as_str()]);
    assert_eq!(ids_where(&sms, ProtectConfigurationFilterName::DeletionProtectionEnabled, "false").await, [loose]);
    let missing = exception!(
        sms.describe_protect_configurations().protect_configuration_ids("protect-missing").send().await,
        DescribeProtectConfigurationsError::ResourceNotFoundException
    );
    assert_eq!(missing.resource_type(), Some(&ResourceType::ProtectConfiguration));
    assert_eq!(missing.resource_id(), Some("protect-missing"));

    // Deletion protection guards until it is switched off.
    let protected = exception!(
        sms.delete_protect_configuration().protect_configuration_id(&id).send().await,
        DeleteProtectConfigurationError::ConflictException
    );
    assert_eq!(protected.reason(), Some(&ConflictExceptionReason::DeletionProtectionEnabled));
    assert_eq!(protected.resource_type(), Some(&ResourceType::ProtectConfiguration));
    let updated = sms
        .update_protect_configuration()
        .protect_configuration_id(&id)
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("UpdateProtectConfiguration");
    assert!(!updated.deletion_protection_enabled());
    let deleted = sms
        .delete_protect_configuration()
        .protect_configuration_id(&id)
        .send()
        .await
        .expect("DeleteProtectConfiguration");
    assert_eq!(deleted.protect_configuration_id(), id);
    let error = sms.delete_protect_configuration().protect_configuration_id(&id).send().await.expect_err("gone");
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
    let arn = created.protect_configuration_arn().to_string();
    let error = sms.list_tags_for_resource().resource_arn(arn).send().await.expect_err("tags went with it");
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn country_rule_sets_per_channel() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let id = create_protect(&sms).await;

    // Every country starts as ALLOW.
    let fresh = sms
        .get_protect_configuration_country_rule_set()
        .protect_configuration_id(&id)
        .number_capability(NumberCapability::Sms)
        .send()
        .await
        .expect("GetProtectConfigurationCountryRuleSet");
    let rules = fresh.country_rule_set();
    assert!(rules.len() > 200 && rules.len() <= 300, "{}", rules.len());
    assert!(rules.values().all(|r| r.protect_status() == &ProtectStatus::Allow));
    assert!(rules.contains_key("US") && rules.contains_key("GB"));

    let updated = sms
        .update_protect_configuration_country_rule_set()
        .protect_configuration_id(&id)
        .number_capability(NumberCapability::Sms)
        .country_rule_set_updates("GB", rule(ProtectStatus::Block))
        .country_rule_set_updates("FR", rule(ProtectStatus::Monitor))
        .send()
        .await
        .expect("UpdateProtectConfigurationCountryRuleSet");
    assert_eq!(updated.number_capability(), &NumberCapability::Sms);
    assert_eq!(updated.country_rule_set()["GB"].protect_status(), &ProtectStatus::Block);
    assert_eq!(updated.country_rule_set()["US"].protect_status(), &ProtectStatus::Allow);

    let get = |capability: NumberCapability| {
        sms.get_protect_configuration_country_rule_set().protect_configuration_id(&id).number_capability(capability)
    };
    let sms_rules = get(NumberCapability::Sms).send().await.expect("get SMS");
    assert_eq!(sms_rules.country_rule_set()["GB"].protect_status(), &ProtectStatus::Block);
    assert_eq!(sms_rules.country_rule_set()["FR"].protect_status(), &ProtectStatus::Monitor);
    // Rules are per channel.
    let mms_rules = get(NumberCapability::Mms).send().await.expect("get MMS");
    assert_eq!(mms_rules.country_rule_set()["GB"].protect_status(), &ProtectStatus::Allow);
    sms.update_protect_configuration_country_rule_set()
        .protect_configuration_id(&id)
        .number_capability(NumberCapability::Voice)
        .country_rule_set_updates("GB", rule(ProtectStatus::Block))
        .send()
        .await
        .expect("update VOICE");
    let voice_rules = get(NumberCapability::Voice).send().await.expect("get VOICE");
    assert_eq!(voice_rules.country_rule_set()["GB"].protect_status(), &ProtectStatus::Block);
    // Back to ALLOW.
    sms.update_protect_configuration_country_rule_set()
        .protect_configuration_id(&id)
        .number_capability(NumberCapability::Sms)
        .country_rule_set_updates("GB", rule(ProtectStatus::Allow))
        .send()
        .await
        .expect("allow again");
    let sms_rules = get(NumberCapability::Sms).send().await.expect("get SMS");
    assert_eq!(sms_rules.country_rule_set()["GB"].protect_status(), &ProtectStatus::Allow);

    // At most 300 countries per call, and only countries the service knows.
    let mut too_many = sms
        .update_protect_configuration_country_rule_set()
        .protect_configuration_id(&id)
        .number_capability(NumberCapability::Sms);
    for first in 'A'..='Z' {
        for second in 'A'..='Z' {
            too_many = too_many.country_rule_set_updates(format!("{first}{second}"), rule(ProtectStatus::Block));
        }
    }
    let error = exception!(too_many.send().await, UpdateProtectConfigurationCountryRuleSetError::ValidationException);
    assert_eq!(error.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let unknown = exception!(
        sms.update_protect_configuration_country_rule_set()
            .protect_configuration_id(&id)
            .number_capability(NumberCapability::Sms)
            .country_rule_set_updates("ZZ", rule(ProtectStatus::Block))
            .send()
            .await,
        UpdateProtectConfigurationCountryRuleSetError::ValidationException
    );
    assert_eq!(unknown.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let missing = exception!(
        sms.update_protect_configuration_country_rule_set()
            .protect_configuration_id("protect-missing")
            .number_capability(NumberCapability::Sms)
            .country_rule_set_updates("GB", rule(ProtectStatus::Block))
            .send()
            .await,
        UpdateProtectConfigurationCountryRuleSetError::ResourceNotFoundException
    );
    assert_eq!(missing.resource_type(), Some(&ResourceType::ProtectConfiguration));
}

#[tokio::test]
async fn account_default_and_configuration_set_associations() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let first = create_protect(&sms).await;
    let second = create_protect(&sms).await;
    sms.create_configuration_set().configuration_set_name("guarded").send().await.expect("CreateConfigurationSet");

    let none = exception!(
        sms.delete_account_default_protect_configuration().send().await,
        DeleteAccountDefaultProtectConfigurationError::ResourceNotFoundException
    );
    assert_eq!(none.resource_type(), Some(&ResourceType::ProtectConfiguration));

    let set = sms
        .set_account_default_protect_configuration()
        .protect_configuration_id(&first)
        .send()
        .await
        .expect("SetAccountDefaultProtectConfiguration");
    assert_eq!(set.default_protect_configuration_id(), first);
    assert!(set.default_protect_configuration_arn().ends_with(&first));
    assert_eq!(ids_where(&sms, ProtectConfigurationFilterName::AccountDefault, "true").await, [first.as_str()]);
    let attributes = sms.describe_account_attributes().send().await.expect("DescribeAccountAttributes");
    let default = attributes
        .account_attributes()
        .iter()
        .find(|a| a.name() == &AccountAttributeName::DefaultProtectConfigurationId)
        .map(|a| a.value().to_string());
    assert_eq!(default.as_deref(), Some(first.as_str()));

    // The account default can neither be deleted nor tied to one configuration set.
    let is_default = exception!(
        sms.delete_protect_configuration().protect_configuration_id(&first).send().await,
        DeleteProtectConfigurationError::ConflictException
    );
    assert_eq!(is_default.reason(), Some(&ConflictExceptionReason::ProtectConfigurationIsAccountDefault));
    let is_default = exception!(
        sms.associate_protect_configuration()
            .protect_configuration_id(&first)
            .configuration_set_name("guarded")
            .send()
            .await,
        AssociateProtectConfigurationError::ConflictException
    );
    assert_eq!(is_default.reason(), Some(&ConflictExceptionReason::ProtectConfigurationIsAccountDefault));

    let associated = sms
        .associate_protect_configuration()
        .protect_configuration_id(&second)
        .configuration_set_name("guarded")
        .send()
        .await
        .expect("AssociateProtectConfiguration");
    assert_eq!(associated.configuration_set_name(), "guarded");
    assert_eq!(associated.protect_configuration_id(), second);
    let described =
        sms.describe_configuration_sets().configuration_set_names("guarded").send().await.expect("describe set");
    assert_eq!(described.configuration_sets()[0].protect_configuration_id(), Some(second.as_str()));
    let in_use = exception!(
        sms.delete_protect_configuration().protect_configuration_id(&second).send().await,
        DeleteProtectConfigurationError::ConflictException
    );
    assert_eq!(in_use.reason(), Some(&ConflictExceptionReason::ProtectConfigurationAssociatedWithConfigurationSet));
    let not_associated = exception!(
        sms.disassociate_protect_configuration()
            .protect_configuration_id(&first)
            .configuration_set_name("guarded")
            .send()
            .await,
        DisassociateProtectConfigurationError::ConflictException
    );
    assert_eq!(
        not_associated.reason(),
        Some(&ConflictExceptionReason::ProtectConfigurationNotAssociatedWithConfigurationSet)
    );
    let missing_set = exception!(
        sms.associate_protect_configuration()
            .protect_configuration_id(&second)
            .configuration_set_name("missing")
            .send()
            .await,
        AssociateProtectConfigurationError::ResourceNotFoundException
    );
    assert_eq!(missing_set.resource_type(), Some(&ResourceType::ConfigurationSet));

    // A new default replaces the old one.
    sms.set_account_default_protect_configuration()
        .protect_configuration_id(&second)
        .send()
        .await
        .expect("replace the default");
    assert_eq!(ids_where(&sms, ProtectConfigurationFilterName::AccountDefault, "true").await, [second.as_str()]);
    assert_eq!(ids_where(&sms, ProtectConfigurationFilterName::AccountDefault, "false").await, [first.as_str()]);
    let cleared = sms
        .delete_account_default_protect_configuration()
        .send()
        .await
        .expect("DeleteAccountDefaultProtectConfiguration");
    assert_eq!(cleared.default_protect_configuration_id(), second);
    let error = sms.delete_account_default_protect_configuration().send().await.expect_err("nothing to clear");
    assert_eq!(error.code(), Some("ResourceNotFoundException"));

    let disassociated = sms
        .disassociate_protect_configuration()
        .protect_configuration_id(&second)
        .configuration_set_name("guarded")
        .send()
        .await
        .expect("DisassociateProtectConfiguration");
    assert_eq!(disassociated.protect_configuration_id(), second);
    let described =
        sms.describe_configuration_sets().configuration_set_names("guarded").send().await.expect("describe set");
    assert_eq!(described.configuration_sets()[0].protect_configuration_id(), None);
    for id in [&first, &second] {
        sms.delete_protect_configuration().protect_configuration_id(id).send().await.expect("delete when free");
    }
}

#[tokio::test]
async fn number_overrides() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let id = create_protect(&sms).await;
    let tomorrow = DateTime::from(SystemTime::now() + Duration::from_secs(86_400));

    let blocked = sms
        .put_protect_configuration_rule_set_number_override()
        .protect_configuration_id(&id)
        .destination_phone_number("+447700900123")
        .action(ProtectConfigurationRuleOverrideAction::Block)
        .expiration_timestamp(tomorrow)
        .send()
        .await
        .expect("PutProtectConfigurationRuleSetNumberOverride");
    assert_eq!(blocked.iso_country_code(), Some("GB"));
    assert_eq!(blocked.action(), &ProtectConfigurationRuleOverrideAction::Block);
    assert_eq!(blocked.expiration_timestamp().map(|t| t.secs()), Some(tomorrow.secs()));
    sms.put_protect_configuration_rule_set_number_override()
        .protect_configuration_id(&id)
        .destination_phone_number("+12065550100")
        .action(ProtectConfigurationRuleOverrideAction::Allow)
        .send()
        .await
        .expect("put another");
    // Putting again replaces the rule.
    let replaced = sms
        .put_protect_configuration_rule_set_number_override()
        .protect_configuration_id(&id)
        .destination_phone_number("+447700900123")
        .action(ProtectConfigurationRuleOverrideAction::Allow)
        .send()
        .await
        .expect("replace");
    assert_eq!(replaced.action(), &ProtectConfigurationRuleOverrideAction::Allow);
    assert_eq!(replaced.created_timestamp(), blocked.created_timestamp());

    let past = exception!(
        sms.put_protect_configuration_rule_set_number_override()
            .protect_configuration_id(&id)
            .destination_phone_number("+447700900124")
            .action(ProtectConfigurationRuleOverrideAction::Block)
            .expiration_timestamp(DateTime::from_secs(1_000))
            .send()
            .await,
        PutProtectConfigurationRuleSetNumberOverrideError::ValidationException
    );
    assert_eq!(past.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let bad_number = exception!(
        sms.put_protect_configuration_rule_set_number_override()
            .protect_configuration_id(&id)
            .destination_phone_number("+0123")
            .action(ProtectConfigurationRuleOverrideAction::Block)
            .send()
            .await,
        PutProtectConfigurationRuleSetNumberOverrideError::ValidationException
    );
    assert_eq!(bad_number.reason(), Some(&ValidationExceptionReason::InvalidParameter));

    let list = |filters: Vec<ProtectConfigurationRuleSetNumberOverrideFilterItem>| {
        sms.list_protect_configuration_rule_set_number_overrides()
            .protect_configuration_id(&id)
            .set_filters(Some(filters))
    };
    let numbers = |output: &aws_sdk_pinpointsmsvoicev2::operation::list_protect_configuration_rule_set_number_overrides::ListProtectConfigurationRuleSetNumberOverridesOutput| {
        output.rule_set_number_overrides().iter().map(|o| o.destination_phone_number().to_string()).collect::<Vec<_>>()
    };
    let filter = |name: ProtectConfigurationRuleSetNumberOverrideFilterName, value: &str| {
        ProtectConfigurationRuleSetNumberOverrideFilterItem::builder().name(name).values(value).build().expect("filter")
    };
    use ProtectConfigurationRuleSetNumberOverrideFilterName as F;
    let all = list(Vec::new()).send().await.expect("ListProtectConfigurationRuleSetNumberOverrides");
    assert_eq!(numbers(&all), ["+12065550100", "+447700900123"]);
    assert_eq!(all.protect_configuration_id(), id);
    let gb = list(vec![filter(F::IsoCountryCode, "GB")]).send().await.expect("by country");
    assert_eq!(numbers(&gb), ["+447700900123"]);
    let us = list(vec![filter(F::DestinationPhoneNumberBeginsWith, "+1206")]).send().await.expect("by prefix");
    assert_eq!(numbers(&us), ["+12065550100"]);
    let allowed = list(vec![filter(F::Action, "ALLOW")]).send().await.expect("by action");
    assert_eq!(numbers(&allowed).len(), 2);
    let soon = (SystemTime::now() + Duration::from_secs(3_600))
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs()
        .to_string();
    let created_before = list(vec![filter(F::CreatedBefore, &soon)]).send().await.expect("created before");
    assert_eq!(numbers(&created_before).len(), 2);
    let created_after = list(vec![filter(F::CreatedAfter, &soon)]).send().await.expect("created after");
    assert!(numbers(&created_after).is_empty());
    let error = list(vec![filter(F::CreatedAfter, "whenever")]).send().await.expect_err("bad time");
    assert_eq!(error.code(), Some("ValidationException"));
    let first_page = sms
        .list_protect_configuration_rule_set_number_overrides()
        .protect_configuration_id(&id)
        .max_results(1)
        .send()
        .await
        .expect("page");
    assert_eq!(numbers(&first_page), ["+12065550100"]);
    let second_page = sms
        .list_protect_configuration_rule_set_number_overrides()
        .protect_configuration_id(&id)
        .max_results(1)
        .next_token(first_page.next_token().expect("more"))
        .send()
        .await
        .expect("page");
    assert_eq!(numbers(&second_page), ["+447700900123"]);

    let deleted = sms
        .delete_protect_configuration_rule_set_number_override()
        .protect_configuration_id(&id)
        .destination_phone_number("+12065550100")
        .send()
        .await
        .expect("DeleteProtectConfigurationRuleSetNumberOverride");
    assert_eq!(deleted.action(), &ProtectConfigurationRuleOverrideAction::Allow);
    assert_eq!(deleted.iso_country_code(), Some("US"));
    let again = exception!(
        sms.delete_protect_configuration_rule_set_number_override()
            .protect_configuration_id(&id)
            .destination_phone_number("+12065550100")
            .send()
            .await,
        DeleteProtectConfigurationRuleSetNumberOverrideError::ResourceNotFoundException
    );
    assert_eq!(again.resource_type(), Some(&ResourceType::ProtectConfiguration));
}

#[tokio::test]
async fn at_most_twenty_five_protect_configurations() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    for _ in 0..25 {
        create_protect(&sms).await;
    }
    let over = exception!(
        sms.create_protect_configuration().send().await,
        CreateProtectConfigurationError::ServiceQuotaExceededException
    );
    assert_eq!(over.reason(), Some(&ServiceQuotaExceededExceptionReason::ProtectConfigurationsPerAccount));

    // A retried create (same ClientToken) answers the configuration it made, quota or not.
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let first = sms.create_protect_configuration().client_token("once").send().await.expect("create");
    let again = sms.create_protect_configuration().client_token("once").send().await.expect("retry");
    assert_eq!(first.protect_configuration_id(), again.protect_configuration_id());
    let all = sms.describe_protect_configurations().send().await.expect("describe");
    assert_eq!(all.protect_configurations().len(), 1);
}
