//! The market: the securities the simulated banks hold and their close prices, a pure
//! function of the security and the calendar date (every tenant and Item sees the same
//! market). Prices move on weekdays (crypto every day); Saturdays and Sundays keep Friday's
//! close. Tartan knows no market holidays.

use time::{Date, Weekday};

use crate::world::ids::{splitmix, stable_hash};

/// Plaid's security types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cash,
    Cryptocurrency,
    Equity,
    Etf,
    FixedIncome,
    MutualFund,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Cryptocurrency => "cryptocurrency",
            Self::Equity => "equity",
            Self::Etf => "etf",
            Self::FixedIncome => "fixed income",
            Self::MutualFund => "mutual fund",
        }
    }

    /// Plaid's `subtype` for the kind.
    pub fn subtype(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Cryptocurrency => "cryptocurrency",
            Self::Equity => "common stock",
            Self::Etf => "etf",
            Self::FixedIncome => "bond",
            Self::MutualFund => "mutual fund",
        }
    }
}

/// A security as the market knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Security {
    pub ticker: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    /// CUSIP (9 characters, with its check digit), for US securities.
    pub cusip: Option<&'static str>,
    pub sedol: Option<&'static str>,
    /// Market identifier code of the exchange.
    pub mic: Option<&'static str>,
    pub sector: Option<&'static str>,
    pub industry: Option<&'static str>,
    /// The close price on [`ANCHOR`].
    pub anchor_price: f64,
    /// Yearly drift and daily volatility of the price.
    pub drift: f64,
    pub volatility: f64,
}

const fn sec(
    ticker: &'static str,
    name: &'static str,
    kind: Kind,
    ids: (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    ),
    class: (Option<&'static str>, Option<&'static str>),
    price: (f64, f64, f64),
) -> Security {
    Security {
        ticker,
        name,
        kind,
        cusip: ids.0,
        sedol: ids.1,
        mic: ids.2,
        sector: class.0,
        industry: class.1,
        anchor_price: price.0,
        drift: price.1,
        volatility: price.2,
    }
}

use Kind::*;

/// Every security Tartan's banks hold.
pub static SECURITIES: &[Security] = &[
    sec(
        "CUR:USD",
        "U S Dollar",
        Cash,
        (None, None, None),
        (None, None),
        (1.0, 0.0, 0.0),
    ),
    sec(
        "AAPL",
        "Apple Inc.",
        Equity,
        (Some("037833100"), Some("2046251"), Some("XNAS")),
        (
            Some("Electronic Technology"),
            Some("Telecommunications Equipment"),
        ),
        (190.0, 0.12, 0.016),
    ),
    sec(
        "MSFT",
        "Microsoft Corporation",
        Equity,
        (Some("594918104"), Some("2588173"), Some("XNAS")),
        (Some("Technology Services"), Some("Packaged Software")),
        (410.0, 0.10, 0.015),
    ),
    sec(
        "VTI",
        "Vanguard Total Stock Market ETF",
        Etf,
        (Some("922908769"), None, Some("ARCX")),
        (None, None),
        (260.0, 0.08, 0.010),
    ),
    sec(
        "BND",
        "Vanguard Total Bond Market ETF",
        Etf,
        (Some("921937835"), None, Some("XNAS")),
        (None, None),
        (72.0, 0.01, 0.003),
    ),
    sec(
        "VFIAX",
        "Vanguard 500 Index Fund Admiral Shares",
        MutualFund,
        (Some("922908710"), None, None),
        (None, None),
        (470.0, 0.08, 0.010),
    ),
    sec(
        "DBLTX",
        "DoubleLine Total Return Bond Fund Class I",
        MutualFund,
        (Some("258620103"), None, None),
        (None, None),
        (8.7, 0.0, 0.002),
    ),
    sec(
        "T 4.25 15/11/34",
        "United States Treasury Note 4.25% 15/11/2034",
        FixedIncome,
        (None, None, None),
        (None, None),
        (98.5, 0.0, 0.002),
    ),
    sec(
        "BTC",
        "Bitcoin",
        Cryptocurrency,
        (None, None, None),
        (None, None),
        (60_000.0, 0.20, 0.035),
    ),
];

/// The day the anchor prices are the close of.
pub const ANCHOR: Date = time::macros::date!(2026 - 01 - 02);

/// A security by ticker.
pub fn find(ticker: &str) -> Option<&'static Security> {
    SECURITIES.iter().find(|s| s.ticker == ticker)
}

impl Security {
    /// Plaid's `security_id`: stable for the security (the same in every Item).
    pub fn security_id(&self) -> String {
        crate::world::ids::object_id_from(stable_hash(self.ticker.as_bytes()))
    }

