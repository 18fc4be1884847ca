//! The operator's number inventory. Herald cannot buy numbers: the operator owns them at its
//! carriers and declares them, in the configuration file (`[[numbers]]`) or with
//! `herald numbers import`. RequestPhoneNumber assigns a free matching number to the calling
//! account and ReleasePhoneNumber hands it back.
//!
//! The inventory lives in the store under the pseudo-account `operator` (no access key can sign
//! as it), one `inventory-number` resource per number: id = the E.164 number, document =
//! `InventoryNumber`. Assigning a number and creating the account's phone number are one atomic
//! write, so two accounts racing for the same number cannot both get it.

use std::collections::HashSet;

use herald_api::sms_voice_v2::types::{NumberCapability, NumberType};
use herald_store::{ResourceChange, ResourceRecord, Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::country_rules;
use crate::CoreError;

/// The pseudo-account that owns the inventory.
pub const OPERATOR_ACCOUNT: &str = "operator";
/// The store's resource type of an inventory number.
pub const RESOURCE_TYPE: &str = "inventory-number";
/// The columns of an import CSV, in the documented order. `carrier` and `monthly_price` may be
/// left out.
pub const CSV_COLUMNS: [&str; 6] =
    ["phone_number", "iso_country", "number_type", "capabilities", "carrier", "monthly_price"];
/// How many times an import retries when the server assigns a number at the same moment.
const WRITE_ATTEMPTS: usize = 3;

/// A number as the operator writes it (a `[[numbers]]` table or a CSV row), not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberEntry {
    pub phone_number: String,
    pub iso_country: String,
    pub number_type: String,
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub monthly_price: Option<String>,
    /// Message parts per second the number may send; the guide's default for its type when
    /// left out.
    #[serde(default)]
    pub max_parts_per_second: Option<u32>,
}

/// A checked inventory number, and the stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryNumber {
    pub phone_number: String,
    pub iso_country: String,
    pub number_type: NumberType,
    pub capabilities: Vec<NumberCapability>,
    /// The carrier route that serves the number, for the sending engine.
    pub carrier: Option<String>,
    /// US dollars a month, as the operator wrote it ("1.00"); answered as MonthlyLeasingPrice.
    pub monthly_price: Option<String>,
    /// The operator's throughput for the number, in message parts per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parts_per_second: Option<u32>,
    /// The account the number is assigned to; `None` while it is free.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// Accounts that released the number. AWS never hands a released number back to the same
    /// account; Herald prefers other numbers for them and reuses it only when nothing else fits,
    /// since an operator's inventory is small.
    #[serde(default)]
    pub released_by: Vec<String>,
}

/// What is wrong with one entry: the key (or CSV column) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn entry_error(field: &'static str, message: impl Into<String>) -> EntryError {
    EntryError { field, message: message.into() }
}

/// The capabilities an operator's number can have. RCS belongs to RCS agents, not numbers.
const CAPABILITIES: &[NumberCapability] = &[NumberCapability::Sms, NumberCapability::Mms, NumberCapability::Voice];

