//! Endpoints and users: UpdateEndpoint, UpdateEndpointsBatch, GetEndpoint, DeleteEndpoint,
//! GetUserEndpoints, DeleteUserEndpoints, RemoveAttributes.
//!
//! An endpoint is stored as the JSON document of its EndpointRequest fields. An update merges
//! into it: a field given replaces the stored one, except the maps (`Attributes`, `Metrics`,
//! `User.UserAttributes`, `Demographic`, `Location`), which merge key by key.

use herald_api::pinpoint::types::{
    AttributesResource, EndpointBatchRequest, EndpointRequest, EndpointResponse, EndpointsResponse, MessageBody,
};
use herald_proto::wire::format_iso8601;
use herald_proto::{ApiError, RequestContext};
use herald_store::EndpointRecord;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::errors::{bad_request, convert, internal, not_found};
use crate::Core;

/// UpdateEndpointsBatch takes at most this many items, as Pinpoint does.
const MAX_BATCH: usize = 100;

/// RemoveAttributes' attribute types and where each lives in the endpoint document.
const ATTRIBUTE_TYPES: [(&str, &[&str]); 3] = [
    ("endpoint-custom-attributes", &["Attributes"]),
    ("endpoint-metric-attributes", &["Metrics"]),
    ("endpoint-user-attributes", &["User", "UserAttributes"]),
];

/// Where the app settings document keeps the attribute names RemoveAttributes stopped.
const REMOVED_ATTRIBUTES: &str = "RemovedAttributes";

impl Core {
    pub(crate) async fn update_endpoint(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        endpoint_id: &str,
        request: EndpointRequest,
    ) -> Result<MessageBody, ApiError> {
        let request = serde_json::to_value(request).map_err(internal)?;
        self.write_endpoints(ctx, app_id, vec![(endpoint_id.to_string(), request)]).await?;
        Ok(accepted(ctx))
    }

    pub(crate) async fn update_endpoints_batch(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        batch: EndpointBatchRequest,
    ) -> Result<MessageBody, ApiError> {
        if batch.item.is_empty() || batch.item.len() > MAX_BATCH {
            return Err(bad_request(format!("Item must hold 1 to {MAX_BATCH} endpoints, not {}", batch.item.len())));
        }
        let mut items = Vec::with_capacity(batch.item.len());
        for (index, item) in batch.item.into_iter().enumerate() {
            let Value::Object(mut fields) = serde_json::to_value(item).map_err(internal)? else {
                return Err(internal("an endpoint batch item is not an object"));
            };
            let id = match fields.remove("Id") {
                Some(Value::String(id)) => id,
                _ => return Err(bad_request(format!("Item[{index}].Id is required"))),
            };
            items.push((id, Value::Object(fields)));
        }
        self.write_endpoints(ctx, app_id, items).await?;
        Ok(accepted(ctx))
    }

    /// Merges each request into its stored endpoint and writes them all in one transaction.
    async fn write_endpoints(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        items: Vec<(String, Value)>,
    ) -> Result<(), ApiError> {
        let app = self.require_app(ctx, app_id).await?;
        let removed = app.settings.get(REMOVED_ATTRIBUTES).cloned().unwrap_or(Value::Null);
        let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
        let existing = self.store.get_endpoints(&ctx.account_id, app_id, &ids).await.map_err(internal)?;
        let now = OffsetDateTime::now_utc();
        let mut records: Vec<EndpointRecord> = Vec::with_capacity(items.len());
        for (id, request) in items {
            validate_endpoint_id(&id)?;
            let Value::Object(request) = request else { return Err(bad_request("The endpoint must be a JSON object")) };
            // A batch may name one endpoint twice: the later item merges into the earlier.
            let stored =
                records.iter().rev().find(|r| r.id == id).or_else(|| existing.iter().find(|r| r.id == id)).cloned();
            let document = merge_endpoint(stored.as_ref().map(|r| &r.document), request, &removed, now)?;
            records.push(endpoint_record(ctx, app_id, &id, document, stored.map_or(now, |r| r.created_at), now));
        }
        self.store.put_endpoints(&records).await.map_err(internal)
    }

