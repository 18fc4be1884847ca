//! Checks registration field values against the definitions: text formats and lengths, select
//! choices, conditional requirements, and the whole form before submission. Attachment values
//! need the store and are checked in `registration_fields.rs`.

use herald_api::sms_voice_v2::types::RegistrationFieldValueInformation;

use super::registration_definitions::{
    Behavior, Condition, FieldDef, FieldKind, FileFormat, Operator, Requirement, TextFormat, TypeDef,
};

/// Public URL shorteners 10DLC campaigns may not use (custom-domain shorteners are fine).
const PUBLIC_SHORTENERS: &[&str] = &["bit.ly/", "tinyurl.com", "goo.gl/", "ow.ly/", "is.gd/", "t.co/", "buff.ly/"];

/// A field's requirement and validation given the other values of the form.
pub struct Resolved {
    pub behavior: Behavior,
    pub format: Option<TextFormat>,
    pub allowed_values: Option<&'static [&'static str]>,
}

pub fn resolve(field: &FieldDef, values: &[RegistrationFieldValueInformation]) -> Resolved {
    let plain = |behavior| Resolved { behavior, format: None, allowed_values: None };
    match &field.requirement {
        Requirement::Required => plain(Behavior::Required),
        Requirement::Optional => plain(Behavior::Optional),
        Requirement::Conditional { rules, default } => rules
            .iter()
            .find(|rule| rule.conditions.iter().all(|c| holds(c, values)))
            .map(|rule| Resolved { behavior: rule.behavior, format: rule.format, allowed_values: rule.allowed_values })
            .unwrap_or_else(|| plain(*default)),
    }
}

/// Whether a condition on another field's value holds. A field without a value equals nothing.
fn holds(condition: &Condition, values: &[RegistrationFieldValueInformation]) -> bool {
    let current = values_of(values, condition.field);
    let equals = condition.values.first().is_some_and(|wanted| current.iter().any(|v| v == wanted));
    match condition.operator {
        Operator::Equals => equals,
        Operator::NotEquals => !equals,
        Operator::HasValue => !current.is_empty(),
    }
}

/// A field's value as strings: its choices, its text or its attachment id.
fn values_of<'a>(values: &'a [RegistrationFieldValueInformation], path: &str) -> Vec<&'a str> {
    let Some(value) = values.iter().find(|v| v.field_path == path) else { return Vec::new() };
    let mut all: Vec<&str> = value.select_choices.iter().flatten().map(String::as_str).collect();
    all.extend(value.text_value.as_deref());
    all.extend(value.registration_attachment_id.as_deref());
    all
}

/// What is wrong with a value for `field` (other than attachment checks), if anything.
pub fn value_problem(
    field: &FieldDef,
    resolved: &Resolved,
    value: &RegistrationFieldValueInformation,
) -> Option<String> {
    if resolved.behavior == Behavior::Disallowed {
        return Some("must not be set with the form's other values".to_string());
    }
    match &field.kind {
        FieldKind::Text { min, max, format } => match &value.text_value {
            Some(text) => text_problem(*min, *max, resolved.format.unwrap_or(*format), text),
            None => Some("takes a TextValue".to_string()),
        },
        FieldKind::Select { min, max, options } => match &value.select_choices {
            Some(choices) => select_problem(*min, *max, options.iter().map(|c| c.0), resolved.allowed_values, choices),
            None => Some("takes SelectChoices".to_string()),
        },
        FieldKind::Attachment { .. } => match &value.registration_attachment_id {
            Some(_) => None,
            None => Some("takes a RegistrationAttachmentId".to_string()),
        },
    }
}

pub fn text_problem(min: u32, max: u32, format: TextFormat, text: &str) -> Option<String> {
    let length = text.chars().count();
    if length < min as usize || length > max as usize {
        return Some(format!("must be {min} to {max} characters long"));
    }
    (!format.accepts(text)).then(|| format.description().to_string())
}

pub fn select_problem<'a>(
    min: u32,
    max: u32,
    options: impl Iterator<Item = &'a str> + Clone,
    allowed: Option<&[&str]>,
    choices: &[String],
) -> Option<String> {
    if choices.len() < min as usize || choices.len() > max as usize {
        return Some(format!("takes {min} to {max} choices"));
    }
    for (index, choice) in choices.iter().enumerate() {
        if !options.clone().any(|option| option == choice) {
            let known: Vec<&str> = options.collect();
            return Some(format!("has no option {choice}; the options are {}", known.join(", ")));
        }
        if let Some(allowed) = allowed.filter(|allowed| !allowed.contains(&choice.as_str())) {
            return Some(format!("cannot be {choice} with the form's other values; allowed: {}", allowed.join(", ")));
        }
        if choices[..index].contains(choice) {
            return Some(format!("lists {choice} twice"));
        }
    }
    None
}

