#!/usr/bin/env bash
# Benchmark: Tartan at scale (issue 9), on loopback with bounded loads. Builds release, starts
# Tartan on a temporary SQLite data dir, and runs the bench_scale example against it:
#   create     Items through the API by CONCURRENCY clients up to ITEMS: creates/s for the
#              first 1,000, each later 10,000 and overall (target >= 5,000/s, no slow-down);
#              RSS at 1,000 Items and at the end (target <= 250 MB at 100,000)
#   accounts   /accounts/get p50/p99 at 1,000 Items and at the end (p99 within 10%)
#   idle       Tartan's CPU over 20 s after 10 s of rest (target <= 1% of a core)
#   restart    SIGTERM, start again on the same data dir: time to healthy (<= 1 s), RSS after
#   isolation  snapshot / restore / fork of a 1,000-Item tenant, 5 times each (<= 50 ms)
#   soak       churn (create, read, webhook, remove) for SOAK_SECONDS; RSS flat within 20 MB
# Knobs are environment variables (see the top of crates/tartan/examples/bench_scale.rs), e.g.
#   ITEMS=5000 SOAK_SECONDS=30 bench/scale.sh
#   PHASES=create,accounts ITEMS=20000 bench/scale.sh
# Output: bench/out/scale.log (everything) and bench/out/scale.txt (the RESULT and TARGET lines).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARTAN_PORT="${TARTAN_PORT:-17881}"
target_dir="${CARGO_TARGET_DIR:-target}"

cargo build --release --quiet -p tartan --bin tartan --example bench_scale
out="bench/out"; mkdir -p "$out"
data="$(mktemp -d)"
pid_file="$data.pid"
pids=()
cleanup() {
  # The restart phase starts Tartan again; its pid is in the pid file.
  if [ -s "$pid_file" ]; then pids+=("$(cat "$pid_file")"); fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$data" "$pid_file"
}
trap cleanup EXIT

bin="$target_dir/release/tartan"
log="$out/scale-tartan.log"
: > "$log"
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$TARTAN_PORT" --data-dir "$data" 2>>"$log" &
tartan_pid=$!; pids+=("$tartan_pid")
for _ in $(seq 1 1000); do
  curl -sf "http://127.0.0.1:$TARTAN_PORT/tartan/health" >/dev/null && break
  kill -0 "$tartan_pid" 2>/dev/null || { echo "bench: tartan exited; see $log" >&2; exit 1; }
  sleep 0.01
done
curl -sf "http://127.0.0.1:$TARTAN_PORT/tartan/health" >/dev/null || { echo "bench: tartan never became healthy" >&2; exit 1; }

# The whole run is bounded: each phase has its own deadlines, and this caps them all.
status=0
TARTAN_PID="$tartan_pid" CLK_TCK="$(getconf CLK_TCK)" TARTAN_BIN="$bin" TARTAN_DATA_DIR="$data" \
  TARTAN_ADDR="127.0.0.1:$TARTAN_PORT" TARTAN_LOG="$log" TARTAN_PID_FILE="$pid_file" \
  timeout "${BENCH_TIMEOUT:-3600}" "$target_dir/release/examples/bench_scale" "http://127.0.0.1:$TARTAN_PORT" \
  | tee "$out/scale.log" || status=$?
grep -E '^(RESULT|TARGET) ' "$out/scale.log" > "$out/scale.txt" || true
printf '\nsummary (also in %s):\n' "$out/scale.txt"
sed 's/^/  /' "$out/scale.txt"
if [ -s "$log" ]; then printf '\nTartan logged (warn and above, %s):\n' "$log"; tail -n 20 "$log"; fi
exit "$status"
