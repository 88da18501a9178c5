#!/usr/bin/env bash
# Conformance of the API with its own OpenAPI document: Schemathesis (PyPI) with every check,
# anonymous, as a user and as an administrator, against a spanel on a fresh SQLite file.
# MAX_EXAMPLES (default 30) bounds each operation's generated cases; VENV (default
# /work/venv-st) holds schemathesis, installed there if missing. scripts/schemathesis.toml lists
# the few operations where a schema-valid request may get a 422, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/work/venv-st}
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis
fi
cargo build --bin spanel
BIN=${CARGO_TARGET_DIR:-target}/debug/spanel
WORK=$(mktemp -d /tmp/spanel-st.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SPANEL_DATABASE_URL="sqlite://$WORK/spanel.db" SPANEL_LISTEN="127.0.0.1:$PORT" \
  SPANEL_JOBS_ENABLED=false SPANEL_LOG=warn SPANEL_MU_KEY=schemathesis-node-key \
  SPANEL_PASSWORD_METHOD=sha256 SPANEL_LOGIN_IP_PER_MINUTE=100000 SPANEL_LOGIN_IP_FAILURES=100000 \
  SPANEL_REGISTER_IP_PER_HOUR=0
"$BIN" init-db >/dev/null
"$BIN" create-admin --email st-admin@example.com --password st-admin-password >/dev/null
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
login() {
  curl -fsS -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" \
    "$BASE/app/api/v0/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])'
}
curl -fsS -H 'content-type: application/json' -d '{"email":"st-user@example.com","password":"st-user-password"}' \
  "$BASE/app/api/v0/auth/register" >/dev/null
USER_TOKEN=$(login st-user@example.com st-user-password)
ADMIN_TOKEN=$(login st-admin@example.com st-admin-password)
status=0
run() {
  echo "=== schemathesis: $1"
  shift
  "$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml run "$BASE/openapi.json" \
    --checks all --max-examples "$MAX_EXAMPLES" \
    --workers 2 --suppress-health-check all "$@" || status=1
}
# Calls that end the session (log out everywhere, a new password) would leave the rest of a run
# without its token: the signed-in runs leave them out, the anonymous run covers them.
run anonymous --exclude-path-regex '^/(metrics|docs)'
SIGNED_IN=(--exclude-path-regex '^/(metrics|docs)|/user/(logout-all|password)$')
run user "${SIGNED_IN[@]}" -H "Authorization: Bearer $USER_TOKEN" -H "Key: schemathesis-node-key"
run admin "${SIGNED_IN[@]}" -H "Authorization: Bearer $ADMIN_TOKEN" -H "Key: schemathesis-node-key"
exit $status
