//! TagResource, UntagResource, ListTagsForResource on Pinpoint resources.

use std::collections::BTreeMap;

use herald_api::pinpoint::types::TagsModel;
use herald_proto::{ApiError, RequestContext};
use herald_store::{ResourceRef, Tag};

use super::arn::parse_resource_arn;
use super::errors::{bad_request, internal, not_found};
use crate::Core;

/// AWS's tagging rules: at most 50 tags, keys of 1-128 characters not starting with `aws:`,
/// values of at most 256 characters.
const MAX_TAGS: usize = 50;

pub fn validate_tags(tags: BTreeMap<String, String>) -> Result<Vec<Tag>, ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(bad_request(format!("A resource can have at most {MAX_TAGS} tags")));
    }
    tags.into_iter()
        .map(|(key, value)| {
            validate_key(&key)?;
            if value.chars().count() > 256 {
                return Err(bad_request(format!("The value of tag {key} is longer than 256 characters")));
            }
            Ok(Tag { key, value })
        })
        .collect()
}

fn validate_key(key: &str) -> Result<(), ApiError> {
    let length = key.chars().count();
    if !(1..=128).contains(&length) {
        return Err(bad_request("Tag keys must be 1 to 128 characters long"));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(bad_request(format!("Tag key {key} uses the reserved prefix aws:")));
    }
    Ok(())
}

impl Core {
    /// The tagged resource, checked to exist.
    async fn tagged_resource(&self, ctx: &RequestContext, arn: &str) -> Result<ResourceRef, ApiError> {
        let resource = parse_resource_arn(ctx, arn)?;
        let exists = match resource.resource_type.as_str() {
            "app" => self.store.get_app(&ctx.account_id, &resource.resource_id).await.map_err(internal)?.is_some(),
            _ => false,
        };
        if !exists {
            return Err(not_found(format!("Resource {arn} not found")));
        }
        Ok(resource)
    }

    pub(crate) async fn tag_resource(&self, ctx: &RequestContext, arn: &str, tags: TagsModel) -> Result<(), ApiError> {
        let resource = self.tagged_resource(ctx, arn).await?;
        let new_tags = validate_tags(tags.tags)?;
        let existing = self.store.list_tags(&ctx.account_id, &resource).await.map_err(internal)?;
        let total = existing.iter().filter(|t| !new_tags.iter().any(|n| n.key == t.key)).count() + new_tags.len();
        if total > MAX_TAGS {
            return Err(bad_request(format!("A resource can have at most {MAX_TAGS} tags")));
        }
        self.store.tag_resource(&ctx.account_id, &resource, &new_tags).await.map_err(internal)
    }

    pub(crate) async fn untag_resource(
        &self,
        ctx: &RequestContext,
        arn: &str,
        keys: Vec<String>,
    ) -> Result<(), ApiError> {
        let resource = self.tagged_resource(ctx, arn).await?;
        for key in &keys {
            validate_key(key)?;
        }
        self.store.untag_resource(&ctx.account_id, &resource, &keys).await.map_err(internal)
    }

    pub(crate) async fn list_tags_for_resource(&self, ctx: &RequestContext, arn: &str) -> Result<TagsModel, ApiError> {
        let resource = self.tagged_resource(ctx, arn).await?;
        let tags = self.store.list_tags(&ctx.account_id, &resource).await.map_err(internal)?;
        Ok(TagsModel { tags: tags.into_iter().map(|t| (t.key, t.value)).collect() })
    }
}
