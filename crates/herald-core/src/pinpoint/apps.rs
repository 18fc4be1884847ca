//! CreateApp, GetApp, GetApps, DeleteApp.

use std::collections::BTreeMap;

use herald_api::pinpoint::types::{ApplicationResponse, ApplicationsResponse, CreateApplicationRequest};
use herald_proto::wire::format_iso8601;
use herald_proto::{ApiError, RequestContext};
use herald_store::{AppRecord, ResourceRef, Tag};
use time::OffsetDateTime;

use super::arn::app_arn;
use super::errors::{bad_request, internal, not_found};
use super::tags::validate_tags;
use crate::{Core, ids};

/// GetApps answers at most this many apps per page, and this many when no PageSize is given.
const MAX_PAGE_SIZE: u32 = 1000;
const DEFAULT_PAGE_SIZE: u32 = 100;

impl Core {
    pub(crate) async fn create_app(
        &self,
        ctx: &RequestContext,
        request: CreateApplicationRequest,
    ) -> Result<ApplicationResponse, ApiError> {
        let name = request.name.trim();
        if name.is_empty() {
            return Err(bad_request("Name is required and cannot be empty"));
        }
        let tags = validate_tags(request.tags.unwrap_or_default())?;
        let app = AppRecord {
            account_id: ctx.account_id.clone(),
            id: ids::application_id(),
            name: request.name,
            created_at: OffsetDateTime::now_utc(),
            settings: serde_json::json!({}),
        };
        self.store.insert_app(&app, &tags).await.map_err(internal)?;
        Ok(application_response(ctx, &app, &tags))
    }

    /// The app, or NotFoundException: every app-scoped operation starts here.
    pub(crate) async fn require_app(&self, ctx: &RequestContext, app_id: &str) -> Result<AppRecord, ApiError> {
        self.store
            .get_app(&ctx.account_id, app_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(format!("Application {app_id} not found")))
    }

    pub(crate) async fn get_app(&self, ctx: &RequestContext, app_id: &str) -> Result<ApplicationResponse, ApiError> {
        let app = self.require_app(ctx, app_id).await?;
        let tags = self.app_tags(ctx, &app.id).await?;
        Ok(application_response(ctx, &app, &tags))
    }

    pub(crate) async fn get_apps(
        &self,
        ctx: &RequestContext,
        page_size: Option<&str>,
        token: Option<&str>,
    ) -> Result<ApplicationsResponse, ApiError> {
        let limit = match page_size {
            None | Some("") => DEFAULT_PAGE_SIZE,
            Some(text) => match text.parse::<u32>() {
                Ok(n @ 1..=MAX_PAGE_SIZE) => n,
                _ => return Err(bad_request(format!("PageSize must be a whole number from 1 to {MAX_PAGE_SIZE}"))),
            },
        };
        let after = token.filter(|t| !t.is_empty());
        if after.is_some_and(|t| !t.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(bad_request("Token is not a token that GetApps returned"));
        }
        // One more than asked tells whether there is a next page.
        let mut apps = self.store.list_apps(&ctx.account_id, after, limit + 1).await.map_err(internal)?;
        let next_token = if apps.len() > limit as usize {
            apps.truncate(limit as usize);
            apps.last().map(|app| app.id.clone())
        } else {
            None
        };
        let mut items = Vec::with_capacity(apps.len());
        for app in &apps {
            let tags = self.app_tags(ctx, &app.id).await?;
            items.push(application_response(ctx, app, &tags));
        }
        Ok(ApplicationsResponse { item: Some(items), next_token })
    }

    pub(crate) async fn delete_app(&self, ctx: &RequestContext, app_id: &str) -> Result<ApplicationResponse, ApiError> {
        let tags = self.app_tags(ctx, app_id).await?;
        let app = self
            .store
            .delete_app(&ctx.account_id, app_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(format!("Application {app_id} not found")))?;
        Ok(application_response(ctx, &app, &tags))
    }

    async fn app_tags(&self, ctx: &RequestContext, app_id: &str) -> Result<Vec<Tag>, ApiError> {
        self.store.list_tags(&ctx.account_id, &ResourceRef::new("app", app_id)).await.map_err(internal)
    }
}

fn application_response(ctx: &RequestContext, app: &AppRecord, tags: &[Tag]) -> ApplicationResponse {
    ApplicationResponse {
        arn: app_arn(ctx, &app.id),
        id: app.id.clone(),
        name: app.name.clone(),
        tags: Some(tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect::<BTreeMap<_, _>>()),
        creation_date: Some(format_iso8601(app.created_at)),
    }
}
