"""The push user guide's `aws pinpoint send-messages` examples, run with the AWS CLI against a
Herald whose push providers are the fakes of `herald-fakes`.

Each example is checked twice: in the CLI's output (Result[token].DeliveryStatus, as the guide's
SDK examples check it) and at the fake provider, through its control API, for what Herald sent.

The guide's examples have defects (push-guide.md A.13): the first is not JSON ('GCM', True, one
brace too many) and the RawContent strings of the others are escaped wrongly (a missing quote in
body_loc_args, a stray \\" after the Safari payload, over-escaped quotes in the GAME_INVITATION
payload). The requests below are those examples with the quoting fixed and the content kept; the
RawContent strings are built with json.dumps so that they are exactly the guide's payloads.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REGION = "us-east-1"
CLI_TIMEOUT_SECONDS = 60


# --------------------------------------------------------------------------------------------
# The guide's examples
# --------------------------------------------------------------------------------------------


def gcm_file_example(token: str) -> dict:
    """GCM (AWS CLI), myfile.json: `'GCM'` and `True` made JSON, the extra closing brace dropped."""
    return {
        "Addresses": {token: {"ChannelType": "GCM"}},
        "MessageConfiguration": {
            "GCMMessage": {
                "Action": "URL",
                "Body": "This is a sample message",
                "Priority": "normal",
                "SilentPush": True,
                "Title": "My sample message",
                "TimeToLive": 30,
                "Url": "https://www.example.com",
            }
        },
    }


# "using all legacy keys": the payload of the legacy FCM API; body_loc_args lacked a closing quote.
LEGACY_RAW_CONTENT = {
    "notification": {
        "title": "string",
        "body": "string",
        "android_channel_id": "string",
        "body_loc_args": ["string"],
        "body_loc_key": "string",
        "click_action": "string",
        "color": "string",
        "icon": "string",
        "sound": "string",
        "tag": "string",
        "title_loc_args": ["string"],
        "title_loc_key": "string",
    },
    "data": {"message": "hello in data"},
}

# "with FCMv1 message payload": the `message` inside {"fcmV1Message": {"message": …}}.
FCM_V1_MESSAGE = {
    "notification": {"title": "string", "body": "string"},
    "android": {
        "priority": "high",
        "notification": {
            "title": "string",
            "body": "string",
            "icon": "string",
            "color": "string",
            "sound": "string",
            "tag": "string",
            "click_action": "string",
            "body_loc_key": "string",
            "body_loc_args": ["string"],
            "title_loc_key": "string",
            "title_loc_args": ["string"],
            "channel_id": "string",
            "ticker": "string",
            "sticky": True,
            "event_time": "2024-02-06T22:11:55Z",
            "local_only": True,
            "notification_priority": "PRIORITY_UNSPECIFIED",
            "default_sound": False,
            "default_vibrate_timings": True,
            "default_light_settings": False,
            "vibrate_timings": ["22s"],
            "visibility": "VISIBILITY_UNSPECIFIED",
            "notification_count": 5,
            "light_settings": {
                "color": {"red": 1, "green": 2, "blue": 3, "alpha": 6},
                "light_on_duration": "112s",
                "light_off_duration": "1123s",
            },
            "image": "string",
        },
        "data": {
            "dataKey1": "priority message",
            "data_key_3": "priority message",
            "dataKey2": "priority message",
            "data_key_5": "priority message",
        },
        "ttl": "10023.32s",
    },
    "apns": {
        "payload": {
            "aps": {
                "alert": {
                    "subtitle": "string",
                    "title-loc-args": ["string"],
                    "title-loc-key": "string",
                    "launch-image": "string",
                    "subtitle-loc-key": "string",
                    "subtitle-loc-args": ["string"],
                    "loc-args": ["string"],
                    "loc-key": "string",
                    "title": "string",
                    "body": "string",
                },
                "thread-id": "string",
                "category": "string",
                "content-available": 1,
                "mutable-content": 1,
                "target-content-id": "string",
                "interruption-level": "string",
                "relevance-score": 25,
                "filter-criteria": "string",
                "stale-date": 6483,
                "content-state": {},
                "timestamp": 673634,
                "dismissal-date": 4,
                "attributes-type": "string",
                "attributes": {},
                "sound": "string",
                "badge": 5,
            }
        }
    },
    "webpush": {
        "notification": {
            "permission": "granted",
            "maxActions": 2,
            "actions": ["title"],
            "badge": "URL",
            "body": "Hello",
            "data": {"hello": "hey"},
            "dir": "auto",
            "icon": "icon",
            "image": "image",
            "lang": "string",
            "renotify": False,
            "requireInteraction": True,
            "silent": False,
            "tag": "tag",
            "timestamp": 1707259524964,
            "title": "hello",
            "vibrate": [100, 200, 300],
        },
        "data": {
            "data1": "priority message",
            "data2": "priority message",
            "data12": "priority message",
            "data3": "priority message",
        },
    },
    "data": {
        "data7": "priority message",
        "data5": "priority message",
        "data8": "priority message",
        "data9": "priority message",
    },
}

# Safari (AWS CLI): without the stray \" the guide prints after the payload.
SAFARI_RAW_CONTENT = {
    "aps": {
        "alert": {"title": "Title of my message", "body": "This is a push notification for the Safari web browser."},
        "content-available": 1,
        "url-args": [""],
    }
}

# APNS (AWS CLI): the quotes the guide over-escapes (\\\") made plain.
GAME_INVITATION_RAW_CONTENT = {
    "aps": {
        "alert": {"title": "Game Request", "subtitle": "Five Card Draw", "body": "Bob wants to play poker"},
        "category": "GAME_INVITATION",
    },
    "gameID": "12345678",
}


def gcm_raw_example(token: str, raw_content: dict) -> dict:
    """The guide's GCM RawContent requests: the payload as a string, TimeToLive 309744 beside it."""
    return {
        "MessageConfiguration": {"GCMMessage": {"RawContent": json.dumps(raw_content), "TimeToLive": 309744}},
        "Addresses": {token: {"ChannelType": "GCM"}},
    }


