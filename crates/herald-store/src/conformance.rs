//! The behaviour every backend must show, written once and run against each backend.
//!
//! Call `run_all` with a freshly opened, empty store. Each check cleans up after itself, and the
//! suite ends by asserting that nothing is left behind.

use time::OffsetDateTime;

use crate::{
    AccessKeyRecord, AccountRecord, AppRecord, Backend, ChannelRecord, EndpointRecord, ResourceChange, ResourceRecord,
    ResourceRef, SecretBox, StoreError, Tag,
};
use crate::{
    CarrierMessageId, EnqueueOutcome, EventRecord, InboxItem, MessageRecord, MessageState, MessageUpdate, NewMessage,
    SpendCharge,
};

pub async fn run_all(store: &dyn Backend) {
    let secret_box = SecretBox::new(&[3u8; 32]).expect("test master key");
    accounts_and_keys(store, &secret_box).await;
    apps_page_and_delete(store).await;
    channels_use_versions(store, &secret_box).await;
    tags_upsert_and_remove(store).await;
    endpoints_by_id_user_and_address(store).await;
    resources_are_atomic_and_versioned(store).await;
    deleting_an_app_removes_what_it_holds(store, &secret_box).await;
    delivery_queue(store).await;
    event_outbox(store).await;
    leases_go_to_one_owner_at_a_time(store).await;
    accounts_listed_and_audit_log(store, &secret_box).await;
}

fn endpoint(app_id: &str, id: &str, user: Option<&str>, address: &str) -> EndpointRecord {
    EndpointRecord {
        account_id: ACCOUNT.into(),
        app_id: app_id.into(),
        id: id.into(),
        channel_type: Some("GCM".into()),
        address: Some(address.into()),
        user_id: user.map(str::to_owned),
        endpoint_status: "ACTIVE".into(),
        opt_out: "NONE".into(),
        document: serde_json::json!({"Address": address, "Attributes": {"plan": ["pro"]}}),
        created_at: now(),
        updated_at: now(),
    }
}

async fn endpoints_by_id_user_and_address(store: &dyn Backend) {
    store.insert_app(&app("e1"), &[]).await.expect("insert app");
    let first = endpoint("e1", "ep-1", Some("ada"), "token-a");
    let second = endpoint("e1", "ep-2", Some("ada"), "token-b");
    let third = endpoint("e1", "ep-3", None, "token-a");
    store.put_endpoints(&[first.clone(), second.clone(), third.clone()]).await.expect("put endpoints");
    assert_eq!(store.get_endpoint(ACCOUNT, "e1", "ep-1").await.expect("get"), Some(first.clone()));

    // Replacing keeps the creation time.
    let mut moved = first.clone();
    moved.address = Some("token-c".into());
    moved.endpoint_status = "INACTIVE".into();
    moved.created_at = now() + time::Duration::days(1);
    store.put_endpoints(std::slice::from_ref(&moved)).await.expect("replace");
    let read = store.get_endpoint(ACCOUNT, "e1", "ep-1").await.expect("get").expect("exists");
    assert_eq!((read.address.as_deref(), read.endpoint_status.as_str()), (Some("token-c"), "INACTIVE"));
    assert_eq!(read.created_at, first.created_at);

    let ids: Vec<String> = ["ep-3", "missing", "ep-2"].iter().map(|s| s.to_string()).collect();
    let mut found: Vec<String> =
        store.get_endpoints(ACCOUNT, "e1", &ids).await.expect("many").into_iter().map(|e| e.id).collect();
    found.sort();
    assert_eq!(found, ["ep-2", "ep-3"]);

    let ada: Vec<String> =
        store.user_endpoints(ACCOUNT, "e1", "ada").await.expect("user").into_iter().map(|e| e.id).collect();
    assert_eq!(ada, ["ep-1", "ep-2"]);
    let by_address: Vec<String> = store
        .endpoints_by_address(ACCOUNT, "e1", "token-a")
        .await
        .expect("address")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(by_address, ["ep-3"]);

    assert_eq!(store.delete_endpoint(ACCOUNT, "e1", "ep-3").await.expect("delete").map(|e| e.id), Some("ep-3".into()));
    assert!(store.delete_endpoint(ACCOUNT, "e1", "ep-3").await.expect("delete again").is_none());
    let deleted = store.delete_user_endpoints(ACCOUNT, "e1", "ada").await.expect("delete user");
    assert_eq!(deleted.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["ep-1", "ep-2"]);
    assert!(store.user_endpoints(ACCOUNT, "e1", "ada").await.expect("user").is_empty());

    store.put_endpoints(&[endpoint("e1", "ep-9", None, "x")]).await.expect("put");
    store.delete_app(ACCOUNT, "e1").await.expect("cleanup");
    store.insert_app(&app("e1"), &[]).await.expect("re-insert app");
    assert!(store.get_endpoint(ACCOUNT, "e1", "ep-9").await.expect("get").is_none(), "endpoints go with their app");
    store.delete_app(ACCOUNT, "e1").await.expect("cleanup");
}

