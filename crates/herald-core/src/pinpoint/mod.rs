//! The Pinpoint API (restJson1): apps, settings, push channels, tags, sending and the event
//! stream.

mod apps;
mod arn;
mod channels;
mod endpoints;
mod errors;
mod event_stream;
mod messaging;
mod settings;
mod tags;

use herald_api::pinpoint::operations::PinpointApi;
use herald_api::pinpoint::types::*;
use herald_proto::{ApiError, RequestContext};

pub use channels::PushChannel;
use errors::convert;
pub(crate) use messaging::ProviderCache;
pub use messaging::{RetryPolicy, describe_metrics};

/// Get, update and delete of one push channel type: the same three steps for each type, only
/// the generated request and response names differ.
macro_rules! channel_operations {
    ($channel:expr, $member:ident,
     $update:ident($UpdateRequest:ident . $request_member:ident) -> $UpdateResponse:ident,
     $get:ident($GetRequest:ident) -> $GetResponse:ident,
     $delete:ident($DeleteRequest:ident) -> $DeleteResponse:ident) => {
        async fn $update(&self, ctx: &RequestContext, input: $UpdateRequest) -> Result<$UpdateResponse, ApiError> {
            let channel = self.update_channel(ctx, &input.application_id, $channel, input.$request_member).await?;
            Ok($UpdateResponse { $member: convert(channel)? })
        }

        async fn $get(&self, ctx: &RequestContext, input: $GetRequest) -> Result<$GetResponse, ApiError> {
            let channel = self.get_channel(ctx, &input.application_id, $channel).await?;
            Ok($GetResponse { $member: convert(channel)? })
        }

        async fn $delete(&self, ctx: &RequestContext, input: $DeleteRequest) -> Result<$DeleteResponse, ApiError> {
            let channel = self.delete_channel(ctx, &input.application_id, $channel).await?;
            Ok($DeleteResponse { $member: convert(channel)? })
        }
    };
}

impl PinpointApi for crate::Core {
    async fn create_app(&self, ctx: &RequestContext, input: CreateAppRequest) -> Result<CreateAppResponse, ApiError> {
        let application_response = self.create_app(ctx, input.create_application_request).await?;
        Ok(CreateAppResponse { application_response })
    }

    async fn get_app(&self, ctx: &RequestContext, input: GetAppRequest) -> Result<GetAppResponse, ApiError> {
        Ok(GetAppResponse { application_response: self.get_app(ctx, &input.application_id).await? })
    }

    async fn get_apps(&self, ctx: &RequestContext, input: GetAppsRequest) -> Result<GetAppsResponse, ApiError> {
        let applications_response = self.get_apps(ctx, input.page_size.as_deref(), input.token.as_deref()).await?;
        Ok(GetAppsResponse { applications_response })
    }

    async fn delete_app(&self, ctx: &RequestContext, input: DeleteAppRequest) -> Result<DeleteAppResponse, ApiError> {
        Ok(DeleteAppResponse { application_response: self.delete_app(ctx, &input.application_id).await? })
    }

    async fn get_application_settings(
        &self,
        ctx: &RequestContext,
        input: GetApplicationSettingsRequest,
    ) -> Result<GetApplicationSettingsResponse, ApiError> {
        let application_settings_resource = self.get_application_settings(ctx, &input.application_id).await?;
        Ok(GetApplicationSettingsResponse { application_settings_resource })
    }

    async fn update_application_settings(
        &self,
        ctx: &RequestContext,
        input: UpdateApplicationSettingsRequest,
    ) -> Result<UpdateApplicationSettingsResponse, ApiError> {
        let application_settings_resource = self
            .update_application_settings(ctx, &input.application_id, input.write_application_settings_request)
            .await?;
        Ok(UpdateApplicationSettingsResponse { application_settings_resource })
    }

    async fn get_channels(
        &self,
        ctx: &RequestContext,
        input: GetChannelsRequest,
    ) -> Result<GetChannelsResponse, ApiError> {
        Ok(GetChannelsResponse { channels_response: self.get_channels(ctx, &input.application_id).await? })
    }

