#!/usr/bin/env bash
# Side-by-side benchmark: the FastAPI yardstick (../shared/bench) and spanel (release build), each on a
# freshly seeded copy of the same MariaDB data, driven by the same load generator, then a table of
# ratios. Nothing here is a test: figures go to the terminal and bench/results/.
#
#   bench/compare.sh                        # DURATION=15 USERS=10000 NODES=100 CONC=64 K=50
#   MODES="traffic users" bench/compare.sh  # a subset (traffic users buy notify callbacks)
#   SKIP_YARDSTICK=1 bench/compare.sh       # spanel only
#   SKIP_BUILD=1 bench/compare.sh           # use the release binary already built
# With traffic in MODES, spanel also runs once with SPANEL_TRAFFIC_BATCHING=false: the naive
# baseline (one transaction and one UPDATE per row per report) in the same binary.
# callbacks (spanel only: the yardstick has no gateways) sends EPay-signed notifications through
# /payment/notify/epay (bench/callbacks.py); its figure is set against the yardstick's confirmations.
#
# Needs a Python virtualenv with ../shared/bench/requirements.txt (PyPI only):
#   python3 -m venv /work/venv-bench && /work/venv-bench/bin/pip install -r ../shared/bench/requirements.txt
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
YS="${YARDSTICK_DIR:-$ROOT/../shared/bench}"
VENV="${VENV:-/work/venv-bench}"
PY="$VENV/bin/python"
DB="${DB:-spanel_bench_cmp}"
DURATION="${DURATION:-15}"
USERS="${USERS:-10000}"
NODES="${NODES:-100}"
CONC="${CONC:-64}"
K="${K:-50}"
MODES="${MODES:-traffic users buy notify callbacks}"
FLAVOUR="${FLAVOUR:-seed}"
SOCK="${DB_SOCKET:-/run/mysqld/mysqld.sock}"
KEY="bench-mu-key"
EPAY_KEY="bench-epay-key-0123456789"
SECRET="bench-jwt-secret-0123456789abcdef"
OUT="${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"

[ -x "$PY" ] || { echo "no virtualenv at $VENV (see the header of this script)" >&2; exit 1; }
"$ROOT/scripts/services.sh" >/dev/null
[ -n "${SKIP_BUILD:-}" ] || (cd "$ROOT" && cargo build --release --quiet)
SPANEL="${CARGO_TARGET_DIR:-$ROOT/target}/release/spanel"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT

# wait_up URL: polls every 10 ms until the server answers; UP_MS = milliseconds since START_NS.
wait_up() {
  for _ in $(seq 1 3000); do
    if curl -fsS -H "Key: $KEY" "$1/app/api/v0/node/info/1" >/dev/null 2>&1; then
      UP_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))
      return 0
    fi
    sleep 0.01
  done
  echo "server at $1 did not come up" >&2
  return 1
}

# run_modes NAME URL: seeds nothing; runs every mode against URL, results in $OUT/NAME_*.json
run_modes() {
  local name=$1 url=$2
  local common=(--url "$url" --db "$DB" --db-socket "$SOCK" --key "$KEY")
  for mode in $MODES; do
    case $mode in
      traffic)
        for sets in disjoint shared; do
          echo "  $name traffic $sets"
          "$PY" "$YS/load.py" traffic "${common[@]}" --flavour "$FLAVOUR" --user-sets "$sets" -c "$CONC" -k "$K" \
            -t "$DURATION" --json-out "$OUT/${name}_traffic_$sets.json" >"$OUT/${name}_traffic_$sets.out" || true
        done ;;
      users)
        echo "  $name users"
        "$PY" "$YS/load.py" users "${common[@]}" --flavour "$FLAVOUR" -c 16 -t "$DURATION" \
          --json-out "$OUT/${name}_users.json" >"$OUT/${name}_users.out" || true ;;
      buy)
        echo "  $name buy"
        "$PY" "$YS/load.py" buy "${common[@]}" -c "$CONC" -t "$DURATION" --jwt-secret "$SECRET" \
          --json-out "$OUT/${name}_buy.json" >"$OUT/${name}_buy.out" || true ;;
      notify)
        echo "  $name notify"
        "$PY" "$YS/load.py" notify "${common[@]}" -c "$CONC" -t "$DURATION" \
          --json-out "$OUT/${name}_notify.json" >"$OUT/${name}_notify.out" || true ;;
      callbacks)
        [ "$name" = spanel ] || continue
        echo "  $name callbacks"
        YARDSTICK_DIR="$YS" "$PY" "$HERE/callbacks.py" --url "$url" --db "$DB" --db-socket "$SOCK" \
          --epay-key "$EPAY_KEY" -c "$CONC" -t "$DURATION" \
          --json-out "$OUT/${name}_callbacks.json" >"$OUT/${name}_callbacks.out" || true ;;
    esac
  done
}

