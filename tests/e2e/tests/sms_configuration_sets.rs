//! Configuration sets and their event destinations through the real SMS and voice v2 SDK.

use aws_sdk_pinpointsmsvoicev2::Client;
use aws_sdk_pinpointsmsvoicev2::error::ProvideErrorMetadata;
use aws_sdk_pinpointsmsvoicev2::operation::create_configuration_set::CreateConfigurationSetError;
use aws_sdk_pinpointsmsvoicev2::operation::create_event_destination::CreateEventDestinationError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_event_destination::DeleteEventDestinationError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_configuration_sets::DescribeConfigurationSetsError;
use aws_sdk_pinpointsmsvoicev2::operation::set_default_sender_id::SetDefaultSenderIdError;
use aws_sdk_pinpointsmsvoicev2::operation::update_event_destination::UpdateEventDestinationError;
use aws_sdk_pinpointsmsvoicev2::types::{
    CloudWatchLogsDestination, ConfigurationSetFilter, ConfigurationSetFilterName, ConfigurationSetInformation,
    ConflictExceptionReason, EventType, KinesisFirehoseDestination, MessageType, ResourceType,
    ServiceQuotaExceededExceptionReason, SnsDestination, Tag, ValidationExceptionReason,
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

const ROLE: &str = "arn:aws:iam::111122223333:role/SmsEvents";
const LOG_GROUP: &str = "arn:aws:logs:us-east-1:111122223333:log-group:sms-events";
const STREAM: &str = "arn:aws:firehose:us-east-1:111122223333:deliverystream/sms-events";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:sms-events";

fn sns() -> SnsDestination {
    SnsDestination::builder().topic_arn(TOPIC).build().expect("sns destination")
}

fn cloud_watch() -> CloudWatchLogsDestination {
    CloudWatchLogsDestination::builder().iam_role_arn(ROLE).log_group_arn(LOG_GROUP).build().expect("cloudwatch")
}

fn firehose() -> KinesisFirehoseDestination {
    KinesisFirehoseDestination::builder().iam_role_arn(ROLE).delivery_stream_arn(STREAM).build().expect("firehose")
}

fn filter(name: ConfigurationSetFilterName, value: &str) -> ConfigurationSetFilter {
    ConfigurationSetFilter::builder().name(name).values(value).build().expect("filter")
}

async fn create_set(sms: &Client, name: &str) {
    sms.create_configuration_set().configuration_set_name(name).send().await.expect("CreateConfigurationSet");
}

async fn describe_one(sms: &Client, name: &str) -> ConfigurationSetInformation {
    let described = sms
        .describe_configuration_sets()
        .configuration_set_names(name)
        .send()
        .await
        .expect("DescribeConfigurationSets");
    assert_eq!(described.configuration_sets().len(), 1);
    described.configuration_sets()[0].clone()
}

/// The names a filtered DescribeConfigurationSets answers.
async fn names_where(sms: &Client, filters: Vec<ConfigurationSetFilter>) -> Vec<String> {
    let described = sms
        .describe_configuration_sets()
        .set_filters(Some(filters))
        .send()
        .await
        .expect("DescribeConfigurationSets with filters");
    described.configuration_sets().iter().map(|set| set.configuration_set_name().to_string()).collect()
}

#[tokio::test]
async fn configuration_set_lifecycle_and_defaults() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let created = sms
        .create_configuration_set()
        .configuration_set_name("tutorial-set")
        .tags(Tag::builder().key("team").value("messaging").build().expect("tag"))
        .client_token("token-1")
        .send()
        .await
        .expect("CreateConfigurationSet");
    let arn = created.configuration_set_arn().expect("arn").to_string();
    assert!(
        arn.starts_with("arn:aws:sms-voice:us-east-1:") && arn.ends_with(":configuration-set/tutorial-set"),
        "{arn}"
    );
    assert_eq!(created.configuration_set_name(), Some("tutorial-set"));
    assert!(created.created_timestamp().is_some());
    assert_eq!(created.tags().len(), 1);

    // The same request again (same ClientToken) answers the same set; another is a conflict.
    let again = sms
        .create_configuration_set()
        .configuration_set_name("tutorial-set")
        .client_token("token-1")
        .send()
        .await
        .expect("idempotent retry");
    assert_eq!(again.configuration_set_arn(), Some(arn.as_str()));
    let duplicate = exception!(
        sms.create_configuration_set().configuration_set_name("tutorial-set").send().await,
        CreateConfigurationSetError::ConflictException
    );
    assert_eq!(duplicate.reason(), Some(&ConflictExceptionReason::ResourceAlreadyExists));
    assert_eq!(duplicate.resource_type(), Some(&ResourceType::ConfigurationSet));
    assert_eq!(duplicate.resource_id(), Some("tutorial-set"));

    let bad = exception!(
        sms.create_configuration_set().configuration_set_name("no spaces!").send().await,
        CreateConfigurationSetError::ValidationException
    );
    assert_eq!(bad.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    assert_eq!(bad.fields().first().map(|f| f.name()), Some("ConfigurationSetName"));

    let tags = sms.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    assert_eq!(tags.tags().first().map(|t| (t.key(), t.value())), Some(("team", "messaging")));

    // Defaults, addressed by name or by ARN.
    let set = sms
        .set_default_message_type()
        .configuration_set_name(&arn)
        .message_type(MessageType::Transactional)
        .send()
        .await
        .expect("SetDefaultMessageType");
    assert_eq!(set.message_type(), Some(&MessageType::Transactional));
    let sender = sms
        .set_default_sender_id()
        .configuration_set_name("tutorial-set")
        .sender_id("MyBrand")
        .send()
        .await
        .expect("SetDefaultSenderId");
    assert_eq!(sender.sender_id(), Some("MyBrand"));
    let bad_sender = exception!(
        sms.set_default_sender_id().configuration_set_name("tutorial-set").sender_id("MUCH-TOO-LONG-ID").send().await,
        SetDefaultSenderIdError::ValidationException
    );
    assert_eq!(bad_sender.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let feedback = sms
        .set_default_message_feedback_enabled()
        .configuration_set_name("tutorial-set")
        .message_feedback_enabled(true)
        .send()
        .await
        .expect("SetDefaultMessageFeedbackEnabled");
    assert_eq!(feedback.message_feedback_enabled(), Some(true));

    let info = describe_one(&sms, "tutorial-set").await;
    assert_eq!(info.configuration_set_arn(), arn);
    assert_eq!(info.default_message_type(), Some(&MessageType::Transactional));
    assert_eq!(info.default_sender_id(), Some("MyBrand"));
    assert_eq!(info.default_message_feedback_enabled(), Some(true));
    assert!(info.event_destinations().is_empty());
    assert_eq!(info.protect_configuration_id(), None);

    // Deleting a default answers the value it removed.
    let removed =
        sms.delete_default_message_type().configuration_set_name("tutorial-set").send().await.expect("delete type");
    assert_eq!(removed.message_type(), Some(&MessageType::Transactional));
    let removed =
        sms.delete_default_sender_id().configuration_set_name("tutorial-set").send().await.expect("delete sender");
    assert_eq!(removed.sender_id(), Some("MyBrand"));
    let info = describe_one(&sms, &arn).await;
    assert_eq!((info.default_message_type(), info.default_sender_id()), (None, None));

    let deleted = sms.delete_configuration_set().configuration_set_name("tutorial-set").send().await.expect("delete");
    assert_eq!(deleted.configuration_set_name(), Some("tutorial-set"));
    assert_eq!(deleted.default_message_feedback_enabled(), Some(true));
    let gone = exception!(
        sms.describe_configuration_sets().configuration_set_names("tutorial-set").send().await,
        DescribeConfigurationSetsError::ResourceNotFoundException
    );
    assert_eq!(gone.resource_type(), Some(&ResourceType::ConfigurationSet));
    assert_eq!(gone.resource_id(), Some("tutorial-set"));
    let error = sms.delete_configuration_set().configuration_set_name("tutorial-set").send().await.expect_err("gone");
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn event_destinations_of_every_kind() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    create_set(&sms, "events").await;

    let created = sms
        .create_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-sns")
        .matching_event_types(EventType::All)
        .sns_destination(sns())
        .send()
        .await
        .expect("CreateEventDestination (SNS)");
    let destination = created.event_destination().expect("destination");
    assert!(destination.enabled());
    assert_eq!(destination.sns_destination().map(|d| d.topic_arn()), Some(TOPIC));
    assert_eq!(created.configuration_set_name(), Some("events"));
    sms.create_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-logs")
        .matching_event_types(EventType::TextAll)
        .matching_event_types(EventType::VoiceAll)
        .cloud_watch_logs_destination(cloud_watch())
        .send()
        .await
        .expect("CreateEventDestination (CloudWatch Logs)");
    sms.create_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-firehose")
        .matching_event_types(EventType::MediaAll)
        .kinesis_firehose_destination(firehose())
        .send()
        .await
        .expect("CreateEventDestination (Firehose)");

    // One destination, no more and no fewer; ARNs that are ARNs; the model's event types.
    let none = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("nowhere")
            .matching_event_types(EventType::All)
            .send()
            .await,
        CreateEventDestinationError::ValidationException
    );
    assert_eq!(none.reason(), Some(&ValidationExceptionReason::MissingParameter));
    let two = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("everywhere")
            .matching_event_types(EventType::All)
            .sns_destination(sns())
            .cloud_watch_logs_destination(cloud_watch())
            .send()
            .await,
        CreateEventDestinationError::ValidationException
    );
    assert_eq!(two.reason(), Some(&ValidationExceptionReason::ParametersCannotBeUsedTogether));
    let not_arn = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("bad-arn")
            .matching_event_types(EventType::All)
            .sns_destination(SnsDestination::builder().topic_arn("https://example.com/topic").build().expect("sns"))
            .send()
            .await,
        CreateEventDestinationError::ValidationException
    );
    assert_eq!(not_arn.reason(), Some(&ValidationExceptionReason::InvalidArn));
    let text_sent = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("sent")
            .matching_event_types(EventType::TextSent)
            .sns_destination(sns())
            .send()
            .await,
        CreateEventDestinationError::ValidationException
    );
    assert_eq!(text_sent.reason(), Some(&ValidationExceptionReason::InvalidParameter));
    let duplicate = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("to-sns")
            .matching_event_types(EventType::All)
            .sns_destination(sns())
            .send()
            .await,
        CreateEventDestinationError::ConflictException
    );
    assert_eq!(duplicate.reason(), Some(&ConflictExceptionReason::ResourceAlreadyExists));
    assert_eq!(duplicate.resource_type(), Some(&ResourceType::EventDestination));
    let no_set = exception!(
        sms.create_event_destination()
            .configuration_set_name("missing")
            .event_destination_name("d")
            .matching_event_types(EventType::All)
            .sns_destination(sns())
            .send()
            .await,
        CreateEventDestinationError::ResourceNotFoundException
    );
    assert_eq!(no_set.resource_type(), Some(&ResourceType::ConfigurationSet));

    // Five per set.
    for name in ["fourth", "fifth"] {
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name(name)
            .matching_event_types(EventType::TextDelivered)
            .sns_destination(sns())
            .send()
            .await
            .expect("within the quota");
    }
    let sixth = exception!(
        sms.create_event_destination()
            .configuration_set_name("events")
            .event_destination_name("sixth")
            .matching_event_types(EventType::All)
            .sns_destination(sns())
            .send()
            .await,
        CreateEventDestinationError::ServiceQuotaExceededException
    );
    assert_eq!(sixth.reason(), Some(&ServiceQuotaExceededExceptionReason::EventDestinationsPerConfigurationSet));

    // Updates change what they give; the kind of destination stays.
    let updated = sms
        .update_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-logs")
        .enabled(false)
        .matching_event_types(EventType::from("TEXT_FAILED"))
        .send()
        .await;
    // TEXT_FAILED is not an event type of the model: the SDK sends it and Herald refuses it.
    assert_eq!(updated.expect_err("unknown event type").code(), Some("ValidationException"));
    let updated = sms
        .update_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-logs")
        .enabled(false)
        .matching_event_types(EventType::TextBlocked)
        .cloud_watch_logs_destination(
            CloudWatchLogsDestination::builder()
                .iam_role_arn(ROLE)
                .log_group_arn("arn:aws:logs:us-east-1:111122223333:log-group:other")
                .build()
                .expect("cloudwatch"),
        )
        .send()
        .await
        .expect("UpdateEventDestination");
    let destination = updated.event_destination().expect("destination");
    assert!(!destination.enabled());
    assert_eq!(destination.matching_event_types(), &[EventType::TextBlocked]);
    assert_eq!(
        destination.cloud_watch_logs_destination().map(|d| d.log_group_arn()),
        Some("arn:aws:logs:us-east-1:111122223333:log-group:other")
    );
    let mismatch = exception!(
        sms.update_event_destination()
            .configuration_set_name("events")
            .event_destination_name("to-logs")
            .sns_destination(sns())
            .send()
            .await,
        UpdateEventDestinationError::ConflictException
    );
    assert_eq!(mismatch.reason(), Some(&ConflictExceptionReason::EventDestinationMismatch));
    let unknown = exception!(
        sms.update_event_destination()
            .configuration_set_name("events")
            .event_destination_name("nope")
            .enabled(true)
            .send()
            .await,
        UpdateEventDestinationError::ResourceNotFoundException
    );
    assert_eq!(unknown.resource_type(), Some(&ResourceType::EventDestination));

    // The set shows its destinations as they are now.
    let info = describe_one(&sms, "events").await;
    let names: Vec<&str> = info.event_destinations().iter().map(|d| d.event_destination_name()).collect();
    assert_eq!(names, ["to-sns", "to-logs", "to-firehose", "fourth", "fifth"]);
    assert!(!info.event_destinations()[1].enabled());

    let deleted = sms
        .delete_event_destination()
        .configuration_set_name("events")
        .event_destination_name("fifth")
        .send()
        .await
        .expect("DeleteEventDestination");
    assert_eq!(deleted.event_destination().map(|d| d.event_destination_name()), Some("fifth"));
    let again = exception!(
        sms.delete_event_destination().configuration_set_name("events").event_destination_name("fifth").send().await,
        DeleteEventDestinationError::ResourceNotFoundException
    );
    assert_eq!(again.resource_type(), Some(&ResourceType::EventDestination));

    // Deleting the set takes its destinations with it, and answers them.
    let deleted = sms.delete_configuration_set().configuration_set_name("events").send().await.expect("delete set");
    assert_eq!(deleted.event_destinations().len(), 4);
    create_set(&sms, "events").await;
    assert!(describe_one(&sms, "events").await.event_destinations().is_empty());
    sms.create_event_destination()
        .configuration_set_name("events")
        .event_destination_name("to-sns")
        .matching_event_types(EventType::All)
        .sns_destination(sns())
        .send()
        .await
        .expect("the old destination's name is free again");
}

