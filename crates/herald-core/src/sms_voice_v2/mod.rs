//! The SMS and voice v2 API (awsJson1_0). Each resource family lives in its own module as
//! inherent `sms_*` methods; the trait implementation below only routes to them. Operations not
//! built yet answer the generated "not implemented" error.

mod account;
mod account_limits;
mod configuration_sets;
mod countries;
mod country_rules;
mod errors;
mod event_destinations;
mod identities;
mod ids;
mod inbound;
pub mod inventory;
mod keywords;
mod listing;
mod message_feedback;
mod opt_out_lists;
mod phone_numbers;
mod pools;
mod pricing;
mod protect;
mod protect_rules;
pub mod quotas;
mod registration_associations;
mod registration_attachments;
mod registration_definitions;
mod registration_fields;
pub mod registration_review;
mod registration_schema;
mod registration_validation;
mod registration_versions;
mod registrations;
mod resources;
pub(crate) mod send_checks;
mod send_media;
mod send_text;
mod send_voice;
mod sender_ids;
mod simulator;
mod spend_limits;
mod tags;
#[cfg(test)]
mod testing;
mod verification;
mod verified_numbers;

use herald_api::sms_voice_v2::operations::SmsVoiceV2Api;
use herald_api::sms_voice_v2::types::*;
use herald_proto::{ApiError, RequestContext};

/// Routes each operation to its `sms_*` method.
macro_rules! route {
    ($($operation:ident => $method:ident($Input:ident) -> $Output:ident;)*) => {
        $(
            async fn $operation(&self, ctx: &RequestContext, input: $Input) -> Result<$Output, ApiError> {
                self.$method(ctx, input).await
            }
        )*
    };
}

