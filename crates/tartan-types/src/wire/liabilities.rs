//! Liabilities: `/liabilities/get` and its credit card, student loan and mortgage objects.
//! Every key Plaid requires is written, null when empty.

use serde::{Deserialize, Serialize};

use super::{Account, Item, Text};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apr {
    pub apr_percentage: f64,
    pub apr_type: Text,
    pub balance_subject_to_apr: Option<f64>,
    pub interest_charge_amount: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditCardLiability {
    pub account_id: Option<String>,
    pub aprs: Vec<Apr>,
    pub is_overdue: Option<bool>,
    pub last_payment_amount: Option<f64>,
    pub last_payment_date: Option<String>,
    pub last_statement_issue_date: Option<String>,
    pub last_statement_balance: Option<f64>,
    pub minimum_payment_amount: Option<f64>,
    pub next_payment_due_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub city: Option<Text>,
    pub region: Option<Text>,
    pub street: Option<Text>,
    pub postal_code: Option<Text>,
    pub country: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentLoanStatus {
    pub end_date: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentRepaymentPlan {
    pub description: Option<Text>,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PslfStatus {
    pub estimated_eligibility_date: Option<String>,
    pub payments_made: Option<u32>,
    pub payments_remaining: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentLoan {
    pub account_id: Option<String>,
    pub account_number: Option<Text>,
    pub disbursement_dates: Option<Vec<String>>,
    pub expected_payoff_date: Option<String>,
    pub guarantor: Option<Text>,
    pub interest_rate_percentage: f64,
    pub is_overdue: Option<bool>,
    pub last_payment_amount: Option<f64>,
    pub last_payment_date: Option<String>,
    pub last_statement_balance: Option<f64>,
    pub last_statement_issue_date: Option<String>,
    pub loan_name: Option<Text>,
    pub loan_status: StudentLoanStatus,
    pub minimum_payment_amount: Option<f64>,
    pub next_payment_due_date: Option<String>,
    pub origination_date: Option<String>,
    pub origination_principal_amount: Option<f64>,
    pub outstanding_interest_amount: Option<f64>,
    pub payment_reference_number: Option<Text>,
    pub pslf_status: PslfStatus,
    pub repayment_plan: StudentRepaymentPlan,
    pub sequence_number: Option<Text>,
    pub servicer_address: PostalAddress,
    pub ytd_interest_paid: Option<f64>,
    pub ytd_principal_paid: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MortgageInterestRate {
    pub percentage: Option<f64>,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MortgageLiability {
    pub account_id: String,
    pub account_number: Option<Text>,
    pub current_late_fee: Option<f64>,
    pub escrow_balance: Option<f64>,
    pub has_pmi: Option<bool>,
    pub has_prepayment_penalty: Option<bool>,
    pub interest_rate: MortgageInterestRate,
    pub last_payment_amount: Option<f64>,
    pub last_payment_date: Option<String>,
    pub loan_type_description: Option<Text>,
    pub loan_term: Option<Text>,
    pub maturity_date: Option<String>,
    pub next_monthly_payment: Option<f64>,
    pub next_payment_due_date: Option<String>,
    pub origination_date: Option<String>,
    pub origination_principal_amount: Option<f64>,
    pub past_due_amount: Option<f64>,
    pub property_address: PostalAddress,
    pub ytd_interest_paid: Option<f64>,
    pub ytd_principal_paid: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Liabilities {
    pub credit: Option<Vec<CreditCardLiability>>,
    pub mortgage: Option<Vec<MortgageLiability>>,
    pub student: Option<Vec<StudentLoan>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiabilitiesGetResponse {
    pub accounts: Vec<Account>,
    pub item: Item,
    pub liabilities: Liabilities,
}
