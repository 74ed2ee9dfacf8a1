//! `/institutions/get`, `/institutions/get_by_id`, `/institutions/search`.

use axum::Router;
use tartan_types::wire::{
    AuthMetadata, AuthSupportedMethods, CountryCode, Institution, InstitutionStatus,
    InstitutionsGetByIdRequest, InstitutionsGetByIdResponse, InstitutionsGetRequest,
    InstitutionsGetResponse, InstitutionsSearchRequest, InstitutionsSearchResponse, Product,
    ProductStatus, ProductStatusBreakdown,
};
use tartan_types::{ErrorCode, PlaidError};

use crate::surface::{AppState, Ctx, plaid};
use crate::world::clock;
use crate::world::institutions::{Health, INSTITUTIONS, InstitutionDef};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/institutions/get", plaid(institutions_get))
        .route("/institutions/get_by_id", plaid(get_by_id))
        .route("/institutions/search", plaid(search))
}

fn require_countries(codes: &[CountryCode]) -> Result<(), PlaidError> {
    if codes.is_empty() {
        return Err(PlaidError::invalid_field(
            "country_codes",
            "must contain at least one country code",
        ));
    }
    Ok(())
}

/// Whether the institution serves one of `codes` (an empty list does not filter).
fn in_countries(inst: &InstitutionDef, codes: &[CountryCode]) -> bool {
    codes.is_empty() || inst.country_codes.iter().any(|c| codes.contains(c))
}

fn has_products(inst: &InstitutionDef, products: Option<&[Product]>) -> bool {
    products.is_none_or(|ps| ps.iter().all(|p| inst.supports(*p)))
}

/// Which optional blocks a caller asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstitutionView {
    pub optional_metadata: bool,
    pub status: bool,
    pub auth_metadata: bool,
}

/// The institution as `/institutions/*` shows it, with the optional blocks asked for, in the
/// health the tenant sees it in.
pub fn institution_wire(
    def: &InstitutionDef,
    view: InstitutionView,
    health: Health,
    now_wire: &str,
) -> Institution {
    let status = view.status.then(|| institution_status(health, now_wire));
    Institution {
        institution_id: def.id.to_owned(),
        name: def.name.to_owned(),
        products: def.products.to_vec(),
        country_codes: def.country_codes.to_vec(),
        url: view.optional_metadata.then(|| def.url.to_owned()),
        primary_color: view.optional_metadata.then(|| def.primary_color.to_owned()),
        logo: view.optional_metadata.then(|| def.logo.to_owned()),
        routing_numbers: def.routing_numbers.iter().map(|s| s.to_string()).collect(),
        dtc_numbers: Vec::new(),
        oauth: def.oauth,
        connection_availability: if def.supported {
            "SUPPORTED"
        } else {
            "NOT_SUPPORTED"
        }
        .to_owned(),
        status,
        auth_metadata: view.auth_metadata.then(|| AuthMetadata {
            supported_methods: Some(AuthSupportedMethods {
                instant_auth: def.supports(Product::Auth),
                instant_match: def.id == "ins_109512",
                automated_micro_deposits: def.id == "ins_109512",
                instant_micro_deposits: def.id == "ins_135858",
            }),
        }),
    }
}

/// Success / Plaid-error / institution-error rates shown for this health.
fn breakdown(h: Health) -> (f64, f64, f64) {
    match h {
        Health::Healthy => (0.993, 0.004, 0.003),
        Health::Degraded => (0.612, 0.021, 0.367),
        Health::Down => (0.041, 0.012, 0.947),
    }
}

/// Every product's status block, in one health.
fn institution_status(h: Health, now_wire: &str) -> InstitutionStatus {
    let (success, error_plaid, error_institution) = breakdown(h);
    let product = |health: Health| ProductStatus {
        status: health.as_str().to_owned(),
        last_status_change: now_wire.to_owned(),
        breakdown: ProductStatusBreakdown {
            success,
            error_plaid,
            error_institution,
            refresh_interval: Some(
                match health {
                    Health::Healthy => "NORMAL",
                    Health::Degraded => "DELAYED",
                    Health::Down => "STOPPED",
                }
                .to_owned(),
            ),
        },
    };
    InstitutionStatus {
        item_logins: product(h),
        transactions_updates: product(h),
        auth: product(h),
        identity: product(h),
        investments_updates: product(h),
        liabilities_updates: product(h),
        liabilities: product(h),
        investments: product(h),
        health_incidents: Some(Vec::new()),
    }
}

