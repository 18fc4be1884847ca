//! What the SMS guide's country table (part 1, §19.1) says about origination identities in each
//! country: whether alphanumeric sender ids are allowed there and whether they must be
//! registered first, and whether two-way SMS is available. Phone numbers, sender ids and the
//! operator's inventory check requests against it.
//!
//! Departures from the printed table, where it is plainly wrong: Tuvalu (688) is printed as a
//! second "TC", Kosovo as "XV" (the code in use is XK) and Jersey's prefix as 44-1434 (44-1534).

/// Sender ids in a country, from the table's sender-id column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SenderIds {
    /// `Y`: any sender id may be used without registration.
    Dynamic,
    /// `REG(1)`, India's `REG(3)` and Singapore's `Y(5)`: the sender id must be registered with
    /// the country's regulator before messages show it.
    Registration,
    /// `-`, and China's `N(2)`.
    NotSupported,
}

/// ISO code, dialling prefixes (digits only), sender ids, two-way SMS.
type Row = (&'static str, &'static [&'static str], SenderIds, bool);

const COUNTRIES: &[Row] = &[
    ("AD", &["376"], SenderIds::Dynamic, false),                      // Andorra
    ("AO", &["244"], SenderIds::Dynamic, false),                      // Angola
    ("AI", &["1264"], SenderIds::Dynamic, false),                     // Anguilla
    ("AG", &["1268"], SenderIds::Dynamic, false),                     // Antigua & Barbuda
    ("AR", &["54"], SenderIds::NotSupported, false),                  // Argentina
    ("AM", &["374"], SenderIds::Dynamic, false),                      // Armenia
    ("AW", &["297"], SenderIds::Dynamic, false),                      // Aruba
    ("AU", &["61"], SenderIds::Registration, true),                   // Australia
    ("AT", &["43"], SenderIds::Dynamic, true),                        // Austria
    ("AZ", &["994"], SenderIds::Dynamic, false),                      // Azerbaijan
    ("BS", &["1242"], SenderIds::NotSupported, false),                // Bahamas
    ("BH", &["973"], SenderIds::Dynamic, false),                      // Bahrain
    ("BD", &["880"], SenderIds::Dynamic, false),                      // Bangladesh
    ("BB", &["1246"], SenderIds::Dynamic, false),                     // Barbados
    ("BY", &["375"], SenderIds::Registration, false),                 // Belarus
    ("BE", &["32"], SenderIds::NotSupported, true),                   // Belgium
    ("BZ", &["501"], SenderIds::Dynamic, false),                      // Belize
    ("BM", &["1441"], SenderIds::Dynamic, false),                     // Bermuda
    ("BT", &["975"], SenderIds::Dynamic, false),                      // Bhutan
    ("BO", &["591"], SenderIds::Dynamic, false),                      // Bolivia
    ("BA", &["387"], SenderIds::Dynamic, false),                      // Bosnia & Herzegovina
    ("BW", &["267"], SenderIds::Dynamic, false),                      // Botswana
    ("BR", &["55"], SenderIds::NotSupported, true),                   // Brazil
    ("BN", &["673"], SenderIds::Dynamic, false),                      // Brunei
    ("BG", &["359"], SenderIds::Dynamic, true),                       // Bulgaria
    ("BF", &["226"], SenderIds::Dynamic, false),                      // Burkina Faso
    ("BI", &["257"], SenderIds::Dynamic, false),                      // Burundi
    ("KH", &["855"], SenderIds::Dynamic, false),                      // Cambodia
    ("CM", &["237"], SenderIds::Dynamic, true),                       // Cameroon
    ("CA", &["1"], SenderIds::NotSupported, true),                    // Canada
    ("CV", &["238"], SenderIds::Dynamic, false),                      // Cape Verde
    ("KY", &["1345"], SenderIds::NotSupported, false),                // Cayman Islands
    ("CF", &["236"], SenderIds::Dynamic, false),                      // Central African Rep.
    ("TD", &["235"], SenderIds::Dynamic, false),                      // Chad
    ("CL", &["56"], SenderIds::NotSupported, true),                   // Chile
    ("CN", &["86"], SenderIds::NotSupported, true),                   // China
    ("CO", &["57"], SenderIds::NotSupported, true),                   // Colombia
    ("KM", &["269"], SenderIds::Dynamic, false),                      // Comoros
    ("CK", &["682"], SenderIds::Dynamic, true),                       // Cook Islands
    ("CR", &["506"], SenderIds::NotSupported, true),                  // Costa Rica
    ("HR", &["385"], SenderIds::Dynamic, true),                       // Croatia
    ("CY", &["357"], SenderIds::Dynamic, false),                      // Cyprus
    ("CZ", &["420"], SenderIds::Dynamic, true),                       // Czechia
    ("CD", &["243"], SenderIds::Dynamic, false),                      // DR Congo
    ("DK", &["45"], SenderIds::Dynamic, true),                        // Denmark
    ("DJ", &["253"], SenderIds::Dynamic, false),                      // Djibouti
    ("DM", &["1767"], SenderIds::Dynamic, false),                     // Dominica
    ("DO", &["1809", "1829", "1849"], SenderIds::NotSupported, true), // Dominican Rep.
    ("EC", &["593"], SenderIds::NotSupported, true),                  // Ecuador
    ("EG", &["20"], SenderIds::Registration, true),                   // Egypt
    ("SV", &["503"], SenderIds::NotSupported, false),                 // El Salvador
    ("GQ", &["240"], SenderIds::Dynamic, false),                      // Equatorial Guinea
    ("ER", &["291"], SenderIds::Dynamic, false),                      // Eritrea
    ("EE", &["372"], SenderIds::Dynamic, true),                       // Estonia
    ("SZ", &["268"], SenderIds::Dynamic, true),                       // Eswatini
    ("ET", &["251"], SenderIds::Dynamic, false),                      // Ethiopia
    ("FO", &["298"], SenderIds::Dynamic, false),                      // Faroe Islands
    ("FJ", &["679"], SenderIds::Dynamic, false),                      // Fiji
    ("FI", &["358"], SenderIds::Dynamic, true),                       // Finland
    ("FR", &["33"], SenderIds::Dynamic, true),                        // France
    ("GF", &["594"], SenderIds::Dynamic, false),                      // French Guiana
    ("PF", &["689"], SenderIds::Dynamic, false),                      // French Polynesia
    ("GA", &["241"], SenderIds::Dynamic, false),                      // Gabon
    ("GM", &["220"], SenderIds::Dynamic, false),                      // Gambia
    ("GE", &["995"], SenderIds::Dynamic, false),                      // Georgia
    ("DE", &["49"], SenderIds::Dynamic, true),                        // Germany
    ("GH", &["233"], SenderIds::Dynamic, true),                       // Ghana
    ("GI", &["350"], SenderIds::Dynamic, false),                      // Gibraltar
    ("GR", &["30"], SenderIds::Dynamic, true),                        // Greece
    ("GL", &["299"], SenderIds::Dynamic, false),                      // Greenland
    ("GD", &["1473"], SenderIds::Dynamic, false),                     // Grenada
    ("GP", &["590"], SenderIds::Dynamic, false),                      // Guadeloupe
    ("GU", &["1671"], SenderIds::NotSupported, true),                 // Guam
    ("GT", &["502"], SenderIds::NotSupported, true),                  // Guatemala
    ("GG", &["441481"], SenderIds::Dynamic, false),                   // Guernsey
    ("GN", &["224"], SenderIds::Dynamic, false),                      // Guinea
    ("GW", &["245"], SenderIds::Dynamic, false),                      // Guinea-Bissau
    ("GY", &["592"], SenderIds::Dynamic, false),                      // Guyana
    ("HT", &["509"], SenderIds::Dynamic, false),                      // Haiti
    ("HN", &["504"], SenderIds::Dynamic, true),                       // Honduras
    ("HK", &["852"], SenderIds::Dynamic, true),                       // Hong Kong
    ("HU", &["36"], SenderIds::NotSupported, true),                   // Hungary
    ("IS", &["354"], SenderIds::Dynamic, false),                      // Iceland
    ("IN", &["91"], SenderIds::Registration, true),                   // India
    ("ID", &["62"], SenderIds::Dynamic, false),                       // Indonesia
    ("IQ", &["964"], SenderIds::Dynamic, false),                      // Iraq
    ("IE", &["353"], SenderIds::Dynamic, true),                       // Ireland
    ("IM", &["441624"], SenderIds::Dynamic, false),                   // Isle of Man
    ("IL", &["972"], SenderIds::Dynamic, true),                       // Israel
    ("IT", &["39"], SenderIds::Dynamic, true),                        // Italy
    ("CI", &["225"], SenderIds::Dynamic, false),                      // Cote d'Ivoire
    ("JM", &["1876"], SenderIds::Dynamic, false),                     // Jamaica
    ("JP", &["81"], SenderIds::Dynamic, true),                        // Japan
    ("JE", &["441534"], SenderIds::Dynamic, true),                    // Jersey
    ("JO", &["962"], SenderIds::Registration, false),                 // Jordan
    ("KZ", &["7"], SenderIds::Dynamic, false),                        // Kazakhstan
    ("KE", &["254"], SenderIds::Dynamic, true),                       // Kenya
    ("XK", &["383"], SenderIds::Dynamic, false),                      // Kosovo
    ("KW", &["965"], SenderIds::Registration, true),                  // Kuwait
    ("KG", &["996"], SenderIds::Dynamic, false),                      // Kyrgyzstan
    ("LA", &["856"], SenderIds::Dynamic, false),                      // Laos
    ("LV", &["371"], SenderIds::Dynamic, true),                       // Latvia
    ("LB", &["961"], SenderIds::Dynamic, false),                      // Lebanon
    ("LS", &["266"], SenderIds::Dynamic, true),                       // Lesotho
    ("LR", &["231"], SenderIds::NotSupported, false),                 // Liberia
    ("LY", &["218"], SenderIds::Dynamic, false),                      // Libya
    ("LI", &["423"], SenderIds::Dynamic, false),                      // Liechtenstein
    ("LT", &["370"], SenderIds::Dynamic, true),                       // Lithuania
    ("LU", &["352"], SenderIds::Dynamic, true),                       // Luxembourg
    ("MO", &["853"], SenderIds::Dynamic, false),                      // Macao
    ("MK", &["389"], SenderIds::Dynamic, true),                       // North Macedonia
    ("MG", &["261"], SenderIds::Dynamic, false),                      // Madagascar
    ("MW", &["265"], SenderIds::Dynamic, true),                       // Malawi
    ("MY", &["60"], SenderIds::NotSupported, true),                   // Malaysia
    ("MV", &["960"], SenderIds::Dynamic, false),                      // Maldives
    ("ML", &["223"], SenderIds::Dynamic, false),                      // Mali
    ("MT", &["356"], SenderIds::Dynamic, true),                       // Malta
    ("MH", &["692"], SenderIds::NotSupported, false),                 // Marshall Islands
    ("MQ", &["596"], SenderIds::Dynamic, false),                      // Martinique
    ("MR", &["222"], SenderIds::Dynamic, false),                      // Mauritania
    ("MU", &["230"], SenderIds::Dynamic, true),                       // Mauritius
    ("YT", &["262"], SenderIds::Dynamic, false),                      // Mayotte
    ("MX", &["52"], SenderIds::NotSupported, true),                   // Mexico
    ("FM", &["691"], SenderIds::NotSupported, false),                 // Micronesia
    ("MD", &["373"], SenderIds::Dynamic, false),                      // Moldova
    ("MC", &["377"], SenderIds::NotSupported, false),                 // Monaco
    ("MN", &["976"], SenderIds::Dynamic, false),                      // Mongolia
    ("ME", &["382"], SenderIds::Dynamic, false),                      // Montenegro
    ("MS", &["1664"], SenderIds::Dynamic, false),                     // Montserrat
    ("MA", &["212"], SenderIds::Dynamic, true),                       // Morocco
    ("MZ", &["258"], SenderIds::NotSupported, false),                 // Mozambique
    ("MM", &["95"], SenderIds::Dynamic, true),                        // Myanmar
    ("NA", &["264"], SenderIds::Dynamic, true),                       // Namibia
    ("NP", &["977"], SenderIds::Dynamic, false),                      // Nepal
    ("NL", &["31"], SenderIds::Dynamic, true),                        // Netherlands
    ("AN", &["599"], SenderIds::Dynamic, false),                      // Netherlands Antilles
    ("NC", &["687"], SenderIds::Dynamic, false),                      // New Caledonia
    ("NZ", &["64"], SenderIds::NotSupported, true),                   // New Zealand (6)
    ("NI", &["505"], SenderIds::NotSupported, false),                 // Nicaragua
    ("NE", &["227"], SenderIds::Dynamic, false),                      // Niger
    ("NG", &["234"], SenderIds::Dynamic, true),                       // Nigeria
    ("NU", &["683"], SenderIds::Dynamic, false),                      // Niue
    ("NO", &["47"], SenderIds::Dynamic, true),                        // Norway
    ("OM", &["968"], SenderIds::Dynamic, false),                      // Oman
    ("PK", &["92"], SenderIds::Dynamic, false),                       // Pakistan
    ("PS", &["970"], SenderIds::Dynamic, false),                      // Palestine
    ("PA", &["507"], SenderIds::Dynamic, true),                       // Panama
    ("PG", &["675"], SenderIds::Dynamic, false),                      // Papua New Guinea
    ("PY", &["595"], SenderIds::NotSupported, false),                 // Paraguay
    ("PE", &["51"], SenderIds::NotSupported, true),                   // Peru
    ("PH", &["63"], SenderIds::Registration, false),                  // Philippines
    ("PL", &["48"], SenderIds::Dynamic, true),                        // Poland
    ("PT", &["351"], SenderIds::Dynamic, true),                       // Portugal
    ("PR", &["1787", "1939"], SenderIds::NotSupported, true),         // Puerto Rico
    ("QA", &["974"], SenderIds::Registration, true),                  // Qatar
    ("CG", &["242"], SenderIds::NotSupported, false),                 // Rep. of Congo
    ("RE", &["262"], SenderIds::Dynamic, false),                      // Reunion
    ("RO", &["40"], SenderIds::Dynamic, true),                        // Romania
    ("RU", &["7"], SenderIds::Registration, true),                    // Russia
    ("RW", &["250"], SenderIds::Dynamic, false),                      // Rwanda
    ("KN", &["1869"], SenderIds::NotSupported, false),                // St Kitts & Nevis
    ("LC", &["1758"], SenderIds::NotSupported, false),                // St Lucia
    ("WS", &["685"], SenderIds::NotSupported, false),                 // Samoa
    ("SM", &["378"], SenderIds::Dynamic, false),                      // San Marino
    ("ST", &["239"], SenderIds::Dynamic, false),                      // Sao Tome & Principe
    ("SA", &["966"], SenderIds::Registration, false),                 // Saudi Arabia
    ("SN", &["221"], SenderIds::Dynamic, false),                      // Senegal
    ("RS", &["381"], SenderIds::Dynamic, true),                       // Serbia
    ("SC", &["248"], SenderIds::Dynamic, false),                      // Seychelles
    ("SL", &["232"], SenderIds::Dynamic, false),                      // Sierra Leone
    ("SG", &["65"], SenderIds::Registration, true),                   // Singapore
    ("SK", &["421"], SenderIds::Dynamic, true),                       // Slovakia
    ("SI", &["386"], SenderIds::Dynamic, false),                      // Slovenia
    ("SB", &["677"], SenderIds::Dynamic, false),                      // Solomon Islands
    ("SO", &["252"], SenderIds::Dynamic, false),                      // Somalia
    ("ZA", &["27"], SenderIds::NotSupported, true),                   // South Africa
    ("KR", &["82"], SenderIds::NotSupported, false),                  // South Korea
    ("SS", &["211"], SenderIds::Dynamic, false),                      // South Sudan
    ("ES", &["34"], SenderIds::Dynamic, true),                        // Spain
    ("LK", &["94"], SenderIds::Registration, true),                   // Sri Lanka
    ("SR", &["597"], SenderIds::Dynamic, false),                      // Suriname
    ("SE", &["46"], SenderIds::Dynamic, true),                        // Sweden
    ("CH", &["41"], SenderIds::Dynamic, false),                       // Switzerland
    ("TW", &["886"], SenderIds::NotSupported, true),                  // Taiwan
    ("TJ", &["992"], SenderIds::Dynamic, false),                      // Tajikistan
    ("TZ", &["255"], SenderIds::Dynamic, true),                       // Tanzania
    ("TH", &["66"], SenderIds::Registration, true),                   // Thailand
    ("TL", &["670"], SenderIds::Dynamic, false),                      // Timor-Leste
    ("TG", &["228"], SenderIds::Dynamic, false),                      // Togo
    ("TO", &["676"], SenderIds::Dynamic, false),                      // Tonga
    ("TT", &["1868"], SenderIds::Dynamic, false),                     // Trinidad & Tobago
    ("TN", &["216"], SenderIds::Dynamic, false),                      // Tunisia
    ("TR", &["90"], SenderIds::Registration, false),                  // Turkey
    ("TM", &["993"], SenderIds::NotSupported, false),                 // Turkmenistan
    ("TC", &["1649"], SenderIds::Dynamic, false),                     // Turks & Caicos
    ("TV", &["688"], SenderIds::Dynamic, false),                      // Tuvalu
    ("UG", &["256"], SenderIds::Dynamic, false),                      // Uganda
    ("UA", &["380"], SenderIds::Dynamic, true),                       // Ukraine
    ("AE", &["971"], SenderIds::Registration, true),                  // UAE
    ("GB", &["44"], SenderIds::Dynamic, true),                        // United Kingdom
    ("US", &["1"], SenderIds::NotSupported, true),                    // United States
    ("UY", &["598"], SenderIds::NotSupported, true),                  // Uruguay
    ("UZ", &["998"], SenderIds::Dynamic, false),                      // Uzbekistan
    ("VU", &["678"], SenderIds::Dynamic, false),                      // Vanuatu
    ("VE", &["58"], SenderIds::NotSupported, false),                  // Venezuela
    ("VN", &["84"], SenderIds::Registration, false),                  // Vietnam
    ("VG", &["1284"], SenderIds::Dynamic, false),                     // British Virgin Is.
    ("VI", &["1340"], SenderIds::NotSupported, true),                 // US Virgin Is.
    ("YE", &["967"], SenderIds::Dynamic, false),                      // Yemen
    ("ZM", &["260"], SenderIds::Dynamic, false),                      // Zambia
    ("ZW", &["263"], SenderIds::Dynamic, false),                      // Zimbabwe
];

fn row(iso: &str) -> Option<&'static Row> {
    COUNTRIES.iter().find(|(code, ..)| *code == iso)
}

/// Whether the guide's table lists the country.
pub(crate) fn is_known(iso: &str) -> bool {
    row(iso).is_some()
}

pub(crate) fn sender_ids(iso: &str) -> Option<SenderIds> {
    row(iso).map(|(_, _, rule, _)| *rule)
}

pub(crate) fn two_way(iso: &str) -> bool {
    row(iso).is_some_and(|(.., two_way)| *two_way)
}

/// Whether an E.164 number (`+` and digits) starts with one of the country's dialling prefixes.
/// Prefixes are shared (+1 by the NANP countries, +7 by Russia and Kazakhstan), so this tells a
/// number that cannot be in the country, not which country a number is in.
pub(crate) fn dials(iso: &str, number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or(number);
    row(iso).is_some_and(|(_, prefixes, ..)| prefixes.iter().any(|prefix| digits.starts_with(prefix)))
}

/// The number without the country's longest matching dialling prefix (`+12065550100` in the US:
/// `2065550100`), what digit-pattern preferences are matched against.
pub(crate) fn national_number<'a>(iso: &str, number: &'a str) -> &'a str {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let prefix = row(iso)
        .and_then(|(_, prefixes, ..)| prefixes.iter().filter(|p| digits.starts_with(*p)).max_by_key(|p| p.len()))
        .map_or(0, |p| p.len());
    digits.get(prefix..).unwrap_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_answers_per_country() {
        assert_eq!(sender_ids("GB"), Some(SenderIds::Dynamic));
        assert_eq!(sender_ids("IN"), Some(SenderIds::Registration));
        assert_eq!(sender_ids("SG"), Some(SenderIds::Registration));
        assert_eq!(sender_ids("US"), Some(SenderIds::NotSupported));
        assert_eq!(sender_ids("CN"), Some(SenderIds::NotSupported));
        assert_eq!(sender_ids("ZZ"), None);
        assert!(two_way("US") && !two_way("TR"));
        assert!(dials("US", "+12065550100") && dials("PR", "+17875550100") && !dials("GB", "+12065550100"));
        assert_eq!(national_number("US", "+12065550100"), "2065550100");
        assert_eq!(national_number("ZZ", "+12065550100"), "12065550100");
        assert!(is_known("TV") && is_known("XK") && !is_known("XV"));
    }

    #[test]
    fn one_row_per_country() {
        let mut codes: Vec<&str> = COUNTRIES.iter().map(|(iso, ..)| *iso).collect();
        let total = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), total);
    }
}