impl NumberEntry {
    /// Checks the entry: an E.164 number (3 to 7 digits for a short code) that dials into its
    /// country, a country of the guide's table, the model's number types and the SMS / MMS /
    /// VOICE capabilities, a decimal price. Enum values are read without regard to case.
    pub fn validate(&self) -> Result<InventoryNumber, EntryError> {
        let number_type = self.number_type.trim().to_ascii_uppercase();
        let number_type = NumberType::from_wire(&number_type).ok_or_else(|| {
            let allowed: Vec<&str> = NumberType::ALL.iter().map(|t| t.as_str()).collect();
            entry_error("number_type", format!("{:?} is not one of {}", self.number_type, allowed.join(", ")))
        })?;
        let iso_country = self.iso_country.trim().to_ascii_uppercase();
        if iso_country.len() != 2 || !iso_country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(entry_error(
                "iso_country",
                format!("{:?} is not a two-letter ISO country code", self.iso_country),
            ));
        }
        if !country_rules::is_known(&iso_country) {
            return Err(entry_error(
                "iso_country",
                format!("{iso_country} is not a country of the SMS guide's country table"),
            ));
        }
        let phone_number = self.phone_number.trim().to_string();
        if number_type == NumberType::ShortCode && is_short_code(&phone_number) {
            // Short codes are dialled without a country prefix.
        } else if !is_e164(&phone_number) {
            let expected = if number_type == NumberType::ShortCode {
                "an E.164 number or a short code of 3 to 7 digits"
            } else {
                "an E.164 number: +, then up to 15 digits, the first not 0"
            };
            return Err(entry_error("phone_number", format!("{:?} is not {expected}", self.phone_number)));
        } else if !country_rules::dials(&iso_country, &phone_number) {
            return Err(entry_error(
                "phone_number",
                format!("{phone_number} does not start with a dialling prefix of {iso_country}"),
            ));
        }
        let mut capabilities = Vec::new();
        for value in &self.capabilities {
            let wire = value.trim().to_ascii_uppercase();
            let capability = NumberCapability::from_wire(&wire)
                .filter(|c| CAPABILITIES.contains(c))
                .ok_or_else(|| entry_error("capabilities", format!("{value:?} is not one of SMS, MMS, VOICE")))?;
            if !capabilities.contains(&capability) {
                capabilities.push(capability);
            }
        }
        if capabilities.is_empty() {
            return Err(entry_error("capabilities", "lists no capability (SMS, MMS, VOICE)"));
        }
        capabilities.sort();
        let carrier = self.carrier.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        let monthly_price = match self.monthly_price.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(price) if is_price(price) => Some(price.to_string()),
            Some(price) => {
                return Err(entry_error(
                    "monthly_price",
                    format!("{price:?} is not a price in dollars such as \"1.00\""),
                ));
            }
            None => None,
        };
        Ok(InventoryNumber {
            phone_number,
            iso_country,
            number_type,
            capabilities,
            carrier,
            monthly_price,
            max_parts_per_second: self.max_parts_per_second,
            assigned_to: None,
            released_by: Vec::new(),
        })
    }
}

/// `+`, a digit from 1 to 9, then 1 to 14 more digits: E.164 allows 15 digits in all.
fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
    })
}

/// The guide gives short codes 3 to 7 digits, by country.
fn is_short_code(value: &str) -> bool {
    (3..=7).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// Dollars with at most 5 decimals (the model's price precision).
fn is_price(value: &str) -> bool {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    !whole.is_empty()
        && whole.len() <= 6
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 5
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(value.contains('.') && fraction.is_empty())
}

/// Checks every entry and that no number appears twice. The error carries the entry's index.
pub fn validate_all(entries: &[NumberEntry]) -> Result<Vec<InventoryNumber>, (usize, EntryError)> {
    let mut seen = HashSet::new();
    let mut numbers = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let number = entry.validate().map_err(|error| (index, error))?;
        if !seen.insert(number.phone_number.clone()) {
            return Err((index, entry_error("phone_number", format!("{} is listed twice", number.phone_number))));
        }
        numbers.push(number);
    }
    Ok(numbers)
}

/// Reads an import CSV: a header naming the columns (any order; `carrier` and `monthly_price`
/// optional), then one number a row. Capabilities are separated by `|`, spaces or commas.
/// Errors name the line and the column.
pub fn parse_csv(text: &str) -> Result<Vec<InventoryNumber>, CoreError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| CoreError::Invalid(format!("reading the CSV header: {e}")))?.clone();
    let mut columns: Vec<usize> = Vec::with_capacity(header.len());
    for (position, name) in header.iter().enumerate() {
        let Some(column) = CSV_COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) else {
            return Err(CoreError::Invalid(format!(
                "line 1: unknown column {name:?} (column {}); the columns are {}",
                position + 1,
                CSV_COLUMNS.join(",")
            )));
        };
        if columns.contains(&column) {
            return Err(CoreError::Invalid(format!("line 1: column {name:?} appears twice")));
        }
        columns.push(column);
    }
    for required in &CSV_COLUMNS[..4] {
        if !header.iter().any(|name| name.eq_ignore_ascii_case(required)) {
            return Err(CoreError::Invalid(format!(
                "line 1: the header has no {required} column; the columns are {}",
                CSV_COLUMNS.join(",")
            )));
        }
    }
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| CoreError::Invalid(format!("reading the CSV: {e}")))?;
        let line = row.position().map_or(0, |p| p.line());
        let mut entry = NumberEntry::default();
        for (value, column) in row.iter().zip(&columns) {
            let value = value.to_string();
            match CSV_COLUMNS[*column] {
                "phone_number" => entry.phone_number = value,
                "iso_country" => entry.iso_country = value,
                "number_type" => entry.number_type = value,
                "capabilities" => {
                    entry.capabilities = value
                        .split(|c: char| c == '|' || c == ',' || c.is_whitespace())
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "carrier" => entry.carrier = Some(value),
                _ => entry.monthly_price = Some(value),
            }
        }
        entries.push(entry);
        lines.push(line);
    }
    validate_all(&entries).map_err(|(index, error)| {
        let line = lines.get(index).copied().unwrap_or_default();
        CoreError::Invalid(format!("line {line}, column {}: {}", error.field, error.message))
    })
}