fn now() -> OffsetDateTime {
    // Millisecond precision, as stored.
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).expect("valid nanosecond")
}

const ACCOUNT: &str = "111122223333";

fn app(id: &str) -> AppRecord {
    AppRecord {
        account_id: ACCOUNT.into(),
        id: id.into(),
        name: format!("app {id}"),
        created_at: now(),
        settings: serde_json::json!({"Limits": {"Daily": 5}}),
    }
}

fn channel(app_id: &str, kind: &str, version: i64, credentials: Option<crate::SealedSecret>) -> ChannelRecord {
    ChannelRecord {
        account_id: ACCOUNT.into(),
        app_id: app_id.into(),
        kind: kind.into(),
        enabled: true,
        attributes: serde_json::json!({"BundleId": "com.example"}),
        credentials,
        version,
        created_at: now(),
        updated_at: now(),
    }
}

async fn accounts_and_keys(store: &dyn Backend, secret_box: &SecretBox) {
    assert_eq!(store.count_accounts().await.expect("count"), 0, "the store must start empty");
    let account = AccountRecord { id: ACCOUNT.into(), created_at: now() };
    let key = AccessKeyRecord {
        access_key_id: "HERALDTESTKEY0000001".into(),
        account_id: ACCOUNT.into(),
        secret: secret_box.seal(b"secret", "access-key/HERALDTESTKEY0000001").expect("seal"),
        created_at: now(),
    };
    store.create_account(&account, &key).await.expect("create account");
    assert_eq!(store.count_accounts().await.expect("count"), 1);
    let found = store.find_access_key("HERALDTESTKEY0000001").await.expect("lookup").expect("key exists");
    assert_eq!(found, key);
    assert_eq!(secret_box.open(&found.secret, "access-key/HERALDTESTKEY0000001").expect("open"), b"secret");
    assert!(store.find_access_key("NOPE").await.expect("lookup").is_none());
    assert_eq!(store.first_access_key().await.expect("first key"), Some(key.clone()));
    assert!(store.create_account(&account, &key).await.is_err(), "duplicate account must fail");
}

async fn apps_page_and_delete(store: &dyn Backend) {
    let ids = ["0a", "0b", "0c", "0d", "0e"];
    for id in ids {
        store.insert_app(&app(id), &[]).await.expect("insert app");
    }
    assert!(store.insert_app(&app("0a"), &[]).await.is_err(), "duplicate app id must fail");
    let first = store.list_apps(ACCOUNT, None, 2).await.expect("page 1");
    assert_eq!(first.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["0a", "0b"]);
    let second = store.list_apps(ACCOUNT, Some("0b"), 2).await.expect("page 2");
    assert_eq!(second.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["0c", "0d"]);
    let last = store.list_apps(ACCOUNT, Some("0d"), 2).await.expect("page 3");
    assert_eq!(last.len(), 1);
    assert!(store.list_apps("999999999999", None, 10).await.expect("other account").is_empty());

    assert_eq!(
        store.get_app(ACCOUNT, "0c").await.expect("get"),
        Some(app("0c")).map(|mut a| {
            a.created_at = second[0].created_at;
            a
        })
    );
    let settings = serde_json::json!({"CampaignHook": {"Mode": "FILTER"}});
    assert!(store.update_app_settings(ACCOUNT, "0c", &settings).await.expect("update"));
    assert_eq!(store.get_app(ACCOUNT, "0c").await.expect("get").expect("exists").settings, settings);
    assert!(!store.update_app_settings(ACCOUNT, "zz", &settings).await.expect("update missing"));

    for id in ids {
        assert!(store.delete_app(ACCOUNT, id).await.expect("delete").is_some());
    }
    assert!(store.delete_app(ACCOUNT, "0a").await.expect("delete again").is_none());
    assert!(store.list_apps(ACCOUNT, None, 10).await.expect("list").is_empty());
}

