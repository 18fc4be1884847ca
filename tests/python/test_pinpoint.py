"""Pinpoint apps, application settings and tags, through boto3."""

import re
import uuid

import pytest


def new_app(pinpoint, **tags):
    request = {"Name": f"test-{uuid.uuid4().hex[:8]}"}
    if tags:
        request["tags"] = tags
    return pinpoint.create_app(CreateApplicationRequest=request)["ApplicationResponse"]


def error_of(excinfo):
    return excinfo.value.response["Error"]


def status_of(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


UNKNOWN_APP = "0" * 32


# --------------------------------------------------------------------------------------------
# Apps
# --------------------------------------------------------------------------------------------


def test_create_app_answers_id_arn_name_tags_and_creation_date(pinpoint):
    app = new_app(pinpoint, team="push")

    assert re.fullmatch(r"[0-9a-f]{32}", app["Id"]), app["Id"]
    assert re.fullmatch(rf"arn:aws:mobiletargeting:us-east-1:\d{{12}}:apps/{app['Id']}", app["Arn"]), app["Arn"]
    assert app["Name"].startswith("test-")
    assert app["tags"] == {"team": "push"}
    assert app["CreationDate"]


def test_get_app_answers_what_create_answered(pinpoint):
    created = new_app(pinpoint, env="test")

    fetched = pinpoint.get_app(ApplicationId=created["Id"])["ApplicationResponse"]

    assert fetched == created


def test_get_apps_pages_through_every_app_with_page_size_one(pinpoint):
    created = {new_app(pinpoint)["Id"] for _ in range(3)}

    seen, pages, token = [], 0, None
    while True:
        request = {"PageSize": "1"} | ({"Token": token} if token else {})
        page = pinpoint.get_apps(**request)["ApplicationsResponse"]
        pages += 1
        assert len(page["Item"]) <= 1
        seen += [app["Id"] for app in page["Item"]]
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 1000, "GetApps keeps answering a NextToken"

    assert len(seen) == len(set(seen)), f"an app was listed twice: {seen}"
    assert created <= set(seen)


def test_get_apps_without_page_size_lists_new_apps(pinpoint):
    created = new_app(pinpoint)["Id"]

    listed = [app["Id"] for app in pinpoint.get_apps()["ApplicationsResponse"]["Item"]]

    assert created in listed


def test_get_apps_with_page_size_zero_is_a_bad_request(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.get_apps(PageSize="0")

    assert "PageSize" in error_of(excinfo)["Message"]


def test_deleted_app_is_gone(pinpoint):
    app = new_app(pinpoint)

    deleted = pinpoint.delete_app(ApplicationId=app["Id"])["ApplicationResponse"]

    assert deleted["Id"] == app["Id"]
    assert deleted["Name"] == app["Name"]
    with pytest.raises(pinpoint.exceptions.NotFoundException) as excinfo:
        pinpoint.get_app(ApplicationId=app["Id"])
    assert status_of(excinfo) == 404
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.delete_app(ApplicationId=app["Id"])


def test_unknown_app_is_not_found(pinpoint):
    with pytest.raises(pinpoint.exceptions.NotFoundException) as excinfo:
        pinpoint.get_app(ApplicationId=UNKNOWN_APP)

    assert error_of(excinfo)["Code"] == "NotFoundException"
    assert status_of(excinfo) == 404


def test_create_app_with_blank_name_is_a_bad_request(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.create_app(CreateApplicationRequest={"Name": "  "})

    assert "Name" in error_of(excinfo)["Message"]
    assert status_of(excinfo) == 400


# --------------------------------------------------------------------------------------------
# Application settings
# --------------------------------------------------------------------------------------------


def test_settings_of_a_new_app_name_only_the_app(pinpoint, app_id):
    settings = pinpoint.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"]

    assert settings["ApplicationId"] == app_id


def test_updated_settings_are_answered_and_kept(pinpoint, app_id):
    limits = {"Daily": 5, "MaximumDuration": 600, "MessagesPerSecond": 50, "Total": 20}
    quiet_time = {"Start": "22:00", "End": "07:30"}

    updated = pinpoint.update_application_settings(
        ApplicationId=app_id,
        WriteApplicationSettingsRequest={"Limits": limits, "QuietTime": quiet_time, "CloudWatchMetricsEnabled": False},
    )["ApplicationSettingsResource"]
    fetched = pinpoint.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"]

    for settings in (updated, fetched):
        assert settings["ApplicationId"] == app_id
        assert settings["Limits"] == limits
        assert settings["QuietTime"] == quiet_time
        assert settings["LastModifiedDate"]


def test_settings_of_an_unknown_app_are_not_found(pinpoint):
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_application_settings(ApplicationId=UNKNOWN_APP)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.update_application_settings(
            ApplicationId=UNKNOWN_APP, WriteApplicationSettingsRequest={"QuietTime": {"Start": "22:00", "End": "07:00"}}
        )


# --------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------


def tags_of(pinpoint, arn):
    return pinpoint.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"]


def test_tags_are_added_listed_removed_and_shown_by_get_app(pinpoint):
    app = new_app(pinpoint, team="push")
    arn = app["Arn"]
    assert tags_of(pinpoint, arn) == {"team": "push"}

    pinpoint.tag_resource(ResourceArn=arn, TagsModel={"tags": {"env": "test", "team": "messaging"}})
    assert tags_of(pinpoint, arn) == {"env": "test", "team": "messaging"}
    assert pinpoint.get_app(ApplicationId=app["Id"])["ApplicationResponse"]["tags"] == {
        "env": "test",
        "team": "messaging",
    }

    pinpoint.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert tags_of(pinpoint, arn) == {"env": "test"}
    assert pinpoint.get_app(ApplicationId=app["Id"])["ApplicationResponse"]["tags"] == {"env": "test"}


def test_tags_of_a_deleted_app_are_not_found(pinpoint):
    app = new_app(pinpoint, team="push")
    pinpoint.delete_app(ApplicationId=app["Id"])

    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.list_tags_for_resource(ResourceArn=app["Arn"])
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.tag_resource(ResourceArn=app["Arn"], TagsModel={"tags": {"env": "test"}})


def test_reserved_tag_prefix_is_a_bad_request(pinpoint, app_id):
    arn = pinpoint.get_app(ApplicationId=app_id)["ApplicationResponse"]["Arn"]

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.tag_resource(ResourceArn=arn, TagsModel={"tags": {"aws:owner": "me"}})

    assert "aws:" in error_of(excinfo)["Message"]


# --------------------------------------------------------------------------------------------
# Operations Herald does not implement yet
# --------------------------------------------------------------------------------------------


def test_unimplemented_operation_is_method_not_allowed(pinpoint, app_id):
    with pytest.raises(pinpoint.exceptions.MethodNotAllowedException) as excinfo:
        pinpoint.get_segments(ApplicationId=app_id)

    assert status_of(excinfo) == 405
