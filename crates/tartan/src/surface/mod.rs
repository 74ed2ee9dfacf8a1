//! The surface: routing, the request conventions every endpoint shares, the error envelope and
//! response encoding. It knows nothing about banks.

pub mod decode;
pub mod extract;
pub mod shapes;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tartan_types::{ErrorCode, PlaidError};
use tower_http::catch_panic::CatchPanicLayer;

use crate::world::{World, ids};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub world: Arc<World>,
}

/// The request's id: in the log line, the response body and the `X-Request-Id` header.
#[derive(Clone)]
pub struct RequestId(pub Arc<str>);

/// A handler's view of one authenticated request.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub client_id: String,
    pub request_id: &'a str,
}

impl Ctx<'_> {
    /// The tenant's current virtual time (unix ms).
    pub fn now_ms(&self) -> i64 {
        self.world.read(|s| s.now_ms(&self.client_id))
    }
}

/// A Plaid endpoint handler: a typed request in, a typed response or a catalogued error out.
pub type Handler<Req, Resp> = fn(&Ctx<'_>, Req) -> Result<Resp, PlaidError>;

/// Mounts a handler behind Plaid's conventions: JSON POST, credentials, strict decoding,
/// `request_id` in every body, errors in Plaid's envelope.
pub fn plaid<Req, Resp>(handler: Handler<Req, Resp>) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
{
    mount(handler, false)
}

/// Like [`plaid`], for an endpoint that may change the world: its answer waits (as a future)
/// until what it wrote is in the store.
pub fn plaid_write<Req, Resp>(handler: Handler<Req, Resp>) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
{
    mount(handler, true)
}

/// Mounts a Plaid endpoint that needs no credentials (`/categories/get`): the same decoding
/// and envelope, with `client_id` and `secret` ignored when sent. The handler's `Ctx` has no
/// tenant (an empty `client_id`).
pub fn plaid_public<Req, Resp>(handler: Handler<Req, Resp>) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
{
    post(
        move |State(app): State<AppState>,
              Extension(rid): Extension<RequestId>,
              uri: Uri,
              headers: HeaderMap,
              body: Result<Bytes, BytesRejection>| async move {
            let result = read_body(body)
                .and_then(|body| decode::json_object(&headers, &body))
                .and_then(|mut body| {
                    body.remove("client_id");
                    body.remove("secret");
                    decode::request::<Req>(uri.path(), body)
                })
                .and_then(|req| handler(&ctx(&app, String::new(), &rid), req));
            respond(result, &rid)
        },
    )
}

fn mount<Req, Resp>(handler: Handler<Req, Resp>, writes: bool) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
{
    post(
        move |State(app): State<AppState>, call: extract::PlaidCall<Req>| async move {
            let request_id = call.request_id.clone();
            let world = app.world.clone();
            let run = move || {
                let rid = RequestId(call.request_id);
                respond(handler(&ctx(&app, call.client_id, &rid), call.req), &rid)
            };
            if !writes {
                return run();
            }
            match world.write_durably(move |_| run()).await {
                Ok(response) => response,
                Err(e) => error_response(&e, &request_id),
            }
        },
    )
}

/// A call from Link (Tartan's Link UI, or a test driving Link headless): authenticated by the
/// link token it carries, as Plaid's Link is, so no client secret is read.
pub struct LinkCall<'a> {
    /// The path parameter (a session id or an oauth_state_id), if the route has one.
    pub id: &'a str,
    pub request_id: &'a str,
}

