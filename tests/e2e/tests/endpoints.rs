//! Endpoints and users through aws-sdk-pinpoint.

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::error::ProvideErrorMetadata;
use aws_sdk_pinpoint::types::{
    ChannelType, CreateApplicationRequest, EndpointBatchItem, EndpointBatchRequest, EndpointDemographic,
    EndpointLocation, EndpointRequest, EndpointUser, UpdateAttributesRequest,
};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::pinpoint;

async fn new_app(client: &Client) -> String {
    let request = CreateApplicationRequest::builder().name("endpoints").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    app.application_response.and_then(|a| a.id).expect("app id")
}

#[tokio::test]
async fn endpoint_is_created_merged_read_and_deleted() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;

    let request = EndpointRequest::builder()
        .address("fcm-token-1")
        .channel_type(ChannelType::Gcm)
        .attributes("plan", vec!["pro".into()])
        .attributes("interests", vec!["news".into(), "sport".into()])
        .metrics("sessions", 3.0)
        .user(EndpointUser::builder().user_id("ada").user_attributes("name", vec!["Ada".into()]).build())
        .demographic(EndpointDemographic::builder().platform("android").locale("en_GB").build())
        .location(EndpointLocation::builder().country("GB").city("London").build())
        .request_id("client-request-1")
        .build();
    let accepted = client
        .update_endpoint()
        .application_id(&app)
        .endpoint_id("ep-1")
        .endpoint_request(request)
        .send()
        .await
        .expect("UpdateEndpoint");
    assert_eq!(accepted.message_body.and_then(|m| m.message), Some("Accepted".into()));

    let endpoint = client.get_endpoint().application_id(&app).endpoint_id("ep-1").send().await.expect("GetEndpoint");
    let endpoint = endpoint.endpoint_response.expect("endpoint");
    assert_eq!(endpoint.id(), Some("ep-1"));
    assert_eq!(endpoint.application_id(), Some(app.as_str()));
    assert_eq!(endpoint.address(), Some("fcm-token-1"));
    assert_eq!(endpoint.channel_type(), Some(&ChannelType::Gcm));
    assert_eq!(endpoint.endpoint_status(), Some("ACTIVE"));
    assert_eq!(endpoint.opt_out(), Some("NONE"));
    assert_eq!(endpoint.request_id(), Some("client-request-1"));
    assert!(endpoint.cohort_id().is_some_and(|c| c.parse::<u32>().is_ok_and(|n| n < 100)));
    assert!(endpoint.creation_date().is_some() && endpoint.effective_date().is_some());
    assert_eq!(endpoint.demographic().and_then(|d| d.platform()), Some("android"));
    assert_eq!(endpoint.location().and_then(|l| l.city()), Some("London"));
    assert_eq!(endpoint.metrics().and_then(|m| m.get("sessions")), Some(&3.0));

    // An update merges maps key by key and replaces plain fields.
    let update = EndpointRequest::builder().attributes("plan", vec!["team".into()]).opt_out("ALL").build();
    client
        .update_endpoint()
        .application_id(&app)
        .endpoint_id("ep-1")
        .endpoint_request(update)
        .send()
        .await
        .expect("merge");
    let endpoint = client.get_endpoint().application_id(&app).endpoint_id("ep-1").send().await.expect("GetEndpoint");
    let endpoint = endpoint.endpoint_response.expect("endpoint");
    let attributes = endpoint.attributes().expect("attributes");
    assert_eq!(attributes.get("plan"), Some(&vec!["team".to_string()]));
    assert_eq!(attributes.get("interests").map(Vec::len), Some(2));
    assert_eq!(endpoint.opt_out(), Some("ALL"));
    assert_eq!(endpoint.user().and_then(|u| u.user_id()), Some("ada"));

    let deleted =
        client.delete_endpoint().application_id(&app).endpoint_id("ep-1").send().await.expect("DeleteEndpoint");
    assert_eq!(deleted.endpoint_response.and_then(|e| e.id), Some("ep-1".into()));
    let error = client.get_endpoint().application_id(&app).endpoint_id("ep-1").send().await.expect_err("deleted");
    assert_eq!(error.code(), Some("NotFoundException"), "{error:?}");

    let bad = EndpointRequest::builder().opt_out("SOMETIMES").build();
    let error = client
        .update_endpoint()
        .application_id(&app)
        .endpoint_id("ep-2")
        .endpoint_request(bad)
        .send()
        .await
        .expect_err("bad OptOut");
    assert_eq!(error.code(), Some("BadRequestException"), "{error:?}");
}

