//! The Sandbox institutions, with their real ids and names.
//!
//! Product lists, routing numbers and colours are Tartan's choices where Plaid does not publish
//! them; the ids, names, OAuth flags and health states are Plaid's.

use tartan_types::wire::{CountryCode, Product};

use serde::{Deserialize, Serialize};

use super::clock::{HOUR_MS, MINUTE_MS};
use super::logos;

/// How likely a call that contacts the bank soon after the Item was created is to break its
/// login (seed 000: real-time balance or an added product right after linking).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoginRisk {
    /// 0.0 (never) to 1.0 (always).
    pub probability: f64,
    /// For how long after the Item's creation (ms).
    pub window_ms: i64,
}

/// Institution health as Plaid's status tool reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Health {
    Healthy,
    Degraded,
    Down,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "HEALTHY",
            Self::Degraded => "DEGRADED",
            Self::Down => "DOWN",
        }
    }
}

/// How account numbers are expressed at this institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// ACH: account and routing numbers.
    Us,
    /// EFT: account, institution and branch numbers.
    Canada,
    /// BACS and IBAN.
    Europe,
}

#[derive(Debug, Clone)]
pub struct InstitutionDef {
    pub id: &'static str,
    pub name: &'static str,
    pub products: &'static [Product],
    pub country_codes: &'static [CountryCode],
    pub url: &'static str,
    pub primary_color: &'static str,
    pub logo: &'static str,
    pub routing_numbers: &'static [&'static str],
    pub oauth: bool,
    pub health: Health,
    pub region: Region,
    /// Whether new Items can be made here at all.
    pub supported: bool,
    /// Background update cadence for Items with Transactions, Investments or Liabilities.
    pub refresh_interval_ms: i64,
    pub login_risk: Option<LoginRisk>,
    /// OAuth consent lifetime, for institutions whose consent expires.
    pub consent_days: Option<i64>,
}

impl InstitutionDef {
    pub fn currency(&self) -> &'static str {
        match self.region {
            Region::Us => "USD",
            Region::Canada => "CAD",
            Region::Europe if self.country_codes.contains(&CountryCode::GB) => "GBP",
            Region::Europe => "EUR",
        }
    }

    pub fn supports(&self, product: Product) -> bool {
        self.products.contains(&product)
    }
}

use CountryCode as C;
use Product as P;

const FULL_US: &[Product] = &[
    P::Assets,
    P::Auth,
    P::Balance,
    P::CreditDetails,
    P::Identity,
    P::IdentityMatch,
    P::Income,
    P::IncomeVerification,
    P::Investments,
    P::InvestmentsAuth,
    P::Liabilities,
    P::RecurringTransactions,
    P::Signal,
    P::Statements,
    P::Transactions,
    P::TransactionsRefresh,
    P::Transfer,
];

const DEPOSITORY_ONLY: &[Product] = &[
    P::Auth,
    P::Balance,
    P::Identity,
    P::IdentityMatch,
    P::Signal,
    P::Transactions,
    P::Transfer,
];

const EU: &[Product] = &[
    P::Assets,
    P::Auth,
    P::Balance,
    P::Identity,
    P::PaymentInitiation,
    P::Transactions,
];

const EU_COUNTRIES: &[CountryCode] = &[
    C::GB,
    C::ES,
    C::NL,
    C::FR,
    C::IE,
    C::DE,
    C::IT,
    C::PL,
    C::DK,
    C::NO,
    C::SE,
    C::EE,
    C::LT,
    C::LV,
    C::PT,
    C::BE,
    C::AT,
    C::FI,
];

#[allow(clippy::too_many_arguments)]
const fn us(
    id: &'static str,
    name: &'static str,
    products: &'static [Product],
    url: &'static str,
    primary_color: &'static str,
    logo: &'static str,
    routing_numbers: &'static [&'static str],
    health: Health,
) -> InstitutionDef {
    InstitutionDef {
        id,
        name,
        products,
        country_codes: &[C::US],
        url,
        primary_color,
        logo,
        routing_numbers,
        oauth: false,
        health,
        region: Region::Us,
        supported: true,
        refresh_interval_ms: 6 * HOUR_MS,
        login_risk: None,
        consent_days: None,
    }
}

/// Tartan Bank breaks the login of every Item contacted in its first 15 minutes.
const ALWAYS_FRAGILE: Option<LoginRisk> = Some(LoginRisk {
    probability: 1.0,
    window_ms: 15 * MINUTE_MS,
});

/// Tattersall breaks it half of the time in the first 10 minutes.
const SOMETIMES_FRAGILE: Option<LoginRisk> = Some(LoginRisk {
    probability: 0.5,
    window_ms: 10 * MINUTE_MS,
});

/// Flexible Platypus Open Banking (ins_116834); ins_117181 is the same bank under another id.
const FLEXIBLE_PLATYPUS: InstitutionDef = InstitutionDef {
    id: "ins_116834",
    name: "Flexible Platypus Open Banking",
    products: EU,
    country_codes: EU_COUNTRIES,
    url: "https://www.flexibleplatypus.eu",
    primary_color: "#00857c",
    logo: logos::FLEXIBLE,
    routing_numbers: &[],
    oauth: true,
    health: Health::Healthy,
    region: Region::Europe,
    supported: true,
    refresh_interval_ms: 6 * HOUR_MS,
    login_risk: None,
    consent_days: Some(180),
};

