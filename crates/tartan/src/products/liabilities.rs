//! `/liabilities/get`: the Item's credit cards, student loan and mortgage, as of Plaid's last
//! update, derived from the same schedule as their transactions: a card's last statement is
//! what its purchases of the month before came to, and it is paid in full on the due day by
//! the account that pays it; the loans are paid and charged interest on fixed days.

use axum::Router;
use tartan_types::wire::{
    self, AccountsGetRequest, Apr, CreditCardLiability, Liabilities, LiabilitiesGetResponse,
    MortgageInterestRate, MortgageLiability, PostalAddress, Product, PslfStatus, StudentLoan,
    StudentLoanStatus, StudentRepaymentPlan,
};
use tartan_types::{ErrorCode, PlaidError};
use time::{Date, Month};

use super::{cached_accounts, item_wire, wire_date, with_product};
use crate::surface::{AppState, Ctx, plaid_write};
use crate::world::Item;
use crate::world::bank::transactions::{self as bank_txns, Role, role};
use crate::world::items::AccountState;

pub fn router() -> Router<AppState> {
    Router::new().route("/liabilities/get", plaid_write(liabilities_get))
}

pub fn liabilities_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<LiabilitiesGetResponse, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    with_product(ctx, &req.access_token, Product::Liabilities, |item| {
        let selected = item.select_accounts(ids.as_deref())?;
        let (mut credit, mut student, mut mortgage) = (Vec::new(), Vec::new(), Vec::new());
        for a in &selected {
            match role(&item.template(a)) {
                Role::Card | Role::BusinessCard => credit.push(credit_card(item, a)),
                Role::StudentLoan => student.push(student_loan(item, a)),
                Role::Mortgage => mortgage.push(mortgage_loan(item, a)),
                _ => {}
            }
        }
        if credit.is_empty() && student.is_empty() && mortgage.is_empty() {
            return Err(PlaidError::new(ErrorCode::NO_LIABILITY_ACCOUNTS));
        }
        Ok(LiabilitiesGetResponse {
            accounts: cached_accounts(item, &selected),
            item: item_wire(item, false),
            liabilities: Liabilities {
                credit: Some(credit),
                mortgage: Some(mortgage),
                student: Some(student),
            },
        })
    })
}

/// The bank day of a date.
fn day_of(item: &Item, d: Date) -> i64 {
    (d - item.created_date()).whole_days()
}

/// The latest date on or before `d` that falls on day `dom` of its month (`dom` ≤ 28).
fn last_on(d: Date, dom: u8) -> Date {
    let this = d.replace_day(dom).unwrap_or(d);
    if this <= d { this } else { month_before(this) }
}

/// The earliest date after `d` on day `dom` of its month.
fn next_after(d: Date, dom: u8) -> Date {
    let this = d.replace_day(dom).unwrap_or(d);
    if this > d { this } else { month_after(this) }
}

fn month_before(d: Date) -> Date {
    let (y, m) = match d.month() {
        Month::January => (d.year() - 1, Month::December),
        m => (d.year(), m.previous()),
    };
    Date::from_calendar_date(y, m, d.day()).unwrap_or(d)
}

fn month_after(d: Date) -> Date {
    let (y, m) = match d.month() {
        Month::December => (d.year() + 1, Month::January),
        m => (d.year(), m.next()),
    };
    Date::from_calendar_date(y, m, d.day()).unwrap_or(d)
}

/// How many dates from January 1st of `d`'s year to `d` fall on day `dom`.
fn this_year(d: Date, dom: u8) -> i64 {
    i64::from(u8::from(d.month())) - i64::from(d.day() < dom)
}

/// A yearly rate as Plaid writes it (0.035 is 3.5), without binary noise.
fn percent(rate: f64) -> f64 {
    (rate * 100_000.0).round() / 1_000.0
}

fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn credit_card(item: &Item, a: &AccountState) -> CreditCardLiability {
    let account_id = Some(item.account_id(a));
    let t = item.template(a);
    if item.custom_accounts().is_some() {
        // A configured card's `liability` is read with issue 11's custom users.
        return CreditCardLiability {
            account_id,
            aprs: Vec::new(),
            is_overdue: None,
            last_payment_amount: None,
            last_payment_date: None,
            last_statement_issue_date: None,
            last_statement_balance: None,
            minimum_payment_amount: None,
            next_payment_due_date: None,
        };
    }
    let d = item.read_on(a);
    let due = if role(&t) == Role::BusinessCard {
        bank_txns::BUSINESS_CARD_DUE_DAY
    } else {
        bank_txns::CARD_DUE_DAY
    };
    // The statement closing at the end of last month: that month's posted purchases.
    let statement =
        bank_txns::statement_cents(item.seed, a.template, item.created_date(), day_of(item, d));
    let issued = d.replace_day(1).unwrap_or(d).previous_day().unwrap_or(d);
    let paid_on = last_on(d, due);
    let paid = bank_txns::statement_cents(
        item.seed,
        a.template,
        item.created_date(),
        day_of(item, paid_on),
    );
    let minimum = statement.min((statement / 50).max(2_500));
    let current = item.cached_balance(a).current;
    // Plaid's Sandbox card names its APR ("Plaid Diamond 12.5% APR Interest Credit Card").
    let apr = if role(&t) == Role::BusinessCard {
        17.99
    } else {
        12.5
    };
    CreditCardLiability {
        account_id,
        aprs: vec![Apr {
            apr_percentage: apr,
            apr_type: "purchase_apr".into(),
            balance_subject_to_apr: current,
            // Paid in full every month: no interest is charged.
            interest_charge_amount: Some(0.0),
        }],
        is_overdue: Some(false),
        last_payment_amount: Some(dollars(paid)),
        last_payment_date: Some(wire_date(paid_on)),
        last_statement_issue_date: Some(wire_date(issued)),
        last_statement_balance: Some(dollars(statement)),
        minimum_payment_amount: Some(dollars(minimum)),
        next_payment_due_date: Some(wire_date(next_after(d, due))),
    }
}

/// What a loan's payments this year came to: (interest, principal), in cents.
fn ytd(d: Date, payment: i64, pay_day: u8, interest: i64) -> (i64, i64) {
    let charged = interest * this_year(d, bank_txns::INTEREST_DAY);
    let paid = payment * this_year(d, pay_day);
    (charged.min(paid), (paid - charged).max(0))
}

fn address(
    street: &'static str,
    city: &'static str,
    region: &'static str,
    zip: &'static str,
) -> PostalAddress {
    PostalAddress {
        city: Some(city.into()),
        region: Some(region.into()),
        street: Some(street.into()),
        postal_code: Some(zip.into()),
        country: Some("US".into()),
    }
}

