//! restJson1: routing by method and URI template, and binding labels, query and headers to input
//! members.

use std::sync::OnceLock;

use http::HeaderMap;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::ApiError;
use crate::decode::{self, DecodeError};

/// One operation's place in the URI space, as the model gives it.
#[derive(Debug)]
pub struct Route<Op: 'static> {
    pub operation: Op,
    pub method: &'static str,
    /// e.g. `/v1/apps/{application-id}/channels/apns`; `{name+}` is greedy.
    pub template: &'static str,
    pub success_status: u16,
}

/// The operation a request resolved to, with its decoded URI labels.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch<Op> {
    pub operation: Op,
    pub labels: Vec<(&'static str, String)>,
}

/// Why no operation matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    /// No template matches the path.
    NotFound,
    /// A template matches the path, but not with this method.
    MethodNotAllowed,
}

impl RouteError {
    /// The Pinpoint error for a request that matches no operation.
    pub fn to_api_error(self, method: &str, path: &str) -> ApiError {
        match self {
            RouteError::NotFound => ApiError::new("NotFoundException", 404, format!("No operation at {method} {path}")),
            RouteError::MethodNotAllowed => {
                ApiError::new("MethodNotAllowedException", 405, format!("{method} is not allowed on {path}"))
            }
        }
    }
}

/// Finds the operation for `method` and `raw_path` (still percent-encoded). Where several
/// templates match, the one with the most literal segments wins, so `/v1/apps/{id}/settings`
/// beats a label in the same position.
pub fn match_route<Op: Copy>(
    routes: &'static [Route<Op>],
    method: &str,
    raw_path: &str,
) -> Result<RouteMatch<Op>, RouteError> {
    let segments: Vec<&str> = split_path(raw_path);
    // (literal segments matched, route, labels) of the best match so far.
    type Candidate<Op> = (usize, &'static Route<Op>, Vec<(&'static str, String)>);
    let mut best: Option<Candidate<Op>> = None;
    let mut path_matched = false;
    for route in routes {
        let Some((literals, labels)) = match_template(route.template, &segments) else { continue };
        path_matched = true;
        if !route.method.eq_ignore_ascii_case(method) {
            continue;
        }
        if best.as_ref().is_none_or(|(score, _, _)| literals > *score) {
            best = Some((literals, route, labels));
        }
    }
    match best {
        Some((_, route, labels)) => Ok(RouteMatch { operation: route.operation, labels }),
        None if path_matched => Err(RouteError::MethodNotAllowed),
        None => Err(RouteError::NotFound),
    }
}

fn split_path(raw_path: &str) -> Vec<&str> {
    let trimmed = raw_path.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() { Vec::new() } else { trimmed.split('/').collect() }
}

fn decode_segment(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// Returns the number of literal segments matched and the labels, or `None`.
fn match_template(template: &'static str, segments: &[&str]) -> Option<(usize, Vec<(&'static str, String)>)> {
    let parts = split_path(template);
    let mut labels = Vec::new();
    let mut literals = 0;
    for (index, part) in parts.iter().enumerate() {
        if let Some(label) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if let Some(greedy) = label.strip_suffix('+') {
                let rest = segments.get(index..).filter(|rest| !rest.is_empty())?;
                labels.push((greedy, rest.iter().map(|s| decode_segment(s)).collect::<Vec<_>>().join("/")));
                return Some((literals, labels));
            }
            let segment = segments.get(index).filter(|s| !s.is_empty())?;
            labels.push((label, decode_segment(segment)));
        } else {
            let segment = segments.get(index)?;
            if decode_segment(segment) != *part {
                return None;
            }
            literals += 1;
        }
    }
    (parts.len() == segments.len()).then_some((literals, labels))
}

/// Splits a raw query string into decoded pairs, in order (`+` is a space, as in forms).
pub fn parse_query(raw_query: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw_query else { return Vec::new() };
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            (decode(key), decode(value))
        })
        .collect()
}

/// How a label, query or header string becomes a JSON value of the input member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Boolean,
    Integer,
    Number,
    /// A repeated query key, or a comma-separated header.
    List,
}

/// Where an input member comes from, besides the body.
#[derive(Debug, Clone, Copy)]
pub enum Binding {
    Label { member: &'static str, name: &'static str },
    Query { member: &'static str, name: &'static str, kind: ValueKind },
    Header { member: &'static str, name: &'static str, kind: ValueKind },
}

/// A routed request, ready to decode into an operation's input.
#[derive(Debug)]
pub struct RestRequest<'a> {
    pub labels: &'a [(&'static str, String)],
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Where `decode` leaves the input object it built (members by name, before typing), when
    /// the caller wants to record what was asked (the audit log).
    pub decoded_input: Option<&'a OnceLock<Value>>,
}