/// Everything that keeps the form from being submitted: missing required fields, fields the
/// other values disallow, and values that no longer pass (a rule may have changed since they
/// were set). Attachments are checked by the caller.
pub fn form_problems(definition: &TypeDef, values: &[RegistrationFieldValueInformation]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (path, _, field) in definition.fields() {
        let resolved = resolve(field, values);
        match values.iter().find(|v| v.field_path == path) {
            None if resolved.behavior == Behavior::Required => problems.push((path, "is required".to_string())),
            None => {}
            Some(value) => {
                if let Some(problem) = value_problem(field, &resolved, value) {
                    problems.push((path, problem));
                }
            }
        }
    }
    problems
}

impl TextFormat {
    /// The format as a regular expression, for TextValidation.Pattern.
    pub const fn pattern(self) -> &'static str {
        match self {
            TextFormat::Free | TextFormat::NoPublicShortener => "^[\\s\\S]*$",
            TextFormat::Email => "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
            TextFormat::E164 => "^\\+[1-9][0-9]{1,14}$",
            TextFormat::HttpUrl => "^https?://\\S+$",
            TextFormat::IsoCountry => "^[A-Z]{2}$",
            TextFormat::UsEin => "^[0-9]{9}$",
            TextFormat::Uen => "^([0-9]{8,9}[A-Z]|[TSR][0-9]{2}[A-Z]{2}[0-9]{4}[A-Z])$",
            TextFormat::SenderId => "^[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*$",
            TextFormat::Alphanumeric => "^[A-Za-z0-9]+$",
            TextFormat::Digits => "^[0-9]+$",
            TextFormat::Letters => "^[A-Za-z]+$",
            TextFormat::RegistrationOf(_) => "^registration-[0-9a-f]{32}$",
        }
    }

    pub const fn description(self) -> &'static str {
        match self {
            TextFormat::Free => "any text",
            TextFormat::NoPublicShortener => "must not use public URL shorteners such as bit.ly or TinyURL",
            TextFormat::Email => "must be an email address",
            TextFormat::E164 => "must be in E.164 form: + and digits only, no spaces, hyphens or parentheses",
            TextFormat::HttpUrl => "must start with http:// or https://",
            TextFormat::IsoCountry => "must be a two-letter ISO 3166-1 country code in capitals",
            TextFormat::UsEin => "must be a 9-digit EIN for US tax registrations",
            TextFormat::Uen => "must be a Singapore UEN",
            TextFormat::SenderId => "must be letters, digits and hyphens with at least one letter",
            TextFormat::Alphanumeric => "must be letters and digits only",
            TextFormat::Digits => "must be digits only",
            TextFormat::Letters => "must be letters only",
            TextFormat::RegistrationOf(_) => "must be a RegistrationId (registration- and 32 hex digits)",
        }
    }

    pub fn accepts(self, text: &str) -> bool {
        let all = |test: fn(char) -> bool| !text.is_empty() && text.chars().all(test);
        match self {
            TextFormat::Free => true,
            TextFormat::NoPublicShortener => {
                let lower = text.to_ascii_lowercase();
                !PUBLIC_SHORTENERS.iter().any(|shortener| lower.contains(shortener))
            }
            TextFormat::Email => match text.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.split('.').count() >= 2
                        && domain.split('.').all(|part| !part.is_empty())
                        && !text.chars().any(char::is_whitespace)
                }
                None => false,
            },
            TextFormat::E164 => text.strip_prefix('+').is_some_and(|digits| {
                (2..=15).contains(&digits.len())
                    && digits.chars().all(|c| c.is_ascii_digit())
                    && !digits.starts_with('0')
            }),
            TextFormat::HttpUrl => ["http://", "https://"].iter().any(|scheme| {
                text.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty() && !rest.chars().any(char::is_whitespace))
            }),
            TextFormat::IsoCountry => text.len() == 2 && all(|c| c.is_ascii_uppercase()),
            TextFormat::UsEin => text.len() == 9 && all(|c| c.is_ascii_digit()),
            TextFormat::Uen => is_uen(text),
            TextFormat::SenderId => {
                all(|c| c.is_ascii_alphanumeric() || c == '-') && text.chars().any(|c| c.is_ascii_alphabetic())
            }
            TextFormat::Alphanumeric => all(|c| c.is_ascii_alphanumeric()),
            TextFormat::Digits => all(|c| c.is_ascii_digit()),
            TextFormat::Letters => all(|c| c.is_ascii_alphabetic()),
            TextFormat::RegistrationOf(_) => is_registration_id(text),
        }
    }
}

