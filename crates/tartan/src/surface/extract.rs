//! Extractors for Tartan's own routes: the request id, client_id/secret authentication from
//! the headers, and path parameters, each refusing in Plaid's envelope (never axum's plain
//! text).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, RawPathParams, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tartan_types::{ErrorCode, PlaidError};

use super::{AppState, RequestId, authenticate, decode, error_response, read_body};

/// A refusal, answered in the envelope with the request's id.
pub struct ApiError {
    pub error: PlaidError,
    pub request_id: Arc<str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.error, &self.request_id)
    }
}

fn request_id(parts: &Parts) -> Arc<str> {
    parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| super::ids::request_id().into())
}

/// The request's id (set by the surface's logging layer).
pub struct Rid(pub Arc<str>);

impl FromRequestParts<AppState> for Rid {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(request_id(parts)))
    }
}

/// A tenant authenticated by the `PLAID-CLIENT-ID` / `PLAID-SECRET` headers.
pub struct Authed {
    pub client_id: String,
    pub request_id: Arc<str>,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = request_id(parts);
        match authenticate(&app.world, &parts.headers, &mut Default::default()) {
            Ok(client_id) => Ok(Self {
                client_id,
                request_id,
            }),
            Err(error) => Err(ApiError { error, request_id }),
        }
    }
}

/// The route's one path parameter (a snapshot id, a session id, an OAuth state id).
pub struct PathId(pub String);

impl FromRequestParts<AppState> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match RawPathParams::from_request_parts(parts, app).await {
            Ok(params) => Ok(Self(
                params
                    .iter()
                    .next()
                    .map(|(_, v)| v.to_owned())
                    .unwrap_or_default(),
            )),
            Err(_) => Err(ApiError {
                error: PlaidError::new(ErrorCode::INVALID_FIELD)
                    .with_message("a path parameter is not valid UTF-8 once percent-decoded"),
                request_id: request_id(parts),
            }),
        }
    }
}

/// A Plaid call: the JSON body decoded strictly into `T` by the one decoder, the caller
/// authenticated by the client_id and secret in the body or the `PLAID-*` headers.
pub struct PlaidCall<T> {
    pub client_id: String,
    pub req: T,
    pub request_id: Arc<str>,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PlaidCall<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| super::ids::request_id().into());
        let path = req.uri().path().to_owned();
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, app).await;
        let decoded = read_body(body).and_then(|body| {
            let mut body = decode::json_object(&headers, &body)?;
            let client_id = authenticate(&app.world, &headers, &mut body)?;
            Ok((client_id, decode::request::<T>(&path, body)?))
        });
        match decoded {
            Ok((client_id, req)) => Ok(Self {
                client_id,
                req,
                request_id,
            }),
            Err(error) => Err(ApiError { error, request_id }),
        }
    }
}

/// Filters in the query string; a malformed one is INVALID_FIELD.
pub struct TartanQuery<Q>(pub Q);

impl<Q: DeserializeOwned> FromRequestParts<AppState> for TartanQuery<Q> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Query::<Q>::from_request_parts(parts, app).await {
            Ok(Query(q)) => Ok(Self(q)),
            Err(e) => Err(ApiError {
                error: PlaidError::new(ErrorCode::INVALID_FIELD)
                    .with_message(format!("the query string is invalid: {}", e.body_text())),
                request_id: request_id(parts),
            }),
        }
    }
}