#[tokio::test]
async fn batch_and_user_endpoints() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;

    let items: Vec<EndpointBatchItem> = (0..3)
        .map(|n| {
            EndpointBatchItem::builder()
                .id(format!("device-{n}"))
                .address(format!("token-{n}"))
                .channel_type(if n == 0 { ChannelType::Apns } else { ChannelType::Gcm })
                .user(EndpointUser::builder().user_id(if n < 2 { "grace" } else { "linus" }).build())
                .build()
        })
        .collect();
    let batch = EndpointBatchRequest::builder().set_item(Some(items)).build();
    let accepted =
        client.update_endpoints_batch().application_id(&app).endpoint_batch_request(batch).send().await.expect("batch");
    assert_eq!(accepted.message_body.and_then(|m| m.message), Some("Accepted".into()));

    let grace =
        client.get_user_endpoints().application_id(&app).user_id("grace").send().await.expect("GetUserEndpoints");
    let ids: Vec<String> =
        grace.endpoints_response.and_then(|r| r.item).unwrap_or_default().into_iter().filter_map(|e| e.id).collect();
    assert_eq!(ids, ["device-0", "device-1"]);

    let deleted =
        client.delete_user_endpoints().application_id(&app).user_id("grace").send().await.expect("DeleteUserEndpoints");
    assert_eq!(deleted.endpoints_response.and_then(|r| r.item).map(|items| items.len()), Some(2));
    let error = client.get_user_endpoints().application_id(&app).user_id("grace").send().await.expect_err("gone");
    assert_eq!(error.code(), Some("NotFoundException"));
    client.get_endpoint().application_id(&app).endpoint_id("device-2").send().await.expect("linus keeps his");

    let too_many: Vec<EndpointBatchItem> =
        (0..101).map(|n| EndpointBatchItem::builder().id(format!("d{n}")).build()).collect();
    let batch = EndpointBatchRequest::builder().set_item(Some(too_many)).build();
    let error = client
        .update_endpoints_batch()
        .application_id(&app)
        .endpoint_batch_request(batch)
        .send()
        .await
        .expect_err("101 items");
    assert_eq!(error.code(), Some("BadRequestException"), "{error:?}");
}

#[tokio::test]
async fn removed_attributes_are_no_longer_captured() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let app = new_app(&client).await;

    let removed = client
        .remove_attributes()
        .application_id(&app)
        .attribute_type("endpoint-custom-attributes")
        .update_attributes_request(UpdateAttributesRequest::builder().blacklist("secret").build())
        .send()
        .await
        .expect("RemoveAttributes");
    let resource = removed.attributes_resource.expect("resource");
    assert_eq!(resource.attribute_type(), Some("endpoint-custom-attributes"));
    assert_eq!(resource.attributes(), ["secret"]);

    let request = EndpointRequest::builder()
        .address("t")
        .attributes("secret", vec!["x".into()])
        .attributes("kept", vec!["y".into()])
        .build();
    client
        .update_endpoint()
        .application_id(&app)
        .endpoint_id("e")
        .endpoint_request(request)
        .send()
        .await
        .expect("update");
    let endpoint = client.get_endpoint().application_id(&app).endpoint_id("e").send().await.expect("get");
    let attributes = endpoint.endpoint_response.and_then(|e| e.attributes).expect("attributes");
    assert!(attributes.contains_key("kept") && !attributes.contains_key("secret"), "{attributes:?}");

    let error = client
        .remove_attributes()
        .application_id(&app)
        .attribute_type("endpoint-nonsense")
        .update_attributes_request(UpdateAttributesRequest::builder().blacklist("a").build())
        .send()
        .await
        .expect_err("bad type");
    assert_eq!(error.code(), Some("BadRequestException"));
}
