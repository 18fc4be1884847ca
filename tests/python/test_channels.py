"""Pinpoint push channels (APNs in its four variants, GCM/FCM, Baidu, ADM), through boto3.

Every test records the raw body of every response it gets and checks that no key
material and no secret it uploaded comes back.
"""

import json
from dataclasses import dataclass, field

import pytest
from conftest import (
    apns_certificate,
    apns_token_key_p8,
    assert_secrets_never_shown,
    fcm_service_account_json,
)

UNKNOWN_APP = "0" * 32
TOKEN_IDS = {"TokenKeyId": "ABC123DEFG", "BundleId": "com.example.herald", "TeamId": "TEAM123456"}


@dataclass
class Channel:
    """How boto3 names one channel type's operations and members."""

    platform: str  # "APNS_VOIP_SANDBOX"
    shape: str  # "APNSVoipSandbox": the request is {shape}ChannelRequest, the response {shape}ChannelResponse
    credentials: dict = field(default_factory=dict)  # members that set it up
    secrets: list = field(default_factory=list)  # values no response may show
    extra: dict = field(default_factory=dict)  # members the response must carry

    @property
    def id(self):
        return self.platform.lower()

    def update(self, pinpoint, app_id, **request):
        method = getattr(pinpoint, f"update_{self.id}_channel")
        return method(ApplicationId=app_id, **{f"{self.shape}ChannelRequest": request})[f"{self.shape}ChannelResponse"]

    def get(self, pinpoint, app_id):
        method = getattr(pinpoint, f"get_{self.id}_channel")
        return method(ApplicationId=app_id)[f"{self.shape}ChannelResponse"]

    def delete(self, pinpoint, app_id):
        method = getattr(pinpoint, f"delete_{self.id}_channel")
        return method(ApplicationId=app_id)[f"{self.shape}ChannelResponse"]

    @property
    def keeps_credentials_without_resending(self):
        # boto3 requires Baidu's and ADM's credentials in every update (the model says so).
        return self.platform not in ("BAIDU", "ADM")


APNS_SHAPES = {
    "APNS": "APNS",
    "APNS_SANDBOX": "APNSSandbox",
    "APNS_VOIP": "APNSVoip",
    "APNS_VOIP_SANDBOX": "APNSVoipSandbox",
}


def apns_token_channel(platform):
    token_key = apns_token_key_p8()
    return Channel(
        platform,
        APNS_SHAPES[platform],
        credentials={"TokenKey": token_key, **TOKEN_IDS},
        secrets=[token_key],
        extra={"DefaultAuthenticationMethod": "TOKEN", "HasTokenKey": True},
    )


def gcm_channel():
    service_json = fcm_service_account_json("herald-push")
    return Channel(
        "GCM",
        "GCM",
        credentials={"ServiceJson": service_json, "DefaultAuthenticationMethod": "TOKEN"},
        secrets=[service_json, json.loads(service_json)["private_key"]],
        extra={"DefaultAuthenticationMethod": "TOKEN", "HasFcmServiceCredentials": True},
    )


def baidu_channel():
    return Channel(
        "BAIDU",
        "Baidu",
        credentials={"ApiKey": "baidu-api-key-123", "SecretKey": "baidu-secret-key-456"},
        secrets=["baidu-secret-key-456"],
        extra={"Credential": "baidu-api-key-123"},
    )


def adm_channel():
    return Channel(
        "ADM",
        "ADM",
        credentials={"ClientId": "amzn1.application-oa2-client.herald", "ClientSecret": "adm-client-secret-789"},
        secrets=["adm-client-secret-789"],
    )


CHANNEL_FACTORIES = {
    "APNS": lambda: apns_token_channel("APNS"),
    "APNS_SANDBOX": lambda: apns_token_channel("APNS_SANDBOX"),
    "APNS_VOIP": lambda: apns_token_channel("APNS_VOIP"),
    "APNS_VOIP_SANDBOX": lambda: apns_token_channel("APNS_VOIP_SANDBOX"),
    "GCM": gcm_channel,
    "BAIDU": baidu_channel,
    "ADM": adm_channel,
}