/// `registration-` and 32 lowercase hex digits.
pub fn is_registration_id(text: &str) -> bool {
    text.strip_prefix("registration-")
        .is_some_and(|hex| hex.len() == 32 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
}

/// Business UENs are 8 digits and a letter, local companies 9 digits and a letter, other
/// entities T/S/R, 2 digits, 2 letters, 4 digits and a letter.
fn is_uen(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let digits = |range: &[char]| range.iter().all(char::is_ascii_digit);
    let upper = |range: &[char]| range.iter().all(char::is_ascii_uppercase);
    match chars.len() {
        9 => digits(&chars[..8]) && upper(&chars[8..]),
        10 if chars[0].is_ascii_digit() => digits(&chars[..9]) && upper(&chars[9..]),
        10 => {
            matches!(chars[0], 'T' | 'S' | 'R')
                && digits(&chars[1..3])
                && upper(&chars[3..5])
                && digits(&chars[5..9])
                && upper(&chars[9..])
        }
        _ => false,
    }
}

impl FileFormat {
    /// The format a file's first bytes show, if it is one Herald takes.
    pub fn detect(bytes: &[u8]) -> Option<FileFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileFormat::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(FileFormat::Gif)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileFormat::Pdf)
        } else {
            None
        }
    }

    /// The format a URL's file name suggests (the file itself is not fetched).
    pub fn from_url(url: &str) -> Option<FileFormat> {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let extension = path.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase())?;
        match extension.as_str() {
            "png" => Some(FileFormat::Png),
            "jpg" | "jpeg" => Some(FileFormat::Jpeg),
            "gif" => Some(FileFormat::Gif),
            "pdf" => Some(FileFormat::Pdf),
            _ => None,
        }
    }

    pub fn from_name(name: &str) -> Option<FileFormat> {
        [FileFormat::Png, FileFormat::Jpeg, FileFormat::Gif, FileFormat::Pdf].into_iter().find(|f| f.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::registration_definitions::registration_type;
    use super::*;

    fn text(path: &str, value: &str) -> RegistrationFieldValueInformation {
        RegistrationFieldValueInformation {
            field_path: path.into(),
            text_value: Some(value.into()),
            ..Default::default()
        }
    }

    fn choice(path: &str, value: &str) -> RegistrationFieldValueInformation {
        RegistrationFieldValueInformation {
            field_path: path.into(),
            select_choices: Some(vec![value.into()]),
            ..Default::default()
        }
    }

    #[test]
    fn formats() {
        assert!(TextFormat::E164.accepts("+12065550142"));
        for bad in ["+1 (206) 555-0142", "12065550142", "+0123", "+1"] {
            assert!(!TextFormat::E164.accepts(bad), "{bad}");
        }
        assert!(TextFormat::HttpUrl.accepts("https://example.com"));
        assert!(!TextFormat::HttpUrl.accepts("www.example.com"));
        assert!(TextFormat::Email.accepts("support@example.com"));
        assert!(!TextFormat::Email.accepts("support@example"));
        assert!(TextFormat::Uen.accepts("201912345K") && TextFormat::Uen.accepts("53123456A"));
        assert!(TextFormat::Uen.accepts("T09LL0001B") && !TextFormat::Uen.accepts("20191234"));
        assert!(TextFormat::SenderId.accepts("EXAMPLE-CO") && !TextFormat::SenderId.accepts("12345"));
        assert!(!TextFormat::NoPublicShortener.accepts("See https://bit.ly/abc for details"));
        assert!(is_registration_id(&format!("registration-{}", "a".repeat(32))));
        assert_eq!(FileFormat::detect(b"\x89PNG\r\n\x1a\nrest"), Some(FileFormat::Png));
        assert_eq!(FileFormat::from_url("s3://bucket/loa.PDF"), Some(FileFormat::Pdf));
    }

    #[test]
    fn conditional_fields_follow_other_values() {
        let tfn = registration_type("US_TOLL_FREE_REGISTRATION").expect("defined");
        let (_, details) = tfn.field("messagingUseCase.useCaseDetails").expect("field");
        let other = [choice("messagingUseCase.useCaseCategory", "OTHER")];
        assert_eq!(resolve(details, &other).behavior, Behavior::Required);
        let otp = [choice("messagingUseCase.useCaseCategory", "ONE_TIME_PASSWORDS")];
        assert_eq!(resolve(details, &otp).behavior, Behavior::Optional);

        let brand = registration_type("US_TEN_DLC_BRAND_REGISTRATION").expect("defined");
        let (_, tax_id) = brand.field("companyInfo.taxId").expect("field");
        let us = [text("companyInfo.taxIdIssuingCountry", "US"), text("companyInfo.taxId", "12345")];
        let resolved = resolve(tax_id, &us);
        assert!(value_problem(tax_id, &resolved, &us[1]).is_some_and(|p| p.contains("EIN")));
        let (_, form) = brand.field("companyInfo.legalOrganizationForm").expect("field");
        let foreign =
            [text("companyInfo.isoCountryCode", "DE"), choice("companyInfo.legalOrganizationForm", "NON_PROFIT")];
        assert!(value_problem(form, &resolve(form, &foreign), &foreign[1]).is_some());

        let problems = form_problems(tfn, &other);
        assert!(problems.iter().any(|(path, _)| path == "messagingUseCase.useCaseDetails"));
        assert!(problems.iter().any(|(path, _)| path == "companyInfo.companyName"));
        assert!(!problems.iter().any(|(path, _)| path == "companyInfo.address2"));
    }
}
