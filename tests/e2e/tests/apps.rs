//! Pinpoint apps: lifecycle, paging, settings and tags, through aws-sdk-pinpoint.

use aws_sdk_pinpoint::error::ProvideErrorMetadata;
use aws_sdk_pinpoint::types::{CampaignLimits, CreateApplicationRequest, TagsModel, WriteApplicationSettingsRequest};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::{REGION, pinpoint};

#[tokio::test]
async fn app_lifecycle() {
    let server = TestServer::start();
    let client = pinpoint(&server);

    let created = client
        .create_app()
        .create_application_request(CreateApplicationRequest::builder().name("Orders").tags("team", "mobile").build())
        .send()
        .await
        .expect("CreateApp")
        .application_response
        .expect("application");
    let id = created.id().expect("id").to_string();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{id}");
    assert_eq!(
        created.arn(),
        Some(format!("arn:aws:mobiletargeting:{REGION}:{}:apps/{id}", server.account_id).as_str())
    );
    assert_eq!(created.name(), Some("Orders"));
    assert_eq!(created.tags().and_then(|t| t.get("team")).map(String::as_str), Some("mobile"));
    assert!(created.creation_date().is_some_and(|d| d.ends_with('Z')));

    let fetched = client.get_app().application_id(&id).send().await.expect("GetApp").application_response.expect("app");
    assert_eq!(fetched, created);

    let deleted =
        client.delete_app().application_id(&id).send().await.expect("DeleteApp").application_response.expect("app");
    assert_eq!(deleted.id(), Some(id.as_str()));

    let error = client.get_app().application_id(&id).send().await.expect_err("deleted app");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");
    let error = client.delete_app().application_id(&id).send().await.expect_err("deleted twice");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");
}

#[tokio::test]
async fn get_apps_pages_through_every_app() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let mut created = Vec::new();
    for n in 0..5 {
        let request = CreateApplicationRequest::builder().name(format!("app {n}")).build();
        let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
        created.push(app.application_response.and_then(|a| a.id).expect("id"));
    }

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .get_apps()
            .page_size("2")
            .set_token(token.clone())
            .send()
            .await
            .expect("GetApps")
            .applications_response
            .expect("page");
        pages += 1;
        assert!(page.item().len() <= 2);
        seen.extend(page.item().iter().filter_map(|a| a.id.clone()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    seen.sort();
    created.sort();
    assert_eq!(seen, created);

    let error = client.get_apps().page_size("zero").send().await.expect_err("bad page size");
    assert_eq!(error.code(), Some("BadRequestException"), "{error:?}");
}

#[tokio::test]
async fn application_settings_update_and_read_back() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let request = CreateApplicationRequest::builder().name("settings").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let id = app.application_response.and_then(|a| a.id).expect("id");

    let initial = client.get_application_settings().application_id(&id).send().await.expect("get settings");
    let initial = initial.application_settings_resource.expect("settings");
    assert_eq!(initial.application_id(), Some(id.as_str()));
    assert!(initial.limits().is_none());

    let update = WriteApplicationSettingsRequest::builder()
        .limits(CampaignLimits::builder().daily(10).messages_per_second(50).build())
        .build();
    let updated = client
        .update_application_settings()
        .application_id(&id)
        .write_application_settings_request(update)
        .send()
        .await
        .expect("update settings")
        .application_settings_resource
        .expect("settings");
    assert_eq!(updated.limits().and_then(|l| l.daily()), Some(10));
    assert!(updated.last_modified_date().is_some());

    let read = client.get_application_settings().application_id(&id).send().await.expect("get settings");
    let read = read.application_settings_resource.expect("settings");
    assert_eq!(read.limits().and_then(|l| l.messages_per_second()), Some(50));

    let error = client.get_application_settings().application_id("0".repeat(32)).send().await.expect_err("no app");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");
}

#[tokio::test]
async fn tags_on_app_arns() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let request = CreateApplicationRequest::builder().name("tagged").tags("env", "prod").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let arn = app.application_response.and_then(|a| a.arn).expect("arn");

    let tags = TagsModel::builder().tags("team", "push").tags("cost-center", "42").build();
    client.tag_resource().resource_arn(&arn).tags_model(tags).send().await.expect("TagResource");
    let listed = client.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    let listed = listed.tags_model.and_then(|m| m.tags).expect("tags");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.get("team").map(String::as_str), Some("push"));

    client.untag_resource().resource_arn(&arn).tag_keys("env").tag_keys("team").send().await.expect("UntagResource");
    let listed = client.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    let listed = listed.tags_model.and_then(|m| m.tags).expect("tags");
    assert_eq!(listed.keys().collect::<Vec<_>>(), ["cost-center"]);

    let missing = arn.replace(&arn[arn.len() - 32..], &"f".repeat(32));
    let error = client.list_tags_for_resource().resource_arn(&missing).send().await.expect_err("no such app");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");
    let error = client.list_tags_for_resource().resource_arn("not-an-arn").send().await.expect_err("bad arn");
    assert_eq!(error.code(), Some("BadRequestException"), "{error:?}");
}
