#!/usr/bin/env bash
# Benchmark: the "living" side of Tartan, on loopback with bounded loads. Builds release, starts
# Tartan on a temporary SQLite data dir, and runs the bench_living example against it:
#   1. webhook delivery latency (fire_webhook response -> receipt), p50/p99
#   2. dispatcher throughput (deliveries/s over 100 Items, target >= 2000/s)
#   3. /accounts/get p50/p99 idle vs while the dispatcher is busy (target <= 20% worse)
#   4. POST /tartan/clock/advance {"days":30} over 1,000 Transactions Items (target < 2 s)
# Every phase is bounded in count and time. The example's knobs are environment variables
# (see the top of crates/tartan/examples/bench_living.rs), e.g.
#   PHASES=throughput,accounts TPUT_WEBHOOKS=10000 bench/living.sh
# PERF=1 records Tartan with perf for the whole run into bench/out/living.perf.data
# (PERF_ARGS, default "-g -F 999"; "--call-graph dwarf -F 499" gives whole Rust stacks).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARTAN_PORT="${TARTAN_PORT:-17880}"

cargo build --release --quiet -p tartan --bin tartan --example bench_living
out="bench/out"; mkdir -p "$out"
data="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT

RUST_LOG="${BENCH_RUST_LOG:-info}" target/release/tartan serve --addr "127.0.0.1:$TARTAN_PORT" \
  --data-dir "$data" 2>"$out/living-tartan.log" &
tartan_pid=$!; pids+=("$tartan_pid")
for _ in $(seq 1 1000); do
  curl -sf "http://127.0.0.1:$TARTAN_PORT/tartan/health" >/dev/null && break
  kill -0 "$tartan_pid" 2>/dev/null || { echo "bench: tartan exited; see $out/living-tartan.log" >&2; exit 1; }
  sleep 0.01
done
curl -sf "http://127.0.0.1:$TARTAN_PORT/tartan/health" >/dev/null || { echo "bench: tartan never became healthy" >&2; exit 1; }

if [ "${PERF:-0}" = 1 ]; then
  command -v perf >/dev/null || { echo "bench: PERF=1 needs perf" >&2; exit 1; }
  # shellcheck disable=SC2086
  perf record ${PERF_ARGS:--g -F 999} -p "$tartan_pid" -o "$out/living.perf.data" 2>"$out/living-perf.log" &
  pids+=($!)
  sleep 0.5
fi

# The whole run is bounded: each phase has its own deadlines, and this caps them all.
TARTAN_PID="$tartan_pid" CLK_TCK="$(getconf CLK_TCK)" \
  timeout "${BENCH_TIMEOUT:-900}" target/release/examples/bench_living "http://127.0.0.1:$TARTAN_PORT" \
  | tee "$out/living.txt"

if [ "${PERF:-0}" = 1 ]; then
  kill -INT "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  echo "perf data: $out/living.perf.data (perf report -i $out/living.perf.data --no-children)"
fi
printf '\nsummary (also in %s):\n' "$out/living.txt"
grep '^RESULT' "$out/living.txt" | sed 's/^RESULT /  /'
