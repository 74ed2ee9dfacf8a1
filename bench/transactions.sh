#!/usr/bin/env bash
# Benchmark: Transactions (issue 10), release build, SQLite data dir, request logging on.
#   full sync   an Item with 24 months of history (days_requested 730) synced from no cursor
#               in pages of 500: pages, transactions, and Tartan's own time in all (the sum of
#               the Server-Timing headers; target <= 20 ms)
#   page of 500 wrk on /transactions/sync's first page of 500 against the minimal axum
#               endpoint answering the same bytes (target ratio >= 0.5)
#
#   DURATION (default 10s)  CONNECTIONS (default 32)  THREADS (default 1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
DURATION="${DURATION:-10s}"; CONNECTIONS="${CONNECTIONS:-32}"; THREADS="${THREADS:-1}"
TARTAN_PORT="${TARTAN_PORT:-17886}"; BASE_PORT="${BASE_PORT:-17887}"

cargo build --release --quiet -p tartan --bin tartan --example bench_baseline
out="bench/out/transactions"; rm -rf "$out"; mkdir -p "$out"
data="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT
hdr=(-H 'content-type: application/json' -H 'PLAID-CLIENT-ID: bench' -H 'PLAID-SECRET: bench')
url="http://127.0.0.1:$TARTAN_PORT"

RUST_LOG="${BENCH_RUST_LOG:-info}" target/release/tartan serve --addr "127.0.0.1:$TARTAN_PORT" --data-dir "$data" 2>"$out/tartan.log" &
pids+=($!)
until curl -sf "$url/tartan/health" >/dev/null; do sleep 0.01; done

post() { curl -sf "${hdr[@]}" "$url$1" -d "$2"; }
field() { python3 -c "import json,sys;print(json.load(sys.stdin)['$1'])"; }
public=$(post /sandbox/public_token/create \
  '{"institution_id":"ins_109508","initial_products":["transactions"],"options":{"transactions":{"days_requested":730}}}' | field public_token)
access=$(post /item/public_token/exchange "{\"public_token\":\"$public\"}" | field access_token)
post /tartan/clock/advance '{"seconds":61}' >/dev/null

# Full sync, pages of 500, summing Tartan's Server-Timing.
python3 - "$url" "$access" > "$out/full_sync.txt" <<'PY'
import json, re, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
cursor, pages, total, server_ms = None, 0, 0, 0.0
while True:
    body = {"access_token": token, "count": 500}
    if cursor:
        body["cursor"] = cursor
    req = urllib.request.Request(url + "/transactions/sync", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "PLAID-CLIENT-ID": "bench", "PLAID-SECRET": "bench"})
    with urllib.request.urlopen(req) as r:
        timing = r.headers.get("server-timing", "")
        page = json.load(r)
    m = re.search(r"dur=([0-9.]+)", timing)
    server_ms += float(m.group(1)) if m else float("nan")
    pages += 1
    total += len(page["added"]) + len(page["modified"]) + len(page["removed"])
    cursor = page["next_cursor"]
    if not page["has_more"]:
        break
print(f"full sync: {pages} pages, {total} transactions, Tartan's time {server_ms:.2f} ms in all (target <= 20)")
PY
cat "$out/full_sync.txt"

# One page of 500, against the baseline answering the same bytes.
body="{\"access_token\":\"$access\",\"count\":500}"
post /transactions/sync "$body" > "$out/response.json"
target/release/examples/bench_baseline "$out/response.json" "127.0.0.1:$BASE_PORT" &
pids+=($!)
until curl -sf -o /dev/null -X POST -d '{}' "http://127.0.0.1:$BASE_PORT/transactions/sync"; do sleep 0.01; done
cat > "$out/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["PLAID-CLIENT-ID"] = "bench"
wrk.headers["PLAID-SECRET"] = "bench"
LUA
run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$out/post.lua" "http://127.0.0.1:$2/transactions/sync" > "$out/$1.txt"; }
wrk -t1 -c4 -d1s -s "$out/post.lua" "http://127.0.0.1:$BASE_PORT/transactions/sync" >/dev/null
wrk -t1 -c4 -d1s -s "$out/post.lua" "$url/transactions/sync" >/dev/null
run baseline "$BASE_PORT"
run tartan "$TARTAN_PORT"
rps() { awk '/Requests\/sec/ {print $2}' "$out/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$out/$1.txt"; }
[ -z "$(awk '/Non-2xx/ {print $5}' "$out/tartan.txt")" ] || { echo "bench: Tartan answered non-2xx"; cat "$out/tartan.txt"; exit 1; }
b=$(rps baseline); t=$(rps tartan)
printf '\nload: wrk -t%s -c%s -d%s, POST /transactions/sync count 500, %s-byte response\n' \
  "$THREADS" "$CONNECTIONS" "$DURATION" "$(wc -c < "$out/response.json")"
printf '%-10s %12s %10s %10s\n' "" "requests/s" "p50" "p99"
printf '%-10s %12s %10s %10s\n' baseline "$b" "$(pct baseline 50)" "$(pct baseline 99)"
printf '%-10s %12s %10s %10s\n' tartan "$t" "$(pct tartan 50)" "$(pct tartan 99)"
printf 'ratio tartan/baseline: %s (target >= 0.5)\n' "$(python3 -c "print(round($t/$b, 3))")"
