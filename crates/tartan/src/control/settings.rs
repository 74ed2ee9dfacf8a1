//! `/tartan/settings` and `/tartan/institutions/settings`: the tenant's settings (login
//! expiry, seed) and each institution's (refresh cadence, login risk, consent length).

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use super::NoQuery;
use crate::surface::{AppState, Ctx, control_get, plaid_write};
use crate::world::Tenant;
use crate::world::clock::{MINUTE_MS, SECOND_MS};
use crate::world::institutions::{self, LoginRisk};
use crate::world::tenants::{Bank, InstitutionSettings};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tartan/settings",
            control_get(settings_get).merge(plaid_write(settings_update)),
        )
        .route(
            "/tartan/institutions/settings",
            plaid_write(institution_settings),
        )
}

#[derive(Debug, Deserialize)]
pub struct SettingsRequest {
    /// Sandbox Items fall into ITEM_LOGIN_REQUIRED this many days after creation (0: never).
    item_login_expiry_days: Option<i64>,
    /// The seed Items created from now on derive their data from.
    seed: Option<u64>,
    /// `v1` or `v2`: the `personal_finance_category` version requests get when they name none.
    personal_finance_category_version: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SettingsView {
    item_login_expiry_days: i64,
    seed: u64,
    /// Whether the seed was set (`false`: derived from the client_id).
    seed_set: bool,
    /// Items made so far: the next Item is number `items_created` in the creation order.
    items_created: u64,
    personal_finance_category_version: &'static str,
}

fn settings_view(t: &Tenant) -> SettingsView {
    SettingsView {
        item_login_expiry_days: t.settings.item_login_expiry_days,
        seed: t.seed(),
        seed_set: t.settings.seed.is_some(),
        items_created: t.items_created,
        personal_finance_category_version: if t.settings.pfc_v1_default {
            "v1"
        } else {
            "v2"
        },
    }
}

fn settings_get(ctx: &Ctx<'_>, _: NoQuery) -> Result<SettingsView, PlaidError> {
    ctx.world
        .read(|s| s.tenant(&ctx.client_id).map(settings_view))
}

fn settings_update(ctx: &Ctx<'_>, req: SettingsRequest) -> Result<SettingsView, PlaidError> {
    if let Some(d) = req.item_login_expiry_days
        && !(0..=3650).contains(&d)
    {
        return Err(PlaidError::invalid_field(
            "item_login_expiry_days",
            "must be between 0 (never) and 3650",
        ));
    }
    let pfc_v1 = match req.personal_finance_category_version.as_deref() {
        None => None,
        Some("v1") => Some(true),
        Some("v2") => Some(false),
        Some(_) => {
            return Err(PlaidError::invalid_field(
                "personal_finance_category_version",
                "must be v1 or v2",
            ));
        }
    };
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        if let Some(d) = req.item_login_expiry_days {
            tenant.settings.item_login_expiry_days = d;
        }
        if let Some(v1) = pfc_v1 {
            tenant.settings.pfc_v1_default = v1;
        }
        if let Some(seed) = req.seed {
            tenant.settings.seed = Some(seed);
        }
        Ok(settings_view(tenant))
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginRiskRequest {
    probability: f64,
    window_minutes: i64,
}

#[derive(Debug, Deserialize)]
pub struct InstitutionSettingsRequest {
    institution_id: String,
    /// Background update cadence for Items with Transactions, Investments or Liabilities.
    refresh_interval_minutes: Option<i64>,
    /// How likely a bank contact soon after creation breaks the login; null: never.
    #[serde(default, deserialize_with = "explicit_null")]
    login_risk: Option<Option<LoginRiskRequest>>,
    consent_days: Option<i64>,
    /// Seconds after Transactions starts until the last 30 days are ready (INITIAL_UPDATE).
    transactions_initial_seconds: Option<i64>,
    /// Seconds until the whole requested history is ready (HISTORICAL_UPDATE).
    transactions_historical_seconds: Option<i64>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize)]
pub struct BankView {
    institution_id: &'static str,
    refresh_interval_minutes: i64,
    login_risk: Option<LoginRiskView>,
    consent_days: Option<i64>,
    health: institutions::Health,
    outage: Option<&'static str>,
    transactions_initial_seconds: i64,
    transactions_historical_seconds: i64,
}

#[derive(Debug, Serialize)]
pub struct LoginRiskView {
    probability: f64,
    window_minutes: i64,
}

fn bank_view(b: &Bank) -> BankView {
    BankView {
        institution_id: b.def.id,
        refresh_interval_minutes: b.refresh_interval_ms / MINUTE_MS,
        login_risk: b.login_risk.map(|r| LoginRiskView {
            probability: r.probability,
            window_minutes: r.window_ms / MINUTE_MS,
        }),
        consent_days: b.consent_days,
        health: b.health,
        outage: b.outage.map(ErrorCode::as_str),
        transactions_initial_seconds: b.transactions_initial_ms / SECOND_MS,
        transactions_historical_seconds: b.transactions_historical_ms / SECOND_MS,
    }
}

fn institution_settings(
    ctx: &Ctx<'_>,
    req: InstitutionSettingsRequest,
) -> Result<BankView, PlaidError> {
    let def = institutions::find(&req.institution_id)
        .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_INSTITUTION))?;
    if let Some(m) = req.refresh_interval_minutes
        && !(1..=60 * 24 * 365).contains(&m)
    {
        return Err(PlaidError::invalid_field(
            "refresh_interval_minutes",
            "must be between 1 and 525600",
        ));
    }
    if let Some(Some(r)) = &req.login_risk
        && (!(0.0..=1.0).contains(&r.probability) || r.window_minutes < 0)
    {
        return Err(PlaidError::invalid_field(
            "login_risk",
            "needs probability between 0 and 1 and a window_minutes of 0 or more",
        ));
    }
    if let Some(d) = req.consent_days
        && !(1..=3650).contains(&d)
    {
        return Err(PlaidError::invalid_field(
            "consent_days",
            "must be between 1 and 3650",
        ));
    }
    for (field, v) in [
        (
            "transactions_initial_seconds",
            req.transactions_initial_seconds,
        ),
        (
            "transactions_historical_seconds",
            req.transactions_historical_seconds,
        ),
    ] {
        if v.is_some_and(|s| !(0..=7 * 24 * 3600).contains(&s)) {
            return Err(PlaidError::invalid_field(
                field,
                "must be between 0 and 604800",
            ));
        }
    }
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        let settings = tenant
            .settings
            .institutions
            .entry(def.id.to_owned())
            .or_insert_with(InstitutionSettings::default);
        if let Some(m) = req.refresh_interval_minutes {
            settings.refresh_interval_ms = Some(m * MINUTE_MS);
        }
        if let Some(risk) = &req.login_risk {
            settings.login_risk = Some(risk.as_ref().map(|r| LoginRisk {
                probability: r.probability,
                window_ms: r.window_minutes * MINUTE_MS,
            }));
        }
        if let Some(d) = req.consent_days {
            settings.consent_days = Some(d);
        }
        if let Some(s) = req.transactions_initial_seconds {
            settings.transactions_initial_ms = Some(s * SECOND_MS);
        }
        if let Some(s) = req.transactions_historical_seconds {
            settings.transactions_historical_ms = Some(s * SECOND_MS);
        }
        Ok(bank_view(&tenant.bank(def)))
    })
}