@pytest.fixture(params=list(CHANNEL_FACTORIES))
def channel(request):
    return CHANNEL_FACTORIES[request.param]()


def assert_channel(response, channel, app_id, *, enabled, version):
    assert response["ApplicationId"] == app_id
    assert response["Platform"] == channel.platform
    assert response["Id"] == channel.id
    assert response["Enabled"] is enabled
    assert response["HasCredential"] is True
    assert response["IsArchived"] is False
    assert response["Version"] == version
    assert response["CreationDate"]
    assert response["LastModifiedDate"]
    for member, value in channel.extra.items():
        assert response[member] == value, member


def error_message(excinfo):
    return excinfo.value.response["Error"]["Message"]


# --------------------------------------------------------------------------------------------
# Every channel type
# --------------------------------------------------------------------------------------------


def test_channel_is_set_and_read(pinpoint, app_id, channel, response_bodies):
    updated = channel.update(pinpoint, app_id, **channel.credentials)
    fetched = channel.get(pinpoint, app_id)

    assert_channel(updated, channel, app_id, enabled=True, version=1)
    assert fetched == updated
    assert_secrets_never_shown(response_bodies, *channel.secrets)


def test_disabled_channel_keeps_its_credentials_and_counts_a_version(pinpoint, app_id, channel, response_bodies):
    created = channel.update(pinpoint, app_id, **channel.credentials)
    resend = {} if channel.keeps_credentials_without_resending else channel.credentials

    disabled = channel.update(pinpoint, app_id, Enabled=False, **resend)

    assert_channel(disabled, channel, app_id, enabled=False, version=2)
    assert disabled["CreationDate"] == created["CreationDate"]
    assert_channel(channel.get(pinpoint, app_id), channel, app_id, enabled=False, version=2)

    enabled = channel.update(pinpoint, app_id, Enabled=True, **resend)

    assert_channel(enabled, channel, app_id, enabled=True, version=3)
    assert_secrets_never_shown(response_bodies, *channel.secrets)


def test_deleted_channel_is_not_found(pinpoint, app_id, channel, response_bodies):
    channel.update(pinpoint, app_id, **channel.credentials)

    deleted = channel.delete(pinpoint, app_id)

    assert deleted["ApplicationId"] == app_id
    assert deleted["Platform"] == channel.platform
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        channel.get(pinpoint, app_id)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        channel.delete(pinpoint, app_id)
    assert_secrets_never_shown(response_bodies, *channel.secrets)


def test_channel_of_an_unknown_app_is_not_found(pinpoint, channel):
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        channel.update(pinpoint, UNKNOWN_APP, **channel.credentials)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        channel.get(pinpoint, UNKNOWN_APP)


def test_channel_that_was_never_set_is_not_found(pinpoint, app_id, channel):
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        channel.get(pinpoint, app_id)


def test_get_channels_lists_every_channel_set(pinpoint, app_id, response_bodies):
    channels = [factory() for factory in CHANNEL_FACTORIES.values()]
    for each in channels:
        each.update(pinpoint, app_id, **each.credentials)
    channels[0].update(pinpoint, app_id, Enabled=False)

    listed = pinpoint.get_channels(ApplicationId=app_id)["ChannelsResponse"]["Channels"]

    assert set(listed) == set(CHANNEL_FACTORIES)
    for each in channels:
        entry = listed[each.platform]
        assert entry["ApplicationId"] == app_id
        assert entry["Id"] == each.id
        assert entry["HasCredential"] is True
        assert entry["Enabled"] is (each is not channels[0])
        assert entry["Version"] == (2 if each is channels[0] else 1)
    assert_secrets_never_shown(response_bodies, *[s for each in channels for s in each.secrets])


