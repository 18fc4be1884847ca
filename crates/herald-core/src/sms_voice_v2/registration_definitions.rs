//! The registration forms Herald offers, as data: every registration type the SMS user guide
//! documents (US toll-free, US 10DLC brand, brand vetting and campaign, Singapore and India sender
//! IDs, China message templates), with its sections, fields, validation rules and the origination
//! identities it can be associated with. The facts (required fields, choices, lengths, file types
//! and sizes) come from the guide; the wording is ours. Where the guide names a field without its
//! choices or limits (monthly volumes, verticals, stock exchanges, most text lengths) the values
//! here are Herald's own.
//!
//! `DescribeRegistrationTypeDefinitions`, `...SectionDefinitions` and `...FieldDefinitions` answer
//! from this table, and field values are checked against it (`registration_validation.rs`).

use herald_api::sms_voice_v2::types::{RegistrationAssociationBehavior, RegistrationDisassociationBehavior};

/// One registration form.
pub struct TypeDef {
    pub name: &'static str,
    pub title: &'static str,
    pub short_description: &'static str,
    pub long_description: &'static str,
    /// The origination identities a registration of this type can be associated with.
    pub associations: &'static [AssociationDef],
    /// At most this many origination identities on one registration of this type.
    pub max_associations: Option<usize>,
    pub sections: &'static [SectionDef],
}

/// Which identities a registration type covers, and when they join and leave it.
pub struct AssociationDef {
    /// `TOLL_FREE` or `TEN_DLC` (a phone number's NumberType) or `SENDER_ID`.
    pub resource_type: &'static str,
    pub iso_country_code: &'static str,
    pub association: RegistrationAssociationBehavior,
    pub disassociation: RegistrationDisassociationBehavior,
}

pub struct SectionDef {
    pub path: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub fields: &'static [FieldDef],
}

pub struct FieldDef {
    /// The field's name within its section; its FieldPath is `<section>.<name>`.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub example: Option<&'static str>,
    pub kind: FieldKind,
    pub requirement: Requirement,
}

pub enum FieldKind {
    Select {
        min: u32,
        max: u32,
        options: &'static [Choice],
    },
    Text {
        min: u32,
        max: u32,
        format: TextFormat,
    },
    /// The file types the field takes, each with its own size limit in bytes.
    Attachment {
        formats: &'static [(FileFormat, u64)],
    },
}

/// A select option: its value, a title and what it means (may be empty).
pub struct Choice(pub &'static str, pub &'static str, pub &'static str);

/// What a text value must look like. Each format is shown to clients as a regular expression
/// and checked by hand (herald-core has no regex engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    Free,
    /// Free text that must not carry public URL shorteners (10DLC message samples).
    NoPublicShortener,
    Email,
    /// `+` and digits only: no spaces, hyphens or parentheses.
    E164,
    /// Starts with `http://` or `https://`.
    HttpUrl,
    IsoCountry,
    /// A US Employer Identification Number: 9 digits.
    UsEin,
    /// A Singapore Unique Entity Number: 8 or 9 digits and a letter, or the T/S/R form.
    Uen,
    /// Letters, digits and hyphens, with at least one letter.
    SenderId,
    /// Letters and digits only.
    Alphanumeric,
    Digits,
    Letters,
    /// The id of a registration of the given type in the same account.
    RegistrationOf(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Png,
    Jpeg,
    Gif,
    Pdf,
}

pub enum Requirement {
    Required,
    Optional,
    /// Resolved from other fields' values: the first rule whose conditions all hold decides,
    /// otherwise `default`.
    Conditional {
        rules: &'static [Rule],
        default: Behavior,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    Required,
    Optional,
    Disallowed,
}

pub struct Rule {
    pub conditions: &'static [Condition],
    pub behavior: Behavior,
    /// Validation that replaces the field's own while the rule applies.
    pub format: Option<TextFormat>,
    pub allowed_values: Option<&'static [&'static str]>,
}

pub struct Condition {
    /// The full FieldPath of the field this condition reads.
    pub field: &'static str,
    pub operator: Operator,
    pub values: &'static [&'static str],
}

/// The model's condition operators the forms use (it also has IN, NOT_IN and NO_VALUE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    HasValue,
}

impl Behavior {
    pub const fn as_str(self) -> &'static str {
        match self {
            Behavior::Required => "REQUIRED",
            Behavior::Optional => "OPTIONAL",
            Behavior::Disallowed => "DISALLOWED",
        }
    }
}

impl Operator {
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT_EQUALS",
            Operator::HasValue => "HAS_VALUE",
        }
    }
}

impl FileFormat {
    pub const fn name(self) -> &'static str {
        match self {
            FileFormat::Png => "PNG",
            FileFormat::Jpeg => "JPEG",
            FileFormat::Gif => "GIF",
            FileFormat::Pdf => "PDF",
        }
    }
}

/// Every registration type, in the order DescribeRegistrationTypeDefinitions lists them.
pub static REGISTRATION_TYPES: &[TypeDef] = &[
    US_TOLL_FREE,
    US_TEN_DLC_BRAND,
    US_TEN_DLC_BRAND_VETTING,
    US_TEN_DLC_CAMPAIGN,
    SG_SENDER_ID,
    IN_SENDER_ID,
    CN_SMS_TEMPLATE,
];

pub const US_TEN_DLC_BRAND_TYPE: &str = "US_TEN_DLC_BRAND_REGISTRATION";
pub const US_TEN_DLC_CAMPAIGN_TYPE: &str = "US_TEN_DLC_CAMPAIGN_REGISTRATION";

