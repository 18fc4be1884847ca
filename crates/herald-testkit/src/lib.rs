//! Test support: a real `herald` process on a free port (and, as the push and SMS issues land,
//! fake APNs / FCM / ADM / Baidu servers and a fake SMSC).

mod server;

pub use server::{TestServer, TestServerBuilder};