    pub(crate) async fn get_endpoint(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        endpoint_id: &str,
    ) -> Result<EndpointResponse, ApiError> {
        self.require_app(ctx, app_id).await?;
        let record = self
            .store
            .get_endpoint(&ctx.account_id, app_id, endpoint_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(format!("Endpoint {endpoint_id} not found")))?;
        endpoint_response(&record)
    }

    pub(crate) async fn delete_endpoint(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        endpoint_id: &str,
    ) -> Result<EndpointResponse, ApiError> {
        self.require_app(ctx, app_id).await?;
        let record = self
            .store
            .delete_endpoint(&ctx.account_id, app_id, endpoint_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(format!("Endpoint {endpoint_id} not found")))?;
        endpoint_response(&record)
    }

    pub(crate) async fn get_user_endpoints(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        user_id: &str,
    ) -> Result<EndpointsResponse, ApiError> {
        self.require_app(ctx, app_id).await?;
        let records = self.store.user_endpoints(&ctx.account_id, app_id, user_id).await.map_err(internal)?;
        endpoints_response(user_id, &records)
    }

    pub(crate) async fn delete_user_endpoints(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        user_id: &str,
    ) -> Result<EndpointsResponse, ApiError> {
        self.require_app(ctx, app_id).await?;
        let records = self.store.delete_user_endpoints(&ctx.account_id, app_id, user_id).await.map_err(internal)?;
        endpoints_response(user_id, &records)
    }