# Seeds the data; EPay is configured in SSPanel's `config` table for the callbacks mode.
seed() {
  (cd "$YS" && "$PY" seed_db.py --db "$DB" --users "$USERS" --nodes "$NODES" --socket "$SOCK" >/dev/null)
  mysql -uroot "$DB" <<SQL
UPDATE config SET value = '["epay"]' WHERE item = 'payment_gateway';
INSERT INTO config (item, value, class, is_public, type, \`default\`, mark) VALUES
  ('epay_url', 'https://pay.example.com/', 'pay', 0, 'string', '', 'EPay gateway URL'),
  ('epay_pid', '1001', 'pay', 0, 'string', '', 'EPay merchant id'),
  ('epay_key', '$EPAY_KEY', 'pay', 0, 'string', '', 'EPay merchant key');
SQL
}

if [ -z "${SKIP_YARDSTICK:-}" ]; then
  echo "== yardstick"
  seed
  port=$(free_port)
  START_NS=$(date +%s%N)
  (cd "$YS" && YS_DATABASE_URL="mysql+aiomysql://root@localhost/$DB?unix_socket=$SOCK&charset=utf8mb4" \
    YS_MU_KEY="$KEY" YS_JWT_SECRET="$SECRET" exec "$VENV/bin/uvicorn" yardstick.app:app --host 127.0.0.1 \
    --port "$port" --workers 2 --no-access-log --log-level warning) >"$OUT/yardstick.log" 2>&1 &
  SERVER_PID=$!
  wait_up "http://127.0.0.1:$port"
  echo "  yardstick start-up: $UP_MS ms" | tee "$OUT/yardstick_startup.txt"
  run_modes yardstick "http://127.0.0.1:$port"
  stop_server
fi

start_spanel() { # start_spanel BATCHING
  seed
  port=$(free_port)
  START_NS=$(date +%s%N)
  SPANEL_DATABASE_URL="mysql://root@localhost/$DB?socket=$SOCK" SPANEL_LISTEN="127.0.0.1:$port" \
    SPANEL_MU_KEY="$KEY" SPANEL_JWT_SECRET="$SECRET" SPANEL_DEBUG=true SPANEL_JOBS_ENABLED=false \
    SPANEL_TRAFFIC_BATCHING="$1" SPANEL_LOG=warn SPANEL_REDIS_URL="redis://127.0.0.1:6379/" \
    "$SPANEL" >>"$OUT/spanel.log" 2>&1 &
  SERVER_PID=$!
  wait_up "http://127.0.0.1:$port"
}

if [[ " $MODES " == *" traffic "* ]]; then
  echo "== spanel, naive per-row baseline"
  start_spanel false
  MODES=traffic run_modes naive "http://127.0.0.1:$port"
  stop_server
fi

echo "== spanel"
seed
port=$(free_port)
START_NS=$(date +%s%N)
SPANEL_DATABASE_URL="mysql://root@localhost/$DB?socket=$SOCK" SPANEL_LISTEN="127.0.0.1:$port" \
  SPANEL_MU_KEY="$KEY" SPANEL_JWT_SECRET="$SECRET" SPANEL_DEBUG=true SPANEL_JOBS_ENABLED=false \
  SPANEL_LOG=warn SPANEL_REDIS_URL="redis://127.0.0.1:6379/" "$SPANEL" >"$OUT/spanel.log" 2>&1 &
SERVER_PID=$!
wait_up "http://127.0.0.1:$port"
echo "  spanel start-up on the seeded MariaDB: $UP_MS ms" | tee "$OUT/spanel_startup.txt"
sleep 1
echo "  spanel idle RSS: $(awk '/VmRSS/{print $2" kB"}' /proc/$SERVER_PID/status)" | tee "$OUT/spanel_rss.txt"
run_modes spanel "http://127.0.0.1:$port"
echo "  spanel peak RSS: $(awk '/VmHWM/{print $2" kB"}' /proc/$SERVER_PID/status)" | tee -a "$OUT/spanel_rss.txt"
stop_server

"$PY" "$HERE/ratios.py" "$OUT"