impl RestRequest<'_> {
    /// Builds the input: bound members by member name, and the body as the payload member.
    /// Bad input is a BadRequestException naming the member.
    pub fn decode<T: DeserializeOwned>(&self, bindings: &[Binding], payload: Option<&str>) -> Result<T, ApiError> {
        let mut object = Map::new();
        for binding in bindings {
            match *binding {
                Binding::Label { member, name } => {
                    if let Some((_, value)) = self.labels.iter().find(|(label, _)| *label == name) {
                        object.insert(member.to_string(), Value::String(value.clone()));
                    }
                }
                Binding::Query { member, name, kind } => {
                    let values: Vec<&str> =
                        self.query.iter().filter(|(key, _)| key == name).map(|(_, v)| v.as_str()).collect();
                    if let Some(value) = typed_value(&values, kind, name)? {
                        object.insert(member.to_string(), value);
                    }
                }
                Binding::Header { member, name, kind } => {
                    let values: Vec<&str> = self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
                    if let Some(value) = typed_value(&values, kind, name)? {
                        object.insert(member.to_string(), value);
                    }
                }
            }
        }
        if let Some(member) = payload
            && !self.body.trim_ascii().is_empty()
        {
            let body: Value =
                serde_json::from_slice(self.body).map_err(|e| bad_request(&DecodeError::Syntax(e.to_string())))?;
            object.insert(member.to_string(), body);
        }
        if let Some(slot) = self.decoded_input {
            // A request is decoded once; should it be decoded again, the first input stands.
            let _ = slot.set(Value::Object(object.clone()));
        }
        decode::deserialize(Value::Object(object)).map_err(|e| bad_request(&e))
    }
}

fn bad_request(error: &DecodeError) -> ApiError {
    ApiError::new("BadRequestException", 400, error.message())
}

fn typed_value(values: &[&str], kind: ValueKind, name: &str) -> Result<Option<Value>, ApiError> {
    let invalid = |what: &str| ApiError::new("BadRequestException", 400, format!("{name} must be {what}"));
    let Some(first) = values.first() else { return Ok(None) };
    Ok(Some(match kind {
        ValueKind::String => Value::String((*first).to_string()),
        ValueKind::List => Value::Array(
            values.iter().flat_map(|v| v.split(',')).map(|v| Value::String(v.trim().to_string())).collect(),
        ),
        ValueKind::Boolean => match first.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid("true or false")),
        },
        ValueKind::Integer => Value::from(first.parse::<i64>().map_err(|_| invalid("an integer"))?),
        ValueKind::Number => {
            let number = first.parse::<f64>().map_err(|_| invalid("a number"))?;
            serde_json::Number::from_f64(number).map(Value::Number).ok_or_else(|| invalid("a finite number"))?
        }
    }))
}

/// A successful answer: a status and, unless it is empty, a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    pub status: u16,
    pub body: Option<Vec<u8>>,
}

impl RestResponse {
    pub fn json<T: Serialize>(status: u16, payload: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(payload).map_err(ApiError::internal)?;
        Ok(RestResponse { status, body: Some(body) })
    }