    channel_operations!(PushChannel::Apns, apns_channel_response,
        update_apns_channel(UpdateApnsChannelRequest.apns_channel_request) -> UpdateApnsChannelResponse,
        get_apns_channel(GetApnsChannelRequest) -> GetApnsChannelResponse,
        delete_apns_channel(DeleteApnsChannelRequest) -> DeleteApnsChannelResponse);

    channel_operations!(PushChannel::ApnsSandbox, apns_sandbox_channel_response,
        update_apns_sandbox_channel(UpdateApnsSandboxChannelRequest.apns_sandbox_channel_request) -> UpdateApnsSandboxChannelResponse,
        get_apns_sandbox_channel(GetApnsSandboxChannelRequest) -> GetApnsSandboxChannelResponse,
        delete_apns_sandbox_channel(DeleteApnsSandboxChannelRequest) -> DeleteApnsSandboxChannelResponse);

    channel_operations!(PushChannel::ApnsVoip, apns_voip_channel_response,
        update_apns_voip_channel(UpdateApnsVoipChannelRequest.apns_voip_channel_request) -> UpdateApnsVoipChannelResponse,
        get_apns_voip_channel(GetApnsVoipChannelRequest) -> GetApnsVoipChannelResponse,
        delete_apns_voip_channel(DeleteApnsVoipChannelRequest) -> DeleteApnsVoipChannelResponse);

    channel_operations!(PushChannel::ApnsVoipSandbox, apns_voip_sandbox_channel_response,
        update_apns_voip_sandbox_channel(UpdateApnsVoipSandboxChannelRequest.apns_voip_sandbox_channel_request) -> UpdateApnsVoipSandboxChannelResponse,
        get_apns_voip_sandbox_channel(GetApnsVoipSandboxChannelRequest) -> GetApnsVoipSandboxChannelResponse,
        delete_apns_voip_sandbox_channel(DeleteApnsVoipSandboxChannelRequest) -> DeleteApnsVoipSandboxChannelResponse);

    channel_operations!(PushChannel::Gcm, gcm_channel_response,
        update_gcm_channel(UpdateGcmChannelRequest.gcm_channel_request) -> UpdateGcmChannelResponse,
        get_gcm_channel(GetGcmChannelRequest) -> GetGcmChannelResponse,
        delete_gcm_channel(DeleteGcmChannelRequest) -> DeleteGcmChannelResponse);

    channel_operations!(PushChannel::Baidu, baidu_channel_response,
        update_baidu_channel(UpdateBaiduChannelRequest.baidu_channel_request) -> UpdateBaiduChannelResponse,
        get_baidu_channel(GetBaiduChannelRequest) -> GetBaiduChannelResponse,
        delete_baidu_channel(DeleteBaiduChannelRequest) -> DeleteBaiduChannelResponse);

    channel_operations!(PushChannel::Adm, adm_channel_response,
        update_adm_channel(UpdateAdmChannelRequest.adm_channel_request) -> UpdateAdmChannelResponse,
        get_adm_channel(GetAdmChannelRequest) -> GetAdmChannelResponse,
        delete_adm_channel(DeleteAdmChannelRequest) -> DeleteAdmChannelResponse);

    async fn update_endpoint(
        &self,
        ctx: &RequestContext,
        input: UpdateEndpointRequest,
    ) -> Result<UpdateEndpointResponse, ApiError> {
        let message_body =
            self.update_endpoint(ctx, &input.application_id, &input.endpoint_id, input.endpoint_request).await?;
        Ok(UpdateEndpointResponse { message_body })
    }

    async fn update_endpoints_batch(
        &self,
        ctx: &RequestContext,
        input: UpdateEndpointsBatchRequest,
    ) -> Result<UpdateEndpointsBatchResponse, ApiError> {
        let message_body =
            self.update_endpoints_batch(ctx, &input.application_id, input.endpoint_batch_request).await?;
        Ok(UpdateEndpointsBatchResponse { message_body })
    }

    async fn get_endpoint(
        &self,
        ctx: &RequestContext,
        input: GetEndpointRequest,
    ) -> Result<GetEndpointResponse, ApiError> {
        let endpoint_response = self.get_endpoint(ctx, &input.application_id, &input.endpoint_id).await?;
        Ok(GetEndpointResponse { endpoint_response })
    }

