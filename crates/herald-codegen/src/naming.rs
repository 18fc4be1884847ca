//! Rust names for model names.

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
    "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `ApplicationId` -> `application_id`, `type` -> `r#type`.
pub fn field_name(member: &str) -> String {
    let snake = member.to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) { format!("r#{snake}") } else { snake }
}

/// `CreateApp` -> `create_app`.
pub fn method_name(operation: &str) -> String {
    field_name(operation)
}

/// Shape names are already PascalCase in the models, apart from botocore's `__string` style.
pub fn type_name(shape: &str) -> String {
    shape.to_upper_camel_case()
}

/// An enum value such as `TEN_DLC` or `event-destination-name` -> `TenDlc` / `EventDestinationName`.
pub fn variant_name(value: &str) -> String {
    let cleaned: String = value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// The first sentence of an HTML documentation string, as a one-line doc comment.
pub fn summary(documentation: Option<&str>) -> Option<String> {
    let html = documentation?;
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = match text.find(". ") {
        Some(end) => &text[..=end],
        None => text.as_str(),
    };
    let mut line: String = first.chars().take(160).collect();
    if line.len() < first.len() {
        line.push_str("...");
    }
    let line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    (!line.is_empty()).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name("APNSMessage"), "apns_message");
        assert_eq!(field_name("Type"), "r#type");
        assert_eq!(variant_name("TEN_DLC"), "TenDlc");
        assert_eq!(variant_name("event-destination-name"), "EventDestinationName");
        assert_eq!(variant_name("10DLC"), "V10dlc");
        assert_eq!(summary(Some("<p>Creates an app.</p> <p>More.</p>")).as_deref(), Some("Creates an app."));
    }
}
