//! Who a bank's transactions are with: the description the bank shows, the merchant Plaid
//! recognizes, and how Plaid categorizes it (legacy `category`, `personal_finance_category`).
//!
//! Merchants are real companies as they appear on US statements. Category ids and labels follow
//! Plaid's published taxonomy; where Plaid's v2 labels are not documented in the API reference,
//! the v1 label is used for both versions (README, "Transactions").

use crate::world::ids;

/// How a payment reached the account (`payment_channel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    InStore,
    Online,
    Other,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStore => "in store",
            Self::Online => "online",
            Self::Other => "other",
        }
    }
}

/// A counterparty's kind (`counterparties[].type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Merchant,
    FinancialInstitution,
    PaymentApp,
    Marketplace,
    IncomeSource,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merchant => "merchant",
            Self::FinancialInstitution => "financial_institution",
            Self::PaymentApp => "payment_app",
            Self::Marketplace => "marketplace",
            Self::IncomeSource => "income_source",
        }
    }
}

/// Where a purchase was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    pub address: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub postal_code: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub store_number: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merchant {
    /// The statement description (`name`, `original_description`).
    pub description: &'static str,
    /// The merchant Plaid recognizes (`merchant_name`, the counterparty); `None` for transfers
    /// Plaid does not attribute.
    pub merchant_name: Option<&'static str>,
    pub website: Option<&'static str>,
    pub party: Party,
    pub channel: Channel,
    /// `personal_finance_category` (v1): primary, detailed, confidence.
    pub pfc: (&'static str, &'static str, &'static str),
    /// The v2 detailed label when it differs from v1 (primary is its prefix up to the
    /// detailed label's known split).
    pub pfc_v2: Option<(&'static str, &'static str)>,
    /// Legacy `category_id` and `category`.
    pub category_id: &'static str,
    pub category: &'static [&'static str],
    pub place: Option<Place>,
    /// `transaction_code` (Europe and Canada only; Tartan leaves it null) is not modelled.
    pub payment_processor: Option<&'static str>,
}

const SF: Place = Place {
    address: "",
    city: "San Francisco",
    region: "CA",
    postal_code: "94105",
    lat: 37.7898,
    lon: -122.3942,
    store_number: None,
};

const fn at(
    address: &'static str,
    store_number: Option<&'static str>,
    lat: f64,
    lon: f64,
) -> Place {
    Place {
        address,
        store_number,
        lat,
        lon,
        ..SF
    }
}

