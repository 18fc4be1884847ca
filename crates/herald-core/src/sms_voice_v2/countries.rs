//! The destination countries protect configurations rule on: the SMS guide's country table
//! (ISO code and dialling prefixes), and the country an E.164 number dials.
//!
//! Departures from the guide's table, where it is plainly wrong: Tuvalu (688) is printed as a
//! second "TC", Jersey's prefix as 44-1434 (it is 44-1534) and Kosovo as "XV" (the code in use is
//! XK). Kazakhstan and Mayotte share +7 and +262 with Russia and Réunion, so they carry their
//! narrower prefixes.

/// ISO 3166-1 alpha-2 code and the dialling prefixes (digits only) of each country.
const COUNTRIES: &[(&str, &[&str])] = &[
    ("AF", &["93"]),                   // Afghanistan
    ("AL", &["355"]),                  // Albania
    ("DZ", &["213"]),                  // Algeria
    ("AD", &["376"]),                  // Andorra
    ("AO", &["244"]),                  // Angola
    ("AI", &["1264"]),                 // Anguilla
    ("AG", &["1268"]),                 // Antigua & Barbuda
    ("AR", &["54"]),                   // Argentina
    ("AM", &["374"]),                  // Armenia
    ("AW", &["297"]),                  // Aruba
    ("AU", &["61"]),                   // Australia
    ("AT", &["43"]),                   // Austria
    ("AZ", &["994"]),                  // Azerbaijan
    ("BS", &["1242"]),                 // Bahamas
    ("BH", &["973"]),                  // Bahrain
    ("BD", &["880"]),                  // Bangladesh
    ("BB", &["1246"]),                 // Barbados
    ("BY", &["375"]),                  // Belarus
    ("BE", &["32"]),                   // Belgium
    ("BZ", &["501"]),                  // Belize
    ("BM", &["1441"]),                 // Bermuda
    ("BT", &["975"]),                  // Bhutan
    ("BO", &["591"]),                  // Bolivia
    ("BA", &["387"]),                  // Bosnia & Herzegovina
    ("BW", &["267"]),                  // Botswana
    ("BR", &["55"]),                   // Brazil
    ("BN", &["673"]),                  // Brunei
    ("BG", &["359"]),                  // Bulgaria
    ("BF", &["226"]),                  // Burkina Faso
    ("BI", &["257"]),                  // Burundi
    ("KH", &["855"]),                  // Cambodia
    ("CM", &["237"]),                  // Cameroon
    ("CA", &["1"]),                    // Canada
    ("CV", &["238"]),                  // Cape Verde
    ("KY", &["1345"]),                 // Cayman Islands
    ("CF", &["236"]),                  // Central African Rep.
    ("TD", &["235"]),                  // Chad
    ("CL", &["56"]),                   // Chile
    ("CN", &["86"]),                   // China
    ("CO", &["57"]),                   // Colombia
    ("KM", &["269"]),                  // Comoros
    ("CK", &["682"]),                  // Cook Islands
    ("CR", &["506"]),                  // Costa Rica
    ("HR", &["385"]),                  // Croatia
    ("CY", &["357"]),                  // Cyprus
    ("CZ", &["420"]),                  // Czechia
    ("CD", &["243"]),                  // DR Congo
    ("DK", &["45"]),                   // Denmark
    ("DJ", &["253"]),                  // Djibouti
    ("DM", &["1767"]),                 // Dominica
    ("DO", &["1809", "1829", "1849"]), // Dominican Rep.
    ("EC", &["593"]),                  // Ecuador
    ("EG", &["20"]),                   // Egypt
    ("SV", &["503"]),                  // El Salvador
    ("GQ", &["240"]),                  // Equatorial Guinea
    ("ER", &["291"]),                  // Eritrea
    ("EE", &["372"]),                  // Estonia
    ("SZ", &["268"]),                  // Eswatini
    ("ET", &["251"]),                  // Ethiopia
    ("FO", &["298"]),                  // Faroe Islands
    ("FJ", &["679"]),                  // Fiji
    ("FI", &["358"]),                  // Finland
    ("FR", &["33"]),                   // France
    ("GF", &["594"]),                  // French Guiana
    ("PF", &["689"]),                  // French Polynesia
    ("GA", &["241"]),                  // Gabon
    ("GM", &["220"]),                  // Gambia
    ("GE", &["995"]),                  // Georgia
    ("DE", &["49"]),                   // Germany
    ("GH", &["233"]),                  // Ghana
    ("GI", &["350"]),                  // Gibraltar
    ("GR", &["30"]),                   // Greece
    ("GL", &["299"]),                  // Greenland
    ("GD", &["1473"]),                 // Grenada
    ("GP", &["590"]),                  // Guadeloupe
    ("GU", &["1671"]),                 // Guam
    ("GT", &["502"]),                  // Guatemala
    ("GG", &["441481"]),               // Guernsey
    ("GN", &["224"]),                  // Guinea
    ("GW", &["245"]),                  // Guinea-Bissau
    ("GY", &["592"]),                  // Guyana
    ("HT", &["509"]),                  // Haiti
    ("HN", &["504"]),                  // Honduras
    ("HK", &["852"]),                  // Hong Kong
    ("HU", &["36"]),                   // Hungary
    ("IS", &["354"]),                  // Iceland
    ("IN", &["91"]),                   // India
    ("ID", &["62"]),                   // Indonesia
    ("IQ", &["964"]),                  // Iraq
    ("IE", &["353"]),                  // Ireland
    ("IM", &["441624"]),               // Isle of Man
    ("IL", &["972"]),                  // Israel
    ("IT", &["39"]),                   // Italy
    ("CI", &["225"]),                  // Cote d'Ivoire
    ("JM", &["1876"]),                 // Jamaica
    ("JP", &["81"]),                   // Japan
    ("JE", &["441534"]),               // Jersey
    ("JO", &["962"]),                  // Jordan
    ("KZ", &["76", "77"]),             // Kazakhstan
    ("KE", &["254"]),                  // Kenya
    ("XK", &["383"]),                  // Kosovo
    ("KW", &["965"]),                  // Kuwait
    ("KG", &["996"]),                  // Kyrgyzstan
    ("LA", &["856"]),                  // Laos
    ("LV", &["371"]),                  // Latvia
    ("LB", &["961"]),                  // Lebanon
    ("LS", &["266"]),                  // Lesotho
    ("LR", &["231"]),                  // Liberia
    ("LY", &["218"]),                  // Libya
    ("LI", &["423"]),                  // Liechtenstein
    ("LT", &["370"]),                  // Lithuania
    ("LU", &["352"]),                  // Luxembourg
    ("MO", &["853"]),                  // Macao
    ("MK", &["389"]),                  // North Macedonia
    ("MG", &["261"]),                  // Madagascar
    ("MW", &["265"]),                  // Malawi
    ("MY", &["60"]),                   // Malaysia
    ("MV", &["960"]),                  // Maldives
    ("ML", &["223"]),                  // Mali
    ("MT", &["356"]),                  // Malta
    ("MH", &["692"]),                  // Marshall Islands
    ("MQ", &["596"]),                  // Martinique
    ("MR", &["222"]),                  // Mauritania
    ("MU", &["230"]),                  // Mauritius
    ("YT", &["262269", "262639"]),     // Mayotte
    ("MX", &["52"]),                   // Mexico
    ("FM", &["691"]),                  // Micronesia
    ("MD", &["373"]),                  // Moldova
    ("MC", &["377"]),                  // Monaco
    ("MN", &["976"]),                  // Mongolia
    ("ME", &["382"]),                  // Montenegro
    ("MS", &["1664"]),                 // Montserrat
    ("MA", &["212"]),                  // Morocco
    ("MZ", &["258"]),                  // Mozambique
    ("MM", &["95"]),                   // Myanmar
    ("NA", &["264"]),                  // Namibia
    ("NP", &["977"]),                  // Nepal
    ("NL", &["31"]),                   // Netherlands
    ("AN", &["599"]),                  // Netherlands Antilles
    ("NC", &["687"]),                  // New Caledonia
    ("NZ", &["64"]),                   // New Zealand (6)
    ("NI", &["505"]),                  // Nicaragua
    ("NE", &["227"]),                  // Niger
    ("NG", &["234"]),                  // Nigeria
    ("NU", &["683"]),                  // Niue
    ("NO", &["47"]),                   // Norway
    ("OM", &["968"]),                  // Oman
    ("PK", &["92"]),                   // Pakistan
    ("PS", &["970"]),                  // Palestine
    ("PA", &["507"]),                  // Panama
    ("PG", &["675"]),                  // Papua New Guinea
    ("PY", &["595"]),                  // Paraguay
    ("PE", &["51"]),                   // Peru
    ("PH", &["63"]),                   // Philippines
    ("PL", &["48"]),                   // Poland
    ("PT", &["351"]),                  // Portugal
    ("PR", &["1787", "1939"]),         // Puerto Rico
    ("QA", &["974"]),                  // Qatar
    ("CG", &["242"]),                  // Rep. of Congo
    ("RE", &["262"]),                  // Reunion
    ("RO", &["40"]),                   // Romania
    ("RU", &["7"]),                    // Russia
    ("RW", &["250"]),                  // Rwanda
    ("KN", &["1869"]),                 // St Kitts & Nevis
    ("LC", &["1758"]),                 // St Lucia
    ("WS", &["685"]),                  // Samoa
    ("SM", &["378"]),                  // San Marino
    ("ST", &["239"]),                  // Sao Tome & Principe
    ("SA", &["966"]),                  // Saudi Arabia
    ("SN", &["221"]),                  // Senegal
    ("RS", &["381"]),                  // Serbia
    ("SC", &["248"]),                  // Seychelles
    ("SL", &["232"]),                  // Sierra Leone
    ("SG", &["65"]),                   // Singapore
    ("SK", &["421"]),                  // Slovakia
    ("SI", &["386"]),                  // Slovenia
    ("SB", &["677"]),                  // Solomon Islands
    ("SO", &["252"]),                  // Somalia
    ("ZA", &["27"]),                   // South Africa
    ("KR", &["82"]),                   // South Korea
    ("SS", &["211"]),                  // South Sudan
    ("ES", &["34"]),                   // Spain
    ("LK", &["94"]),                   // Sri Lanka
    ("SR", &["597"]),                  // Suriname
    ("SE", &["46"]),                   // Sweden
    ("CH", &["41"]),                   // Switzerland
    ("TW", &["886"]),                  // Taiwan
    ("TJ", &["992"]),                  // Tajikistan
    ("TZ", &["255"]),                  // Tanzania
    ("TH", &["66"]),                   // Thailand
    ("TL", &["670"]),                  // Timor-Leste
    ("TG", &["228"]),                  // Togo
    ("TO", &["676"]),                  // Tonga
    ("TT", &["1868"]),                 // Trinidad & Tobago
    ("TN", &["216"]),                  // Tunisia
    ("TR", &["90"]),                   // Turkey
    ("TM", &["993"]),                  // Turkmenistan
    ("TC", &["1649"]),                 // Turks & Caicos
    ("TV", &["688"]),                  // Tuvalu
    ("UG", &["256"]),                  // Uganda
    ("UA", &["380"]),                  // Ukraine
    ("AE", &["971"]),                  // UAE
    ("GB", &["44"]),                   // United Kingdom
    ("US", &["1"]),                    // United States
    ("UY", &["598"]),                  // Uruguay
    ("UZ", &["998"]),                  // Uzbekistan
    ("VU", &["678"]),                  // Vanuatu
    ("VE", &["58"]),                   // Venezuela
    ("VN", &["84"]),                   // Vietnam
    ("VG", &["1284"]),                 // British Virgin Is.
    ("VI", &["1340"]),                 // US Virgin Is.
    ("YE", &["967"]),                  // Yemen
    ("ZM", &["260"]),                  // Zambia
    ("ZW", &["263"]),                  // Zimbabwe
];

