//! Per-test isolation: reset a tenant, snapshot and restore it, fork it under another
//! client_id. Each is one operation on the tenant's whole state, persisted with a data dir.

use axum::Router;
use axum::response::Response;
use axum::routing::{delete, post};
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use super::{NoFields, NoQuery};
use crate::store::SnapshotMeta;
use crate::surface::extract::{Authed, PathId};
use crate::surface::{AppState, Ctx, RequestId, control_get, error_response, plaid_write, respond};
use crate::world::{KeyPolicy, World, clock};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tartan/reset", plaid_write(reset))
        .route(
            "/tartan/snapshots",
            control_get(snapshots_list).merge(plaid_write(snapshot_create)),
        )
        .route("/tartan/snapshots/{snapshot_id}/restore", post(restore))
        .route("/tartan/snapshots/{snapshot_id}", delete(snapshot_delete))
        .route("/tartan/tenants/fork", plaid_write(fork))
}

#[derive(Debug, Serialize)]
pub struct ResetView {
    reset: bool,
}

fn reset(ctx: &Ctx<'_>, _: NoFields) -> Result<ResetView, PlaidError> {
    ctx.world.reset_tenant(&ctx.client_id)?;
    Ok(ResetView { reset: true })
}

#[derive(Debug, Serialize)]
pub struct SnapshotView {
    snapshot_id: String,
    created_at: String,
    items: u64,
}

fn snapshot_view(m: &SnapshotMeta) -> SnapshotView {
    SnapshotView {
        snapshot_id: m.snapshot_id.clone(),
        created_at: clock::wire(m.created_at_ms),
        items: m.items,
    }
}

fn snapshot_create(ctx: &Ctx<'_>, _: NoFields) -> Result<SnapshotView, PlaidError> {
    Ok(snapshot_view(&ctx.world.snapshot(&ctx.client_id)?))
}

#[derive(Debug, Serialize)]
pub struct SnapshotsView {
    snapshots: Vec<SnapshotView>,
}

fn snapshots_list(ctx: &Ctx<'_>, _: NoQuery) -> Result<SnapshotsView, PlaidError> {
    Ok(SnapshotsView {
        snapshots: ctx
            .world
            .snapshots(&ctx.client_id)?
            .iter()
            .map(snapshot_view)
            .collect(),
    })
}

#[derive(Debug, Serialize)]
pub struct RestoredView {
    restored: SnapshotView,
}

/// Runs `f` as a write on the blocking pool and answers its result once durable.
async fn write_call<T: Serialize + Send + 'static>(
    app: AppState,
    request_id: std::sync::Arc<str>,
    f: impl FnOnce(&World) -> Result<T, PlaidError> + Send + 'static,
) -> Response {
    match app.world.blocking_write(f).await {
        Ok(result) => respond(result, &RequestId(request_id)),
        Err(e) => error_response(&e, &request_id),
    }
}

async fn restore(
    axum::extract::State(app): axum::extract::State<AppState>,
    auth: Authed,
    PathId(id): PathId,
) -> Response {
    let client_id = auth.client_id;
    write_call(app, auth.request_id, move |world| {
        let meta = world.restore(&client_id, &id)?;
        Ok(RestoredView {
            restored: snapshot_view(&meta),
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct DeletedView {
    deleted: String,
}

async fn snapshot_delete(
    axum::extract::State(app): axum::extract::State<AppState>,
    auth: Authed,
    PathId(id): PathId,
) -> Response {
    let client_id = auth.client_id;
    write_call(app, auth.request_id, move |world| {
        world.delete_snapshot(&client_id, &id)?;
        Ok(DeletedView { deleted: id })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ForkRequest {
    to_client_id: String,
    /// The fork's secret: the source tenant's when absent (with `--keys`, the listed one).
    to_secret: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ForkView {
    client_id: String,
    items: usize,
}

fn fork(ctx: &Ctx<'_>, req: ForkRequest) -> Result<ForkView, PlaidError> {
    let to = req.to_client_id.trim();
    if to.is_empty() || to.len() > 200 {
        return Err(PlaidError::invalid_field(
            "to_client_id",
            "must be 1 to 200 characters",
        ));
    }
    if req.to_secret.as_deref().is_some_and(str::is_empty) {
        return Err(PlaidError::invalid_field(
            "to_secret",
            "must be a non-empty string",
        ));
    }
    let secret = match &ctx.world.policy {
        KeyPolicy::Listed(pairs) => {
            let listed = pairs.get(to).ok_or_else(|| {
                PlaidError::invalid_field(
                    "to_client_id",
                    format!("{to} is not in the --keys file, so no one could use the fork"),
                )
            })?;
            if req.to_secret.as_ref().is_some_and(|s| s != listed) {
                return Err(PlaidError::invalid_field(
                    "to_secret",
                    "differs from the secret the --keys file lists for to_client_id",
                ));
            }
            listed.clone()
        }
        KeyPolicy::Open => match req.to_secret {
            Some(s) => s,
            None => ctx
                .world
                .read(|s| s.tenant(&ctx.client_id).map(|t| t.secret.clone()))?,
        },
    };
    ctx.world.fork(&ctx.client_id, to, &secret)?;
    let items = ctx.world.read(|s| s.of(to).map(|t| t.items.len()))?;
    Ok(ForkView {
        client_id: to.to_owned(),
        items,
    })
}