async fn channels_use_versions(store: &dyn Backend, secret_box: &SecretBox) {
    store.insert_app(&app("c1"), &[]).await.expect("insert app");
    let sealed = secret_box.seal(b"token key", "channel/c1/APNS").expect("seal");
    let v1 = channel("c1", "APNS", 1, Some(sealed.clone()));
    store.put_channel(&v1, None).await.expect("create channel");
    assert!(matches!(store.put_channel(&v1, None).await, Err(StoreError::Conflict(_))));

    let mut v2 = v1.clone();
    v2.version = 2;
    v2.enabled = false;
    store.put_channel(&v2, Some(1)).await.expect("update at version 1");
    assert!(matches!(store.put_channel(&v2, Some(1)).await, Err(StoreError::Conflict(_))), "stale version must fail");

    let read = store.get_channel(ACCOUNT, "c1", "APNS").await.expect("get").expect("exists");
    assert_eq!((read.version, read.enabled), (2, false));
    assert_eq!(
        secret_box.open(read.credentials.as_ref().expect("sealed"), "channel/c1/APNS").expect("open"),
        b"token key"
    );

    store.put_channel(&channel("c1", "GCM", 1, None), None).await.expect("second channel");
    let kinds: Vec<String> =
        store.list_channels(ACCOUNT, "c1").await.expect("list").into_iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ["APNS", "GCM"]);
    assert_eq!(store.delete_channel(ACCOUNT, "c1", "GCM").await.expect("delete").map(|c| c.kind), Some("GCM".into()));
    assert!(store.delete_channel(ACCOUNT, "c1", "GCM").await.expect("delete again").is_none());
    assert!(store.get_channel(ACCOUNT, "c1", "GCM").await.expect("get").is_none());
    store.delete_app(ACCOUNT, "c1").await.expect("cleanup");
}

async fn tags_upsert_and_remove(store: &dyn Backend) {
    let resource = ResourceRef::new("app", "t1");
    store.insert_app(&app("t1"), &[Tag::new("team", "push")]).await.expect("insert app");
    store.tag_resource(ACCOUNT, &resource, &[Tag::new("env", "prod"), Tag::new("team", "growth")]).await.expect("tag");
    assert_eq!(
        store.list_tags(ACCOUNT, &resource).await.expect("list"),
        vec![Tag::new("env", "prod"), Tag::new("team", "growth")]
    );
    store.untag_resource(ACCOUNT, &resource, &["team".into(), "absent".into()]).await.expect("untag");
    assert_eq!(store.list_tags(ACCOUNT, &resource).await.expect("list"), vec![Tag::new("env", "prod")]);
    store.delete_app(ACCOUNT, "t1").await.expect("cleanup");
}

