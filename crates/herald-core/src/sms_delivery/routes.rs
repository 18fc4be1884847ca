//! Which carrier takes a message: the one the operator's inventory names for the sending
//! number, else the first carrier whose routes match the destination (a dialling prefix such
//! as "+44" or an ISO country code such as "GB").

use herald_sms::smpp::{Carrier, IdNotation};

/// A started carrier and the destinations it serves.
#[derive(Clone)]
pub struct CarrierRoute {
    pub carrier: Carrier,
    /// Dialling prefixes ("+1") and ISO country codes ("US").
    pub routes: Vec<String>,
    /// How the carrier's receipts quote its message ids; None: learned from its receipts.
    pub receipt_ids: Option<IdNotation>,
}

pub(crate) fn route<'a>(
    carriers: &'a [CarrierRoute],
    named: Option<&str>,
    destination: &str,
    iso_country: &str,
) -> Option<&'a CarrierRoute> {
    if let Some(name) = named {
        return carriers.iter().find(|c| c.carrier.name() == name);
    }
    carriers.iter().find(|c| {
        c.routes.iter().any(|route| {
            if route.starts_with('+') {
                destination.starts_with(route.as_str())
            } else {
                route.eq_ignore_ascii_case(iso_country)
            }
        })
    })
}
