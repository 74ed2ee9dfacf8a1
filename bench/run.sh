#!/usr/bin/env bash
# Benchmark: Tartan's /accounts/get (real access token, SQLite data dir, request logging on)
# against a minimal axum endpoint that parses the same body and returns the same bytes.
# Bounded load on loopback with wrk; prints requests/s, p50/p99, the ratio, Tartan's
# start-to-ready time and idle RSS.
#
#   DURATION (default 10s)  CONNECTIONS (default 32)  THREADS (default 1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
DURATION="${DURATION:-10s}"; CONNECTIONS="${CONNECTIONS:-32}"; THREADS="${THREADS:-1}"
# ENDPOINT (default /accounts/get) and PRODUCTS (the Item's, default transactions,auth) bench
# another read, e.g. ENDPOINT=/investments/holdings/get PRODUCTS=investments (target >= 0.8).
ENDPOINT="${ENDPOINT:-/accounts/get}"; PRODUCTS="${PRODUCTS:-transactions,auth}"
products_json="[\"${PRODUCTS//,/\",\"}\"]"
TARTAN_PORT="${TARTAN_PORT:-17878}"; BASE_PORT="${BASE_PORT:-17879}"

cargo build --release --quiet -p tartan --bin tartan --example bench_baseline
out="bench/out"; rm -rf "$out"; mkdir -p "$out"
data="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

now_ns() { date +%s%N; }
hdr=(-H 'content-type: application/json' -H 'PLAID-CLIENT-ID: bench' -H 'PLAID-SECRET: bench')

# Start-to-ready: from spawning the process to the first 200 from /tartan/health.
t0=$(now_ns)
RUST_LOG="${BENCH_RUST_LOG:-info}" target/release/tartan serve --addr "127.0.0.1:$TARTAN_PORT" --data-dir "$data" 2>"$out/tartan.log" &
pids+=($!); tartan_pid=$!
until curl -sf "http://127.0.0.1:$TARTAN_PORT/tartan/health" >/dev/null; do sleep 0.001; done
t1=$(now_ns)
ready_ms=$(( (t1 - t0) / 1000000 ))
self_ready=$(grep -o 'ready_ms=[0-9.]*' "$out/tartan.log" | head -1 | cut -d= -f2 || true)
rss_fresh=$(awk '/VmRSS/ {print $2}' "/proc/$tartan_pid/status")

public=$(curl -sf "${hdr[@]}" "http://127.0.0.1:$TARTAN_PORT/sandbox/public_token/create" \
  -d "{\"institution_id\":\"ins_109508\",\"initial_products\":$products_json}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["public_token"])')
access=$(curl -sf "${hdr[@]}" "http://127.0.0.1:$TARTAN_PORT/item/public_token/exchange" \
  -d "{\"public_token\":\"$public\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
body="{\"access_token\":\"$access\"}"
curl -sf "${hdr[@]}" "http://127.0.0.1:$TARTAN_PORT$ENDPOINT" -d "$body" > "$out/response.json"
sleep 1
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$tartan_pid/status")

target/release/examples/bench_baseline "$out/response.json" "127.0.0.1:$BASE_PORT" &
pids+=($!)
until curl -sf -o /dev/null -X POST -d '{}' "http://127.0.0.1:$BASE_PORT$ENDPOINT"; do sleep 0.01; done

cat > "$out/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["PLAID-CLIENT-ID"] = "bench"
wrk.headers["PLAID-SECRET"] = "bench"
LUA

run() { # name port
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$out/post.lua" \
    "http://127.0.0.1:$2$ENDPOINT" > "$out/$1.txt"
}
# Warm both up briefly, then measure the baseline and Tartan in turn.
wrk -t1 -c4 -d1s -s "$out/post.lua" "http://127.0.0.1:$BASE_PORT$ENDPOINT" >/dev/null
wrk -t1 -c4 -d1s -s "$out/post.lua" "http://127.0.0.1:$TARTAN_PORT$ENDPOINT" >/dev/null
run baseline "$BASE_PORT"
run tartan "$TARTAN_PORT"

rps() { awk '/Requests\/sec/ {print $2}' "$out/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$out/$1.txt"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$out/$1.txt"; }
[ -z "$(non2xx tartan)" ] || { echo "bench: Tartan answered non-2xx:"; cat "$out/tartan.txt"; exit 1; }

b=$(rps baseline); t=$(rps tartan)
printf '\nload: wrk -t%s -c%s -d%s, POST %s, %s-byte response\n' \
  "$THREADS" "$CONNECTIONS" "$DURATION" "$ENDPOINT" "$(wc -c < "$out/response.json")"
printf '%-10s %12s %10s %10s\n' "" "requests/s" "p50" "p99"
printf '%-10s %12s %10s %10s\n' baseline "$b" "$(pct baseline 50)" "$(pct baseline 99)"
printf '%-10s %12s %10s %10s\n' tartan "$t" "$(pct tartan 50)" "$(pct tartan 99)"
printf 'ratio tartan/baseline: %s (target >= 0.6)\n' "$(python3 -c "print(round($t/$b, 3))")"
printf 'start-to-ready: %s ms from spawn to first healthy response (Tartan logs %s ms) (target < 100)\n' "$ready_ms" "$self_ready"
printf 'RSS: %s KiB just after start, %s KiB idle with one Item (target < 30 MiB)\n' "$rss_fresh" "$rss_idle"