def test_get_channels_leaves_out_deleted_channels(pinpoint, app_id):
    gcm, adm = gcm_channel(), adm_channel()
    gcm.update(pinpoint, app_id, **gcm.credentials)
    adm.update(pinpoint, app_id, **adm.credentials)

    adm.delete(pinpoint, app_id)

    listed = pinpoint.get_channels(ApplicationId=app_id)["ChannelsResponse"]["Channels"]
    assert set(listed) == {"GCM"}


def test_get_channels_of_an_app_without_channels_is_empty(pinpoint, app_id):
    listed = pinpoint.get_channels(ApplicationId=app_id)["ChannelsResponse"]["Channels"]

    assert listed == {}


def test_get_channels_of_an_unknown_app_is_not_found(pinpoint):
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_channels(ApplicationId=UNKNOWN_APP)


# --------------------------------------------------------------------------------------------
# APNs authentication: token, certificate, both
# --------------------------------------------------------------------------------------------


def test_apns_with_a_token_key_authenticates_by_token(pinpoint, app_id, response_bodies):
    token_key = apns_token_key_p8()

    response = pinpoint.update_apns_channel(
        ApplicationId=app_id,
        APNSChannelRequest={"TokenKey": token_key, **TOKEN_IDS},
    )["APNSChannelResponse"]

    assert response["DefaultAuthenticationMethod"] == "TOKEN"
    assert response["HasTokenKey"] is True
    assert response["HasCredential"] is True
    assert_secrets_never_shown(response_bodies, token_key)


def test_apns_with_a_certificate_authenticates_by_certificate(pinpoint, app_id, response_bodies):
    certificate = apns_certificate()

    response = pinpoint.update_apns_sandbox_channel(
        ApplicationId=app_id,
        APNSSandboxChannelRequest={
            "Certificate": certificate.certificate_pem,
            "PrivateKey": certificate.private_key_pem,
        },
    )["APNSSandboxChannelResponse"]

    assert response["DefaultAuthenticationMethod"] == "CERTIFICATE"
    assert response["HasTokenKey"] is False
    assert response["HasCredential"] is True
    assert_secrets_never_shown(response_bodies, certificate.private_key_pem)


def test_apns_with_both_switches_default_authentication_method(pinpoint, app_id, response_bodies):
    certificate, token_key = apns_certificate(), apns_token_key_p8()
    pinpoint.update_apns_voip_channel(
        ApplicationId=app_id,
        APNSVoipChannelRequest={
            "Certificate": certificate.certificate_pem,
            "PrivateKey": certificate.private_key_pem,
            "TokenKey": token_key,
            **TOKEN_IDS,
            "DefaultAuthenticationMethod": "TOKEN",
        },
    )

    def switch_to(method):
        return pinpoint.update_apns_voip_channel(
            ApplicationId=app_id, APNSVoipChannelRequest={"DefaultAuthenticationMethod": method}
        )["APNSVoipChannelResponse"]

    by_certificate = switch_to("CERTIFICATE")
    assert by_certificate["DefaultAuthenticationMethod"] == "CERTIFICATE"
    assert by_certificate["HasTokenKey"] is True
    assert by_certificate["Version"] == 2

    by_token = switch_to("TOKEN")
    assert by_token["DefaultAuthenticationMethod"] == "TOKEN"
    assert by_token["Version"] == 3

    fetched = pinpoint.get_apns_voip_channel(ApplicationId=app_id)["APNSVoipChannelResponse"]
    assert fetched["DefaultAuthenticationMethod"] == "TOKEN"
    assert fetched["HasTokenKey"] is True
    assert_secrets_never_shown(response_bodies, certificate.private_key_pem, token_key)


def test_apns_certificate_method_without_a_certificate_is_a_bad_request(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={
                "TokenKey": apns_token_key_p8(),
                **TOKEN_IDS,
                "DefaultAuthenticationMethod": "CERTIFICATE",
            },
        )

    assert "DefaultAuthenticationMethod" in error_message(excinfo)


# --------------------------------------------------------------------------------------------
# Credentials that are refused
# --------------------------------------------------------------------------------------------


