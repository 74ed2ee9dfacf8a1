#!/usr/bin/env bash
# Benchmark: first paint of Tartan's Link iframe in headless Chromium, measured from the
# app's handler.open() (see bench/link-paint.mjs). 20 runs by default, each in a fresh
# browser context; prints p50/p99. Target: open -> first paint under 300 ms.
#
#   RUNS (default 20)  TARGET_MS (default 300)  STRICT=1 (exit 1 when p50 misses)
#   TARTAN_BIN (default: a release build, made here)  CHROMIUM (default /usr/bin/chromium)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || { echo "bench: needs node (20+)" >&2; exit 1; }
chromium="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "bench: needs Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2; exit 1; }

if [[ -z "${TARTAN_BIN:-}" ]]; then
  cargo build --release --quiet -p tartan --bin tartan
  export TARTAN_BIN="$PWD/target/release/tartan"
fi

# The browser harness starts Tartan with the Node suite's launcher, so both need their packages.
(cd conformance/node && npm ci --no-audit --no-fund --loglevel=error)
(cd conformance/browser && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p bench/out
node bench/link-paint.mjs | tee bench/out/link-paint.txt