const fn m(
    description: &'static str,
    merchant_name: Option<&'static str>,
    website: Option<&'static str>,
    party: Party,
    channel: Channel,
    pfc: (&'static str, &'static str, &'static str),
    category: (&'static str, &'static [&'static str]),
) -> Merchant {
    Merchant {
        description,
        merchant_name,
        website,
        party,
        channel,
        pfc,
        pfc_v2: None,
        category_id: category.0,
        category: category.1,
        place: None,
        payment_processor: None,
    }
}

use Channel::{InStore, Online, Other};
use Party::{FinancialInstitution, IncomeSource, Marketplace, PaymentApp};

const COFFEE: (&str, &[&str]) = (
    "13005043",
    &["Food and Drink", "Restaurants", "Coffee Shop"],
);
const RESTAURANTS: (&str, &[&str]) = ("13005000", &["Food and Drink", "Restaurants"]);
const GROCERIES: (&str, &[&str]) = ("19047000", &["Shops", "Supermarkets and Groceries"]);
const GAS: (&str, &[&str]) = ("22009000", &["Travel", "Gas Stations"]);
const TAXI: (&str, &[&str]) = ("22016000", &["Travel", "Taxi"]);
const AIRLINES: (&str, &[&str]) = ("22001000", &["Travel", "Airlines and Aviation Services"]);
const LODGING: (&str, &[&str]) = ("22012000", &["Travel", "Lodging"]);
const DIGITAL: (&str, &[&str]) = ("19013000", &["Shops", "Digital Purchase"]);
const OFFICE: (&str, &[&str]) = ("19040000", &["Shops", "Office Supplies"]);
const PHARMACY: (&str, &[&str]) = ("14001000", &["Healthcare", "Pharmacies"]);
const SUBSCRIPTION: (&str, &[&str]) = ("18061000", &["Service", "Subscription"]);
const UTILITIES: (&str, &[&str]) = ("18068000", &["Service", "Utilities"]);
const CABLE: (&str, &[&str]) = ("18009000", &["Service", "Cable"]);
const CLOUD: (&str, &[&str]) = ("18020000", &["Service", "Computers"]);
const PAYROLL: (&str, &[&str]) = ("21009000", &["Transfer", "Payroll"]);
const INTERNAL: (&str, &[&str]) = ("21001000", &["Transfer", "Internal Account Transfer"]);
const THIRD_PARTY: (&str, &[&str]) = ("21010000", &["Transfer", "Third Party"]);
const WITHDRAWAL: (&str, &[&str]) = ("21012000", &["Transfer", "Withdrawal", "ATM"]);
const CARD_PAYMENT: (&str, &[&str]) = ("16001000", &["Payment", "Credit Card"]);
const LOAN_PAYMENT: (&str, &[&str]) = ("16003000", &["Payment", "Loan"]);
const INTEREST_EARNED: (&str, &[&str]) = ("15001000", &["Interest", "Interest Earned"]);
const INTEREST_CHARGED: (&str, &[&str]) = ("15002000", &["Interest", "Interest Charged"]);
const REFUND: (&str, &[&str]) = ("19013000", &["Shops", "Digital Purchase"]);

pub static STARBUCKS: Merchant = Merchant {
    place: Some(at("560 Mission St", Some("8172"), 37.7887, -122.3988)),
    ..m(
        "STARBUCKS STORE 8172 SAN FRANCISCO CA",
        Some("Starbucks"),
        Some("starbucks.com"),
        Party::Merchant,
        InStore,
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", "VERY_HIGH"),
        COFFEE,
    )
};
pub static SWEETGREEN: Merchant = Merchant {
    place: Some(at("171 2nd St", None, 37.7867, -122.3978)),
    pfc_v2: Some(("DINING", "DINING_DINING")),
    ..m(
        "SQ *SWEETGREEN SAN FRANCISCO CA",
        Some("Sweetgreen"),
        Some("sweetgreen.com"),
        Party::Merchant,
        InStore,
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT", "VERY_HIGH"),
        RESTAURANTS,
    )
};
pub static CHIPOTLE: Merchant = Merchant {
    place: Some(at("211 Sutter St", Some("2193"), 37.7897, -122.4036)),
    pfc_v2: Some(("DINING", "DINING_DINING")),
    payment_processor: None,
    ..m(
        "CHIPOTLE 2193 SAN FRANCISCO CA",
        Some("Chipotle Mexican Grill"),
        Some("chipotle.com"),
        Party::Merchant,
        InStore,
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_FAST_FOOD", "VERY_HIGH"),
        RESTAURANTS,
    )
};
pub static WHOLE_FOODS: Merchant = Merchant {
    place: Some(at("399 4th St", Some("10236"), 37.7811, -122.3995)),
    pfc_v2: Some(("FOOD_RETAIL", "FOOD_RETAIL_GROCERIES")),
    ..m(
        "WHOLEFDS SOMA 10236 SAN FRANCISCO CA",
        Some("Whole Foods Market"),
        Some("wholefoodsmarket.com"),
        Party::Merchant,
        InStore,
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "VERY_HIGH"),
        GROCERIES,
    )
};
pub static TRADER_JOES: Merchant = Merchant {
    place: Some(at("555 9th St", Some("236"), 37.7707, -122.4077)),
    pfc_v2: Some(("FOOD_RETAIL", "FOOD_RETAIL_GROCERIES")),
    ..m(
        "TRADER JOE S #236 SAN FRANCISCO CA",
        Some("Trader Joe's"),
        Some("traderjoes.com"),
        Party::Merchant,
        InStore,
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "VERY_HIGH"),
        GROCERIES,
    )
};
pub static SHELL: Merchant = Merchant {
    place: Some(at("598 Bryant St", None, 37.7784, -122.3975)),
    ..m(
        "SHELL OIL 57444212500 SAN FRANCISCO CA",
        Some("Shell"),
        Some("shell.com"),
        Party::Merchant,
        InStore,
        ("TRANSPORTATION", "TRANSPORTATION_GAS", "VERY_HIGH"),
        GAS,
    )
};
pub static UBER: Merchant = m(
    "UBER *TRIP HELP.UBER.COM CA",
    Some("Uber"),
    Some("uber.com"),
    Party::Merchant,
    Online,
    (
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        "VERY_HIGH",
    ),
    TAXI,
);
pub static AMAZON: Merchant = m(
    "AMAZON MKTPL*2K4TB81A3 AMZN.COM/BILL WA",
    Some("Amazon"),
    Some("amazon.com"),
    Marketplace,
    Online,
    (
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        "VERY_HIGH",
    ),
    DIGITAL,
);
pub static AMAZON_REFUND: Merchant = m(
    "AMAZON MKTPL REFUND AMZN.COM/BILL WA",
    Some("Amazon"),
    Some("amazon.com"),
    Marketplace,
    Online,
    (
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        "HIGH",
    ),
    REFUND,
);
pub static NETFLIX: Merchant = m(
    "NETFLIX.COM LOS GATOS CA",
    Some("Netflix"),
    Some("netflix.com"),
    Party::Merchant,
    Online,
    ("ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", "VERY_HIGH"),
    SUBSCRIPTION,
);
pub static SPOTIFY: Merchant = m(
    "SPOTIFY USA NEW YORK NY",
    Some("Spotify"),
    Some("spotify.com"),
    Party::Merchant,
    Online,
    (
        "ENTERTAINMENT",
        "ENTERTAINMENT_MUSIC_AND_AUDIO",
        "VERY_HIGH",
    ),
    SUBSCRIPTION,
);
pub static PGE: Merchant = m(
    "PGANDE WEB ONLINE PAYMENT",
    Some("Pacific Gas and Electric"),
    Some("pge.com"),
    Party::Merchant,
    Online,
    (
        "RENT_AND_UTILITIES",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        "VERY_HIGH",
    ),
    UTILITIES,
);
pub static COMCAST: Merchant = m(
    "COMCAST XFINITY 800-266-2278 CA",
    Some("Xfinity"),
    Some("xfinity.com"),
    Party::Merchant,
    Online,
    (
        "RENT_AND_UTILITIES",
        "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
        "VERY_HIGH",
    ),
    CABLE,
);
pub static CVS: Merchant = Merchant {
    place: Some(at("731 Market St", Some("9642"), 37.7866, -122.4039)),
    ..m(
        "CVS/PHARMACY #09642 SAN FRANCISCO CA",
        Some("CVS Pharmacy"),
        Some("cvs.com"),
        Party::Merchant,
        InStore,
        ("MEDICAL", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "VERY_HIGH"),
        PHARMACY,
    )
};
pub static MARRIOTT: Merchant = Merchant {
    place: Some(at("780 Mission St", None, 37.7849, -122.4040)),
    ..m(
        "MARRIOTT SF MARQUIS SAN FRANCISCO CA",
        Some("Marriott"),
        Some("marriott.com"),
        Party::Merchant,
        InStore,
        ("TRAVEL", "TRAVEL_LODGING", "VERY_HIGH"),
        LODGING,
    )
};
pub static UNITED: Merchant = m(
    "UNITED 0162345678901 800-932-2732 TX",
    Some("United Airlines"),
    Some("united.com"),
    Party::Merchant,
    Online,
    ("TRAVEL", "TRAVEL_FLIGHTS", "VERY_HIGH"),
    AIRLINES,
);
pub static AWS: Merchant = m(
    "AMAZON WEB SERVICES AWS.AMAZON.CO WA",
    Some("Amazon Web Services"),
    Some("aws.amazon.com"),
    Party::Merchant,
    Online,
    (
        "GENERAL_SERVICES",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        "HIGH",
    ),
    CLOUD,
);
pub static GOOGLE_WORKSPACE: Merchant = m(
    "GOOGLE *GSUITE_EXAMPLE CC@GOOGLE.COM CA",
    Some("Google Workspace"),
    Some("workspace.google.com"),
    Party::Merchant,
    Online,
    (
        "GENERAL_SERVICES",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        "HIGH",
    ),
    CLOUD,
);
pub static STAPLES: Merchant = Merchant {
    place: Some(at("200 Folsom St", Some("1501"), 37.7897, -122.3925)),
    ..m(
        "STAPLES 00115013 SAN FRANCISCO CA",
        Some("Staples"),
        Some("staples.com"),
        Party::Merchant,
        InStore,
        (
            "GENERAL_MERCHANDISE",
            "GENERAL_MERCHANDISE_OFFICE_SUPPLIES",
            "VERY_HIGH",
        ),
        OFFICE,
    )
};
pub static PAYROLL_DEPOSIT: Merchant = m(
    "GUSTO PAY 928371 PPD ID: 9138864001",
    Some("Gusto"),
    Some("gusto.com"),
    IncomeSource,
    Other,
    ("INCOME", "INCOME_WAGES", "VERY_HIGH"),
    PAYROLL,
);
pub static STRIPE_PAYOUT: Merchant = m(
    "STRIPE TRANSFER ST-K8L2M4N6 PPD ID: 4270465600",
    Some("Stripe"),
    Some("stripe.com"),
    Party::Merchant,
    Other,
    ("TRANSFER_IN", "TRANSFER_IN_DEPOSIT", "HIGH"),
    THIRD_PARTY,
);
pub static VENMO: Merchant = m(
    "VENMO PAYMENT 1029384756 WEB ID: 3264681992",
    Some("Venmo"),
    Some("venmo.com"),
    PaymentApp,
    Other,
    ("TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER", "HIGH"),
    THIRD_PARTY,
);
pub static ATM: Merchant = Merchant {
    place: Some(at("1 Market St", None, 37.7941, -122.3951)),
    ..m(
        "ATM WITHDRAWAL 1 MARKET ST SAN FRANCISCO CA",
        None,
        None,
        FinancialInstitution,
        InStore,
        ("TRANSFER_OUT", "TRANSFER_OUT_WITHDRAWAL", "VERY_HIGH"),
        WITHDRAWAL,
    )
};
pub static TO_SAVINGS: Merchant = m(
    "ONLINE TRANSFER TO SAVINGS XXXXXX1111",
    None,
    None,
    FinancialInstitution,
    Other,
    ("TRANSFER_OUT", "TRANSFER_OUT_SAVINGS", "VERY_HIGH"),
    INTERNAL,
);
pub static FROM_CHECKING: Merchant = m(
    "ONLINE TRANSFER FROM CHECKING XXXXXX0000",
    None,
    None,
    FinancialInstitution,
    Other,
    ("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER", "VERY_HIGH"),
    INTERNAL,
);
pub static HSA_CONTRIBUTION: Merchant = m(
    "HSA CONTRIBUTION PAYROLL DEDUCTION",
    None,
    None,
    FinancialInstitution,
    Other,
    ("TRANSFER_IN", "TRANSFER_IN_DEPOSIT", "HIGH"),
    INTERNAL,
);
pub static CARD_PAYMENT_OUT: Merchant = m(
    "PLAID CREDIT CARD PAYMENT ONLINE",
    None,
    None,
    FinancialInstitution,
    Other,
    (
        "LOAN_PAYMENTS",
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "VERY_HIGH",
    ),
    CARD_PAYMENT,
);
pub static CARD_PAYMENT_IN: Merchant = m(
    "PAYMENT - THANK YOU",
    None,
    None,
    FinancialInstitution,
    Other,
    (
        "LOAN_PAYMENTS",
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "VERY_HIGH",
    ),
    CARD_PAYMENT,
);
pub static STUDENT_LOAN_PAYMENT: Merchant = m(
    "NAVIENT PAYMENT PPD ID: 2223334444",
    Some("Navient"),
    Some("navient.com"),
    FinancialInstitution,
    Other,
    (
        "LOAN_PAYMENTS",
        "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
        "VERY_HIGH",
    ),
    LOAN_PAYMENT,
);
pub static MORTGAGE_PAYMENT: Merchant = m(
    "PLAID MORTGAGE PAYMENT PPD ID: 1112223333",
    None,
    None,
    FinancialInstitution,
    Other,
    (
        "LOAN_PAYMENTS",
        "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
        "VERY_HIGH",
    ),
    LOAN_PAYMENT,
);
pub static LOAN_PAYMENT_IN: Merchant = m(
    "PAYMENT RECEIVED",
    None,
    None,
    FinancialInstitution,
    Other,
    ("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER", "HIGH"),
    LOAN_PAYMENT,
);
pub static INTEREST_PAID: Merchant = m(
    "INTEREST PAYMENT",
    None,
    None,
    FinancialInstitution,
    Other,
    ("INCOME", "INCOME_INTEREST_EARNED", "VERY_HIGH"),
    INTEREST_EARNED,
);
pub static INTEREST_CHARGE: Merchant = m(
    "INTEREST CHARGED",
    None,
    None,
    FinancialInstitution,
    Other,
    ("BANK_FEES", "BANK_FEES_INTEREST_CHARGE", "VERY_HIGH"),
    INTEREST_CHARGED,
);

/// A description Plaid does not recognize (a transaction made through
/// `/sandbox/transactions/create` that names no known merchant).
pub static UNMATCHED: Merchant = m(
    "",
    None,
    None,
    Party::Merchant,
    Other,
    (
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
        "LOW",
    ),
    ("19000000", &["Shops"]),
);

/// Every merchant, for the categories list and tests.
pub static ALL: &[&Merchant] = &[
    &STARBUCKS,
    &SWEETGREEN,
    &CHIPOTLE,
    &WHOLE_FOODS,
    &TRADER_JOES,
    &SHELL,
    &UBER,
    &AMAZON,
    &AMAZON_REFUND,
    &NETFLIX,
    &SPOTIFY,
    &PGE,
    &COMCAST,
    &CVS,
    &MARRIOTT,
    &UNITED,
    &AWS,
    &GOOGLE_WORKSPACE,
    &STAPLES,
    &PAYROLL_DEPOSIT,
    &STRIPE_PAYOUT,
    &VENMO,
    &ATM,
    &TO_SAVINGS,
    &FROM_CHECKING,
    &HSA_CONTRIBUTION,
    &CARD_PAYMENT_OUT,
    &CARD_PAYMENT_IN,
    &STUDENT_LOAN_PAYMENT,
    &MORTGAGE_PAYMENT,
    &LOAN_PAYMENT_IN,
    &INTEREST_PAID,
    &INTEREST_CHARGE,
    &UNMATCHED,
];

/// The merchant a free-text description names (`"Starbucks #12"` is Starbucks), as Plaid's
/// enrichment would recognize it, or [`UNMATCHED`].
pub fn recognize(description: &str) -> &'static Merchant {
    let text = description.to_ascii_lowercase();
    ALL.iter()
        .copied()
        .filter(|m| !m.description.contains("REFUND"))
        .find(|m| {
            m.merchant_name
                .is_some_and(|n| text.contains(&n.to_ascii_lowercase()))
        })
        .unwrap_or(&UNMATCHED)
}