/// What an upsert did to one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    Unchanged,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so a width in the format string lines columns up.
        f.pad(match self {
            Change::Added => "added",
            Change::Updated => "updated",
            Change::Unchanged => "unchanged",
        })
    }
}

/// Adds new numbers and updates the declared facts (country, type, capabilities, carrier, price)
/// of known ones, all in one transaction. A number's assignment is never touched: an assigned
/// number stays with its account, and a number left out of the list stays in the inventory.
pub async fn upsert(store: &Store, numbers: &[InventoryNumber]) -> Result<Vec<(InventoryNumber, Change)>, CoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut changes = Vec::new();
        let mut outcome = Vec::with_capacity(numbers.len());
        for declared in numbers {
            match store.get_resource(OPERATOR_ACCOUNT, RESOURCE_TYPE, &declared.phone_number).await? {
                None => {
                    let mut fresh = declared.clone();
                    fresh.assigned_to = None;
                    fresh.released_by = Vec::new();
                    changes.push(ResourceChange::Put { record: new_record(&fresh)?, expected_version: None });
                    outcome.push((fresh, Change::Added));
                }
                Some(record) => {
                    let stored = from_record(&record)?;
                    let merged = InventoryNumber {
                        assigned_to: stored.assigned_to.clone(),
                        released_by: stored.released_by.clone(),
                        ..declared.clone()
                    };
                    if merged == stored {
                        outcome.push((stored, Change::Unchanged));
                    } else {
                        changes.push(update(&record, &merged)?);
                        outcome.push((merged, Change::Updated));
                    }
                }
            }
        }
        match store.write_resources(&changes).await {
            Ok(()) => return Ok(outcome),
            Err(StoreError::Conflict(_)) if attempt < WRITE_ATTEMPTS => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

/// Every inventory number, ordered by number.
pub async fn list(store: &Store) -> Result<Vec<InventoryNumber>, CoreError> {
    let mut numbers = store
        .list_resources(OPERATOR_ACCOUNT, RESOURCE_TYPE, None)
        .await?
        .iter()
        .map(from_record)
        .collect::<Result<Vec<_>, _>>()?;
    numbers.sort_by(|a, b| a.phone_number.cmp(&b.phone_number));
    Ok(numbers)
}

/// The stored document of an inventory record.
pub(crate) fn from_record(record: &ResourceRecord) -> Result<InventoryNumber, CoreError> {
    serde_json::from_value(record.document.clone())
        .map_err(|e| CoreError::Invalid(format!("inventory number {} is unreadable: {e}", record.id)))
}

/// A new inventory record at version 1.
pub(crate) fn new_record(number: &InventoryNumber) -> Result<ResourceRecord, CoreError> {
    let now = OffsetDateTime::now_utc();
    Ok(ResourceRecord {
        account_id: OPERATOR_ACCOUNT.to_string(),
        resource_type: RESOURCE_TYPE.to_string(),
        id: number.phone_number.clone(),
        name: None,
        parent_id: None,
        document: serde_json::to_value(number).map_err(|e| CoreError::Invalid(e.to_string()))?,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Replaces the record's document, if nobody changed it since it was read.
pub(crate) fn update(record: &ResourceRecord, number: &InventoryNumber) -> Result<ResourceChange, CoreError> {
    let mut next = record.clone();
    next.document = serde_json::to_value(number).map_err(|e| CoreError::Invalid(e.to_string()))?;
    next.version = record.version + 1;
    next.updated_at = OffsetDateTime::now_utc();
    Ok(ResourceChange::Put { record: next, expected_version: Some(record.version) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: &str, country: &str, kind: &str, capabilities: &[&str]) -> NumberEntry {
        NumberEntry {
            phone_number: number.into(),
            iso_country: country.into(),
            number_type: kind.into(),
            capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
            carrier: Some("route-a".into()),
            monthly_price: Some("1.00".into()),
            max_parts_per_second: None,
        }
    }

    #[test]
    fn entries_are_checked_field_by_field() {
        let good = entry("+12065550100", "us", "long_code", &["voice", "SMS", "SMS"]).validate().expect("valid");
        assert_eq!(good.iso_country, "US");
        assert_eq!(good.number_type, NumberType::LongCode);
        assert_eq!(good.capabilities, vec![NumberCapability::Sms, NumberCapability::Voice]);
        assert!(entry("12345", "US", "SHORT_CODE", &["SMS"]).validate().is_ok());
        for (bad, field) in [
            (entry("12065550100", "US", "LONG_CODE", &["SMS"]), "phone_number"),
            (entry("+4477009001234", "US", "LONG_CODE", &["SMS"]), "phone_number"),
            (entry("+1206555010012345", "US", "LONG_CODE", &["SMS"]), "phone_number"),
            (entry("12345", "US", "LONG_CODE", &["SMS"]), "phone_number"),
            (entry("+12065550100", "USA", "LONG_CODE", &["SMS"]), "iso_country"),
            (entry("+12065550100", "ZZ", "LONG_CODE", &["SMS"]), "iso_country"),
            (entry("+12065550100", "US", "LANDLINE", &["SMS"]), "number_type"),
            (entry("+12065550100", "US", "LONG_CODE", &["FAX"]), "capabilities"),
            (entry("+12065550100", "US", "LONG_CODE", &["RCS"]), "capabilities"),
            (entry("+12065550100", "US", "LONG_CODE", &[]), "capabilities"),
        ] {
            assert_eq!(bad.validate().expect_err("invalid").field, field, "{bad:?}");
        }
        let mut priced = entry("+12065550100", "US", "LONG_CODE", &["SMS"]);
        for price in ["1", "1.5", "995.00", "0.00125"] {
            priced.monthly_price = Some(price.into());
            assert!(priced.validate().is_ok(), "{price}");
        }
        for price in ["$1", "1.", ".5", "1,00", "1.000001"] {
            priced.monthly_price = Some(price.into());
            assert_eq!(priced.validate().expect_err(price).field, "monthly_price");
        }
    }

    #[test]
    fn duplicates_name_the_second_entry() {
        let entries = vec![
            entry("+12065550100", "US", "LONG_CODE", &["SMS"]),
            entry("+12065550101", "US", "TOLL_FREE", &["SMS"]),
            entry("+12065550100", "US", "TEN_DLC", &["SMS"]),
        ];
        let (index, error) = validate_all(&entries).expect_err("duplicate");
        assert_eq!((index, error.field), (2, "phone_number"));
    }

    #[test]
    fn csv_rows_become_numbers() {
        let text = "phone_number,iso_country,number_type,capabilities,carrier,monthly_price\n\
                    +12065550100,US,LONG_CODE,SMS|VOICE,route-a,1.00\n\
                    # a comment line\n\
                    +447700900123,GB,LONG_CODE,\"SMS MMS\",,\n";
        let numbers = parse_csv(text).expect("valid csv");
        assert_eq!(numbers.len(), 2);
        assert_eq!(numbers[0].capabilities, vec![NumberCapability::Sms, NumberCapability::Voice]);
        assert_eq!(numbers[0].carrier.as_deref(), Some("route-a"));
        assert_eq!(numbers[1].capabilities, vec![NumberCapability::Sms, NumberCapability::Mms]);
        assert_eq!((numbers[1].carrier.as_deref(), numbers[1].monthly_price.as_deref()), (None, None));

        let reordered = "number_type,phone_number,capabilities,iso_country\nTOLL_FREE,+18885550100,SMS,US\n";
        assert_eq!(parse_csv(reordered).expect("valid")[0].number_type, NumberType::TollFree);

        let bad_row =
            "phone_number,iso_country,number_type,capabilities\n+12065550100,US,LONG_CODE,SMS\n+1206,US,BOGUS,SMS\n";
        let error = parse_csv(bad_row).expect_err("bad type").to_string();
        assert!(error.contains("line 3") && error.contains("number_type"), "{error}");
        let error = parse_csv("phone_number,country\n").expect_err("bad header").to_string();
        assert!(error.contains("country"), "{error}");
        let error = parse_csv("phone_number,iso_country,number_type\n").expect_err("missing column").to_string();
        assert!(error.contains("capabilities"), "{error}");
    }
}
