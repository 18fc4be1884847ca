//! The SMS and voice v2 service quotas, with the user guide's defaults. An operator changes them
//! in the node configuration (`[sms.quotas]`), as an AWS customer asks Support for an increase.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsQuotas {
    /// Phone numbers per account (guide part 2 section 13.2).
    pub phone_numbers: u64,
    /// Sender IDs per account. The guide gives no figure; that of the other origination identities.
    pub sender_ids: u64,
    /// Pools per account (guide part 2 section 13.2).
    pub pools: u64,
    /// Origination identities in one pool.
    pub origination_identities_per_pool: u64,
    /// Opt-out lists per account, the `Default` list included (guide part 2 section 13.2).
    pub opt_out_lists: u64,
    /// Keywords on one phone number, the default ones included.
    pub keywords_per_phone_number: u64,
    /// Keywords on one pool, the default ones included.
    pub keywords_per_pool: u64,
    /// Configuration sets per account (guide part 2 section 13.2).
    pub configuration_sets: u64,
    /// Event destinations per configuration set (guide part 2).
    pub event_destinations_per_configuration_set: u64,
    /// Protect configurations per account.
    pub protect_configurations: u64,
    /// Verified destination numbers per account in the sandbox (guide part 1 section 4.3).
    pub verified_destination_numbers: u64,
    /// Registrations per account: the guide's 10DLC brand quota (part 2 section 13.3), applied to
    /// every type.
    pub registrations: u64,
    /// Registration attachments per account: not in the guide; enough for every registration.
    pub registration_attachments: u64,
}

impl Default for SmsQuotas {
    fn default() -> Self {
        SmsQuotas {
            phone_numbers: 25,
            sender_ids: 25,
            pools: 25,
            origination_identities_per_pool: 100,
            opt_out_lists: 25,
            keywords_per_phone_number: 30,
            keywords_per_pool: 30,
            configuration_sets: 25,
            event_destinations_per_configuration_set: 5,
            protect_configurations: 25,
            verified_destination_numbers: 10,
            registrations: 25,
            registration_attachments: 100,
        }
    }
}
