"""Request signing, and the SMS Voice v2 API that Herald routes but does not implement yet."""

import pytest
from botocore.exceptions import ClientError


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def status_of(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------------------------
# Signatures and keys
# --------------------------------------------------------------------------------------------


def test_request_signed_with_a_wrong_secret_is_an_invalid_signature(herald):
    client = herald.client("pinpoint", secret_access_key="not-the-secret-" + "x" * 25)

    with pytest.raises(ClientError) as excinfo:
        client.get_apps()

    assert error_code(excinfo) == "InvalidSignatureException"
    assert status_of(excinfo) == 403


def test_request_with_an_unknown_access_key_is_unrecognized(herald):
    client = herald.client("pinpoint", access_key_id="AKIAUNKNOWNKEY000000")

    with pytest.raises(ClientError) as excinfo:
        client.get_apps()

    assert error_code(excinfo) == "UnrecognizedClientException"
    assert status_of(excinfo) == 403


def test_sms_request_signed_with_a_wrong_secret_is_an_invalid_signature(herald):
    client = herald.client("pinpoint-sms-voice-v2", secret_access_key="not-the-secret-" + "x" * 25)

    with pytest.raises(ClientError) as excinfo:
        client.describe_pools()

    assert error_code(excinfo) == "InvalidSignatureException"
    assert status_of(excinfo) == 403


def test_correctly_signed_request_is_answered(pinpoint):
    response = pinpoint.get_apps(PageSize="1")

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Item" in response["ApplicationsResponse"]


# --------------------------------------------------------------------------------------------
# SMS Voice v2
# --------------------------------------------------------------------------------------------


def test_unimplemented_sms_operation_is_a_validation_error_naming_it(sms):
    # RCS agents are a newer AWS feature Herald does not implement yet.
    with pytest.raises(ClientError) as excinfo:
        sms.describe_rcs_agents()

    assert error_code(excinfo) == "ValidationException"
    assert status_of(excinfo) == 400
    assert "DescribeRcsAgents" in excinfo.value.response["Error"]["Message"]
    assert excinfo.value.response.get("Reason") == "UNKNOWN_OPERATION"


def test_unimplemented_sms_operations_answer_a_validation_error_rather_than_a_transport_error(sms):
    with pytest.raises(sms.exceptions.ValidationException):
        sms.describe_notify_templates()


def test_a_text_message_needs_an_identity_that_can_reach_the_destination(sms):
    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.send_text_message(DestinationPhoneNumber="+14255550100", MessageBody="hello")
    assert excinfo.value.response.get("Reason") == "NO_ORIGINATION_IDENTITIES_FOUND"