/// Every institution Tartan simulates.
pub static INSTITUTIONS: &[InstitutionDef] = &[
    us(
        "ins_109508",
        "First Platypus Bank",
        FULL_US,
        "https://www.firstplatypusbank.com",
        "#1f4e8c",
        logos::PLATYPUS,
        &["110000000"],
        Health::Healthy,
    ),
    us(
        "ins_109509",
        "First Gingham Credit Union",
        FULL_US,
        "https://www.firstginghamcu.com",
        "#c0392b",
        logos::GINGHAM,
        &["011401533"],
        Health::Healthy,
    ),
    InstitutionDef {
        login_risk: SOMETIMES_FRAGILE,
        refresh_interval_ms: 8 * HOUR_MS,
        ..us(
            "ins_109510",
            "Tattersall Federal Credit Union",
            FULL_US,
            "https://www.tattersallfcu.com",
            "#2e7d32",
            logos::TATTERSALL,
            &["021200339"],
            Health::Healthy,
        )
    },
    InstitutionDef {
        login_risk: ALWAYS_FRAGILE,
        refresh_interval_ms: 12 * HOUR_MS,
        ..us(
            "ins_109511",
            "Tartan Bank",
            FULL_US,
            "https://www.tartanbank.com",
            "#8e1b3a",
            logos::TARTAN,
            &["011000138"],
            Health::Healthy,
        )
    },
    us(
        "ins_109512",
        "Houndstooth Bank",
        DEPOSITORY_ONLY,
        "https://www.houndstoothbank.com",
        "#333333",
        logos::HOUNDSTOOTH,
        &["021000021"],
        Health::Healthy,
    ),
    us(
        "ins_130016",
        "First Platypus Balance Bank",
        FULL_US,
        "https://www.firstplatypusbank.com",
        "#0f6e6e",
        logos::BALANCE,
        &["110000001"],
        Health::Healthy,
    ),
    InstitutionDef {
        oauth: true,
        consent_days: Some(90),
        ..us(
            "ins_127287",
            "Platypus OAuth Bank",
            FULL_US,
            "https://www.platypusoauthbank.com",
            "#5b2c83",
            logos::OAUTH,
            &["110000002"],
            Health::Healthy,
        )
    },
    InstitutionDef {
        oauth: true,
        consent_days: Some(90),
        ..us(
            "ins_132241",
            "First Platypus OAuth App2App Bank",
            FULL_US,
            "https://www.firstplatypusbank.com",
            "#5b2c83",
            logos::OAUTH,
            &["110000003"],
            Health::Healthy,
        )
    },
    us(
        "ins_135858",
        "Windowpane Bank",
        DEPOSITORY_ONLY,
        "https://www.windowpanebank.com",
        "#4a90d9",
        logos::WINDOWPANE,
        &["333333334"],
        Health::Healthy,
    ),
    us(
        "ins_132363",
        "Unhealthy Platypus Bank - Degraded",
        FULL_US,
        "https://www.unhealthyplatypus.com",
        "#b26a00",
        logos::UNHEALTHY,
        &["110000004"],
        Health::Degraded,
    ),
    us(
        "ins_132361",
        "Unhealthy Platypus Bank - Down",
        FULL_US,
        "https://www.unhealthyplatypus.com",
        "#b26a00",
        logos::UNHEALTHY,
        &["110000005"],
        Health::Down,
    ),
    InstitutionDef {
        supported: false,
        ..us(
            "ins_133402",
            "Unsupported Platypus Bank - Institution Not Supported",
            DEPOSITORY_ONLY,
            "https://www.unsupportedplatypus.com",
            "#6d6d6d",
            logos::UNSUPPORTED,
            &["110000006"],
            Health::Healthy,
        )
    },
    InstitutionDef {
        id: "ins_43",
        name: "Tartan-Dominion Bank of Canada",
        products: &[
            P::Assets,
            P::Auth,
            P::Balance,
            P::Identity,
            P::Investments,
            P::Liabilities,
            P::Transactions,
        ],
        country_codes: &[C::CA],
        url: "https://www.tartandominion.ca",
        primary_color: "#d52b1e",
        logo: logos::CANADA,
        routing_numbers: &[],
        oauth: false,
        health: Health::Healthy,
        region: Region::Canada,
        supported: true,
        refresh_interval_ms: 6 * HOUR_MS,
        login_risk: None,
        consent_days: None,
    },
    InstitutionDef {
        id: "ins_117650",
        name: "Royal Bank of Plaid",
        products: EU,
        country_codes: &[C::GB],
        url: "https://www.royalbankofplaid.co.uk",
        primary_color: "#00247d",
        logo: logos::ROYAL,
        routing_numbers: &[],
        oauth: true,
        health: Health::Healthy,
        region: Region::Europe,
        supported: true,
        refresh_interval_ms: 6 * HOUR_MS,
        login_risk: None,
        consent_days: Some(180),
    },
    FLEXIBLE_PLATYPUS,
    // Plaid's Sandbox bank for OAuth QR-code authentication (its OAuth guide: "For Europe,
    // you can select Flexible Platypus Open Banking (ins_117181)"). Plaid does not publish
    // its products or countries; Tartan gives it those of its namesake ins_116834.
    InstitutionDef {
        id: "ins_117181",
        ..FLEXIBLE_PLATYPUS
    },
];

pub fn find(id: &str) -> Option<&'static InstitutionDef> {
    INSTITUTIONS.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_named() {
        let mut ids: Vec<_> = INSTITUTIONS.iter().map(|i| i.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), INSTITUTIONS.len());
        assert_eq!(
            find("ins_109508").map(|i| i.name),
            Some("First Platypus Bank")
        );
        assert!(find("ins_127287").is_some_and(|i| i.oauth));
    }
}