    async fn delete_endpoint(
        &self,
        ctx: &RequestContext,
        input: DeleteEndpointRequest,
    ) -> Result<DeleteEndpointResponse, ApiError> {
        let endpoint_response = self.delete_endpoint(ctx, &input.application_id, &input.endpoint_id).await?;
        Ok(DeleteEndpointResponse { endpoint_response })
    }

    async fn get_user_endpoints(
        &self,
        ctx: &RequestContext,
        input: GetUserEndpointsRequest,
    ) -> Result<GetUserEndpointsResponse, ApiError> {
        let endpoints_response = self.get_user_endpoints(ctx, &input.application_id, &input.user_id).await?;
        Ok(GetUserEndpointsResponse { endpoints_response })
    }

    async fn delete_user_endpoints(
        &self,
        ctx: &RequestContext,
        input: DeleteUserEndpointsRequest,
    ) -> Result<DeleteUserEndpointsResponse, ApiError> {
        let endpoints_response = self.delete_user_endpoints(ctx, &input.application_id, &input.user_id).await?;
        Ok(DeleteUserEndpointsResponse { endpoints_response })
    }

    async fn remove_attributes(
        &self,
        ctx: &RequestContext,
        input: RemoveAttributesRequest,
    ) -> Result<RemoveAttributesResponse, ApiError> {
        let names = input.update_attributes_request.blacklist.unwrap_or_default();
        let attributes_resource =
            self.remove_attributes(ctx, &input.application_id, &input.attribute_type, names).await?;
        Ok(RemoveAttributesResponse { attributes_resource })
    }

    async fn put_event_stream(
        &self,
        ctx: &RequestContext,
        input: PutEventStreamRequest,
    ) -> Result<PutEventStreamResponse, ApiError> {
        let event_stream = self.put_event_stream(ctx, &input.application_id, input.write_event_stream).await?;
        Ok(PutEventStreamResponse { event_stream })
    }

    async fn get_event_stream(
        &self,
        ctx: &RequestContext,
        input: GetEventStreamRequest,
    ) -> Result<GetEventStreamResponse, ApiError> {
        let event_stream = self.get_event_stream(ctx, &input.application_id).await?;
        Ok(GetEventStreamResponse { event_stream })
    }

    async fn delete_event_stream(
        &self,
        ctx: &RequestContext,
        input: DeleteEventStreamRequest,
    ) -> Result<DeleteEventStreamResponse, ApiError> {
        let event_stream = self.delete_event_stream(ctx, &input.application_id).await?;
        Ok(DeleteEventStreamResponse { event_stream })
    }

    async fn put_events(&self, ctx: &RequestContext, input: PutEventsRequest) -> Result<PutEventsResponse, ApiError> {
        let events_response = self.put_events(ctx, &input.application_id, input.events_request).await?;
        Ok(PutEventsResponse { events_response })
    }

    async fn send_messages(
        &self,
        ctx: &RequestContext,
        input: SendMessagesRequest,
    ) -> Result<SendMessagesResponse, ApiError> {
        let message_response = self.send_messages(ctx, &input.application_id, input.message_request).await?;
        Ok(SendMessagesResponse { message_response })
    }

    async fn send_users_messages(
        &self,
        ctx: &RequestContext,
        input: SendUsersMessagesRequest,
    ) -> Result<SendUsersMessagesResponse, ApiError> {
        let send_users_message_response =
            self.send_users_messages(ctx, &input.application_id, input.send_users_message_request).await?;
        Ok(SendUsersMessagesResponse { send_users_message_response })
    }

    async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceRequest) -> Result<(), ApiError> {
        self.tag_resource(ctx, &input.resource_arn, input.tags_model).await
    }

    async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceRequest) -> Result<(), ApiError> {
        self.untag_resource(ctx, &input.resource_arn, input.tag_keys).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, ApiError> {
        Ok(ListTagsForResourceResponse { tags_model: self.list_tags_for_resource(ctx, &input.resource_arn).await? })
    }
}
