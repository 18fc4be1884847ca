//! Pinpoint's error shapes, built from the generated exception types.

use herald_api::pinpoint::types::{BadRequestException, ConflictException, NotFoundException};
use herald_proto::ApiError;

pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::from_shape(&BadRequestException { message: Some(message.into()), request_id: None })
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::from_shape(&NotFoundException { message: Some(message.into()), request_id: None })
}

pub fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::from_shape(&ConflictException { message: Some(message.into()), request_id: None })
}

/// Storage failures are ours, not the caller's.
pub fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error)
}

/// Converts between two generated shapes with the same wire members (the four APNs channel
/// variants, for example), or from a JSON document built here.
pub fn convert<T: serde::de::DeserializeOwned>(value: impl serde::Serialize) -> Result<T, ApiError> {
    let value = serde_json::to_value(value).map_err(internal)?;
    serde_path_to_error::deserialize(value).map_err(|e| internal(format!("building a response: {e}")))
}
