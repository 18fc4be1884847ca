"""The SMS user guide's getting-started tutorial through boto3: a simulator number, a pool made
from it, a configuration set with an event destination, and a protect configuration."""

import pytest


def test_getting_started_tutorial(sms):
    number = sms.request_phone_number(
        IsoCountryCode="US",
        MessageType="TRANSACTIONAL",
        NumberCapabilities=["SMS"],
        NumberType="SIMULATOR",
    )
    assert number["Status"] == "ACTIVE"
    assert number["PhoneNumberId"].startswith("phone-")
    assert number["PhoneNumber"].startswith("+1")

    pool = sms.create_pool(
        OriginationIdentity=number["PhoneNumberArn"],
        IsoCountryCode="US",
        MessageType="TRANSACTIONAL",
        Tags=[{"Key": "tutorial", "Value": "yes"}],
    )
    assert pool["PoolId"].startswith("pool-")
    assert pool["MessageType"] == "TRANSACTIONAL"
    members = sms.list_pool_origination_identities(PoolId=pool["PoolId"])["OriginationIdentities"]
    assert [m["PhoneNumber"] for m in members] == [number["PhoneNumber"]]
    tags = sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"]
    assert tags == [{"Key": "tutorial", "Value": "yes"}]

    configuration_set = sms.create_configuration_set(ConfigurationSetName="tutorial-set")
    assert configuration_set["ConfigurationSetName"] == "tutorial-set"
    destination = sms.create_event_destination(
        ConfigurationSetName="tutorial-set",
        EventDestinationName="all-sms-events",
        MatchingEventTypes=["ALL"],
        SnsDestination={"TopicArn": "arn:aws:sns:us-east-1:111122223333:sms-events"},
    )
    assert destination["EventDestination"]["Enabled"] is True
    assert destination["EventDestination"]["SnsDestination"]["TopicArn"].endswith(":sms-events")

    protect = sms.create_protect_configuration(DeletionProtectionEnabled=True)
    protect_id = protect["ProtectConfigurationId"]
    assert protect_id.startswith("protect-")
    sms.associate_protect_configuration(ConfigurationSetName="tutorial-set", ProtectConfigurationId=protect_id)
    sets = sms.describe_configuration_sets(ConfigurationSetNames=["tutorial-set"])["ConfigurationSets"]
    assert sets[0]["ProtectConfigurationId"] == protect_id
    assert [d["EventDestinationName"] for d in sets[0]["EventDestinations"]] == ["all-sms-events"]

    # Deletion protection and membership rules hold, as the guide says.
    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.delete_protect_configuration(ProtectConfigurationId=protect_id)
    assert excinfo.value.response["Reason"] in (
        "DELETION_PROTECTION_ENABLED",
        "PROTECT_CONFIGURATION_ASSOCIATED_WITH_CONFIGURATION_SET",
    )
    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.disassociate_origination_identity(
            PoolId=pool["PoolId"], OriginationIdentity=number["PhoneNumberId"], IsoCountryCode="US"
        )
    assert excinfo.value.response["Reason"] == "LAST_PHONE_NUMBER"

    # Clean-up in the order the guide gives.
    sms.disassociate_protect_configuration(ConfigurationSetName="tutorial-set", ProtectConfigurationId=protect_id)
    sms.update_protect_configuration(ProtectConfigurationId=protect_id, DeletionProtectionEnabled=False)
    sms.delete_protect_configuration(ProtectConfigurationId=protect_id)
    sms.delete_configuration_set(ConfigurationSetName="tutorial-set")
    sms.delete_pool(PoolId=pool["PoolId"])
    sms.release_phone_number(PhoneNumberId=number["PhoneNumberId"])
    with pytest.raises(sms.exceptions.ResourceNotFoundException):
        sms.describe_pools(PoolIds=[pool["PoolId"]])