    /// The ISIN of a US security: `US`, its CUSIP and the check digit.
    pub fn isin(&self) -> Option<String> {
        let body = format!("US{}", self.cusip?);
        Some(format!("{body}{}", isin_check(&body)))
    }

    /// Crypto trades every day; everything else on weekdays.
    fn trades_on(&self, d: Date) -> bool {
        self.kind == Cryptocurrency || !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The last trading day on or before `d`.
    pub fn priced_on(&self, d: Date) -> Date {
        let mut day = d;
        while !self.trades_on(day) {
            day = day.previous_day().unwrap_or(day);
        }
        day
    }

    /// The close price on `d` (the last trading day's, on other days), to the cent (to the
    /// thousandth of a cent below a dollar). A drift, two slow waves and a daily move, all
    /// functions of the day: no walk from the anchor, so any day costs the same.
    pub fn close(&self, d: Date) -> f64 {
        if self.kind == Cash {
            return 1.0;
        }
        let day = self.priced_on(d);
        let t = (day - ANCHOR).whole_days() as f64;
        let seed = stable_hash(self.ticker.as_bytes());
        let phase = |k: u64| (splitmix(seed ^ k) >> 11) as f64 / (1u64 << 53) as f64;
        let v = self.volatility;
        let waves = 12.0 * v * (std::f64::consts::TAU * (t / 97.0 + phase(1))).sin()
            + 20.0 * v * (std::f64::consts::TAU * (t / 389.0 + phase(2))).sin();
        let daily = v * (2.0 * unit(seed, day) - 1.0);
        let growth = (self.drift * t / 365.0).exp();
        let price = self.anchor_price * growth * (1.0 + waves + daily).max(0.05);
        let scale = if price < 1.0 { 100_000.0 } else { 100.0 };
        (price * scale).round() / scale
    }
}

/// A deterministic number in [0, 1) for the security and day.
fn unit(seed: u64, day: Date) -> f64 {
    (splitmix(seed ^ splitmix(day.to_julian_day() as u64)) >> 11) as f64 / (1u64 << 53) as f64
}

/// The ISIN check digit (ISO 6166: letters become numbers, then Luhn).
fn isin_check(body: &str) -> u32 {
    let digits: Vec<u32> = body
        .chars()
        .flat_map(|c| {
            let n = c.to_digit(36).unwrap_or(0);
            if n >= 10 {
                vec![n / 10, n % 10]
            } else {
                vec![n]
            }
        })
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The CUSIP check digit (the ninth character).
    fn cusip_check(first8: &str) -> u32 {
        let sum: u32 = first8
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let v = c.to_digit(36).unwrap_or(0);
                let v = if i % 2 == 1 { v * 2 } else { v };
                v / 10 + v % 10
            })
            .sum();
        (10 - sum % 10) % 10
    }

    #[test]
    fn identifiers_carry_valid_check_digits() {
        for s in SECURITIES.iter().filter(|s| s.cusip.is_some()) {
            let cusip = s.cusip.unwrap_or_default();
            assert_eq!(cusip.len(), 9, "{}", s.ticker);
            assert_eq!(
                cusip[8..].parse::<u32>().ok(),
                Some(cusip_check(&cusip[..8])),
                "{}",
                s.ticker
            );
        }
        assert_eq!(
            find("AAPL").and_then(Security::isin).as_deref(),
            Some("US0378331005")
        );
        assert_eq!(
            find("VTI").and_then(Security::isin).as_deref(),
            Some("US9229087690")
        );
    }

    #[test]
    fn prices_move_on_trading_days_only_and_stay_positive() {
        let aapl = find("AAPL").expect("AAPL");
        let (fri, sat, sun, mon) = (
            date!(2027 - 03 - 05),
            date!(2027 - 03 - 06),
            date!(2027 - 03 - 07),
            date!(2027 - 03 - 08),
        );
        assert_eq!(aapl.close(sat), aapl.close(fri));
        assert_eq!(aapl.close(sun), aapl.close(fri));
        assert_ne!(aapl.close(mon), aapl.close(fri));
        let btc = find("BTC").expect("BTC");
        assert_ne!(btc.close(sat), btc.close(fri), "crypto trades every day");
        for s in SECURITIES {
            let mut d = date!(2024 - 01 - 01);
            for _ in 0..2_000 {
                assert!(s.close(d) > 0.0, "{} on {d}", s.ticker);
                d = d.next_day().unwrap_or(d);
            }
        }
        assert_eq!(find("CUR:USD").map(|c| c.close(mon)), Some(1.0));
    }
}
