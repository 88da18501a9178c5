#!/usr/bin/env bash
# Fleet benchmark driver: seeds a MariaDB database for the fleet, starts the server (spanel's release
# build, or the FastAPI yardstick of ../shared/bench), runs bench/fleet.py against it with the
# server's PID (CPU, RSS), stops it. Figures go to the terminal and bench/results/.
#
#   bench/fleet.sh                                    # spanel, 100,000 users, 1,000 nodes, 3 cycles of 60 s
#   SPEED=10 CYCLES=5 PROCS=2 bench/fleet.sh          # ten times the rate (6-s cycles), 2 client processes
#   SERVER=yardstick FLAVOUR=seed USERS=10000 NODES=100 bench/fleet.sh
#   SKIP_SEED=1 bench/fleet.sh                        # reuse the seeded database (traffic already added)
# Needs the virtualenv of ../shared/bench/requirements.txt (VENV, default /work/venv-bench).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
YS="${YARDSTICK_DIR:-$ROOT/../shared/bench}"
[ -d "$YS" ] || YS=/work/shared/bench
export YARDSTICK_DIR="$YS"
VENV="${VENV:-/work/venv-bench}"
PY="$VENV/bin/python"
SERVER="${SERVER:-spanel}"
FLAVOUR="${FLAVOUR:-sspanel}"
DB="${DB:-spanel_fleet}"
USERS="${USERS:-100000}"
NODES="${NODES:-1000}"
CYCLES="${CYCLES:-3}"
SPEED="${SPEED:-1}"
ACTIVE="${ACTIVE:-30}"
PROCS="${PROCS:-1}"
SOCK="${DB_SOCKET:-/run/mysqld/mysqld.sock}"
KEY="bench-mu-key"
OUT="${OUT:-$HERE/results/fleet-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
[ -x "$PY" ] || { echo "no virtualenv at $VENV" >&2; exit 1; }

[ -n "${SKIP_SEED:-}" ] || "$PY" "$HERE/fleet.py" seed --db "$DB" --users "$USERS" --nodes "$NODES" --socket "$SOCK"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$SERVER" = yardstick ]; then
  (cd "$YS" && YS_DATABASE_URL="mysql+aiomysql://root@localhost/$DB?unix_socket=$SOCK&charset=utf8mb4" \
    YS_MU_KEY="$KEY" exec "$VENV/bin/uvicorn" yardstick.app:app --host 127.0.0.1 --port "$port" \
    --workers 2 --no-access-log --log-level warning) >"$OUT/server.log" 2>&1 &
else
  SPANEL="${SPANEL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/spanel}"
  SPANEL_DATABASE_URL="mysql://root@localhost/$DB?socket=$SOCK" SPANEL_LISTEN="127.0.0.1:$port" \
    SPANEL_MU_KEY="$KEY" SPANEL_JOBS_ENABLED=false SPANEL_LOG=warn \
    SPANEL_REDIS_URL="redis://127.0.0.1:6379/" "$SPANEL" >"$OUT/server.log" 2>&1 &
fi
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS -H "Key: $KEY" "http://127.0.0.1:$port/app/api/v0/node/info/1" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "$SERVER on :$port (pid $PID), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$HERE/fleet.py" run --url "http://127.0.0.1:$port" --db "$DB" --socket "$SOCK" --key "$KEY" \
  --flavour "$FLAVOUR" --nodes "$NODES" --cycles "$CYCLES" --speed "$SPEED" --active "$ACTIVE" --procs "$PROCS" \
  --pid "$PID" --json-out "$OUT/$SERVER-$FLAVOUR.json" | tee "$OUT/$SERVER-$FLAVOUR.txt"
