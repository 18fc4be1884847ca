//! A Core over a fresh SQLite database, for the SMS modules' unit tests.

use std::sync::Arc;

use herald_proto::RequestContext;
use herald_store::SecretBox;

use crate::{Core, PushSettings};

/// A Core on its own in-memory database (shared by the pool's connections, gone with them),
/// and a request context for one account.
pub async fn test_core() -> (Core, RequestContext) {
    let url = format!("sqlite:file:herald-sms-test-{}?mode=memory&cache=shared", uuid::Uuid::new_v4().simple());
    let store = herald_store::open(&url).await.expect("open a test database");
    let secrets = SecretBox::new(&[7u8; 32]).expect("secret box");
    let push = PushSettings::public(Arc::new(rustls::RootCertStore::empty()));
    let ctx = RequestContext {
        request_id: "test-request".into(),
        account_id: "111122223333".into(),
        access_key_id: "AKIATEST".into(),
        region: "us-east-1".into(),
        source_ip: None,
        user_agent: None,
    };
    (Core::new(store, secrets, push), ctx)
}
