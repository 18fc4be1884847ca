//! Test support: a real `herald` process on a free port, and fake APNs / FCM / ADM / Baidu
//! servers that behave like the real services (also runnable alone as `herald-fakes`).

pub mod admin;
pub mod fakes;
mod server;

pub use server::{TestServer, TestServerBuilder};