pub type LinkHandler<Req> = fn(&World, LinkCall<'_>, Req) -> Result<serde_json::Value, PlaidError>;

/// Mounts a Link step: a JSON POST decoded strictly, run as a write.
pub fn link_post<Req>(handler: LinkHandler<Req>) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
{
    post(
        move |State(app): State<AppState>,
              Extension(rid): Extension<RequestId>,
              extract::PathId(id): extract::PathId,
              uri: Uri,
              headers: HeaderMap,
              body: Result<Bytes, BytesRejection>| async move {
            let world = app.world.clone();
            let rid_copy = rid.clone();
            let run = move || {
                let result = read_body(body)
                    .and_then(|body| decode::json_object(&headers, &body))
                    .and_then(|body| decode::request::<Req>(uri.path(), body))
                    .and_then(|req| {
                        let call = LinkCall {
                            id: &id,
                            request_id: &rid.0,
                        };
                        handler(&app.world, call, req)
                    });
                respond(result, &rid)
            };
            match world.write_durably(move |_| run()).await {
                Ok(response) => response,
                Err(e) => error_response(&e, &rid_copy.0),
            }
        },
    )
}

/// Mounts a Link reader: GET, parameters in the query.
pub fn link_get<Q>(handler: LinkHandler<Q>) -> MethodRouter<AppState>
where
    Q: DeserializeOwned + Send + 'static,
{
    get(
        move |State(app): State<AppState>,
              Extension(rid): Extension<RequestId>,
              extract::PathId(id): extract::PathId,
              query: Result<Query<Q>, QueryRejection>| async move {
            let result = query
                .map_err(|e| {
                    PlaidError::new(ErrorCode::INVALID_FIELD)
                        .with_message(format!("the query string is invalid: {}", e.body_text()))
                })
                .and_then(|Query(q)| {
                    let call = LinkCall {
                        id: &id,
                        request_id: &rid.0,
                    };
                    handler(&app.world, call, q)
                });
            respond(result, &rid)
        },
    )
}

/// Mounts a control-plane reader: GET, credentials from the headers, filters in the query.
pub fn control_get<Q, Resp>(handler: Handler<Q, Resp>) -> MethodRouter<AppState>
where
    Q: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
{
    get(
        move |State(app): State<AppState>,
              auth: extract::Authed,
              extract::TartanQuery(q): extract::TartanQuery<Q>| async move {
            let rid = RequestId(auth.request_id);
            respond(handler(&ctx(&app, auth.client_id, &rid), q), &rid)
        },
    )
}

/// An owned request context, for handlers that wait.
pub struct OwnedCtx {
    pub world: Arc<World>,
    pub client_id: String,
}

/// Like [`plaid`], for a handler that needs to wait (it runs as a future).
pub fn plaid_async<Req, Resp, F, Fut>(handler: F) -> MethodRouter<AppState>
where
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize + Send + 'static,
    F: Fn(OwnedCtx, Req) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Resp, PlaidError>> + Send + 'static,
{
    post(
        move |State(app): State<AppState>, call: extract::PlaidCall<Req>| async move {
            let ctx = OwnedCtx {
                world: app.world.clone(),
                client_id: call.client_id,
            };
            respond(handler(ctx, call.req).await, &RequestId(call.request_id))
        },
    )
}

/// The body, or INVALID_BODY when it could not be read (over the size limit, shorter than its
/// Content-Length, a broken connection).
pub(crate) fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, PlaidError> {
    body.map_err(|e| {
        PlaidError::new(ErrorCode::INVALID_BODY)
            .with_message(format!("body could not be read: {}", e.body_text()))
    })
}

fn ctx<'a>(app: &'a AppState, client_id: String, rid: &'a RequestId) -> Ctx<'a> {
    Ctx {
        world: &app.world,
        client_id,
        request_id: &rid.0,
    }
}

pub(crate) fn authenticate(
    world: &World,
    headers: &HeaderMap,
    body: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<String, PlaidError> {
    let creds = decode::credentials(headers, body)?;
    world.authenticate(&creds.client_id, &creds.secret)?;
    Ok(creds.client_id)
}

#[derive(Serialize)]
struct WithRequestId<'a, T> {
    #[serde(flatten)]
    body: T,
    request_id: &'a str,
}

pub(crate) fn respond<T: Serialize>(result: Result<T, PlaidError>, rid: &RequestId) -> Response {
    let body = match result {
        Ok(body) => body,
        Err(e) => return error_response(&e, &rid.0),
    };
    // One contiguous buffer: far cheaper than many small writes into the response body.
    let mut buf = Vec::with_capacity(4096);
    let written = serde_json::to_writer(
        &mut buf,
        &WithRequestId {
            body,
            request_id: &rid.0,
        },
    );
    match written {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            buf,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            error_response(&PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR), &rid.0)
        }
    }
}

/// The one place error JSON is written.
pub fn error_response(error: &PlaidError, request_id: &str) -> Response {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(error.body(Some(request_id)))).into_response()
}

tokio::task_local! {
    /// The id of the request being served, for the panic answer (which does not see it).
    static CURRENT_REQUEST: Arc<str>;
}

/// Assigns the request id and writes the one log line per request.
async fn observe(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id: Arc<str> = ids::request_id().into();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut response = CURRENT_REQUEST.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let latency_us = started.elapsed().as_micros() as u64;
    // The W3C Server-Timing header: the server's own time, which browsers' dev tools and the
    // benches read apart from the network's.
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={:.3}", latency_us as f64 / 1000.0)) {
        response.headers_mut().insert("server-timing", v);
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_us,
        "request"
    );
    response
}

async fn method_not_allowed(Extension(rid): Extension<RequestId>, req: Request) -> Response {
    let error = PlaidError::new(ErrorCode::METHOD_NOT_ALLOWED).with_message(format!(
        "{} is not allowed on {}: Plaid's endpoints accept only POST",
        req.method(),
        req.uri().path()
    ));
    error_response(&error, &rid.0)
}

async fn not_found(Extension(rid): Extension<RequestId>, req: Request) -> Response {
    let error = PlaidError::new(ErrorCode::NOT_FOUND).with_message(format!(
        "the requested route was not found: {} {}",
        req.method(),
        req.uri().path()
    ));
    error_response(&error, &rid.0)
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked; answering API_ERROR");
    let id = CURRENT_REQUEST
        .try_with(Arc::clone)
        .unwrap_or_else(|_| ids::request_id().into());
    error_response(&PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR), &id)
}

/// The whole HTTP application: `routes` (composed by the caller) behind Plaid's conventions
/// for unknown paths and methods, panics, request ids and the log line.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}
