#!/usr/bin/env bash
# End-to-end tests of the web UI: builds spanel, starts it on a fresh SQLite file on a free loopback
# port (debug on, so the debug payment gateway exists), creates an admin, runs Playwright in
# Debian's headless Chromium, stops the server. Screenshots land in e2e/screenshots/.
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR=$(pwd)
ROOT=$(cd .. && pwd)

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: $CHROMIUM is missing (scripts/services.sh installs Debian's chromium)" >&2
  exit 1
fi
if [ ! -d node_modules/@playwright/test ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

(cd "$ROOT" && cargo build --bin spanel)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/debug/spanel"

WORK=$(mktemp -d /tmp/spanel-e2e.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SPANEL_DATABASE_URL="sqlite://$WORK/spanel.db"
export SPANEL_LISTEN="127.0.0.1:$PORT"
export SPANEL_BASE_URL="http://127.0.0.1:$PORT"
export SPANEL_DEBUG=true
export SPANEL_JOBS_ENABLED=false
# Every spec signs up and logs in from 127.0.0.1, in parallel: the per-address limits on sign-ups and
# logins have their own tests (tests/hardening.rs), so here they must not depend on the suite's pace.
export SPANEL_REGISTER_IP_PER_HOUR=0
export SPANEL_LOGIN_IP_PER_MINUTE=100000
export SPANEL_LOGIN_IP_FAILURES=100000
export SPANEL_LOG=warn
export SPANEL_MU_KEY=e2e-node-key
export SPANEL_URL="$SPANEL_BASE_URL"
export SPANEL_ADMIN_EMAIL=e2e-admin@example.com
export SPANEL_ADMIN_PASSWORD=e2e-admin-password
export CHROMIUM

SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" init-db >/dev/null
"$BIN" create-admin --email "$SPANEL_ADMIN_EMAIL" --password "$SPANEL_ADMIN_PASSWORD" >/dev/null
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$SPANEL_URL/" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done

mkdir -p "$E2E_DIR/screenshots"
status=0
npx playwright test "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- spanel log ---" >&2
  tail -n 50 "$WORK/server.log" >&2
fi
exit "$status"