impl Merchant {
    /// The v2 (primary, detailed) labels.
    pub fn pfc_v2(&self) -> (&'static str, &'static str) {
        self.pfc_v2.unwrap_or((self.pfc.0, self.pfc.1))
    }

    /// A stable `merchant_entity_id` (and counterparty `entity_id`), and the logo's URL: made
    /// once per merchant.
    pub fn derived(&'static self) -> &'static Derived {
        static DERIVED: std::sync::LazyLock<Vec<Derived>> =
            std::sync::LazyLock::new(|| ALL.iter().map(|m| m.derive()).collect());
        let i = ALL
            .iter()
            .position(|m| std::ptr::eq(*m, self))
            .unwrap_or_default();
        &DERIVED[i.min(DERIVED.len().saturating_sub(1))]
    }

    fn derive(&self) -> Derived {
        let entity_id = self.merchant_name.map(|n| {
            let mut id = ids::object_id_from(ids::stable_hash(n.as_bytes()));
            id.truncate(23);
            id
        });
        // Plaid serves merchant logos from its own host; Tartan names them the same way.
        let logo_url = self.merchant_name.map(|n| {
            let slug: String = n
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .collect::<String>()
                .to_ascii_lowercase()
                .replace(' ', "_");
            format!("https://plaid-merchant-logos.plaid.com/{slug}.png")
        });
        Derived {
            entity_id,
            logo_url,
        }
    }
}

/// What is made from a merchant's name.
#[derive(Debug)]
pub struct Derived {
    pub entity_id: Option<String>,
    pub logo_url: Option<String>,
}
