//! The benchmarks' baseline: the least an axum endpoint can do for a Plaid call. On any path
//! it parses the request body as JSON and answers a fixed response read from a file (Tartan's
//! own response, so both send the same bytes).
//!
//! `cargo run --release --example bench_baseline -- <response.json> <addr>`

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::routing::post;

// The same allocator as the `tartan` binary, so the comparison is like for like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(addr)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bench_baseline <response.json> <addr>");
    };
    let response = Bytes::from(std::fs::read(&path)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = Router::new().route(
            "/{*path}",
            post(move |body: Bytes| {
                let response = response.clone();
                async move {
                    match serde_json::from_slice::<serde_json::Value>(&body) {
                        Ok(_) => (
                            StatusCode::OK,
                            [(header::CONTENT_TYPE, "application/json")],
                            response,
                        ),
                        Err(_) => (
                            StatusCode::BAD_REQUEST,
                            [(header::CONTENT_TYPE, "application/json")],
                            Bytes::from_static(b"{}"),
                        ),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}