def apns_raw_example(token: str, raw_content: dict) -> dict:
    return {
        "Addresses": {token: {"ChannelType": "APNS"}},
        "MessageConfiguration": {"APNSMessage": {"RawContent": json.dumps(raw_content)}},
    }


# --------------------------------------------------------------------------------------------
# Running them
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guide_app(herald_with_fakes, herald_fakes):
    """An app with the APNs channel (the fakes' token key) and the GCM channel (their service
    account) enabled, as the guide's console steps leave it."""
    pinpoint = herald_with_fakes.client("pinpoint")
    app = pinpoint.create_app(CreateApplicationRequest={"Name": f"guide-{uuid.uuid4().hex[:8]}"})
    application_id = app["ApplicationResponse"]["Id"]
    apns = herald_fakes.apns
    pinpoint.update_apns_channel(
        ApplicationId=application_id,
        APNSChannelRequest={
            "Enabled": True,
            "DefaultAuthenticationMethod": "TOKEN",
            "TokenKey": Path(apns["token_key_file"]).read_text(),
            "TokenKeyId": apns["key_id"],
            "TeamId": apns["team_id"],
            "BundleId": apns["bundle_id"],
        },
    )
    pinpoint.update_gcm_channel(
        ApplicationId=application_id,
        GCMChannelRequest={
            "Enabled": True,
            "DefaultAuthenticationMethod": "TOKEN",
            "ServiceJson": Path(herald_fakes.fcm["service_account_file"]).read_text(),
        },
    )
    yield application_id
    pinpoint.delete_app(ApplicationId=application_id)


@pytest.fixture(autouse=True)
def fresh_fakes(herald_fakes):
    herald_fakes.reset()


@pytest.fixture
def send_messages(herald_with_fakes, guide_app, tmp_path):
    """`aws pinpoint send-messages --message-request file://myfile.json` with the AWS CLI; returns
    the MessageResponse it printed."""
    config_dir = tmp_path / "aws"
    config_dir.mkdir()
    # Only this Herald's credentials: no profile, config file or proxy of the machine may apply.
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and not name.lower().endswith("_proxy")
    }
    environment.update(
        AWS_ACCESS_KEY_ID=herald_with_fakes.access_key_id,
        AWS_SECRET_ACCESS_KEY=herald_with_fakes.secret_access_key,
        AWS_CONFIG_FILE=str(config_dir / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(config_dir / "credentials"),
        # No retries: a failing request should fail the test with the first answer.
        AWS_MAX_ATTEMPTS="1",
    )

    def send(message_request: dict) -> dict:
        request_file = tmp_path / "myfile.json"
        request_file.write_text(json.dumps(message_request, indent=2))
        command = [sys.executable, "-m", "awscli", "pinpoint", "send-messages"]
        command += ["--endpoint-url", herald_with_fakes.endpoint, "--region", REGION, "--output", "json"]
        command += ["--application-id", guide_app, "--message-request", f"file://{request_file}"]
        completed = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS
        )
        assert completed.returncode == 0, (
            f"aws pinpoint send-messages exited with {completed.returncode}\n"
            f"--- request ---\n{request_file.read_text()}\n--- stderr ---\n{completed.stderr}"
        )
        return json.loads(completed.stdout)["MessageResponse"]

    return send


def result_for(response: dict, token: str) -> dict:
    result = response.get("Result", {})
    assert token in result, f"no result for {token}: {response}"
    return result[token]


def only_received(herald_fakes, provider: str, token: str) -> dict:
    """The one request the fake received for `token`."""
    if provider == "fcm":
        matching = [r for r in herald_fakes.received("fcm") if r["message"].get("token") == token]
    else:
        matching = [r for r in herald_fakes.received("apns") if r["device_token"] == token]
    assert len(matching) == 1, f"{provider} received {len(matching)} requests for {token}: {matching}"
    return matching[0]


def fcm_token() -> str:
    # Shaped like an FCM registration token; the fake takes any string.
    return f"guide-{secrets.token_hex(8)}:APA91b{secrets.token_urlsafe(48)}"