    /// Stops capturing the named attributes: later endpoint updates drop them. Endpoints keep
    /// the values they have, as in Pinpoint.
    pub(crate) async fn remove_attributes(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        attribute_type: &str,
        names: Vec<String>,
    ) -> Result<AttributesResource, ApiError> {
        if !ATTRIBUTE_TYPES.iter().any(|(kind, _)| *kind == attribute_type) {
            let kinds: Vec<&str> = ATTRIBUTE_TYPES.iter().map(|(kind, _)| *kind).collect();
            return Err(bad_request(format!("attribute-type must be one of {}", kinds.join(", "))));
        }
        if names.iter().any(|n| n.trim().is_empty()) {
            return Err(bad_request("Blacklist cannot hold an empty attribute name"));
        }
        let app = self.require_app(ctx, app_id).await?;
        let mut settings = match app.settings {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let removed = settings.entry(REMOVED_ATTRIBUTES).or_insert_with(|| json!({}));
        if let Value::Object(by_type) = removed {
            let list = by_type.entry(attribute_type).or_insert_with(|| json!([]));
            if let Value::Array(list) = list {
                for name in &names {
                    if !list.iter().any(|v| v.as_str() == Some(name)) {
                        list.push(json!(name));
                    }
                }
            }
        }
        self.store.update_app_settings(&ctx.account_id, app_id, &Value::Object(settings)).await.map_err(internal)?;
        Ok(AttributesResource {
            application_id: app_id.to_string(),
            attribute_type: attribute_type.to_string(),
            attributes: Some(names),
        })
    }
}

fn accepted(ctx: &RequestContext) -> MessageBody {
    MessageBody { message: Some("Accepted".into()), request_id: Some(ctx.request_id.clone()) }
}

fn validate_endpoint_id(id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() || id.len() > 128 {
        return Err(bad_request("An endpoint id must be 1 to 128 characters"));
    }
    Ok(())
}

/// Applies an EndpointRequest document to the stored one.
fn merge_endpoint(
    stored: Option<&Value>,
    request: Map<String, Value>,
    removed: &Value,
    now: OffsetDateTime,
) -> Result<Value, ApiError> {
    let mut document = match stored {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    let old_address = document.get("Address").cloned();
    let status_given = request.get("EndpointStatus").is_some_and(|v| !v.is_null());
    for (field, value) in request {
        if value.is_null() {
            continue;
        }
        match field.as_str() {
            "Attributes" | "Metrics" | "Demographic" | "Location" => merge_map(&mut document, &field, value),
            "User" => {
                let user = document.entry("User").or_insert_with(|| json!({}));
                if let (Value::Object(user), Value::Object(given)) = (user, value) {
                    for (key, value) in given {
                        if key == "UserAttributes" {
                            let mut holder = Map::new();
                            holder.insert("UserAttributes".into(), user.remove("UserAttributes").unwrap_or(json!({})));
                            merge_map(&mut holder, "UserAttributes", value);
                            user.extend(holder);
                        } else if !value.is_null() {
                            user.insert(key, value);
                        }
                    }
                }
            }
            _ => {
                document.insert(field, value);
            }
        }
    }
    for (field, allowed) in [("OptOut", ["ALL", "NONE"]), ("EndpointStatus", ["ACTIVE", "INACTIVE"])] {
        if let Some(value) = document.get(field)
            && !value.as_str().is_some_and(|v| allowed.contains(&v))
        {
            return Err(bad_request(format!("{field} must be {} or {}", allowed[0], allowed[1])));
        }
    }
    // A new address is a new device: it starts active unless the request says otherwise.
    let address_changed = stored.is_some() && document.get("Address") != old_address.as_ref();
    if address_changed && !status_given {
        document.insert("EndpointStatus".into(), json!("ACTIVE"));
    }
    document.entry("EndpointStatus").or_insert_with(|| json!("ACTIVE"));
    document.entry("OptOut").or_insert_with(|| json!("NONE"));
    document.entry("EffectiveDate").or_insert_with(|| json!(format_iso8601(now)));
    drop_removed_attributes(&mut document, removed);
    Ok(Value::Object(document))
}

fn merge_map(document: &mut Map<String, Value>, field: &str, value: Value) {
    match (document.get_mut(field), value) {
        (Some(Value::Object(current)), Value::Object(given)) => {
            for (key, value) in given {
                if value.is_null() {
                    current.remove(&key);
                } else {
                    current.insert(key, value);
                }
            }
        }
        (_, value) => {
            document.insert(field.to_string(), value);
        }
    }
}

fn drop_removed_attributes(document: &mut Map<String, Value>, removed: &Value) {
    for (kind, path) in ATTRIBUTE_TYPES {
        let Some(names) = removed.get(kind).and_then(Value::as_array) else { continue };
        let mut target = Some(&mut *document);
        for step in &path[..path.len() - 1] {
            target = target.and_then(|map| map.get_mut(*step)).and_then(Value::as_object_mut);
        }
        if let Some(Value::Object(map)) = target.and_then(|map| map.get_mut(path[path.len() - 1])) {
            for name in names.iter().filter_map(Value::as_str) {
                map.remove(name);
            }
        }
    }
}

fn endpoint_record(
    ctx: &RequestContext,
    app_id: &str,
    id: &str,
    document: Value,
    created_at: OffsetDateTime,
    now: OffsetDateTime,
) -> EndpointRecord {
    let text = |field: &str| document.get(field).and_then(Value::as_str).map(str::to_owned);
    EndpointRecord {
        account_id: ctx.account_id.clone(),
        app_id: app_id.to_string(),
        id: id.to_string(),
        channel_type: text("ChannelType"),
        address: text("Address"),
        user_id: document.get("User").and_then(|u| u.get("UserId")).and_then(Value::as_str).map(str::to_owned),
        endpoint_status: text("EndpointStatus").unwrap_or_else(|| "ACTIVE".into()),
        opt_out: text("OptOut").unwrap_or_else(|| "NONE".into()),
        document,
        created_at,
        updated_at: now,
    }
}

/// Pinpoint puts every endpoint in one of 100 cohorts, by a hash of its id.
fn cohort_id(endpoint_id: &str) -> String {
    let hash = endpoint_id.bytes().fold(0u32, |hash, byte| hash.wrapping_mul(31).wrapping_add(u32::from(byte)));
    (hash % 100).to_string()
}

pub(crate) fn endpoint_response(record: &EndpointRecord) -> Result<EndpointResponse, ApiError> {
    let mut response = match &record.document {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    response.insert("ApplicationId".into(), json!(record.app_id));
    response.insert("Id".into(), json!(record.id));
    response.insert("CohortId".into(), json!(cohort_id(&record.id)));
    response.insert("CreationDate".into(), json!(format_iso8601(record.created_at)));
    convert(Value::Object(response))
}

fn endpoints_response(user_id: &str, records: &[EndpointRecord]) -> Result<EndpointsResponse, ApiError> {
    if records.is_empty() {
        return Err(not_found(format!("User {user_id} has no endpoints")));
    }
    Ok(EndpointsResponse { item: records.iter().map(endpoint_response).collect::<Result<_, _>>()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(stored: Option<Value>, request: Value) -> Value {
        let Value::Object(request) = request else { panic!("object") };
        merge_endpoint(stored.as_ref(), request, &Value::Null, OffsetDateTime::UNIX_EPOCH).expect("valid")
    }

    #[test]
    fn new_endpoints_get_defaults() {
        let document = merge(None, json!({"Address": "t1", "ChannelType": "GCM"}));
        assert_eq!(document["EndpointStatus"], "ACTIVE");
        assert_eq!(document["OptOut"], "NONE");
        assert_eq!(document["EffectiveDate"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn maps_merge_key_by_key_and_fields_replace() {
        let stored = merge(
            None,
            json!({"Address": "t1", "Attributes": {"a": ["1"], "b": ["2"]}, "User": {"UserId": "u", "UserAttributes": {"x": ["1"]}}}),
        );
        let updated = merge(
            Some(stored),
            json!({"Attributes": {"b": ["3"]}, "User": {"UserAttributes": {"y": ["2"]}}, "OptOut": "ALL"}),
        );
        assert_eq!(updated["Attributes"], json!({"a": ["1"], "b": ["3"]}));
        assert_eq!(updated["User"], json!({"UserId": "u", "UserAttributes": {"x": ["1"], "y": ["2"]}}));
        assert_eq!(updated["OptOut"], "ALL");
        assert_eq!(updated["Address"], "t1");
    }

    #[test]
    fn a_new_address_reactivates() {
        let stored = merge(None, json!({"Address": "t1", "EndpointStatus": "INACTIVE"}));
        assert_eq!(stored["EndpointStatus"], "INACTIVE");
        let same = merge(Some(stored.clone()), json!({"Address": "t1"}));
        assert_eq!(same["EndpointStatus"], "INACTIVE");
        let moved = merge(Some(stored), json!({"Address": "t2"}));
        assert_eq!(moved["EndpointStatus"], "ACTIVE");
    }

    #[test]
    fn bad_enumerations_are_refused() {
        let Value::Object(request) = json!({"OptOut": "SOME"}) else { panic!("object") };
        let error = merge_endpoint(None, request, &Value::Null, OffsetDateTime::UNIX_EPOCH).expect_err("invalid");
        assert!(error.message().contains("OptOut"));
    }

    #[test]
    fn removed_attributes_are_dropped() {
        let Value::Object(request) =
            json!({"Attributes": {"keep": ["1"], "gone": ["2"]}, "User": {"UserAttributes": {"u": ["1"]}}})
        else {
            panic!("object")
        };
        let removed = json!({"endpoint-custom-attributes": ["gone"], "endpoint-user-attributes": ["u"]});
        let document = merge_endpoint(None, request, &removed, OffsetDateTime::UNIX_EPOCH).expect("valid");
        assert_eq!(document["Attributes"], json!({"keep": ["1"]}));
        assert_eq!(document["User"]["UserAttributes"], json!({}));
    }
}
