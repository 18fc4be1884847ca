//! SMS and voice v2 errors, built from the generated exception shapes with the model's exact
//! reason enums.

use herald_api::sms_voice_v2::types::{
    ConflictException, ConflictExceptionReason, ResourceNotFoundException, ResourceType, ServiceQuotaExceededException,
    ServiceQuotaExceededExceptionReason, ValidationException, ValidationExceptionField, ValidationExceptionReason,
};
use herald_proto::ApiError;

/// A ValidationException naming the fields at fault.
pub fn validation(reason: ValidationExceptionReason, message: impl Into<String>, fields: &[(&str, &str)]) -> ApiError {
    let fields = (!fields.is_empty()).then(|| {
        fields
            .iter()
            .map(|(name, message)| ValidationExceptionField {
                name: (*name).to_string(),
                message: (*message).to_string(),
            })
            .collect()
    });
    ApiError::from_shape(&ValidationException { fields, message: Some(message.into()), reason: Some(reason) })
}

/// A required member that is missing or empty.
pub fn missing(field: &str) -> ApiError {
    validation(ValidationExceptionReason::MissingParameter, format!("{field} is required"), &[(field, "is required")])
}

/// A member whose value is not acceptable.
pub fn invalid(field: &str, problem: &str) -> ApiError {
    validation(ValidationExceptionReason::InvalidParameter, format!("{field} {problem}"), &[(field, problem)])
}

pub fn conflict(
    reason: ConflictExceptionReason,
    resource_type: ResourceType,
    resource_id: impl Into<String>,
    message: impl Into<String>,
) -> ApiError {
    ApiError::from_shape(&ConflictException {
        message: Some(message.into()),
        reason: Some(reason),
        resource_id: Some(resource_id.into()),
        resource_type: Some(resource_type),
    })
}

pub fn not_found(resource_type: ResourceType, resource_id: impl Into<String>) -> ApiError {
    let resource_id = resource_id.into();
    ApiError::from_shape(&ResourceNotFoundException {
        message: Some(format!("The {resource_type} {resource_id} does not exist")),
        resource_id: Some(resource_id),
        resource_type: Some(resource_type),
    })
}

pub fn quota(reason: ServiceQuotaExceededExceptionReason, message: impl Into<String>) -> ApiError {
    ApiError::from_shape(&ServiceQuotaExceededException { message: Some(message.into()), reason: Some(reason) })
}

/// Refuses to delete or change what deletion protection guards.
pub fn deletion_protected(resource_type: ResourceType, resource_id: &str) -> ApiError {
    conflict(
        ConflictExceptionReason::DeletionProtectionEnabled,
        resource_type,
        resource_id,
        format!("The {resource_type} {resource_id} has deletion protection enabled"),
    )
}

pub fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error)
}
