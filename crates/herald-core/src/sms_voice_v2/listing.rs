//! Describe* conventions: `MaxResults` (1-100), `NextToken` paging and `Filters` of
//! `{Name, Values}` matched against the resource's fields.

use herald_api::sms_voice_v2::types::ValidationExceptionReason;
use herald_proto::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::errors::{internal, invalid, validation};

const MAX_RESULTS: usize = 100;
/// Describe* name at most this many resources explicitly, as the model allows.
const MAX_NAMED: usize = 5;
/// ... and take at most this many filters.
const MAX_FILTERS: usize = 20;

/// The argument rules the Describe* operations with an `Owner` share: `Owner` and explicit ids
/// exclude each other, at most 5 ids (`what` names them in the message) and 20 filters.
pub fn check_describe(
    owner_given: bool,
    ids_member: &str,
    ids: usize,
    what: &str,
    filters: usize,
) -> Result<(), ApiError> {
    if owner_given && ids > 0 {
        let owner_problem = format!("can't be used with {ids_member}");
        return Err(validation(
            ValidationExceptionReason::ParametersCannotBeUsedTogether,
            format!("Owner and {ids_member} can't be used together"),
            &[("Owner", &owner_problem), (ids_member, "can't be used with Owner")],
        ));
    }
    if ids > MAX_NAMED {
        return Err(invalid(ids_member, &format!("can name at most {MAX_NAMED} {what}")));
    }
    check_filter_count(filters)
}

/// At most 20 filters.
pub fn check_filter_count(filters: usize) -> Result<(), ApiError> {
    if filters > MAX_FILTERS {
        return Err(invalid("Filters", &format!("can hold at most {MAX_FILTERS} filters")));
    }
    Ok(())
}

/// One page of `items` and the token of the next, if any. The token is the offset, prefixed so
/// a token from another listing is refused rather than misread.
pub fn page<T>(
    items: Vec<T>,
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match max_results {
        None => MAX_RESULTS,
        Some(n) if (1..=MAX_RESULTS as i32).contains(&n) => n as usize,
        Some(_) => {
            return Err(validation(
                ValidationExceptionReason::InvalidParameter,
                format!("MaxResults must be from 1 to {MAX_RESULTS}"),
                &[("MaxResults", "out of range")],
            ));
        }
    };
    let start = match next_token {
        None => 0,
        Some(token) => token.strip_prefix("herald-page-").and_then(|n| n.parse::<usize>().ok()).ok_or_else(|| {
            validation(
                ValidationExceptionReason::InvalidNextToken,
                "NextToken is not one this listing returned",
                &[("NextToken", "invalid")],
            )
        })?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next = (start + size < total).then(|| format!("herald-page-{}", start + size));
    Ok((page, next))
}

/// One page of the documents every filter matches, as the operation's typed items (the
/// documents hold the wire shape; conversion drops internal members).
pub fn filtered_page<T: DeserializeOwned>(
    documents: Vec<Value>,
    filters: &[Filter<'_>],
    fields: &[(&str, &str)],
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let documents = filter(documents, filters, fields)?;
    let (documents, next_token) = page(documents, max_results, next_token)?;
    let items = documents.into_iter().map(|d| serde_json::from_value(d).map_err(internal)).collect::<Result<_, _>>()?;
    Ok((items, next_token))
}

/// A filter the caller gave: a name and the values any of which may match.
pub struct Filter<'a> {
    pub name: &'a str,
    pub values: &'a [String],
}

/// Keeps the documents every filter matches. `fields` maps each filter name the operation
/// accepts to the document member it tests; any other name is INVALID_FILTER_VALUES.
pub fn filter(documents: Vec<Value>, filters: &[Filter<'_>], fields: &[(&str, &str)]) -> Result<Vec<Value>, ApiError> {
    let mut resolved = Vec::with_capacity(filters.len());
    for filter in filters {
        let Some((_, member)) = fields.iter().find(|(name, _)| *name == filter.name) else {
            let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
            return Err(validation(
                ValidationExceptionReason::InvalidFilterValues,
                format!("Unknown filter {}; this operation filters on {}", filter.name, names.join(", ")),
                &[("Filters", "unknown filter name")],
            ));
        };
        if filter.values.is_empty() {
            return Err(validation(
                ValidationExceptionReason::InvalidFilterValues,
                format!("Filter {} has no values", filter.name),
                &[("Filters", "no values")],
            ));
        }
        resolved.push((*member, filter.values));
    }
    Ok(documents
        .into_iter()
        .filter(|document| resolved.iter().all(|(member, values)| matches(document, member, values)))
        .collect())
}

fn matches(document: &Value, member: &str, values: &[String]) -> bool {
    let field = document.get(member);
    let candidates: Vec<String> = match field {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Bool(flag)) => vec![flag.to_string()],
        Some(Value::Number(number)) => vec![number.to_string()],
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    candidates.iter().any(|candidate| values.iter().any(|value| value.eq_ignore_ascii_case(candidate)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pages_follow_tokens() {
        let (first, token) = page((0..5).collect(), Some(2), None).expect("page");
        assert_eq!((first, token.as_deref()), (vec![0, 1], Some("herald-page-2")));
        let (last, token) = page((0..5).collect(), Some(2), Some("herald-page-4")).expect("page");
        assert_eq!((last, token), (vec![4], None));
        assert!(page::<i32>(Vec::new(), Some(0), None).is_err());
        assert!(page::<i32>(Vec::new(), None, Some("garbage")).is_err());
    }

    #[test]
    fn filters_match_any_value_of_every_filter() {
        let docs = vec![
            json!({"Status": "ACTIVE", "TwoWayEnabled": true}),
            json!({"Status": "DELETED", "TwoWayEnabled": false}),
        ];
        let fields = [("status", "Status"), ("two-way-enabled", "TwoWayEnabled")];
        let active = ["ACTIVE".to_string()];
        let kept = filter(docs.clone(), &[Filter { name: "status", values: &active }], &fields).expect("filter");
        assert_eq!(kept, vec![docs[0].clone()]);
        let falsy = ["false".to_string()];
        let kept =
            filter(docs.clone(), &[Filter { name: "two-way-enabled", values: &falsy }], &fields).expect("filter");
        assert_eq!(kept, vec![docs[1].clone()]);
        assert!(filter(docs, &[Filter { name: "colour", values: &falsy }], &fields).is_err());
    }
}
