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

/// Puts `phone_number` (SMS and voice) in the operator's inventory and assigns it to the
/// context's account, ACTIVE: an identity the sending checks accept.
pub async fn give_number(core: &Core, ctx: &RequestContext, phone_number: &str, iso_country: &str) {
    let entry = crate::inventory::NumberEntry {
        phone_number: phone_number.into(),
        iso_country: iso_country.into(),
        number_type: "LONG_CODE".into(),
        capabilities: vec!["SMS".into(), "VOICE".into()],
        ..Default::default()
    };
    let number = entry.validate().expect("a valid inventory entry");
    crate::inventory::upsert(core.store(), &[number]).await.expect("inventory");
    let request = serde_json::from_value(serde_json::json!({
        "IsoCountryCode": iso_country,
        "MessageType": "TRANSACTIONAL",
        "NumberCapabilities": ["SMS", "VOICE"],
        "NumberType": "LONG_CODE",
    }))
    .expect("a RequestPhoneNumber request");
    core.sms_request_phone_number(ctx, request).await.expect("request the number");
}
