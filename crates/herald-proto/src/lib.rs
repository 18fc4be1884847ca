//! The AWS wire runtime: request signing checks, routing, decoding and error rendering.
//! Pure functions with no server state, so each piece is unit-tested alone.

pub mod aws_json;
mod context;
mod decode;
mod error;
pub mod rest;
pub mod sigv4;
pub mod wire;

pub use context::RequestContext;
pub use error::{ApiError, ErrorShape, RenderedError};

/// The two AWS protocols Herald speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// restJson1: Pinpoint, routed by method and URI template.
    RestJson,
    /// awsJson1_0: SMS and voice v2, routed by `X-Amz-Target`.
    AwsJson,
}
