#!/usr/bin/env bash
# Runs the official-SDK conformance suites (plaid-python, then plaid-node)
# against a Tartan binary. Each suite starts its own `tartan serve --ephemeral`.
#
#   TARTAN_BIN   path to the binary (default: <repo root>/target/debug/tartan)
#   PYTHON       interpreter used to create the venv (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/.." && pwd)"
export TARTAN_BIN="${TARTAN_BIN:-$repo_root/target/debug/tartan}"
case "$TARTAN_BIN" in
  /*) ;;
  *) TARTAN_BIN="$repo_root/$TARTAN_BIN" ;;
esac

if [[ ! -x "$TARTAN_BIN" ]]; then
  echo "conformance: no executable Tartan at $TARTAN_BIN (build it or set TARTAN_BIN)" >&2
  exit 2
fi

status=0

echo "== plaid-python conformance (binary: $TARTAN_BIN)"
venv="$here/python/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
(cd "$here/python" && "$venv/bin/python" -m pytest) || status=1

echo "== plaid-node conformance (binary: $TARTAN_BIN)"
cd "$here/node"
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
npm test || status=1

exit "$status"
