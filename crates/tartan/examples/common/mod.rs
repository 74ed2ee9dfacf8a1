//! What the bench examples share: environment knobs, percentiles, and making an Item through
//! the API. Included by each bench with `mod common;` (a folder without `main.rs` is not an
//! example of its own).

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

/// The institution the benches link Items at.
pub const INSTITUTION: &str = "ins_109508";

/// The environment variable `name` parsed, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Nearest-rank percentile of sorted values.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Makes a Transactions Item at [`INSTITUTION`] (with `webhook`, if given) the way an app
/// does: `/sandbox/public_token/create`, then `/item/public_token/exchange`, each sent through
/// `call(path, body)`. Returns (access_token, item_id).
pub async fn create_item<F, Fut>(call: F, webhook: Option<&str>) -> anyhow::Result<(String, String)>
where
    F: Fn(&'static str, Value) -> Fut,
    Fut: Future<Output = anyhow::Result<Value>>,
{
    // ITEM_PRODUCTS (comma-separated, default transactions) and DAYS_REQUESTED (Plaid's
    // default 90 when unset) let a bench compare Items with and without the history.
    let products: Vec<String> = std::env::var("ITEM_PRODUCTS")
        .unwrap_or_else(|_| "transactions".to_owned())
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let mut body = json!({
        "institution_id": INSTITUTION,
        "initial_products": products,
        "options": {},
    });
    if let Some(w) = webhook {
        body["options"]["webhook"] = json!(w);
    }
    if let Ok(days) = std::env::var("DAYS_REQUESTED") {
        let days: u32 = days.parse().context("DAYS_REQUESTED is a number of days")?;
        body["options"]["transactions"] = json!({"days_requested": days});
    }
    let public = call("/sandbox/public_token/create", body).await?;
    let public = public["public_token"]
        .as_str()
        .context("no public_token")?
        .to_owned();
    let exchanged = call(
        "/item/public_token/exchange",
        json!({"public_token": public}),
    )
    .await?;
    let field = |name: &str| {
        exchanged[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no {name}"))
    };
    Ok((field("access_token")?, field("item_id")?))
}