/// The institutions as this tenant sees them (incidents change their health).
fn render(
    ctx: &Ctx<'_>,
    insts: &[&'static InstitutionDef],
    view: InstitutionView,
) -> Vec<Institution> {
    ctx.world.read(|s| {
        let now = clock::wire(s.now_ms(&ctx.client_id));
        let tenant = s.tenants.get(&ctx.client_id);
        insts
            .iter()
            .map(|i| {
                let health = tenant.map_or(i.health, |t| t.tenant.bank(i).health);
                institution_wire(i, view, health, &now)
            })
            .collect()
    })
}

pub fn institutions_get(
    ctx: &Ctx<'_>,
    req: InstitutionsGetRequest,
) -> Result<InstitutionsGetResponse, PlaidError> {
    if !(1..=500).contains(&req.count) {
        return Err(PlaidError::invalid_field(
            "count",
            "must be between 1 and 500",
        ));
    }
    if req.offset < 0 {
        return Err(PlaidError::invalid_field("offset", "must be 0 or greater"));
    }
    require_countries(&req.country_codes)?;
    let options = req.options.unwrap_or_default();
    let matching: Vec<&'static InstitutionDef> = INSTITUTIONS
        .iter()
        .filter(|i| in_countries(i, &req.country_codes))
        .filter(|i| has_products(i, options.products.as_deref()))
        .filter(|i| options.oauth.is_none_or(|o| i.oauth == o))
        .filter(|i| {
            options.routing_numbers.as_ref().is_none_or(|rns| {
                rns.iter()
                    .any(|rn| i.routing_numbers.contains(&rn.as_str()))
            })
        })
        .collect();
    let page: Vec<_> = matching
        .iter()
        .skip(req.offset as usize)
        .take(req.count as usize)
        .copied()
        .collect();
    let view = InstitutionView {
        optional_metadata: options.include_optional_metadata.unwrap_or(false),
        status: options.include_status.unwrap_or(false),
        auth_metadata: options.include_auth_metadata.unwrap_or(false),
    };
    Ok(InstitutionsGetResponse {
        institutions: render(ctx, &page, view),
        total: matching.len(),
    })
}

pub fn get_by_id(
    ctx: &Ctx<'_>,
    req: InstitutionsGetByIdRequest,
) -> Result<InstitutionsGetByIdResponse, PlaidError> {
    let inst = crate::world::institutions::find(&req.institution_id)
        .filter(|i| in_countries(i, &req.country_codes))
        .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_INSTITUTION))?;
    let options = req.options.unwrap_or_default();
    let view = InstitutionView {
        optional_metadata: options.include_optional_metadata.unwrap_or(false),
        status: options.include_status.unwrap_or(false),
        auth_metadata: options.include_auth_metadata.unwrap_or(false),
    };
    let institution = render(ctx, &[inst], view)
        .pop()
        .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_INSTITUTION))?;
    Ok(InstitutionsGetByIdResponse { institution })
}

pub fn search(
    ctx: &Ctx<'_>,
    req: InstitutionsSearchRequest,
) -> Result<InstitutionsSearchResponse, PlaidError> {
    let query = req.query.trim().to_lowercase();
    if query.is_empty() {
        return Err(PlaidError::invalid_field(
            "query",
            "must be a non-empty string",
        ));
    }
    let options = req.options.unwrap_or_default();
    let words: Vec<&str> = query.split_whitespace().collect();
    let matching: Vec<&'static InstitutionDef> = INSTITUTIONS
        .iter()
        .filter(|i| in_countries(i, &req.country_codes))
        .filter(|i| has_products(i, req.products.as_deref()))
        .filter(|i| options.oauth.is_none_or(|o| i.oauth == o))
        .filter(|i| {
            let name = i.name.to_lowercase();
            i.id == query || words.iter().all(|w| name.contains(w))
        })
        .take(10)
        .collect();
    let view = InstitutionView {
        optional_metadata: options.include_optional_metadata.unwrap_or(false),
        status: false,
        auth_metadata: options.include_auth_metadata.unwrap_or(false),
    };
    Ok(InstitutionsSearchResponse {
        institutions: render(ctx, &matching, view),
    })
}
