#!/usr/bin/env bash
# Runs the official-SDK conformance suites (plaid-python, then plaid-node), then the
# browser suite (Tartan's Link in headless Chromium, conformance/browser) against a
# Tartan binary. Each suite starts its own `tartan serve --ephemeral`.
#
#   TARTAN_BIN   path to the binary (default: <repo root>/target/debug/tartan)
#   PYTHON       interpreter used to create the venv (default: python3)
#   CHROMIUM     Chromium for the browser suite (default: /usr/bin/chromium); without one
#                the browser suite is skipped
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

echo "== browser Link conformance (binary: $TARTAN_BIN)"
chromium="${CHROMIUM:-}"
if [[ -z "$chromium" ]]; then
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -x "$candidate" ]]; then chromium="$candidate"; break; fi
  done
fi
if [[ -z "$chromium" || ! -x "$chromium" ]]; then
  echo "browser conformance skipped: no Chromium binary (apt-get install chromium, or set CHROMIUM)"
else
  export CHROMIUM="$chromium"
  cd "$here/browser"
  npm ci --no-audit --no-fund --loglevel=error
  npm test || status=1
fi

exit "$status"
