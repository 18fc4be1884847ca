//! TagResource, UntagResource and ListTagsForResource on SMS and voice v2 resources.

use herald_api::sms_voice_v2::types::{
    ListTagsForResourceRequest, ListTagsForResourceResult, TagResourceRequest, TagResourceResult, UntagResourceRequest,
    UntagResourceResult,
};
use herald_proto::{ApiError, RequestContext};
use herald_store::ResourceRef;

use super::errors::{internal, invalid, not_found};
use super::ids::parse_arn;
use crate::Core;

impl Core {
    /// The resource an ARN names, checked to exist.
    async fn sms_tagged(
        &self,
        ctx: &RequestContext,
        arn: &str,
    ) -> Result<(herald_api::sms_voice_v2::types::ResourceType, String), ApiError> {
        let (kind, id) = parse_arn(ctx, arn)?;
        if self.sms_find(ctx, kind, &id).await?.is_none() {
            return Err(not_found(kind, id));
        }
        Ok((kind, id))
    }

    pub(crate) async fn sms_tag_resource(
        &self,
        ctx: &RequestContext,
        input: TagResourceRequest,
    ) -> Result<TagResourceResult, ApiError> {
        let (kind, id) = self.sms_tagged(ctx, &input.resource_arn).await?;
        for tag in &input.tags {
            if tag.key.is_empty() || tag.key.chars().count() > 128 || tag.key.to_ascii_lowercase().starts_with("aws:") {
                return Err(invalid("Tags", "keys must be 1 to 128 characters and not start with aws:"));
            }
            if tag.value.chars().count() > 256 {
                return Err(invalid("Tags", "values must be at most 256 characters"));
            }
        }
        self.sms_tag(ctx, kind, &id, &input.tags).await?;
        Ok(TagResourceResult {})
    }

    pub(crate) async fn sms_untag_resource(
        &self,
        ctx: &RequestContext,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResult, ApiError> {
        let (kind, id) = self.sms_tagged(ctx, &input.resource_arn).await?;
        let resource = ResourceRef::new(kind.as_str(), &id);
        self.store.untag_resource(&ctx.account_id, &resource, &input.tag_keys).await.map_err(internal)?;
        Ok(UntagResourceResult {})
    }

    pub(crate) async fn sms_list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResult, ApiError> {
        let (kind, id) = self.sms_tagged(ctx, &input.resource_arn).await?;
        let tags = self.sms_tags(ctx, kind, &id).await?;
        Ok(ListTagsForResourceResult { resource_arn: Some(input.resource_arn), tags: Some(tags) })
    }
}
