//! Tartan's Link for the browser: the drop-in `link-initialize.js`, the Link UI it opens in an
//! iframe, and the simulated bank's OAuth page. Embedded in the binary (docs/link.md).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::surface::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/link/v2/stable/link-initialize.js",
            get(|| asset(JS, include_str!("assets/link-initialize.js"))),
        )
        .route(
            "/link/ui",
            get(|| asset(HTML, include_str!("assets/link.html"))),
        )
        .route(
            "/link/ui/link.js",
            get(|| asset(JS, include_str!("assets/link.js"))),
        )
        .route(
            "/link/ui/link.css",
            get(|| asset(CSS, include_str!("assets/link.css"))),
        )
        .route(
            "/tartan/link/oauth",
            get(|| asset(HTML, include_str!("assets/oauth.html"))),
        )
}

const JS: &str = "application/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Apps on another origin load the script, as they would from Plaid's CDN.
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