async fn deleting_an_app_removes_what_it_holds(store: &dyn Backend, secret_box: &SecretBox) {
    store.insert_app(&app("d1"), &[Tag::new("k", "v")]).await.expect("insert app");
    let sealed = secret_box.seal(b"x", "channel/d1/GCM").expect("seal");
    store.put_channel(&channel("d1", "GCM", 1, Some(sealed)), None).await.expect("channel");
    store.delete_app(ACCOUNT, "d1").await.expect("delete");
    // A new app with the same id starts empty.
    store.insert_app(&app("d1"), &[]).await.expect("re-insert app");
    assert!(store.list_channels(ACCOUNT, "d1").await.expect("channels").is_empty());
    assert!(store.list_tags(ACCOUNT, &ResourceRef::new("app", "d1")).await.expect("tags").is_empty());
    store.delete_app(ACCOUNT, "d1").await.expect("cleanup");
    assert!(store.list_apps(ACCOUNT, None, 10).await.expect("list").is_empty(), "the suite must leave no apps behind");
}

fn resource(resource_type: &str, id: &str, name: Option<&str>, parent: Option<&str>) -> ResourceRecord {
    ResourceRecord {
        account_id: ACCOUNT.into(),
        resource_type: resource_type.into(),
        id: id.into(),
        name: name.map(str::to_owned),
        parent_id: parent.map(str::to_owned),
        document: serde_json::json!({"Id": id}),
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn put(record: &ResourceRecord, expected_version: Option<i64>) -> ResourceChange {
    ResourceChange::Put { record: record.clone(), expected_version }
}

async fn resources_are_atomic_and_versioned(store: &dyn Backend) {
    let pool = resource("pool", "pool-1", None, None);
    let set = resource("configuration-set", "cs-1", Some("marketing"), None);
    let keyword = resource("keyword", "pool-1/STOP", None, Some("pool-1"));
    store.write_resources(&[put(&pool, None), put(&set, None), put(&keyword, None)]).await.expect("create");
    assert_eq!(store.get_resource(ACCOUNT, "pool", "pool-1").await.expect("get"), Some(pool.clone()));
    assert_eq!(
        store.find_resource_by_name(ACCOUNT, "configuration-set", "marketing").await.expect("by name"),
        Some(set.clone())
    );
    assert_eq!(
        store.list_resources(ACCOUNT, "keyword", Some("pool-1")).await.expect("by parent"),
        vec![keyword.clone()]
    );
    assert!(store.list_resources(ACCOUNT, "keyword", Some("pool-2")).await.expect("by parent").is_empty());
    assert_eq!(store.count_resources(ACCOUNT, "pool").await.expect("count"), 1);

    // A failing change undoes the whole write.
    let other = resource("pool", "pool-2", None, None);
    let result = store.write_resources(&[put(&other, None), put(&pool, None)]).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "pool-1 exists: {result:?}");
    assert!(
        store.get_resource(ACCOUNT, "pool", "pool-2").await.expect("get").is_none(),
        "nothing of a failed write stays"
    );

    let same_name = resource("configuration-set", "cs-2", Some("marketing"), None);
    assert!(store.write_resources(&[put(&same_name, None)]).await.is_err(), "names are unique per type");

    let mut updated = pool.clone();
    updated.version = 2;
    updated.document = serde_json::json!({"Id": "pool-1", "Status": "ACTIVE"});
    store.write_resources(&[put(&updated, Some(1))]).await.expect("update at version 1");
    assert!(matches!(store.write_resources(&[put(&updated, Some(1))]).await, Err(StoreError::Conflict(_))));
    assert_eq!(
        store.get_resource(ACCOUNT, "pool", "pool-1").await.expect("get").map(|r| r.document["Status"].clone()),
        Some("ACTIVE".into())
    );

    let delete = |resource_type: &str, id: &str, version| ResourceChange::Delete {
        account_id: ACCOUNT.into(),
        resource_type: resource_type.into(),
        id: id.into(),
        expected_version: version,
    };
    assert!(store.write_resources(&[delete("pool", "pool-1", 1)]).await.is_err(), "stale delete");
    store
        .write_resources(&[
            delete("pool", "pool-1", 2),
            delete("keyword", "pool-1/STOP", 1),
            delete("configuration-set", "cs-1", 1),
        ])
        .await
        .expect("delete all");
    assert_eq!(store.count_resources(ACCOUNT, "pool").await.expect("count"), 0);
    assert!(store.list_resources(ACCOUNT, "configuration-set", None).await.expect("list").is_empty());
}

fn queued_message(id: &str, lane: &str, due_in_ms: i64) -> MessageRecord {
    MessageRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        channel: "TEXT".into(),
        state: MessageState::Queued,
        lane: lane.into(),
        due_at: now() + time::Duration::milliseconds(due_in_ms),
        attempts: 0,
        last_error: None,
        document: serde_json::json!({"MessageBody": id}),
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn event(message_id: &str, event_type: &str) -> EventRecord {
    EventRecord {
        seq: 0,
        account_id: ACCOUNT.into(),
        message_id: message_id.into(),
        event_type: event_type.into(),
        destinations: vec!["stream".into()],
        record: serde_json::json!({"eventType": event_type}),
        created_at: now(),
    }
}

/// Charges stop at the limit, claims skip busy lanes and leased messages, updates are
/// versioned, receipts find their message by the carrier's id, and the inbox keeps what it
/// is given until settled.
async fn delivery_queue(store: &dyn Backend) {
    let charge = |micros: i64| SpendCharge {
        account_id: ACCOUNT.into(),
        channel: "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT".into(),
        month: "2026-11".into(),
        amount_micros: micros,
        limit_micros: 1_000_000,
    };
    let batch = [
        NewMessage {
            message: queued_message("m-1", "lane-a", -10),
            charge: Some(charge(600_000)),
            events: vec![event("m-1", "TEXT_QUEUED")],
        },
        NewMessage { message: queued_message("m-2", "lane-a", -5), charge: Some(charge(600_000)), events: vec![] },
        NewMessage { message: queued_message("m-3", "lane-b", -1), charge: Some(charge(400_000)), events: vec![] },
        NewMessage { message: queued_message("m-4", "lane-b", 60_000), charge: None, events: vec![] },
    ];
    let outcomes = store.enqueue_messages(&batch).await.expect("enqueue");
    assert_eq!(
        outcomes,
        [EnqueueOutcome::Stored, EnqueueOutcome::SpendLimitReached, EnqueueOutcome::Stored, EnqueueOutcome::Stored]
    );
    assert_eq!(
        store.spend_in_month(ACCOUNT, "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "2026-11").await.expect("spend"),
        1_000_000
    );
    assert!(store.get_message("m-2").await.expect("get").is_none(), "a refused charge stores nothing");

    let lease = std::time::Duration::from_secs(60);
    let claimed = store.claim_messages("node-1", now(), lease, &["lane-a".into()], 10).await.expect("claim");
    assert_eq!(
        claimed.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m-3"],
        "busy lanes and future messages wait"
    );
    let claimed = store.claim_messages("node-2", now(), lease, &[], 10).await.expect("claim");
    assert_eq!(
        claimed.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m-1"],
        "a leased message is not claimed twice"
    );
    assert_eq!(store.release_leases("node-2").await.expect("release"), 1);
    let again = store.claim_messages("node-2", now(), lease, &[], 10).await.expect("claim");
    assert_eq!(again.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m-1"], "a released message is due again");
    let later = now() + time::Duration::seconds(120);
    let reclaimed = store.claim_messages("node-3", later, lease, &[], 10).await.expect("claim");
    assert_eq!(reclaimed.len(), 3, "expired leases and due messages are claimed again");

    let mut message = store.get_message("m-1").await.expect("get").expect("m-1 stored");
    let submitted = MessageUpdate {
        id: "m-1".into(),
        expected_version: message.version,
        state: MessageState::Submitted,
        lane: message.lane.clone(),
        due_at: now() + time::Duration::hours(72),
        attempts: 1,
        last_error: None,
        document: serde_json::json!({"Parts": [{"CarrierMessageId": "a1"}]}),
        carrier_ids: vec![CarrierMessageId { carrier: "smsc".into(), carrier_message_id: "a1".into(), part: 1 }],
        events: vec![event("m-1", "TEXT_SUCCESSFUL")],
    };
    assert_eq!(store.update_messages(std::slice::from_ref(&submitted)).await.expect("update"), [true]);
    assert_eq!(store.update_messages(&[submitted]).await.expect("update"), [false], "a stale version is refused");
    let (found, part) = store
        .find_message_by_carrier_id("smsc", &["161".into(), "a1".into()])
        .await
        .expect("lookup")
        .expect("found by its second candidate");
    assert_eq!((found.id.as_str(), part, found.state), ("m-1", 1, MessageState::Submitted));
    assert!(store.find_message_by_carrier_id("other", &["a1".into()]).await.expect("lookup").is_none());
    message = found;
    let events = store.message_events("m-1").await.expect("events");
    assert_eq!(events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["TEXT_QUEUED", "TEXT_SUCCESSFUL"]);
    assert!(events[0].seq < events[1].seq);
    assert_eq!(events[0].destinations, ["stream"]);
    let after = store.events_after(events[0].seq, 10).await.expect("events after");
    assert_eq!(after.len(), 1);
    assert!(message.document["Parts"].is_array());
    assert_eq!(store.count_messages(MessageState::Submitted).await.expect("count"), 1);
    assert_eq!(store.list_messages(MessageState::Queued, 10).await.expect("list").len(), 2);

    let item = |kind: &str| InboxItem {
        seq: 0,
        kind: kind.into(),
        document: serde_json::json!({"id": kind}),
        attempts: 0,
        created_at: now(),
    };
    store.push_inbox(&[item("receipt"), item("inbound")]).await.expect("push");
    let items = store.peek_inbox(10).await.expect("peek");
    assert_eq!(items.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(), ["receipt", "inbound"]);
    store.settle_inbox(&[items[1].seq], &[items[0].seq]).await.expect("settle");
    let left = store.peek_inbox(10).await.expect("peek");
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].kind.as_str(), left[0].attempts), ("receipt", 1));
    store.settle_inbox(&[left[0].seq], &[]).await.expect("settle");
    assert!(store.peek_inbox(10).await.expect("peek").is_empty());
}

/// Events whose destinations are ARNs wait in the outbox per sink, in order, until delivered;
/// failures move their next attempt and are dead-lettered when buried; a sink's backlog can be
/// trimmed to its newest entries.
async fn event_outbox(store: &dyn Backend) {
    const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:events";
    const CHANNEL: &str = "arn:aws:sns:us-east-1:111122223333:two-way";
    let routed = |message_id: &str, event_type: &str, sinks: &[&str]| EventRecord {
        destinations: sinks.iter().map(|s| s.to_string()).collect(),
        ..event(message_id, event_type)
    };
    store
        .append_events(&[
            routed("o-1", "TEXT_QUEUED", &[TOPIC]),
            routed("o-1", "TEXT_SUCCESSFUL", &[TOPIC, CHANNEL]),
            routed("o-2", "TEXT_QUEUED", &["by-name"]),
            routed("o-1", "TEXT_DELIVERED", &[TOPIC]),
        ])
        .await
        .expect("append events");
    let sinks: Vec<String> = store.outbox_depth().await.expect("depth").into_iter().map(|d| d.sink).collect();
    assert_eq!(sinks, [TOPIC, CHANNEL], "ARN destinations only, sorted");
    let due = store.outbox_due(TOPIC, now(), 10).await.expect("due");
    let types: Vec<_> = due.iter().map(|e| e.record["eventType"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"], "one sink's entries in order");
    assert!(due.iter().all(|e| e.message_id == "o-1" && e.attempts == 0 && e.first_failure_at.is_none()));
    let ids: std::collections::HashSet<_> = due.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(ids.len(), 3, "event ids are unique");
    let on_channel = store.outbox_due(CHANNEL, now(), 10).await.expect("due");
    assert_eq!(on_channel.len(), 1);
    assert_eq!(on_channel[0].event_id, due[1].event_id, "one event has one id whatever its sink");

    // A failure moves the next attempt; neither it nor the entries behind it are due before.
    let failed_at = now();
    let later = failed_at + time::Duration::seconds(30);
    store.outbox_failed(&[due[0].seq], "503 from the receiver", failed_at, later).await.expect("failed");
    assert!(store.outbox_due(TOPIC, failed_at, 10).await.expect("due").is_empty());
    assert_eq!(store.outbox_due(CHANNEL, failed_at, 10).await.expect("due").len(), 1, "other sinks go on");
    let retried = store.outbox_due(TOPIC, later, 10).await.expect("due");
    assert_eq!(retried.len(), 3);
    assert_eq!(retried[0].attempts, 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("503 from the receiver"));
    assert_eq!(retried[0].first_failure_at, Some(failed_at));

    // Delivered entries go; the depth counts what is left.
    store.outbox_delivered(&[due[1].seq, due[2].seq]).await.expect("delivered");
    let depth = store.outbox_depth().await.expect("depth");
    let topic = depth.iter().find(|d| d.sink == TOPIC).expect("topic depth");
    assert_eq!((topic.pending, topic.dead), (1, 0));
    assert_eq!(topic.oldest_pending, Some(due[0].created_at));

    // Failing since before the cut-off: dead-lettered, no longer due.
    assert_eq!(store.outbox_bury(TOPIC, failed_at).await.expect("bury"), 0, "not failing since before it");
    assert_eq!(store.outbox_bury(TOPIC, failed_at + time::Duration::seconds(1)).await.expect("bury"), 1);
    assert!(store.outbox_due(TOPIC, later, 10).await.expect("due").is_empty());
    let depth = store.outbox_depth().await.expect("depth");
    let topic = depth.iter().find(|d| d.sink == TOPIC).expect("topic depth");
    assert_eq!((topic.pending, topic.dead, topic.oldest_pending), (0, 1, None));

    // Trimming keeps a sink's newest pending entries.
    let many: Vec<EventRecord> = (0..5).map(|n| routed(&format!("t-{n}"), "TEXT_QUEUED", &[CHANNEL])).collect();
    store.append_events(&many).await.expect("append");
    assert_eq!(store.outbox_trim(CHANNEL, 2).await.expect("trim"), 4);
    let kept: Vec<_> =
        store.outbox_due(CHANNEL, now(), 10).await.expect("due").into_iter().map(|e| e.message_id).collect();
    assert_eq!(kept, ["t-3", "t-4"]);
}

/// Account ids come back in order; audit records come back oldest first with every field, and
/// each filter narrows them.
async fn accounts_listed_and_audit_log(store: &dyn Backend, secret_box: &SecretBox) {
    assert_eq!(store.list_account_ids().await.expect("account ids"), [ACCOUNT]);
    let other = AccountRecord { id: "000011112222".into(), created_at: now() };
    let key = AccessKeyRecord {
        access_key_id: "HERALDTESTKEY0000002".into(),
        account_id: other.id.clone(),
        secret: secret_box.seal(b"secret", "access-key/HERALDTESTKEY0000002").expect("seal"),
        created_at: now(),
    };
    store.create_account(&other, &key).await.expect("second account");
    assert_eq!(store.list_account_ids().await.expect("account ids"), ["000011112222", ACCOUNT]);

    let start = now();
    let record = |seconds: i64, account: Option<&str>, operation: &str| crate::AuditRecord {
        seq: 0,
        event_time: start + time::Duration::seconds(seconds),
        request_id: format!("request-{seconds}"),
        account_id: account.map(str::to_owned),
        principal: account.map(|_| "HERALDTESTKEY0000001".to_string()),
        region: Some("us-east-1".into()),
        source_ip: Some("127.0.0.1".into()),
        user_agent: Some("aws-sdk-rust".into()),
        api: "pinpoint".into(),
        operation: Some(operation.into()),
        resources: vec![format!("arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/a{seconds}")],
        request_parameters: Some(serde_json::json!({"ApplicationId": format!("a{seconds}"), "Nested": {"n": [1, 2]}})),
        error_code: None,
        error_message: None,
        duration_ms: 12,
    };
    let failed = crate::AuditRecord {
        error_code: Some("NotFoundException".into()),
        error_message: Some("no such app".into()),
        request_parameters: None,
        resources: Vec::new(),
        user_agent: None,
        ..record(2, Some(ACCOUNT), "GetApp")
    };
    let anonymous = crate::AuditRecord { principal: None, ..record(1, None, "GetApps") };
    store.append_audit(&[]).await.expect("nothing to append");
    // Stored out of time order on purpose: reading orders by the time of the call.
    store
        .append_audit(&[record(0, Some(ACCOUNT), "CreateApp"), failed.clone(), anonymous.clone()])
        .await
        .expect("append audit");
    store.append_audit(&[record(3, Some("000011112222"), "CreateApp")]).await.expect("append audit");

    let all = |filter: crate::AuditFilter| async move {
        store.list_audit(&crate::AuditFilter { limit: 100, ..filter }).await.expect("list audit")
    };
    let everything = all(crate::AuditFilter::default()).await;
    let ids: Vec<&str> = everything.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids, ["request-0", "request-1", "request-2", "request-3"]);
    assert!(everything.iter().all(|r| r.seq > 0), "the store numbers records");
    assert_eq!(crate::AuditRecord { seq: 0, ..everything[0].clone() }, record(0, Some(ACCOUNT), "CreateApp"));
    assert_eq!(crate::AuditRecord { seq: 0, ..everything[1].clone() }, anonymous);
    assert_eq!(crate::AuditRecord { seq: 0, ..everything[2].clone() }, failed);

    let ids = |records: Vec<crate::AuditRecord>| records.into_iter().map(|r| r.request_id).collect::<Vec<_>>();
    let window = crate::AuditFilter {
        since: Some(start + time::Duration::seconds(1)),
        until: Some(start + time::Duration::seconds(3)),
        ..Default::default()
    };
    assert_eq!(ids(all(window).await), ["request-1", "request-2"], "since is inclusive, until is not");
    let creates = crate::AuditFilter { operation: Some("CreateApp".into()), ..Default::default() };
    assert_eq!(ids(all(creates).await), ["request-0", "request-3"]);
    let theirs = crate::AuditFilter { account_id: Some("000011112222".into()), ..Default::default() };
    assert_eq!(ids(all(theirs).await), ["request-3"]);
    let first_two = crate::AuditFilter { limit: 2, ..Default::default() };
    assert_eq!(ids(store.list_audit(&first_two).await.expect("list audit")), ["request-0", "request-1"]);
}

/// A lease has one owner until it lapses; the owner renews it; anyone may take a lapsed one.
async fn leases_go_to_one_owner_at_a_time(store: &dyn Backend) {
    let ttl = std::time::Duration::from_secs(30);
    let start = now();
    assert!(store.acquire_lease("sink:a", "node-1", start, ttl).await.expect("lease"), "a free lease");
    assert!(!store.acquire_lease("sink:a", "node-2", start, ttl).await.expect("lease"), "held by node-1");
    assert!(store.acquire_lease("sink:b", "node-2", start, ttl).await.expect("lease"), "another lease is free");
    let later = start + time::Duration::seconds(20);
    assert!(store.acquire_lease("sink:a", "node-1", later, ttl).await.expect("lease"), "the owner renews");
    let lapsed_first = start + time::Duration::seconds(40);
    assert!(!store.acquire_lease("sink:a", "node-2", lapsed_first, ttl).await.expect("lease"), "renewed to 50 s");
    let lapsed = start + time::Duration::seconds(51);
    assert!(store.acquire_lease("sink:a", "node-2", lapsed, ttl).await.expect("lease"), "a lapsed lease is taken");
    assert!(!store.acquire_lease("sink:a", "node-1", lapsed, ttl).await.expect("lease"), "node-2 has it now");
    store.release_lease("sink:a", "node-1").await.expect("release");
    assert!(!store.acquire_lease("sink:a", "node-3", lapsed, ttl).await.expect("lease"), "only the owner releases");
    store.release_lease("sink:a", "node-2").await.expect("release");
    assert!(store.acquire_lease("sink:a", "node-3", lapsed, ttl).await.expect("lease"), "released");
}
