//! The conformance suite on PostgreSQL, in a scratch database of its own on the local server.
//!
//! `HERALD_TEST_POSTGRES_URL` names the admin database to create the scratch one from (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). The suite uses fixed ids, so every run gets a
//! fresh database, dropped at the end whether the suite passed or not.

use std::collections::HashSet;

use herald_store::{
    CarrierMessageId, EnqueueOutcome, EventRecord, MessageRecord, MessageState, MessageUpdate, NewMessage, SpendCharge,
};
use sqlx::{Connection, PgConnection};
use time::OffsetDateTime;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin URL with its database path replaced by `database`.
fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// A scratch database, dropped (best effort) when this goes out of scope, also on a panic.
struct ScratchDatabase {
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    async fn create(admin_url: &str) -> Self {
        let name = format!("herald_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url).await.expect("connect to the PostgreSQL admin database");
        // The name is ours (letters, digits, underscores): safe to format into the statement.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the scratch database");
        admin.close().await.ok();
        ScratchDatabase { admin_url: admin_url.to_owned(), name }
    }

    fn url(&self) -> String {
        database_url(&self.admin_url, &self.name)
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // The test's runtime may be shutting down (or gone, after a panic): drop on a runtime of
        // our own, on a thread of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the scratch database {}", self.name);
        }
    }
}

#[tokio::test]
async fn postgres_backend_conforms() {
    let scratch = ScratchDatabase::create(&admin_url()).await;
    {
        let store = herald_store::open(&scratch.url()).await.expect("open postgres");
        herald_store::conformance::run_all(store.as_ref()).await;
    }
    drop(scratch);
}

fn admin_url() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

const ACCOUNT: &str = "123456789012";

fn message(id: &str, lane: &str) -> MessageRecord {
    let now = OffsetDateTime::now_utc();
    MessageRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        channel: "TEXT".into(),
        state: MessageState::Queued,
        lane: lane.into(),
        due_at: now - time::Duration::seconds(1),
        attempts: 0,
        last_error: None,
        document: serde_json::json!({"MessageBody": id}),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn event(message_id: &str, n: usize) -> EventRecord {
    EventRecord {
        seq: 0,
        account_id: ACCOUNT.into(),
        message_id: message_id.into(),
        event_type: format!("E{n}"),
        destinations: vec!["arn:aws:sns:us-east-1:123456789012:topic".into()],
        record: serde_json::json!({"n": n}),
        created_at: OffsetDateTime::now_utc(),
    }
}

/// What SQLite gets from its single writer, PostgreSQL must get from locks: nodes claiming at
/// once never share a message, concurrent charges never pass the limit together, a batch naming
/// one carrier id twice keeps the last, and event seqs follow the order events are given in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_nodes_share_one_database() {
    let scratch = ScratchDatabase::create(&admin_url()).await;
    {
        let nodes = [
            herald_store::open(&scratch.url()).await.expect("open node 1"),
            herald_store::open(&scratch.url()).await.expect("open node 2"),
        ];

        // Claims.
        let batch: Vec<NewMessage> = (0..200)
            .map(|i| NewMessage { message: message(&format!("c-{i:03}"), "lane"), charge: None, events: vec![] })
            .collect();
        assert!(nodes[0].enqueue_messages(&batch).await.expect("enqueue").iter().all(|o| *o == EnqueueOutcome::Stored));
        let mut claimers = Vec::new();
        for worker in 0..6 {
            let store = nodes[worker % 2].clone();
            claimers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let owner = format!("node-{worker}");
                    let lease = std::time::Duration::from_secs(600);
                    let claimed =
                        store.claim_messages(&owner, OffsetDateTime::now_utc(), lease, &[], 7).await.expect("claim");
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|m| m.id));
                }
            }));
        }
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.expect("claimer"));
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (200, 200), "every message claimed exactly once");

        // Spend.
        let mut chargers = Vec::new();
        for i in 0..20 {
            let store = nodes[i % 2].clone();
            chargers.push(tokio::spawn(async move {
                let charged = NewMessage {
                    message: message(&format!("s-{i:02}"), "spend"),
                    charge: Some(SpendCharge {
                        account_id: ACCOUNT.into(),
                        channel: "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT".into(),
                        month: "2026-12".into(),
                        amount_micros: 100_000,
                        limit_micros: 1_000_000,
                    }),
                    events: vec![],
                };
                store.enqueue_messages(&[charged]).await.expect("enqueue")[0]
            }));
        }
        let mut stored = 0;
        for charger in chargers {
            if charger.await.expect("charger") == EnqueueOutcome::Stored {
                stored += 1;
            }
        }
        assert_eq!(stored, 10, "exactly the charges under the limit are admitted");
        let spent =
            nodes[1].spend_in_month(ACCOUNT, "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "2026-12").await.expect("spend");
        assert_eq!(spent, 1_000_000);

        // One carrier id twice in a batch: the last wins.
        let update = |id: &str, version: i64, part: u32| MessageUpdate {
            id: id.into(),
            expected_version: version,
            state: MessageState::Submitted,
            lane: "lane".into(),
            due_at: OffsetDateTime::now_utc() + time::Duration::hours(1),
            attempts: 1,
            last_error: None,
            document: serde_json::json!({}),
            carrier_ids: vec![
                CarrierMessageId { carrier: "smsc".into(), carrier_message_id: "dup".into(), part },
                CarrierMessageId { carrier: "smsc".into(), carrier_message_id: format!("own-{id}"), part },
            ],
            events: vec![],
        };
        let applied = nodes[0]
            .update_messages(&[update("c-000", 1, 1), update("c-001", 1, 2), update("c-001", 1, 3)])
            .await
            .expect("update");
        assert_eq!(applied, [true, true, false], "the second change to c-001 names a stale version");
        let (found, part) =
            nodes[1].find_message_by_carrier_id("smsc", &["dup".into()]).await.expect("find").expect("found");
        assert_eq!((found.id.as_str(), part), ("c-001", 2));
        let (found, _) =
            nodes[1].find_message_by_carrier_id("smsc", &["own-c-000".into()]).await.expect("find").expect("found");
        assert_eq!(found.id, "c-000");

        // Event seqs follow the order given, across statements, and the outbox follows them.
        let events: Vec<EventRecord> = (0..600).map(|n| event("ev", n)).collect();
        nodes[0].append_events(&events).await.expect("append");
        let stored = nodes[1].message_events("ev").await.expect("events");
        let order: Vec<_> = stored.iter().map(|e| e.event_type.clone()).collect();
        assert_eq!(order, (0..600).map(|n| format!("E{n}")).collect::<Vec<_>>());
        assert!(stored.windows(2).all(|w| w[0].seq < w[1].seq));
        let due = nodes[0]
            .outbox_due("arn:aws:sns:us-east-1:123456789012:topic", OffsetDateTime::now_utc(), 1000)
            .await
            .expect("due");
        let outbox_order: Vec<_> = due.iter().map(|e| e.record["n"].as_u64().expect("n")).collect();
        assert_eq!(outbox_order, (0..600).collect::<Vec<u64>>());
        assert_eq!(due[5].event_id, format!("ev:{}", stored[5].seq));
    }
    drop(scratch);
}

#[test]
fn scratch_urls_replace_the_database() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(database_url("postgresql://u:p@h/db?sslmode=disable", "x"), "postgresql://u:p@h/x?sslmode=disable");
    assert_eq!(database_url("postgres://h:5432", "x"), "postgres://h:5432/x");
}