def apns_token() -> str:
    # APNs device tokens are hex; the fake refuses anything else as BadDeviceToken.
    return secrets.token_hex(32)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_gcm_file_example_sends_a_silent_data_message(send_messages, herald_fakes):
    token = fcm_token()
    response = send_messages(gcm_file_example(token))

    assert result_for(response, token)["DeliveryStatus"] == "SUCCESSFUL", response
    received = only_received(herald_fakes, "fcm", token)
    assert received["project_id"] == herald_fakes.fcm["project_id"]
    assert received["bearer_token"], "Herald sends with an OAuth access token"
    message = received["message"]
    # SilentPush: a data-only message, which FCM hands to the app instead of displaying it.
    assert "notification" not in message, message
    assert "notification" not in message["android"], message
    assert message["android"]["priority"] == "NORMAL"
    assert message["android"]["ttl"] == "30s"
    data = message["data"]
    assert data["pinpoint.url"] == "https://www.example.com"
    assert data["pinpoint.notification.title"] == "My sample message"
    assert data["pinpoint.notification.body"] == "This is a sample message"
    assert data["pinpoint.notification.silentPush"] == "1"


def test_gcm_legacy_raw_content_is_translated_to_fcm_v1(send_messages, herald_fakes):
    token = fcm_token()
    response = send_messages(gcm_raw_example(token, LEGACY_RAW_CONTENT))

    assert result_for(response, token)["DeliveryStatus"] == "SUCCESSFUL", response
    message = only_received(herald_fakes, "fcm", token)["message"]
    assert message["token"] == token
    assert message["notification"] == {"title": "string", "body": "string"}
    # The Android-only legacy keys move to android.notification; android_channel_id is channel_id in v1.
    assert message["android"]["notification"] == {
        "channel_id": "string",
        "body_loc_args": ["string"],
        "body_loc_key": "string",
        "click_action": "string",
        "color": "string",
        "icon": "string",
        "sound": "string",
        "tag": "string",
        "title_loc_args": ["string"],
        "title_loc_key": "string",
    }
    # The payload has no time_to_live, so the message's TimeToLive applies.
    assert message["android"]["ttl"] == "309744s"
    assert message["data"] == {"message": "hello in data"}


def test_gcm_fcm_v1_raw_content_is_passed_through(send_messages, herald_fakes):
    token = fcm_token()
    response = send_messages(gcm_raw_example(token, {"fcmV1Message": {"message": FCM_V1_MESSAGE}}))

    assert result_for(response, token)["DeliveryStatus"] == "SUCCESSFUL", response
    message = only_received(herald_fakes, "fcm", token)["message"]
    # Exactly the guide's message, addressed to the token; its own android.ttl wins over TimeToLive.
    assert message == {**FCM_V1_MESSAGE, "token": token}


def test_safari_raw_content_keeps_url_args(send_messages, herald_fakes):
    token = apns_token()
    response = send_messages(apns_raw_example(token, SAFARI_RAW_CONTENT))

    result = result_for(response, token)
    assert result["DeliveryStatus"] == "SUCCESSFUL", response
    received = only_received(herald_fakes, "apns", token)
    assert result.get("MessageId") == received["answered_apns_id"]
    assert received["payload"] == SAFARI_RAW_CONTENT
    assert received["payload"]["aps"]["url-args"] == [""]
    assert received["headers"]["apns-topic"] == herald_fakes.apns["bundle_id"]
    assert received["headers"]["apns-push-type"] == "alert"
    assert received["auth"]["type"] == "token"
    assert (received["auth"]["key_id"], received["auth"]["team_id"]) == (
        herald_fakes.apns["key_id"],
        herald_fakes.apns["team_id"],
    )


def test_apns_game_invitation_raw_content(send_messages, herald_fakes):
    token = apns_token()
    response = send_messages(apns_raw_example(token, GAME_INVITATION_RAW_CONTENT))

    result = result_for(response, token)
    assert result["DeliveryStatus"] == "SUCCESSFUL", response
    assert result["StatusCode"] == 200
    received = only_received(herald_fakes, "apns", token)
    payload = received["payload"]
    assert payload == GAME_INVITATION_RAW_CONTENT
    assert payload["aps"]["category"] == "GAME_INVITATION"
    # Custom data sits beside aps, not inside it.
    assert payload["gameID"] == "12345678"
    assert "gameID" not in payload["aps"]
    assert received["headers"]["apns-push-type"] == "alert"


def test_an_unregistered_apns_token_is_a_permanent_failure(send_messages, herald_fakes):
    token = apns_token()
    herald_fakes.script("apns", token, [{"status": 410, "reason": "Unregistered"}])
    response = send_messages(apns_raw_example(token, GAME_INVITATION_RAW_CONTENT))

    result = result_for(response, token)
    assert result["DeliveryStatus"] == "PERMANENT_FAILURE", response
    assert result["StatusCode"] == 410
    assert "Unregistered" in result.get("StatusMessage", ""), result
    # A dead token is not retried.
    assert only_received(herald_fakes, "apns", token)["answered_status"] == 410
