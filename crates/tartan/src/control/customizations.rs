//! `/tartan/link/customizations`: Link customizations, what Plaid's Dashboard holds, named
//! by link_customization_name.

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use super::NoQuery;
use crate::surface::{AppState, Ctx, control_get, plaid_write};
use crate::world::tenants::{AccountSelect, LinkCustomization, TenantSettings};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/tartan/link/customizations",
        control_get(customizations_list).merge(plaid_write(customization_put)),
    )
}

#[derive(Debug, Deserialize)]
pub struct CustomizationRequest {
    name: String,
    account_select: AccountSelect,
}

#[derive(Debug, Serialize)]
pub struct CustomizationView {
    name: String,
    account_select: AccountSelect,
}

#[derive(Debug, Serialize)]
pub struct CustomizationsView {
    link_customizations: Vec<CustomizationView>,
}

fn customizations_view(settings: &TenantSettings) -> CustomizationsView {
    CustomizationsView {
        link_customizations: settings
            .link_customizations
            .iter()
            .map(|(name, c)| CustomizationView {
                name: name.clone(),
                account_select: c.account_select,
            })
            .collect(),
    }
}

fn customizations_list(ctx: &Ctx<'_>, _: NoQuery) -> Result<CustomizationsView, PlaidError> {
    ctx.world
        .read(|s| Ok(customizations_view(&s.tenant(&ctx.client_id)?.settings)))
}

/// Creates or replaces a customization; link tokens naming it follow it from their next pane.
fn customization_put(
    ctx: &Ctx<'_>,
    req: CustomizationRequest,
) -> Result<CustomizationsView, PlaidError> {
    let name = req.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(PlaidError::invalid_field(
            "name",
            "must be 1 to 100 characters",
        ));
    }
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        tenant.settings.link_customizations.insert(
            name.to_owned(),
            LinkCustomization {
                account_select: req.account_select,
            },
        );
        Ok(customizations_view(&tenant.settings))
    })
}