/// The field of vetting and campaign forms naming the brand they belong to.
pub const BRAND_REFERENCE_FIELD: &str = "brandRegistrationId";

pub fn registration_type(name: &str) -> Option<&'static TypeDef> {
    REGISTRATION_TYPES.iter().find(|t| t.name == name)
}

impl TypeDef {
    pub fn section(&self, path: &str) -> Option<&'static SectionDef> {
        self.sections.iter().find(|s| s.path == path)
    }

    /// The field at `<section>.<name>`, with its section.
    pub fn field(&self, path: &str) -> Option<(&'static SectionDef, &'static FieldDef)> {
        let (section, name) = path.split_once('.')?;
        let section = self.section(section)?;
        section.fields.iter().find(|f| f.name == name).map(|f| (section, f))
    }

    /// Every field with its full path, in form order.
    pub fn fields(&self) -> impl Iterator<Item = (String, &'static SectionDef, &'static FieldDef)> + '_ {
        self.sections.iter().flat_map(|section| {
            section.fields.iter().map(move |f| (format!("{}.{}", section.path, f.name), section, f))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

const fn field(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    kind: FieldKind,
    requirement: Requirement,
) -> FieldDef {
    FieldDef { name, title, description, example: None, kind, requirement }
}

impl FieldDef {
    const fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }
}

const fn text(min: u32, max: u32, format: TextFormat) -> FieldKind {
    FieldKind::Text { min, max, format }
}

const fn select(min: u32, max: u32, options: &'static [Choice]) -> FieldKind {
    FieldKind::Select { min, max, options }
}

const fn one_of(options: &'static [Choice]) -> FieldKind {
    FieldKind::Select { min: 1, max: 1, options }
}

const REQUIRED: Requirement = Requirement::Required;
const OPTIONAL: Requirement = Requirement::Optional;

/// Optional unless one of `rules` applies.
const fn optional_unless(rules: &'static [Rule]) -> Requirement {
    Requirement::Conditional { rules, default: Behavior::Optional }
}

/// Required when all `conditions` hold.
const fn required_if(conditions: &'static [Condition]) -> Rule {
    Rule { conditions, behavior: Behavior::Required, format: None, allowed_values: None }
}

const fn equals(field: &'static str, values: &'static [&'static str]) -> Condition {
    Condition { field, operator: Operator::Equals, values }
}

const YES_NO: &[Choice] = &[Choice("YES", "Yes", ""), Choice("NO", "No", "")];

/// The guide gives no volume choices; these brackets are Herald's.
const MONTHLY_VOLUMES: &[Choice] = &[
    Choice("10", "Up to 10", ""),
    Choice("100", "Up to 100", ""),
    Choice("1,000", "Up to 1,000", ""),
    Choice("10,000", "Up to 10,000", ""),
    Choice("100,000", "Up to 100,000", ""),
    Choice("250,000", "Up to 250,000", ""),
    Choice("500,000", "Up to 500,000", ""),
    Choice("750,000", "Up to 750,000", ""),
    Choice("1,000,000", "Up to 1,000,000", ""),
    Choice("5,000,000", "Up to 5,000,000", ""),
    Choice("10,000,000+", "More than 5,000,000", ""),
];

/// The seven use case categories of the toll-free and Singapore forms.
const USE_CASE_CATEGORIES: &[Choice] = &[
    Choice("TWO_FACTOR_AUTHENTICATION", "Two-factor authentication", "Codes that confirm a sign-in."),
    Choice("ONE_TIME_PASSWORDS", "One-time passwords", "Single-use passwords."),
    Choice("NOTIFICATIONS", "Notifications", "Alerts and reminders the recipient asked for."),
    Choice("POLLING_AND_SURVEYS", "Polling and surveys", "Questions the recipient answers."),
    Choice("INFO_ON_DEMAND", "Info on demand", "Information sent when the recipient asks for it."),
    Choice("PROMOTIONS_AND_MARKETING", "Promotions and marketing", "Offers and marketing messages."),
    Choice("OTHER", "Other", "Anything else; describe it in the use case details."),
];

/// Industry categories of the 10DLC forms; the guide names the field only.
const VERTICALS: &[Choice] = &[
    Choice("AGRICULTURE", "Agriculture", ""),
    Choice("COMMUNICATION", "Communication and media", ""),
    Choice("CONSTRUCTION", "Construction and materials", ""),
    Choice("EDUCATION", "Education", ""),
    Choice("ENERGY", "Energy and utilities", ""),
    Choice("ENTERTAINMENT", "Entertainment", ""),
    Choice("FINANCIAL", "Financial services", ""),
    Choice("GAMBLING", "Gambling and lottery", ""),
    Choice("GOVERNMENT", "Government", ""),
    Choice("HEALTHCARE", "Healthcare and life sciences", ""),
    Choice("HOSPITALITY", "Hospitality and travel", ""),
    Choice("HUMAN_RESOURCES", "Human resources and staffing", ""),
    Choice("INSURANCE", "Insurance", ""),
    Choice("LEGAL", "Legal", ""),
    Choice("MANUFACTURING", "Manufacturing", ""),
    Choice("NGO", "Non-governmental organisation", ""),
    Choice("POLITICAL", "Political", ""),
    Choice("POSTAL", "Postal and delivery", ""),
    Choice("PROFESSIONAL", "Professional services", ""),
    Choice("REAL_ESTATE", "Real estate", ""),
    Choice("RETAIL", "Retail and consumer products", ""),
    Choice("TECHNOLOGY", "Information technology", ""),
    Choice("TRANSPORTATION", "Transportation and logistics", ""),
];

// Company and contact blocks shared by the toll-free and Singapore forms.
const COMPANY_NAME: FieldDef = field(
    "companyName",
    "Company name",
    "The registered name of the company.",
    text(1, 100, TextFormat::Free),
    REQUIRED,
)
.example("Example Corp");
const COMPANY_WEBSITE: FieldDef = field(
    "website",
    "Company website",
    "The company's public website, starting with http:// or https://.",
    text(1, 255, TextFormat::HttpUrl),
    REQUIRED,
)
.example("https://www.example.com");
const ADDRESS1: FieldDef = field("address1", "Address 1", "Street address.", text(1, 100, TextFormat::Free), REQUIRED)
    .example("123 Any Street");
const ADDRESS2: FieldDef =
    field("address2", "Address 2", "Suite, room or floor.", text(1, 100, TextFormat::Free), OPTIONAL)
        .example("Suite 100");
const CITY: FieldDef = field("city", "City", "City.", text(1, 100, TextFormat::Free), REQUIRED).example("Seattle");
const STATE: FieldDef =
    field("state", "State or province", "State, province or region.", text(1, 100, TextFormat::Free), REQUIRED)
        .example("WA");
const ZIP_CODE: FieldDef =
    field("zipCode", "ZIP or postal code", "ZIP or postal code.", text(1, 20, TextFormat::Free), REQUIRED)
        .example("98101");
const COUNTRY: FieldDef = field(
    "isoCountryCode",
    "Country",
    "The country, as a two-letter ISO 3166-1 code.",
    text(2, 2, TextFormat::IsoCountry),
    REQUIRED,
)
.example("US");

const FIRST_NAME: FieldDef =
    field("firstName", "First name", "Contact's first name.", text(1, 100, TextFormat::Free), REQUIRED).example("Jane");
const LAST_NAME: FieldDef =
    field("lastName", "Last name", "Contact's last name.", text(1, 100, TextFormat::Free), REQUIRED).example("Doe");
const SUPPORT_EMAIL: FieldDef = field(
    "supportEmail",
    "Support email",
    "Where recipients and reviewers reach the company.",
    text(3, 100, TextFormat::Email),
    REQUIRED,
)
.example("support@example.com");
const SUPPORT_PHONE: FieldDef = field(
    "supportPhoneNumber",
    "Support phone number",
    "In E.164 form: a plus sign and digits only, with no spaces, hyphens or parentheses.",
    text(3, 16, TextFormat::E164),
    REQUIRED,
)
.example("+12065550142");

const CONTACT_INFO: SectionDef = SectionDef {
    path: "contactInfo",
    title: "Contact information",
    description: "The person reviewers and recipients can reach.",
    fields: &[FIRST_NAME, LAST_NAME, SUPPORT_EMAIL, SUPPORT_PHONE],
};

const MONTHLY_VOLUME: FieldDef = field(
    "monthlyMessageVolume",
    "Monthly SMS volume",
    "How many messages you expect to send in a month.",
    one_of(MONTHLY_VOLUMES),
    REQUIRED,
);
const USE_CASE_CATEGORY: FieldDef = field(
    "useCaseCategory",
    "Use case category",
    "What the messages are for. Choosing Other requires use case details.",
    one_of(USE_CASE_CATEGORIES),
    REQUIRED,
);
const USE_CASE_DETAILS: FieldDef = field(
    "useCaseDetails",
    "Use case details",
    "A description of the messages you send; required when the category is Other.",
    text(1, 500, TextFormat::Free),
    optional_unless(&[required_if(&[equals("messagingUseCase.useCaseCategory", &["OTHER"])])]),
);

const fn message_sample(name: &'static str, title: &'static str, requirement: Requirement) -> FieldDef {
    field(name, title, "A message exactly as recipients will receive it.", text(1, 1024, TextFormat::Free), requirement)
}

const MESSAGE_SAMPLES: SectionDef = SectionDef {
    path: "messageSamples",
    title: "Message samples",
    description: "Examples of the messages you send. The first sample is required.",
    fields: &[
        message_sample("messageSample1", "Message sample 1", REQUIRED)
            .example("Your Example Corp verification code is 123456."),
        message_sample("messageSample2", "Message sample 2", OPTIONAL),
        message_sample("messageSample3", "Message sample 3", OPTIONAL),
    ],
};

/// Opt-in images and letters of authorization: PNG only, at most 400 KB.
const PNG_400_KB: &[(FileFormat, u64)] = &[(FileFormat::Png, 400 * KB)];

// ---------------------------------------------------------------------------------------------
// US toll-free number registration.

const US_TOLL_FREE: TypeDef = TypeDef {
    name: "US_TOLL_FREE_REGISTRATION",
    title: "US toll-free number registration",
    short_description: "Registers the company and use case behind one US toll-free number.",
    long_description: "A toll-free number (888, 877, 866, 855, 844 or 833) must be registered before it can send. \
        It reaches recipients in the US and its territories (PR, VI, GU, AS) only, at 3 message parts per second, \
        for SMS, MMS and voice. Each number serves one business and one use case: using it for another gets it \
        revoked. Review takes up to 15 business days.",
    associations: &[AssociationDef {
        resource_type: "TOLL_FREE",
        iso_country_code: "US",
        association: RegistrationAssociationBehavior::AssociateBeforeSubmit,
        disassociation: RegistrationDisassociationBehavior::DisassociateAllClosesRegistration,
    }],
    max_associations: Some(1),
    sections: &[
        SectionDef {
            path: "companyInfo",
            title: "Company information",
            description: "The company that sends the messages.",
            fields: &[COMPANY_NAME, COMPANY_WEBSITE, ADDRESS1, ADDRESS2, CITY, STATE, ZIP_CODE, COUNTRY],
        },
        CONTACT_INFO,
        SectionDef {
            path: "messagingUseCase",
            title: "Messaging use case",
            description: "What you send, how much, and how recipients agree to receive it.",
            fields: &[
                MONTHLY_VOLUME,
                USE_CASE_CATEGORY,
                USE_CASE_DETAILS,
                field(
                    "optInDescription",
                    "Opt-in workflow description",
                    "How recipients agree to receive your messages.",
                    text(1, 500, TextFormat::Free),
                    REQUIRED,
                ),
                field(
                    "optInImage",
                    "Opt-in workflow image",
                    "Evidence of the opt-in: a web form mock-up or screenshot, where the number is published, \
                     keyword or QR code placement, a 2FA/OTP mock-up or verbal script, or a verbal consent flow.",
                    FieldKind::Attachment { formats: PNG_400_KB },
                    REQUIRED,
                ),
            ],
        },
        MESSAGE_SAMPLES,
    ],
};

// ---------------------------------------------------------------------------------------------
// US 10DLC brand registration.

const ORGANIZATION_FORMS: &[Choice] = &[
    Choice(
        "PRIVATE_PROFIT",
        "Private for-profit",
        "Also the only choice for organisations headquartered outside the US.",
    ),
    Choice("PUBLIC_PROFIT", "Public for-profit", "Requires the stock symbol and stock exchange."),
    Choice("NON_PROFIT", "Not-for-profit", "US-headquartered organisations only."),
    Choice("GOVERNMENT", "US government", "US-headquartered organisations only."),
];

/// The guide does not list the exchanges; these are Herald's.
const STOCK_EXCHANGES: &[Choice] = &[
    Choice("NASDAQ", "Nasdaq", ""),
    Choice("NYSE", "New York Stock Exchange", ""),
    Choice("AMEX", "NYSE American", ""),
    Choice("TSX", "Toronto Stock Exchange", ""),
    Choice("LON", "London Stock Exchange", ""),
    Choice("FRA", "Frankfurt Stock Exchange", ""),
    Choice("JPX", "Japan Exchange Group", ""),
    Choice("SEHK", "Hong Kong Stock Exchange", ""),
    Choice("SSE", "Shanghai Stock Exchange", ""),
    Choice("NSE", "National Stock Exchange of India", ""),
    Choice("ASX", "Australian Securities Exchange", ""),
    Choice("OTHER", "Other", ""),
];

const PUBLIC_COMPANY: &[Rule] = &[required_if(&[equals("companyInfo.legalOrganizationForm", &["PUBLIC_PROFIT"])])];

const US_TEN_DLC_BRAND: TypeDef = TypeDef {
    name: US_TEN_DLC_BRAND_TYPE,
    title: "US 10DLC brand registration",
    short_description: "Registers your company with The Campaign Registry, once per account and region.",
    long_description: "The brand is the company behind 10DLC campaigns. Register it before any campaign; after \
        approval you can apply for brand vetting or register campaigns directly. The legal name, tax ID and \
        address must match the tax authority's records.",
    associations: &[],
    max_associations: Some(0),
    sections: &[
        SectionDef {
            path: "companyInfo",
            title: "Brand registration information",
            description: "The legal identity of the company and its physical address.",
            fields: &[
                field(
                    "legalCompanyName",
                    "Legal company name",
                    "Exactly the name registered with the tax ID.",
                    text(1, 255, TextFormat::Free),
                    REQUIRED,
                )
                .example("Example Corp LLC"),
                field(
                    "taxIdIssuingCountry",
                    "Tax registration country",
                    "The country that issued the tax ID, as a two-letter ISO 3166-1 code.",
                    text(2, 2, TextFormat::IsoCountry),
                    REQUIRED,
                )
                .example("US"),
                field(
                    "taxId",
                    "Tax ID or business registration number",
                    "US entities and others with an IRS EIN: the 9-digit EIN. Canada: the federal or provincial \
                     corporation number, not the CRA Business Number. Elsewhere: the primary tax number, often \
                     the digits of the VAT ID.",
                    text(1, 21, TextFormat::Alphanumeric),
                    Requirement::Conditional {
                        rules: &[Rule {
                            conditions: &[equals("companyInfo.taxIdIssuingCountry", &["US"])],
                            behavior: Behavior::Required,
                            format: Some(TextFormat::UsEin),
                            allowed_values: None,
                        }],
                        default: Behavior::Required,
                    },
                )
                .example("123456789"),
                field(
                    "legalOrganizationForm",
                    "Legal form of organization",
                    "US government and not-for-profit are for US-headquartered organisations only; others \
                     register as private for-profit.",
                    one_of(ORGANIZATION_FORMS),
                    Requirement::Conditional {
                        rules: &[Rule {
                            conditions: &[
                                Condition {
                                    field: "companyInfo.isoCountryCode",
                                    operator: Operator::HasValue,
                                    values: &[],
                                },
                                Condition {
                                    field: "companyInfo.isoCountryCode",
                                    operator: Operator::NotEquals,
                                    values: &["US"],
                                },
                            ],
                            behavior: Behavior::Required,
                            format: None,
                            allowed_values: Some(&["PRIVATE_PROFIT"]),
                        }],
                        default: Behavior::Required,
                    },
                ),
                field(
                    "stockSymbol",
                    "Stock symbol",
                    "Required for public for-profit companies.",
                    text(1, 10, TextFormat::Free),
                    optional_unless(PUBLIC_COMPANY),
                )
                .example("EXMP"),
                field(
                    "stockExchange",
                    "Stock exchange",
                    "Required for public for-profit companies.",
                    one_of(STOCK_EXCHANGES),
                    optional_unless(PUBLIC_COMPANY),
                ),
                ADDRESS1,
                CITY,
                STATE,
                ZIP_CODE,
                COUNTRY,
            ],
        },
        SectionDef {
            path: "additionalInfo",
            title: "Additional company and contact information",
            description: "How the brand presents itself and how to reach it.",
            fields: &[
                field(
                    "dbaName",
                    "DBA or brand name",
                    "The name recipients know the company by.",
                    text(1, 255, TextFormat::Free),
                    REQUIRED,
                )
                .example("Example"),
                field("vertical", "Vertical", "The company's industry.", one_of(VERTICALS), REQUIRED),
                COMPANY_WEBSITE,
                SUPPORT_EMAIL,
                SUPPORT_PHONE,
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// US 10DLC brand vetting.

const BRAND_REFERENCE: FieldDef = field(
    BRAND_REFERENCE_FIELD,
    "10DLC brand",
    "The RegistrationId of a US 10DLC brand registration in this account.",
    text(45, 45, TextFormat::RegistrationOf(US_TEN_DLC_BRAND_TYPE)),
    REQUIRED,
)
.example("registration-0123456789abcdef0123456789abcdef");

const US_TEN_DLC_BRAND_VETTING: TypeDef = TypeDef {
    name: "US_TEN_DLC_BRAND_VETTING",
    title: "US 10DLC brand vetting",
    short_description: "Asks a third party to score an approved 10DLC brand, which may raise its throughput.",
    long_description: "Optional. A higher score may raise campaign throughput but nothing is guaranteed. Scores \
        are not retroactive, so vet the brand before creating campaigns. The fee is US$40 and non-refundable. \
        Non-US brands that fail registration can also use vetting as a manual review.",
    associations: &[],
    max_associations: Some(0),
    sections: &[SectionDef {
        path: "vettingInfo",
        title: "Brand to vet",
        description: "The approved brand registration to vet; there is nothing else to fill in.",
        fields: &[BRAND_REFERENCE],
    }],
};

// ---------------------------------------------------------------------------------------------
// US 10DLC campaign registration.

const CAMPAIGN_USE_CASES: &[Choice] = &[
    Choice("ACCOUNT_NOTIFICATION", "Account notification", "Status updates about the recipient's account."),
    Choice("CHARITY", "Charity", "Non-religious registered 501(c)(3) charities."),
    Choice("CUSTOMER_CARE", "Customer care", "Support conversations and account management."),
    Choice("DELIVERY_NOTIFICATION", "Delivery notification", "Where a product or service is in delivery."),
    Choice("FRAUD_ALERT", "Fraud alert messaging", "Warnings about possibly fraudulent activity."),
    Choice("HIGHER_EDUCATION", "Higher education", "Universities, colleges and school districts."),
    Choice("LOW_VOLUME", "Low volume mixed", "Small mixed traffic: testing and demo accounts."),
    Choice("MARKETING", "Marketing", "Promotional content."),
    Choice("MIXED", "Mixed", "Several use cases; reserved for specific consumer-service industries."),
    Choice("PUBLIC_SERVICE_ANNOUNCEMENT", "Public service announcement", "Messages that raise awareness."),
    Choice("POLLING_VOTING", "Polling and voting", "Non-political polls and surveys."),
    Choice("SECURITY_ALERT", "Security alert", "Notices that a system or account may be compromised."),
    Choice("TWO_FACTOR_AUTHENTICATION", "Two-factor authentication", "Any authentication, verification or OTP."),
];

const NUMBER_CAPABILITIES: &[Choice] = &[
    Choice("SMS", "SMS", ""),
    Choice("SMS_MMS", "SMS and MMS", ""),
    Choice("SMS_VOICE", "SMS and voice", "Voice lengthens the review."),
    Choice("SMS_MMS_VOICE", "SMS, MMS and voice", "Voice lengthens the review."),
];

const MESSAGE_TYPES: &[Choice] = &[
    Choice("TRANSACTIONAL", "Transactional", "Time-sensitive messages: alerts, one-time passwords."),
    Choice("PROMOTIONAL", "Promotional", "Marketing messages."),
];

const fn campaign_attribute(name: &'static str, title: &'static str, description: &'static str) -> FieldDef {
    field(name, title, description, one_of(YES_NO), REQUIRED)
}

const fn campaign_sample(name: &'static str, title: &'static str, requirement: Requirement) -> FieldDef {
    field(
        name,
        title,
        "A message exactly as recipients will receive it, at least 20 characters, without placeholders. Public \
         URL shorteners (bit.ly, TinyURL, ...) are not allowed.",
        text(20, 1024, TextFormat::NoPublicShortener),
        requirement,
    )
}

/// MMS samples: images up to 2 MB, other files up to 600 KB.
const MMS_FILES: &[(FileFormat, u64)] =
    &[(FileFormat::Gif, 2 * MB), (FileFormat::Jpeg, 2 * MB), (FileFormat::Png, 2 * MB), (FileFormat::Pdf, 600 * KB)];

const fn mms_sample(name: &'static str, title: &'static str) -> FieldDef {
    field(name, title, "A media file you will send.", FieldKind::Attachment { formats: MMS_FILES }, OPTIONAL)
}

const US_TEN_DLC_CAMPAIGN: TypeDef = TypeDef {
    name: US_TEN_DLC_CAMPAIGN_TYPE,
    title: "US 10DLC campaign registration",
    short_description: "Registers one messaging campaign of an approved 10DLC brand.",
    long_description: "A campaign must be registered before its 10DLC numbers can send. The brand must be \
        approved first. After approval, associate one or more 10DLC numbers; a number belongs to one campaign \
        only and more numbers add no throughput. A brand has at most 10 campaigns and 49 numbers.",
    associations: &[AssociationDef {
        resource_type: "TEN_DLC",
        iso_country_code: "US",
        association: RegistrationAssociationBehavior::AssociateAfterComplete,
        disassociation: RegistrationDisassociationBehavior::DisassociateAllAllowsDeleteRegistration,
    }],
    max_associations: None,
    sections: &[
        SectionDef {
            path: "campaignInfo",
            title: "Campaign information",
            description: "The brand, the purpose of the campaign and how recipients opt in, get help and opt out.",
            fields: &[
                BRAND_REFERENCE,
                field(
                    "campaignDescription",
                    "Campaign description",
                    "The campaign's name and purpose.",
                    text(1, 2048, TextFormat::Free),
                    REQUIRED,
                ),
                field("vertical", "Vertical", "The industry the campaign serves.", one_of(VERTICALS), REQUIRED),
                field(
                    "optInWorkflow",
                    "Campaign opt-in workflow",
                    "Every way recipients opt in, at least 40 characters: the program, how users opt in and any \
                     fees, links to public terms and privacy policy, and whether the opt-in is behind a login, \
                     verbal or on paper.",
                    text(40, 2048, TextFormat::Free),
                    REQUIRED,
                ),
                field(
                    "optInKeywords",
                    "Opt-in keywords",
                    "Keywords recipients text to opt in, separated by commas.",
                    text(1, 255, TextFormat::Free),
                    OPTIONAL,
                )
                .example("JOIN, START"),
                field(
                    "optInConfirmationMessage",
                    "Opt-in confirmation message",
                    "Sent when a recipient texts an opt-in keyword; at most 160 characters.",
                    text(1, 160, TextFormat::Free),
                    OPTIONAL,
                ),
                field(
                    "helpMessage",
                    "Help message",
                    "The reply to HELP: 20 to 160 characters.",
                    text(20, 160, TextFormat::Free),
                    REQUIRED,
                )
                .example(
                    "ExampleCorp Account Alerts: For help call 1-888-555-0142 or go to example.com. Msg&data \
                     rates may apply. Text STOP to cancel.",
                ),
                field(
                    "stopMessage",
                    "Stop message",
                    "The reply to STOP: 20 to 160 characters.",
                    text(20, 160, TextFormat::Free),
                    REQUIRED,
                )
                .example(
                    "You are unsubscribed from ExampleCorp Account Alerts. No more messages will be sent. Reply \
                     HELP for help or call 1-888-555-0142.",
                ),
            ],
        },
        SectionDef {
            path: "messagingCapabilities",
            title: "Messaging capabilities",
            description: "What the campaign's numbers do.",
            fields: &[
                field(
                    "numberCapability",
                    "Number capability",
                    "The channels the campaign uses.",
                    one_of(NUMBER_CAPABILITIES),
                    REQUIRED,
                ),
                field("messageType", "Message type", "Transactional or promotional.", one_of(MESSAGE_TYPES), OPTIONAL),
            ],
        },
        SectionDef {
            path: "campaignUseCase",
            title: "Campaign use case",
            description: "What the campaign is for.",
            fields: &[
                field("useCase", "Use case", "The campaign's main use case.", one_of(CAMPAIGN_USE_CASES), REQUIRED),
                field(
                    "subUseCases",
                    "Sub use cases",
                    "Up to five further use cases.",
                    select(1, 5, CAMPAIGN_USE_CASES),
                    OPTIONAL,
                ),
            ],
        },
        SectionDef {
            path: "campaignAttributes",
            title: "Campaign attributes",
            description: "Yes or no statements about the campaign's content and behaviour.",
            fields: &[
                campaign_attribute("subscriberOptIn", "Subscriber opt-in", "Recipients opt in to the campaign."),
                campaign_attribute("subscriberOptOut", "Subscriber opt-out", "Recipients can opt out."),
                campaign_attribute("subscriberHelp", "Subscriber help", "Recipients can ask for help."),
                campaign_attribute(
                    "directLending",
                    "Direct lending or loan arrangement",
                    "The campaign concerns direct lending or loans.",
                ),
                campaign_attribute(
                    "embeddedLink",
                    "Embedded link",
                    "Messages carry links. Public URL shorteners are not allowed; custom-domain ones are.",
                ),
                campaign_attribute(
                    "embeddedPhoneNumber",
                    "Embedded phone number",
                    "Messages carry a phone number other than the customer support number.",
                ),
                campaign_attribute(
                    "ageGated",
                    "Age-gated content",
                    "The content is age-gated as carriers and the CTIA define it.",
                ),
            ],
        },
        SectionDef {
            path: "messageSamples",
            title: "Message samples",
            description: "Every message template you will send, at least one.",
            fields: &[
                campaign_sample("messageSample1", "Message sample 1", REQUIRED),
                campaign_sample("messageSample2", "Message sample 2", OPTIONAL),
                campaign_sample("messageSample3", "Message sample 3", OPTIONAL),
                campaign_sample("messageSample4", "Message sample 4", OPTIONAL),
                campaign_sample("messageSample5", "Message sample 5", OPTIONAL),
            ],
        },
        SectionDef {
            path: "mmsSamples",
            title: "MMS file samples",
            description: "Only if the campaign sends MMS: the media you will send.",
            fields: &[
                mms_sample("mmsSample1", "MMS sample 1"),
                mms_sample("mmsSample2", "MMS sample 2"),
                mms_sample("mmsSample3", "MMS sample 3"),
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// Singapore sender ID registration.

const TRUE_FALSE: &[Choice] = &[Choice("TRUE", "True", ""), Choice("FALSE", "False", "")];

const SG_SENDER_ID: TypeDef = TypeDef {
    name: "SG_SENDER_ID_REGISTRATION",
    title: "Singapore sender ID registration",
    short_description: "Registers a sender ID for Singapore (SSIR).",
    long_description: "Unregistered sender IDs are shown as LIKELY-SCAM in Singapore and may be blocked. Obtain a \
        UEN first, then register here, then register the sender ID with SGNIC. Every account that uses the sender \
        ID registers it. Review usually takes 1 to 3 weeks. The sender ID is associated once approved.",
    associations: &[AssociationDef {
        resource_type: "SENDER_ID",
        iso_country_code: "SG",
        association: RegistrationAssociationBehavior::AssociateOnApproval,
        disassociation: RegistrationDisassociationBehavior::DisassociateAllClosesRegistration,
    }],
    max_associations: Some(1),
    sections: &[
        SectionDef {
            path: "companyInfo",
            title: "Company information",
            description: "The company that sends the messages.",
            fields: &[
                COMPANY_NAME,
                field(
                    "taxId",
                    "Tax ID (UEN)",
                    "The company's Singapore Unique Entity Number.",
                    text(9, 10, TextFormat::Uen),
                    REQUIRED,
                )
                .example("201912345K"),
                COMPANY_WEBSITE,
                ADDRESS1,
                ADDRESS2,
                CITY,
                STATE,
                ZIP_CODE,
                COUNTRY,
            ],
        },
        CONTACT_INFO,
        SectionDef {
            path: "senderIdInfo",
            title: "Sender ID information",
            description: "The sender ID to register and who it sends for.",
            fields: &[
                field(
                    "senderId",
                    "Sender ID",
                    "3 to 11 letters, digits or hyphens, with at least one letter.",
                    text(3, 11, TextFormat::SenderId),
                    REQUIRED,
                )
                .example("EXAMPLECO"),
                field(
                    "isOnBehalfOf",
                    "Registering on behalf of another brand or entity",
                    "True when you are not the end sender.",
                    one_of(TRUE_FALSE),
                    REQUIRED,
                ),
                field(
                    "letterOfAuthorization",
                    "Letter of authorization",
                    "Signed by the brand you register for; needed when registering on behalf of another entity.",
                    FieldKind::Attachment { formats: PNG_400_KB },
                    optional_unless(&[required_if(&[equals("senderIdInfo.isOnBehalfOf", &["TRUE"])])]),
                ),
                field(
                    "senderIdConnection",
                    "Sender ID connection",
                    "How the sender ID relates to the company name.",
                    text(1, 500, TextFormat::Free),
                    OPTIONAL,
                ),
            ],
        },
        SectionDef {
            path: "messagingUseCase",
            title: "Messaging use case",
            description: "What you send and how much.",
            fields: &[MONTHLY_VOLUME, USE_CASE_CATEGORY, USE_CASE_DETAILS],
        },
        MESSAGE_SAMPLES,
    ],
};

// ---------------------------------------------------------------------------------------------
// India sender ID registration (DLT). AWS takes it through a support case; Herald takes the same
// facts as a form the operator reviews.

const IN_SENDER_ID: TypeDef = TypeDef {
    name: "IN_SENDER_ID_REGISTRATION",
    title: "India sender ID registration",
    short_description: "Registers a sender ID for India's local route, after DLT registration with TRAI.",
    long_description: "Without it, messages to India use the international (ILDO) route with a random numeric \
        sender at a higher price. Register the company and templates on a DLT portal first, which gives the \
        Principal Entity ID and template IDs; every send then carries IN_ENTITY_ID and IN_TEMPLATE_ID. Sender \
        IDs are exactly 6 characters: digits only for promotional traffic, letters only for transactional.",
    associations: &[AssociationDef {
        resource_type: "SENDER_ID",
        iso_country_code: "IN",
        association: RegistrationAssociationBehavior::AssociateOnApproval,
        disassociation: RegistrationDisassociationBehavior::DisassociateAllClosesRegistration,
    }],
    max_associations: Some(1),
    sections: &[
        SectionDef {
            path: "companyInfo",
            title: "Company information",
            description: "The company as registered on the DLT portal.",
            fields: &[
                field(
                    "companyName",
                    "Company name",
                    "The exact company name registered on the DLT portal.",
                    text(1, 100, TextFormat::Free),
                    REQUIRED,
                ),
                field(
                    "principalEntityId",
                    "Principal Entity ID (PEID)",
                    "The entity ID the DLT portal issued.",
                    text(1, 64, TextFormat::Alphanumeric),
                    REQUIRED,
                )
                .example("1101234567890123456"),
            ],
        },
        SectionDef {
            path: "senderIdInfo",
            title: "Sender ID information",
            description: "The header registered on the DLT portal.",
            fields: &[
                field(
                    "messageType",
                    "Message type",
                    "Promotional sender IDs are numeric; transactional ones are letters only.",
                    one_of(MESSAGE_TYPES),
                    REQUIRED,
                ),
                field(
                    "senderId",
                    "Sender ID",
                    "Exactly 6 characters: digits for promotional, letters (case-sensitive) for transactional.",
                    text(6, 6, TextFormat::Alphanumeric),
                    Requirement::Conditional {
                        rules: &[
                            Rule {
                                conditions: &[equals("senderIdInfo.messageType", &["PROMOTIONAL"])],
                                behavior: Behavior::Required,
                                format: Some(TextFormat::Digits),
                                allowed_values: None,
                            },
                            Rule {
                                conditions: &[equals("senderIdInfo.messageType", &["TRANSACTIONAL"])],
                                behavior: Behavior::Required,
                                format: Some(TextFormat::Letters),
                                allowed_values: None,
                            },
                        ],
                        default: Behavior::Required,
                    },
                )
                .example("EXMPLE"),
            ],
        },
        SectionDef {
            path: "messagingUseCase",
            title: "Messaging use case",
            description: "What you send, how much, and how recipients opt in and out.",
            fields: &[
                MONTHLY_VOLUME,
                field(
                    "useCaseDescription",
                    "Use case",
                    "What the messages are for.",
                    text(1, 500, TextFormat::Free),
                    REQUIRED,
                ),
                field(
                    "optInDescription",
                    "Opt-in steps",
                    "How recipients agree to receive your messages.",
                    text(1, 500, TextFormat::Free),
                    REQUIRED,
                ),
                field(
                    "optInOptOutManaged",
                    "Opt-in and opt-out management",
                    "Confirms that you manage recipients' opt-ins and opt-outs.",
                    one_of(&[Choice("CONFIRMED", "I manage opt-ins and opt-outs", "")]),
                    REQUIRED,
                ),
            ],
        },
        SectionDef {
            path: "supportingDocuments",
            title: "Supporting documents",
            description: "Documents the DLT registration used.",
            fields: &[field(
                "letterOfAuthorization",
                "Letter of authorization",
                "The letter of authorization given to the DLT portal.",
                FieldKind::Attachment {
                    formats: &[(FileFormat::Pdf, 5 * MB), (FileFormat::Png, 5 * MB), (FileFormat::Jpeg, 5 * MB)],
                },
                OPTIONAL,
            )],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// China SMS template registration. AWS takes it through a support case; Herald takes the same
// facts as a form the operator reviews.

const CN_SMS_TEMPLATE: TypeDef = TypeDef {
    name: "CN_SMS_TEMPLATE_REGISTRATION",
    title: "China SMS template registration",
    short_description: "Registers a message template before sending to China.",
    long_description: "China is the only country that requires every message template to be registered before \
        sending. Transactional templates must carry no marketing content.",
    associations: &[],
    max_associations: Some(0),
    sections: &[
        SectionDef {
            path: "templateInfo",
            title: "Template",
            description: "The message template to register.",
            fields: &[
                field(
                    "messageType",
                    "Message type",
                    "What kind of messages use the template.",
                    one_of(&[
                        Choice("ONE_TIME_PASSWORD", "One-time password", ""),
                        Choice("PROMOTIONAL", "Promotional", ""),
                        Choice("TRANSACTIONAL", "Transactional", "No marketing content allowed."),
                    ]),
                    REQUIRED,
                ),
                field(
                    "messageTemplate",
                    "Message template",
                    "The template text exactly as it will be sent.",
                    text(1, 2048, TextFormat::Free),
                    REQUIRED,
                ),
            ],
        },
        SectionDef {
            path: "useCaseInfo",
            title: "Use case",
            description: "Where and how recipients opt in.",
            fields: &[
                field(
                    "optInUrl",
                    "Opt-in website",
                    "The site or app where recipients opt in.",
                    text(1, 255, TextFormat::HttpUrl),
                    REQUIRED,
                ),
                field(
                    "useCaseDescription",
                    "Use case and opt-in description",
                    "What the messages are for and how recipients opt in.",
                    text(1, 1000, TextFormat::Free),
                    REQUIRED,
                ),
            ],
        },
        SectionDef {
            path: "contactInfo",
            title: "Contact preferences",
            description: "How the reviewer contacts you.",
            fields: &[field(
                "contactLanguage",
                "Contact language",
                "The language of the review correspondence.",
                one_of(&[Choice("ENGLISH", "English", ""), Choice("JAPANESE", "Japanese", "")]),
                REQUIRED,
            )],
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique_and_conditions_name_real_fields() {
        for definition in REGISTRATION_TYPES {
            let paths: Vec<String> = definition.fields().map(|(path, _, _)| path).collect();
            let mut unique = paths.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), paths.len(), "{}", definition.name);
            for (path, _, field) in definition.fields() {
                assert!(path.len() <= 100, "{path}");
                if let Requirement::Conditional { rules, .. } = &field.requirement {
                    for condition in rules.iter().flat_map(|r| r.conditions) {
                        assert!(definition.field(condition.field).is_some(), "{path} reads {}", condition.field);
                    }
                }
            }
        }
    }
}