    pub fn empty(status: u16) -> Self {
        RestResponse { status, body: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Op {
        GetApps,
        GetApp,
        DeleteApp,
        Settings,
        Tags,
        Versions,
        Greedy,
    }

    static ROUTES: &[Route<Op>] = &[
        Route { operation: Op::GetApps, method: "GET", template: "/v1/apps", success_status: 200 },
        Route { operation: Op::GetApp, method: "GET", template: "/v1/apps/{application-id}", success_status: 200 },
        Route {
            operation: Op::DeleteApp,
            method: "DELETE",
            template: "/v1/apps/{application-id}",
            success_status: 200,
        },
        Route {
            operation: Op::Settings,
            method: "GET",
            template: "/v1/apps/{application-id}/settings",
            success_status: 200,
        },
        Route { operation: Op::Tags, method: "GET", template: "/v1/tags/{resource-arn}", success_status: 200 },
        Route {
            operation: Op::Versions,
            method: "GET",
            template: "/v1/templates/{template-name}/{template-type}/versions",
            success_status: 200,
        },
        Route { operation: Op::Greedy, method: "GET", template: "/v1/files/{Key+}", success_status: 200 },
    ];

    #[test]
    fn routes_by_method_and_template() {
        assert_eq!(match_route(ROUTES, "GET", "/v1/apps").map(|m| m.operation), Ok(Op::GetApps));
        let get = match_route(ROUTES, "GET", "/v1/apps/abc").expect("match");
        assert_eq!((get.operation, get.labels), (Op::GetApp, vec![("application-id", "abc".to_string())]));
        assert_eq!(match_route(ROUTES, "DELETE", "/v1/apps/abc").map(|m| m.operation), Ok(Op::DeleteApp));
        assert_eq!(match_route(ROUTES, "GET", "/v1/apps/abc/settings").map(|m| m.operation), Ok(Op::Settings));
        assert_eq!(match_route(ROUTES, "PUT", "/v1/apps/abc").map(|m| m.operation), Err(RouteError::MethodNotAllowed));
        assert_eq!(match_route(ROUTES, "GET", "/v2/nothing").map(|m| m.operation), Err(RouteError::NotFound));
        assert_eq!(match_route(ROUTES, "GET", "/v1/apps//settings").map(|m| m.operation), Err(RouteError::NotFound));
    }

    #[test]
    fn encoded_slashes_stay_inside_one_label() {
        let tags = match_route(ROUTES, "GET", "/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A1%3Aapps%2Fabc")
            .expect("match");
        assert_eq!(tags.labels, vec![("resource-arn", "arn:aws:mobiletargeting:us-east-1:1:apps/abc".to_string())]);
        let versions = match_route(ROUTES, "GET", "/v1/templates/My%20Template/push/versions").expect("match");
        assert_eq!(versions.labels[0], ("template-name", "My Template".to_string()));
        let greedy = match_route(ROUTES, "GET", "/v1/files/a/b%20c").expect("match");
        assert_eq!(greedy.labels, vec![("Key", "a/b c".to_string())]);
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Input {
        #[serde(rename = "ApplicationId")]
        application_id: String,
        #[serde(rename = "PageSize", default)]
        page_size: Option<String>,
        #[serde(rename = "TagKeys", default)]
        tag_keys: Option<Vec<String>>,
        #[serde(rename = "Body")]
        body: Body,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Body {
        #[serde(rename = "Name")]
        name: String,
    }

    fn decode(query: &str, body: &str) -> Result<Input, ApiError> {
        decode_into(query, body, None)
    }

    fn decode_into(query: &str, body: &str, decoded_input: Option<&OnceLock<Value>>) -> Result<Input, ApiError> {
        let labels = [("application-id", "app1".to_string())];
        let query = parse_query(Some(query));
        let headers = HeaderMap::new();
        let request =
            RestRequest { labels: &labels, query: &query, headers: &headers, body: body.as_bytes(), decoded_input };
        request.decode(
            &[
                Binding::Label { member: "ApplicationId", name: "application-id" },
                Binding::Query { member: "PageSize", name: "page-size", kind: ValueKind::String },
                Binding::Query { member: "TagKeys", name: "tagKeys", kind: ValueKind::List },
            ],
            Some("Body"),
        )
    }

    #[test]
    fn binds_labels_query_and_payload() {
        let input = decode("page-size=5&tagKeys=a&tagKeys=b%20c", r#"{"Name":"x"}"#).expect("decodes");
        assert_eq!(
            input,
            Input {
                application_id: "app1".into(),
                page_size: Some("5".into()),
                tag_keys: Some(vec!["a".into(), "b c".into()]),
                body: Body { name: "x".into() },
            }
        );
    }

    #[test]
    fn the_input_object_is_left_for_the_caller_even_when_its_types_are_wrong() {
        let slot = OnceLock::new();
        decode_into("tagKeys=a", r#"{"Name": 5}"#, Some(&slot)).expect_err("wrong type");
        assert_eq!(
            slot.get(),
            Some(&serde_json::json!({"ApplicationId": "app1", "TagKeys": ["a"], "Body": {"Name": 5}}))
        );
        let untouched = OnceLock::new();
        decode_into("", "{", Some(&untouched)).expect_err("not JSON");
        assert_eq!(untouched.get(), None, "a body that is not JSON leaves nothing");
    }

    #[test]
    fn bad_input_names_the_member() {
        let missing = decode("", r#"{}"#).expect_err("Name is required");
        assert_eq!(missing.code(), "BadRequestException");
        assert_eq!(missing.message(), "Body.Name is required");
        let no_body = decode("", "").expect_err("body is required");
        assert_eq!(no_body.message(), "Body is required");
        let syntax = decode("", "{").expect_err("not json");
        assert!(syntax.message().starts_with("The request body is not valid JSON"), "{}", syntax.message());
        let wrong_type = decode("", r#"{"Name": 5}"#).expect_err("wrong type");
        assert!(wrong_type.message().starts_with("Invalid value for Body.Name"), "{}", wrong_type.message());
    }
}
