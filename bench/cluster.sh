#!/usr/bin/env bash
# Cluster benchmark: traffic reports, buys and payment confirmations through 3 spanel instances on a
# 3-node Galera cluster (scripts/cluster.sh), then through 1 instance on 1 Galera node of it, then
# through 1 instance on a standalone MariaDB (no Galera) — the same load (bench/cluster.py), same run.
# Everything on private ports; the standalone MariaDB (BENCH_SOLO_SQL_PORT, 3319) and its spanel
# (BENCH_SOLO_HTTP_PORT, 8109) are stopped by PID at the end; the cluster too if this started it.
#
#   bench/cluster.sh                 # SECS=15 CONC=48
#   SECS=30 CONC=64 bench/cluster.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SECS=${SECS:-15}
CONC=${CONC:-48}
SOLO_SQL=${BENCH_SOLO_SQL_PORT:-3319}
SOLO_HTTP=${BENCH_SOLO_HTTP_PORT:-8109}
SPANEL_BIN=${SPANEL_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/spanel}
export SPANEL_BIN
CLUSTER="$ROOT/scripts/cluster.sh"
OUT="${OUT:-$HERE/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/spanel-bench-solo.XXXXXX)
SOLO_DB_PID="" SOLO_PID="" STARTED_CLUSTER=0

cleanup() {
  for pid in $SOLO_PID $SOLO_DB_PID; do
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
  rm -rf "$WORK"
  ((STARTED_CLUSTER)) && "$CLUSTER" down || true
}
trap cleanup EXIT

status=$("$CLUSTER" status)
if ! grep -q "healthz: 200" <<<"$status"; then
  STARTED_CLUSTER=1
  "$CLUSTER" up
fi
env_json() { # the environment of cluster instance $1 with the database URL $2, as JSON
  "$CLUSTER" env "$1" | python3 -c 'import json,sys; e=dict(l.rstrip("\n").split("=",1) for l in sys.stdin if "=" in l); e["SPANEL_DATABASE_URL"]=sys.argv[1]; print(json.dumps(e))' "$2"
}
MU_KEY=$("$CLUSTER" env 1 | sed -n 's/^SPANEL_MU_KEY=//p')

# The standalone MariaDB and its one spanel.
mariadb-install-db --no-defaults --datadir="$WORK/db" --user=root --auth-root-authentication-method=normal \
  --skip-test-db >/dev/null 2>&1
mariadbd --no-defaults --datadir="$WORK/db" --port="$SOLO_SQL" --bind-address=127.0.0.1 \
  --socket="$WORK/db.sock" --user=root --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
  --max-connections=300 --log-error="$WORK/db.err" >/dev/null 2>&1 &
SOLO_DB_PID=$!
for _ in $(seq 1 100); do mariadb --no-defaults -h127.0.0.1 -P"$SOLO_SQL" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.3; done
mariadb --no-defaults -h127.0.0.1 -P"$SOLO_SQL" -uroot -e \
  "CREATE DATABASE spanel CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mariadb --no-defaults -h127.0.0.1 -P"$SOLO_SQL" -uroot spanel <"${SPANEL_SHARED_DIR:-/work/shared}/fixtures/sspanel-classic-schema.sql"
SOLO_URL="mysql://root@127.0.0.1:$SOLO_SQL/spanel"
(
  eval "$("$CLUSTER" env 1 | sed 's/^/export /')"
  export SPANEL_DATABASE_URL=$SOLO_URL SPANEL_LISTEN=127.0.0.1:$SOLO_HTTP SPANEL_JOBS_ENABLED=false
  exec "$SPANEL_BIN" serve >"$OUT/solo-spanel.log" 2>&1
) &
SOLO_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$SOLO_HTTP/healthz" >/dev/null 2>&1 && break; sleep 0.3; done

ports=$("$CLUSTER" status | sed -n 's|.*http://127.0.0.1:\([0-9]*\).*healthz: 200|\1|p' | paste -sd,)
run() { # run LABEL PORTS SQL_PORT ENV_JSON
  echo "== $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  python3 "$HERE/cluster.py" --label "$1" --ports "$2" --sql-port "$3" --bin "$SPANEL_BIN" \
    --env-json "$4" --mu-key "$MU_KEY" --secs "$SECS" -c "$CONC" | tee -a "$OUT/results.jsonl"
}
run "3 instances on 3 Galera nodes" "$ports" 3311 "$(env_json 1 mysql://root@127.0.0.1:3311/spanel)"
run "1 instance on 1 Galera node" "${ports%%,*}" 3311 "$(env_json 1 mysql://root@127.0.0.1:3311/spanel)"
run "1 instance on a standalone MariaDB" "$SOLO_HTTP" "$SOLO_SQL" "$(env_json 1 "$SOLO_URL")"

python3 - "$OUT/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("setup | load | ok/s | p50 ms | p99 ms | errors | check")
print("--- | --- | --- | --- | --- | --- | ---")
for r in rows:
    print(f"{r['label']} | {r['load']} | {r['per_sec']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | {r['check']}")
PY
echo "results in $OUT"
