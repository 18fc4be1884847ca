//! The SMS simulator's numbers (SMS guide part 1, §10). Messages between simulator numbers never
//! reach a carrier but produce real events.
//!
//! Origination simulator numbers exist only in the US and need no registration. AWS hands out a
//! number of its own; the guide lists none, so Herald mints them from the range the North
//! American Numbering Plan reserves for fiction (NXX-555-0100 to 0199), where no real subscriber
//! can be. A minted number goes into the operator's inventory like any other (type SIMULATOR,
//! carrier `simulator`), so it is unique across accounts, shows in `herald numbers list`, and
//! returns to the inventory for reuse when released.
//!
//! Destination simulator numbers: per country, one number whose messages succeed and one whose
//! messages fail; the sending engine asks `destination`.

use herald_api::sms_voice_v2::types::{NumberCapability, NumberType};

use super::inventory::InventoryNumber;

/// The only country with origination simulator numbers.
pub(crate) const ORIGINATION_COUNTRY: &str = "US";
/// The carrier route name of minted simulator numbers: the sending engine's built-in simulator.
pub(crate) const SIMULATOR_CARRIER: &str = "simulator";
/// What a simulator number can do: SMS and MMS, no voice (§10: "works for SMS and MMS").
pub(crate) const CAPABILITIES: &[NumberCapability] = &[NumberCapability::Sms, NumberCapability::Mms];

/// Washington State area codes, tried in this order; each gives 100 numbers.
const AREA_CODES: &[&str] = &["206", "425", "253", "360", "509", "564"];

/// Every origination simulator number Herald may mint, in the order it tries them.
pub(crate) fn origination_candidates() -> impl Iterator<Item = String> {
    AREA_CODES.iter().flat_map(|area| (100..200).map(move |line| format!("+1{area}5550{line}")))
}

/// An inventory entry for a minted simulator number.
pub(crate) fn minted(phone_number: String) -> InventoryNumber {
    InventoryNumber {
        phone_number,
        iso_country: ORIGINATION_COUNTRY.to_string(),
        number_type: NumberType::Simulator,
        capabilities: CAPABILITIES.to_vec(),
        carrier: Some(SIMULATOR_CARRIER.to_string()),
        monthly_price: Some("0.00".to_string()),
        max_parts_per_second: None,
        assigned_to: None,
        released_by: Vec::new(),
    }
}

/// What a message to a destination simulator number does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SimulatedOutcome {
    Success,
    Failure,
}

impl SimulatedOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SimulatedOutcome::Success => "SUCCESS",
            SimulatedOutcome::Failure => "FAILURE",
        }
    }
}

/// The destination simulator numbers of §10: ISO country, success number, failure number.
const DESTINATIONS: &[(&str, &str, &str)] = &[
    ("AU", "+61455944038", "+61455944039"),
    ("AT", "+43676800442031", "+43676800442032"),
    ("BE", "+32460213922", "+32460213923"),
    ("CL", "+56229140630", "+56229140631"),
    ("CZ", "+420790542286", "+420790542287"),
    ("DK", "+4525919410", "+4525919215"),
    ("EE", "+37282720792", "+37282720793"),
    ("FI", "+3584573979110", "+3584573979111"),
    ("FR", "+33755512501", "+33755512502"),
    ("HK", "+85257048426", "+85257048854"),
    ("HU", "+36707178770", "+36707178772"),
    ("IT", "+394390009172", "+394390009174"),
    ("JE", "+447937404990", "+447937404992"),
    ("LU", "+352691385880", "+352691385882"),
    ("NL", "+3197008100148", "+3197008100150"),
    ("NO", "+4759449384", "+4759449387"),
    ("PL", "+48732141440", "+48732141442"),
    ("PT", "+351927946948", "+351927946950"),
    ("RO", "+40783900330", "+40783900332"),
    ("ES", "+34683783440", "+34683783442"),
    ("SE", "+46790645100", "+46790645102"),
    ("CH", "+41798075872", "+41798075874"),
    ("TW", "+886903444630", "+886903444632"),
    ("GB", "+447860019066", "+447860019067"),
    ("US", "+14254147755", "+14254147167"),
];

/// The country and outcome of a destination simulator number; `None` for any other number.
/// A simulator origination number may only send to the destination simulators of its own
/// country (§10), so the sending engine compares the country too.
pub(crate) fn destination(number: &str) -> Option<(&'static str, SimulatedOutcome)> {
    DESTINATIONS.iter().find_map(|(country, success, failure)| {
        if number == *success {
            Some((*country, SimulatedOutcome::Success))
        } else if number == *failure {
            Some((*country, SimulatedOutcome::Failure))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_numbers_are_fictional_us_numbers() {
        let candidates: Vec<String> = origination_candidates().collect();
        assert_eq!(candidates.len(), AREA_CODES.len() * 100);
        assert_eq!(candidates[0], "+12065550100");
        assert_eq!(candidates[99], "+12065550199");
        assert!(candidates.iter().all(|n| n.len() == 12 && &n[5..9] == "5550"));
        assert!(candidates.iter().all(|n| destination(n).is_none()));
    }

    #[test]
    fn destinations_answer_their_outcome() {
        assert_eq!(destination("+14254147755"), Some(("US", SimulatedOutcome::Success)));
        assert_eq!(destination("+447860019067"), Some(("GB", SimulatedOutcome::Failure)));
        assert_eq!(destination("+14254147756"), None);
    }
}
