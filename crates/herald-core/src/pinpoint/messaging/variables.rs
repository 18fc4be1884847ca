//! `{{...}}` message variables: from the request's Substitutions and, for endpoint and user
//! sends, from the endpoint (`{{Attributes.Plan}}`, `{{User.UserAttributes.FirstName}}`,
//! `{{User.UserId}}`, `{{Demographic.Platform}}`, ...). A variable with no value renders empty.

use std::collections::BTreeMap;

use serde_json::Value;

/// Where variable values come from, in order.
#[derive(Default)]
pub(crate) struct Variables<'a> {
    /// Substitutions, the address's over the message's; Pinpoint gives lists and uses the first.
    substitutions: BTreeMap<String, String>,
    endpoint: Option<&'a Value>,
}

impl<'a> Variables<'a> {
    /// Later maps win over earlier ones.
    pub(crate) fn new<'m>(layers: impl IntoIterator<Item = Option<&'m BTreeMap<String, Vec<String>>>>) -> Self {
        let mut substitutions = BTreeMap::new();
        for layer in layers.into_iter().flatten() {
            for (name, values) in layer {
                substitutions.insert(name.clone(), values.first().cloned().unwrap_or_default());
            }
        }
        Variables { substitutions, endpoint: None }
    }

    pub(crate) fn with_endpoint(mut self, endpoint: &'a Value) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    fn value(&self, name: &str) -> Option<String> {
        if let Some(value) = self.substitutions.get(name) {
            return Some(value.clone());
        }
        let mut current = self.endpoint?;
        for step in name.split('.') {
            current = current.get(step)?;
        }
        match current {
            Value::String(text) => Some(text.clone()),
            Value::Array(items) => items.first().map(|first| match first {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// Replaces every `{{name}}` in `text`; an unclosed `{{` is left as written.
    pub(crate) fn render(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                out.push_str(&rest[open..]);
                return out;
            };
            if let Some(value) = self.value(after[..close].trim()) {
                out.push_str(&value);
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn substitutions_and_endpoint_fields() {
        let message =
            BTreeMap::from([("Name".to_string(), vec!["Friend".to_string()]), ("Deal".into(), vec!["10%".into()])]);
        let address = BTreeMap::from([("Name".to_string(), vec!["Ada".to_string(), "ignored".to_string()])]);
        let endpoint = json!({"Attributes": {"Plan": ["pro"]}, "User": {"UserId": "u1", "UserAttributes": {"City": ["Paris"]}}, "Metrics": {"visits": 3.0}});
        let variables = Variables::new([Some(&message), Some(&address)]).with_endpoint(&endpoint);
        assert_eq!(
            variables.render("Hi {{Name}}, {{ Deal }} off {{Attributes.Plan}} in {{User.UserAttributes.City}} ({{User.UserId}}, {{Metrics.visits}})"),
            "Hi Ada, 10% off pro in Paris (u1, 3.0)"
        );
        assert_eq!(variables.render("{{Unknown}}|{{Attributes.None}}|{{broken"), "||{{broken");
        assert_eq!(variables.render("no variables"), "no variables");
    }
}