impl SmsVoiceV2Api for crate::Core {
    route! {
        send_text_message => sms_send_text_message(SendTextMessageRequest) -> SendTextMessageResult;
        send_voice_message => sms_send_voice_message(SendVoiceMessageRequest) -> SendVoiceMessageResult;
        send_media_message => sms_send_media_message(SendMediaMessageRequest) -> SendMediaMessageResult;
        put_message_feedback => sms_put_message_feedback(PutMessageFeedbackRequest) -> PutMessageFeedbackResult;
        request_phone_number => sms_request_phone_number(RequestPhoneNumberRequest) -> RequestPhoneNumberResult;
        release_phone_number => sms_release_phone_number(ReleasePhoneNumberRequest) -> ReleasePhoneNumberResult;
        update_phone_number => sms_update_phone_number(UpdatePhoneNumberRequest) -> UpdatePhoneNumberResult;
        describe_phone_numbers => sms_describe_phone_numbers(DescribePhoneNumbersRequest) -> DescribePhoneNumbersResult;
        list_available_phone_numbers => sms_list_available_phone_numbers(ListAvailablePhoneNumbersRequest) -> ListAvailablePhoneNumbersResult;
        request_sender_id => sms_request_sender_id(RequestSenderIdRequest) -> RequestSenderIdResult;
        release_sender_id => sms_release_sender_id(ReleaseSenderIdRequest) -> ReleaseSenderIdResult;
        update_sender_id => sms_update_sender_id(UpdateSenderIdRequest) -> UpdateSenderIdResult;
        describe_sender_ids => sms_describe_sender_ids(DescribeSenderIdsRequest) -> DescribeSenderIdsResult;
        tag_resource => sms_tag_resource(TagResourceRequest) -> TagResourceResult;
        untag_resource => sms_untag_resource(UntagResourceRequest) -> UntagResourceResult;
        list_tags_for_resource => sms_list_tags_for_resource(ListTagsForResourceRequest) -> ListTagsForResourceResult;
        create_pool => sms_create_pool(CreatePoolRequest) -> CreatePoolResult;
        delete_pool => sms_delete_pool(DeletePoolRequest) -> DeletePoolResult;
        update_pool => sms_update_pool(UpdatePoolRequest) -> UpdatePoolResult;
        describe_pools => sms_describe_pools(DescribePoolsRequest) -> DescribePoolsResult;
        associate_origination_identity => sms_associate_origination_identity(AssociateOriginationIdentityRequest) -> AssociateOriginationIdentityResult;
        disassociate_origination_identity => sms_disassociate_origination_identity(DisassociateOriginationIdentityRequest) -> DisassociateOriginationIdentityResult;
        list_pool_origination_identities => sms_list_pool_origination_identities(ListPoolOriginationIdentitiesRequest) -> ListPoolOriginationIdentitiesResult;
        create_opt_out_list => sms_create_opt_out_list(CreateOptOutListRequest) -> CreateOptOutListResult;
        delete_opt_out_list => sms_delete_opt_out_list(DeleteOptOutListRequest) -> DeleteOptOutListResult;
        describe_opt_out_lists => sms_describe_opt_out_lists(DescribeOptOutListsRequest) -> DescribeOptOutListsResult;
        put_opted_out_number => sms_put_opted_out_number(PutOptedOutNumberRequest) -> PutOptedOutNumberResult;
        delete_opted_out_number => sms_delete_opted_out_number(DeleteOptedOutNumberRequest) -> DeleteOptedOutNumberResult;
        describe_opted_out_numbers => sms_describe_opted_out_numbers(DescribeOptedOutNumbersRequest) -> DescribeOptedOutNumbersResult;
        put_keyword => sms_put_keyword(PutKeywordRequest) -> PutKeywordResult;
        delete_keyword => sms_delete_keyword(DeleteKeywordRequest) -> DeleteKeywordResult;
        describe_keywords => sms_describe_keywords(DescribeKeywordsRequest) -> DescribeKeywordsResult;
        create_verified_destination_number => sms_create_verified_destination_number(CreateVerifiedDestinationNumberRequest) -> CreateVerifiedDestinationNumberResult;
        delete_verified_destination_number => sms_delete_verified_destination_number(DeleteVerifiedDestinationNumberRequest) -> DeleteVerifiedDestinationNumberResult;
        describe_verified_destination_numbers => sms_describe_verified_destination_numbers(DescribeVerifiedDestinationNumbersRequest) -> DescribeVerifiedDestinationNumbersResult;
        send_destination_number_verification_code => sms_send_destination_number_verification_code(SendDestinationNumberVerificationCodeRequest) -> SendDestinationNumberVerificationCodeResult;
        verify_destination_number => sms_verify_destination_number(VerifyDestinationNumberRequest) -> VerifyDestinationNumberResult;
        describe_account_attributes => sms_describe_account_attributes(DescribeAccountAttributesRequest) -> DescribeAccountAttributesResult;
        describe_account_limits => sms_describe_account_limits(DescribeAccountLimitsRequest) -> DescribeAccountLimitsResult;
        describe_spend_limits => sms_describe_spend_limits(DescribeSpendLimitsRequest) -> DescribeSpendLimitsResult;
        set_text_message_spend_limit_override => sms_set_text_message_spend_limit_override(SetTextMessageSpendLimitOverrideRequest) -> SetTextMessageSpendLimitOverrideResult;
        delete_text_message_spend_limit_override => sms_delete_text_message_spend_limit_override(DeleteTextMessageSpendLimitOverrideRequest) -> DeleteTextMessageSpendLimitOverrideResult;
        set_voice_message_spend_limit_override => sms_set_voice_message_spend_limit_override(SetVoiceMessageSpendLimitOverrideRequest) -> SetVoiceMessageSpendLimitOverrideResult;
        delete_voice_message_spend_limit_override => sms_delete_voice_message_spend_limit_override(DeleteVoiceMessageSpendLimitOverrideRequest) -> DeleteVoiceMessageSpendLimitOverrideResult;
        set_media_message_spend_limit_override => sms_set_media_message_spend_limit_override(SetMediaMessageSpendLimitOverrideRequest) -> SetMediaMessageSpendLimitOverrideResult;
        delete_media_message_spend_limit_override => sms_delete_media_message_spend_limit_override(DeleteMediaMessageSpendLimitOverrideRequest) -> DeleteMediaMessageSpendLimitOverrideResult;
        set_notify_message_spend_limit_override => sms_set_notify_message_spend_limit_override(SetNotifyMessageSpendLimitOverrideRequest) -> SetNotifyMessageSpendLimitOverrideResult;
        delete_notify_message_spend_limit_override => sms_delete_notify_message_spend_limit_override(DeleteNotifyMessageSpendLimitOverrideRequest) -> DeleteNotifyMessageSpendLimitOverrideResult;
        set_rcs_message_spend_limit_override => sms_set_rcs_message_spend_limit_override(SetRcsMessageSpendLimitOverrideRequest) -> SetRcsMessageSpendLimitOverrideResult;
        delete_rcs_message_spend_limit_override => sms_delete_rcs_message_spend_limit_override(DeleteRcsMessageSpendLimitOverrideRequest) -> DeleteRcsMessageSpendLimitOverrideResult;
        create_configuration_set => sms_create_configuration_set(CreateConfigurationSetRequest) -> CreateConfigurationSetResult;
        delete_configuration_set => sms_delete_configuration_set(DeleteConfigurationSetRequest) -> DeleteConfigurationSetResult;
        describe_configuration_sets => sms_describe_configuration_sets(DescribeConfigurationSetsRequest) -> DescribeConfigurationSetsResult;
        set_default_message_type => sms_set_default_message_type(SetDefaultMessageTypeRequest) -> SetDefaultMessageTypeResult;
        delete_default_message_type => sms_delete_default_message_type(DeleteDefaultMessageTypeRequest) -> DeleteDefaultMessageTypeResult;
        set_default_sender_id => sms_set_default_sender_id(SetDefaultSenderIdRequest) -> SetDefaultSenderIdResult;
        delete_default_sender_id => sms_delete_default_sender_id(DeleteDefaultSenderIdRequest) -> DeleteDefaultSenderIdResult;
        set_default_message_feedback_enabled => sms_set_default_message_feedback_enabled(SetDefaultMessageFeedbackEnabledRequest) -> SetDefaultMessageFeedbackEnabledResult;
        create_event_destination => sms_create_event_destination(CreateEventDestinationRequest) -> CreateEventDestinationResult;
        update_event_destination => sms_update_event_destination(UpdateEventDestinationRequest) -> UpdateEventDestinationResult;
        delete_event_destination => sms_delete_event_destination(DeleteEventDestinationRequest) -> DeleteEventDestinationResult;
        associate_protect_configuration => sms_associate_protect_configuration(AssociateProtectConfigurationRequest) -> AssociateProtectConfigurationResult;
        disassociate_protect_configuration => sms_disassociate_protect_configuration(DisassociateProtectConfigurationRequest) -> DisassociateProtectConfigurationResult;
        create_protect_configuration => sms_create_protect_configuration(CreateProtectConfigurationRequest) -> CreateProtectConfigurationResult;
        delete_protect_configuration => sms_delete_protect_configuration(DeleteProtectConfigurationRequest) -> DeleteProtectConfigurationResult;
        update_protect_configuration => sms_update_protect_configuration(UpdateProtectConfigurationRequest) -> UpdateProtectConfigurationResult;
        describe_protect_configurations => sms_describe_protect_configurations(DescribeProtectConfigurationsRequest) -> DescribeProtectConfigurationsResult;
        get_protect_configuration_country_rule_set => sms_get_protect_configuration_country_rule_set(GetProtectConfigurationCountryRuleSetRequest) -> GetProtectConfigurationCountryRuleSetResult;
        update_protect_configuration_country_rule_set => sms_update_protect_configuration_country_rule_set(UpdateProtectConfigurationCountryRuleSetRequest) -> UpdateProtectConfigurationCountryRuleSetResult;
        set_account_default_protect_configuration => sms_set_account_default_protect_configuration(SetAccountDefaultProtectConfigurationRequest) -> SetAccountDefaultProtectConfigurationResult;
        delete_account_default_protect_configuration => sms_delete_account_default_protect_configuration(DeleteAccountDefaultProtectConfigurationRequest) -> DeleteAccountDefaultProtectConfigurationResult;
        put_protect_configuration_rule_set_number_override => sms_put_protect_configuration_rule_set_number_override(PutProtectConfigurationRuleSetNumberOverrideRequest) -> PutProtectConfigurationRuleSetNumberOverrideResult;
        delete_protect_configuration_rule_set_number_override => sms_delete_protect_configuration_rule_set_number_override(DeleteProtectConfigurationRuleSetNumberOverrideRequest) -> DeleteProtectConfigurationRuleSetNumberOverrideResult;
        list_protect_configuration_rule_set_number_overrides => sms_list_protect_configuration_rule_set_number_overrides(ListProtectConfigurationRuleSetNumberOverridesRequest) -> ListProtectConfigurationRuleSetNumberOverridesResult;
        create_registration => sms_create_registration(CreateRegistrationRequest) -> CreateRegistrationResult;
        delete_registration => sms_delete_registration(DeleteRegistrationRequest) -> DeleteRegistrationResult;
        describe_registrations => sms_describe_registrations(DescribeRegistrationsRequest) -> DescribeRegistrationsResult;
        create_registration_version => sms_create_registration_version(CreateRegistrationVersionRequest) -> CreateRegistrationVersionResult;
        describe_registration_versions => sms_describe_registration_versions(DescribeRegistrationVersionsRequest) -> DescribeRegistrationVersionsResult;
        discard_registration_version => sms_discard_registration_version(DiscardRegistrationVersionRequest) -> DiscardRegistrationVersionResult;
        submit_registration_version => sms_submit_registration_version(SubmitRegistrationVersionRequest) -> SubmitRegistrationVersionResult;
        put_registration_field_value => sms_put_registration_field_value(PutRegistrationFieldValueRequest) -> PutRegistrationFieldValueResult;
        delete_registration_field_value => sms_delete_registration_field_value(DeleteRegistrationFieldValueRequest) -> DeleteRegistrationFieldValueResult;
        describe_registration_field_values => sms_describe_registration_field_values(DescribeRegistrationFieldValuesRequest) -> DescribeRegistrationFieldValuesResult;
        create_registration_attachment => sms_create_registration_attachment(CreateRegistrationAttachmentRequest) -> CreateRegistrationAttachmentResult;
        delete_registration_attachment => sms_delete_registration_attachment(DeleteRegistrationAttachmentRequest) -> DeleteRegistrationAttachmentResult;
        describe_registration_attachments => sms_describe_registration_attachments(DescribeRegistrationAttachmentsRequest) -> DescribeRegistrationAttachmentsResult;
        create_registration_association => sms_create_registration_association(CreateRegistrationAssociationRequest) -> CreateRegistrationAssociationResult;
        list_registration_associations => sms_list_registration_associations(ListRegistrationAssociationsRequest) -> ListRegistrationAssociationsResult;
        describe_registration_type_definitions => sms_describe_registration_type_definitions(DescribeRegistrationTypeDefinitionsRequest) -> DescribeRegistrationTypeDefinitionsResult;
        describe_registration_section_definitions => sms_describe_registration_section_definitions(DescribeRegistrationSectionDefinitionsRequest) -> DescribeRegistrationSectionDefinitionsResult;
        describe_registration_field_definitions => sms_describe_registration_field_definitions(DescribeRegistrationFieldDefinitionsRequest) -> DescribeRegistrationFieldDefinitionsResult;
    }
}