#[tokio::test]
async fn describe_filters_and_pages() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    for name in ["alpha", "bravo", "charlie"] {
        create_set(&sms, name).await;
    }
    sms.create_event_destination()
        .configuration_set_name("alpha")
        .event_destination_name("alpha-events")
        .matching_event_types(EventType::TextAll)
        .sns_destination(sns())
        .send()
        .await
        .expect("destination");
    sms.create_event_destination()
        .configuration_set_name("bravo")
        .event_destination_name("bravo-events")
        .matching_event_types(EventType::VoiceAll)
        .sns_destination(sns())
        .send()
        .await
        .expect("destination");
    sms.set_default_message_type()
        .configuration_set_name("bravo")
        .message_type(MessageType::Promotional)
        .send()
        .await
        .expect("type");
    sms.set_default_sender_id().configuration_set_name("charlie").sender_id("CHARLIE").send().await.expect("sender");
    sms.set_default_message_feedback_enabled()
        .configuration_set_name("charlie")
        .message_feedback_enabled(true)
        .send()
        .await
        .expect("feedback");
    let protect = sms.create_protect_configuration().send().await.expect("CreateProtectConfiguration");
    sms.associate_protect_configuration()
        .configuration_set_name("alpha")
        .protect_configuration_id(protect.protect_configuration_id())
        .send()
        .await
        .expect("AssociateProtectConfiguration");

    use ConfigurationSetFilterName as F;
    assert_eq!(names_where(&sms, vec![filter(F::EventDestinationName, "bravo-events")]).await, ["bravo"]);
    assert_eq!(names_where(&sms, vec![filter(F::MatchingEventTypes, "TEXT_ALL")]).await, ["alpha"]);
    assert_eq!(names_where(&sms, vec![filter(F::DefaultMessageType, "PROMOTIONAL")]).await, ["bravo"]);
    assert_eq!(names_where(&sms, vec![filter(F::DefaultSenderId, "CHARLIE")]).await, ["charlie"]);
    assert_eq!(names_where(&sms, vec![filter(F::DefaultMessageFeedbackEnabled, "true")]).await, ["charlie"]);
    assert_eq!(names_where(&sms, vec![filter(F::DefaultMessageFeedbackEnabled, "false")]).await, ["alpha", "bravo"]);
    assert_eq!(
        names_where(&sms, vec![filter(F::ProtectConfigurationId, protect.protect_configuration_id())]).await,
        ["alpha"]
    );
    // Every filter must match.
    assert!(
        names_where(
            &sms,
            vec![filter(F::EventDestinationName, "alpha-events"), filter(F::DefaultMessageType, "PROMOTIONAL")]
        )
        .await
        .is_empty()
    );

    // Pages of two, then one.
    let first = sms.describe_configuration_sets().max_results(2).send().await.expect("first page");
    assert_eq!(first.configuration_sets().len(), 2);
    let token = first.next_token().expect("a next page").to_string();
    let second = sms.describe_configuration_sets().max_results(2).next_token(token).send().await.expect("second");
    assert_eq!(second.configuration_sets().len(), 1);
    assert_eq!(second.configuration_sets()[0].configuration_set_name(), "charlie");
    assert_eq!(second.next_token(), None);
    let bad_token = exception!(
        sms.describe_configuration_sets().next_token("not-a-token").send().await,
        DescribeConfigurationSetsError::ValidationException
    );
    assert_eq!(bad_token.reason(), Some(&ValidationExceptionReason::InvalidNextToken));
    let too_many = exception!(
        sms.describe_configuration_sets()
            .set_configuration_set_names(Some(["a", "b", "c", "d", "e", "f"].map(String::from).to_vec()))
            .send()
            .await,
        DescribeConfigurationSetsError::ValidationException
    );
    assert_eq!(too_many.reason(), Some(&ValidationExceptionReason::InvalidParameter));
}

#[tokio::test]
async fn at_most_twenty_five_configuration_sets() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    for n in 0..25 {
        create_set(&sms, &format!("set-{n}")).await;
    }
    let over = exception!(
        sms.create_configuration_set().configuration_set_name("one-too-many").send().await,
        CreateConfigurationSetError::ServiceQuotaExceededException
    );
    assert_eq!(over.reason(), Some(&ServiceQuotaExceededExceptionReason::ConfigurationSetsPerAccount));
    sms.delete_configuration_set().configuration_set_name("set-0").send().await.expect("delete");
    create_set(&sms, "one-too-many").await;
}
