//! Quotas come from `[sms.quotas]` in the node configuration, with the guide's defaults.

use aws_sdk_pinpointsmsvoicev2::error::ProvideErrorMetadata;
use aws_sdk_pinpointsmsvoicev2::operation::create_configuration_set::CreateConfigurationSetError;
use aws_sdk_pinpointsmsvoicev2::types::{AccountLimitName, ServiceQuotaExceededExceptionReason};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::sms_voice;

#[tokio::test]
async fn configured_quotas_are_enforced_and_reported() {
    let server = TestServer::builder().config("[sms.quotas]\nconfiguration_sets = 2\n").start();
    let sms = sms_voice(&server);
    for name in ["first", "second"] {
        sms.create_configuration_set().configuration_set_name(name).send().await.expect("within the quota");
    }
    let error =
        sms.create_configuration_set().configuration_set_name("third").send().await.expect_err("over the quota");
    assert_eq!(error.code(), Some("ServiceQuotaExceededException"));
    match error.into_service_error() {
        CreateConfigurationSetError::ServiceQuotaExceededException(e) => {
            assert_eq!(e.reason(), Some(&ServiceQuotaExceededExceptionReason::ConfigurationSetsPerAccount));
        }
        other => panic!("expected ServiceQuotaExceededException, got {other:?}"),
    }

    let limits = sms.describe_account_limits().send().await.expect("DescribeAccountLimits");
    let limit = |name: AccountLimitName| {
        limits.account_limits().iter().find(|l| l.name() == &name).map(|l| (l.used(), l.max())).expect("limit")
    };
    assert_eq!(limit(AccountLimitName::ConfigurationSets), (2, 2));
    assert_eq!(limit(AccountLimitName::Pools), (0, 25), "the guide's default where nothing is configured");
}