fn student_loan(item: &Item, a: &AccountState) -> StudentLoan {
    let t = item.template(a);
    let d = item.read_on(a);
    let interest = bank_txns::monthly_interest(&t, bank_txns::STUDENT_RATE);
    let (ytd_interest, ytd_principal) = ytd(
        d,
        bank_txns::STUDENT_PAYMENT_CENTS,
        bank_txns::STUDENT_PAYMENT_DAY,
        interest,
    );
    // Public Service Loan Forgiveness counts monthly payments since January 2017, to 120.
    let made = ((d.year() - 2017) * 12 + i32::from(u8::from(d.month())) - 1).clamp(0, 120) as u32;
    StudentLoan {
        account_id: Some(item.account_id(a)),
        account_number: Some("4277075694".into()),
        disbursement_dates: Some(vec!["2016-08-26".to_owned()]),
        expected_payoff_date: Some("2036-08-05".to_owned()),
        guarantor: Some("DEPT OF ED".into()),
        interest_rate_percentage: percent(bank_txns::STUDENT_RATE),
        is_overdue: Some(false),
        last_payment_amount: Some(dollars(bank_txns::STUDENT_PAYMENT_CENTS)),
        last_payment_date: Some(wire_date(last_on(d, bank_txns::STUDENT_PAYMENT_DAY))),
        last_statement_balance: item.cached_balance(a).current,
        last_statement_issue_date: Some(wire_date(last_on(d, 15))),
        loan_name: Some("Consolidation".into()),
        loan_status: StudentLoanStatus {
            end_date: Some("2036-08-05".to_owned()),
            kind: Some("repayment".into()),
        },
        minimum_payment_amount: Some(dollars(bank_txns::STUDENT_PAYMENT_CENTS)),
        next_payment_due_date: Some(wire_date(next_after(d, bank_txns::STUDENT_PAYMENT_DAY))),
        origination_date: Some("2016-08-26".to_owned()),
        origination_principal_amount: Some(100_000.0),
        outstanding_interest_amount: Some(0.0),
        payment_reference_number: Some("4277075694".into()),
        pslf_status: PslfStatus {
            estimated_eligibility_date: Some("2027-01-01".to_owned()),
            payments_made: Some(made),
            payments_remaining: Some(120 - made),
        },
        repayment_plan: StudentRepaymentPlan {
            description: Some("Standard Repayment".into()),
            kind: Some("standard".into()),
        },
        sequence_number: Some("1".into()),
        servicer_address: address("1 Servicer Plaza", "Wilmington", "DE", "19801"),
        ytd_interest_paid: Some(dollars(ytd_interest)),
        ytd_principal_paid: Some(dollars(ytd_principal)),
    }
}

fn mortgage_loan(item: &Item, a: &AccountState) -> MortgageLiability {
    let t = item.template(a);
    let d = item.read_on(a);
    let interest = bank_txns::monthly_interest(&t, bank_txns::MORTGAGE_RATE);
    let (ytd_interest, ytd_principal) = ytd(
        d,
        bank_txns::MORTGAGE_PAYMENT_CENTS,
        bank_txns::MORTGAGE_PAYMENT_DAY,
        interest,
    );
    let owner = item.owner(a);
    let home = owner.addresses.first().map(|a| &a.data);
    let text = |s: Option<&String>| s.map(|s| wire::Text::from(s.clone()));
    MortgageLiability {
        account_id: item.account_id(a),
        account_number: Some("3120194154".into()),
        current_late_fee: Some(0.0),
        escrow_balance: Some(3_141.54),
        has_pmi: Some(false),
        has_prepayment_penalty: Some(false),
        interest_rate: MortgageInterestRate {
            percentage: Some(percent(bank_txns::MORTGAGE_RATE)),
            kind: Some("fixed".into()),
        },
        last_payment_amount: Some(dollars(bank_txns::MORTGAGE_PAYMENT_CENTS)),
        last_payment_date: Some(wire_date(last_on(d, bank_txns::MORTGAGE_PAYMENT_DAY))),
        loan_type_description: Some("conventional".into()),
        loan_term: Some("20 year".into()),
        maturity_date: Some("2033-04-01".to_owned()),
        next_monthly_payment: Some(dollars(bank_txns::MORTGAGE_PAYMENT_CENTS)),
        next_payment_due_date: Some(wire_date(next_after(d, bank_txns::MORTGAGE_PAYMENT_DAY))),
        origination_date: Some("2013-04-01".to_owned()),
        origination_principal_amount: Some(190_000.0),
        past_due_amount: Some(0.0),
        // The home is the account holder's address.
        property_address: PostalAddress {
            city: text(home.and_then(|h| h.city.as_ref())),
            region: text(home.and_then(|h| h.region.as_ref())),
            street: text(home.map(|h| &h.street)),
            postal_code: text(home.and_then(|h| h.postal_code.as_ref())),
            country: text(home.and_then(|h| h.country.as_ref())),
        },
        ytd_interest_paid: Some(dollars(ytd_interest)),
        ytd_principal_paid: Some(dollars(ytd_principal)),
    }
}