def test_bad_p8_token_key_is_a_bad_request_naming_token_key(pinpoint, app_id, response_bodies):
    bad_key = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbCwganVzdCBzb21lIHRleHQ=\n-----END PRIVATE KEY-----\n"

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={"TokenKey": bad_key, **TOKEN_IDS},
        )

    assert "TokenKey" in error_message(excinfo)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert_secrets_never_shown(response_bodies, bad_key)


def test_rsa_key_as_p8_token_key_is_a_bad_request_naming_token_key(pinpoint, app_id):
    rsa_key = apns_certificate().private_key_pem

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={"TokenKey": rsa_key, **TOKEN_IDS},
        )

    assert "TokenKey" in error_message(excinfo)


def test_token_key_without_team_id_is_a_bad_request_naming_team_id(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={"TokenKey": apns_token_key_p8(), "TokenKeyId": "ABC123DEFG", "BundleId": "com.example"},
        )

    assert "TeamId" in error_message(excinfo)


def test_expired_apns_certificate_is_refused(pinpoint, app_id, response_bodies):
    certificate = apns_certificate(expired=True)

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={"Certificate": certificate.certificate_pem, "PrivateKey": certificate.private_key_pem},
        )

    assert "Certificate" in error_message(excinfo)
    assert "expired" in error_message(excinfo).lower()
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_apns_channel(ApplicationId=app_id)
    assert_secrets_never_shown(response_bodies, certificate.private_key_pem)


def test_apns_private_key_of_another_certificate_is_refused(pinpoint, app_id):
    certificate, other = apns_certificate(), apns_certificate()

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_apns_channel(
            ApplicationId=app_id,
            APNSChannelRequest={"Certificate": certificate.certificate_pem, "PrivateKey": other.private_key_pem},
        )

    assert "PrivateKey" in error_message(excinfo)


def test_apns_without_credentials_is_a_bad_request(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException):
        pinpoint.update_apns_channel(ApplicationId=app_id, APNSChannelRequest={"Enabled": True})


def test_gcm_service_json_without_private_key_is_a_bad_request_naming_it(pinpoint, app_id):
    service_json = fcm_service_account_json(omit=("private_key",))

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_gcm_channel(
            ApplicationId=app_id,
            GCMChannelRequest={"ServiceJson": service_json, "DefaultAuthenticationMethod": "TOKEN"},
        )

    assert "private_key" in error_message(excinfo)
    assert "ServiceJson" in error_message(excinfo)


def test_gcm_service_json_that_is_not_json_is_a_bad_request(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_gcm_channel(ApplicationId=app_id, GCMChannelRequest={"ServiceJson": "{not json"})

    assert "ServiceJson" in error_message(excinfo)


def test_gcm_with_a_legacy_api_key_authenticates_by_key(pinpoint, app_id, response_bodies):
    response = pinpoint.update_gcm_channel(
        ApplicationId=app_id,
        GCMChannelRequest={"ApiKey": "legacy-server-key-abc", "DefaultAuthenticationMethod": "KEY"},
    )["GCMChannelResponse"]

    assert response["DefaultAuthenticationMethod"] == "KEY"
    assert response["HasFcmServiceCredentials"] is False
    assert response["HasCredential"] is True
    assert_secrets_never_shown(response_bodies, "legacy-server-key-abc")


def test_gcm_without_credentials_is_a_bad_request(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException):
        pinpoint.update_gcm_channel(ApplicationId=app_id, GCMChannelRequest={"Enabled": True})


def test_baidu_with_an_empty_secret_key_is_a_bad_request_naming_it(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_baidu_channel(
            ApplicationId=app_id, BaiduChannelRequest={"ApiKey": "baidu-api-key", "SecretKey": ""}
        )

    assert "SecretKey" in error_message(excinfo)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_baidu_channel(ApplicationId=app_id)


def test_adm_with_an_empty_client_secret_is_a_bad_request_naming_it(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_adm_channel(ApplicationId=app_id, ADMChannelRequest={"ClientId": "client", "ClientSecret": " "})

    assert "ClientSecret" in error_message(excinfo)