/// Canadian area codes: +1 numbers are US unless their area code is one of these or a
/// Caribbean NANP prefix listed above.
const CANADIAN_AREA_CODES: &[&str] = &[
    "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367", "368", "382", "387",
    "403", "416", "418", "428", "431", "437", "438", "450", "460", "468", "474", "506", "514", "519", "548", "579",
    "581", "584", "587", "600", "604", "613", "639", "647", "672", "683", "705", "709", "742", "753", "778", "780",
    "782", "807", "819", "825", "867", "873", "879", "902", "905",
];

/// Every country code, in the table's order.
pub fn all() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|(iso, _)| *iso)
}

pub fn is_known(iso: &str) -> bool {
    COUNTRIES.iter().any(|(code, _)| *code == iso)
}

/// The country an E.164 number (with or without `+`) belongs to: the longest matching prefix.
pub fn of_number(number: &str) -> Option<&'static str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (iso, prefix) = COUNTRIES
        .iter()
        .flat_map(|(iso, prefixes)| prefixes.iter().map(move |prefix| (*iso, *prefix)))
        .filter(|(_, prefix)| digits.starts_with(prefix))
        .max_by_key(|(_, prefix)| prefix.len())?;
    if prefix == "1" {
        let area = digits.get(1..4).unwrap_or_default();
        return Some(if CANADIAN_AREA_CODES.contains(&area) { "CA" } else { "US" });
    }
    Some(iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_resolve_to_their_country() {
        assert_eq!(of_number("+12065550100"), Some("US"));
        assert_eq!(of_number("+14165550100"), Some("CA"));
        assert_eq!(of_number("+12645550100"), Some("AI"));
        assert_eq!(of_number("+17875550100"), Some("PR"));
        assert_eq!(of_number("+447700900123"), Some("GB"));
        assert_eq!(of_number("+441534123456"), Some("JE"));
        assert_eq!(of_number("+79161234567"), Some("RU"));
        assert_eq!(of_number("+77011234567"), Some("KZ"));
        assert_eq!(of_number("919876543210"), Some("IN"));
        assert_eq!(of_number("+"), None);
        assert_eq!(of_number("+44abc"), None);
    }

    #[test]
    fn the_table_has_one_row_per_country() {
        let codes: Vec<&str> = all().collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(codes.len(), unique.len());
        assert!(codes.len() <= 300, "a rule set answers at most 300 countries");
        assert!(is_known("GB") && is_known("TV") && !is_known("ZZ"));
    }
}
