#!/usr/bin/env bash
# Admin reports and charts at scale. Seeds a dedicated MariaDB database (DB, default
# spanel_bench_reports; only a database whose name starts with spanel_bench_ is ever dropped) with
# USERS users and ROWS `user_hourly_usage` rows (every user in every hour, as a busy panel writes
# them), the spanel aggregates the traffic path and the hourly roll-up keep from the same rows
# (`spanel_traffic_daily`, `spanel_traffic_total_hourly`, `spanel_node_traffic_daily`), a full
# current hour not yet rolled up, node-online samples, top-ups and purchases; lets the report
# roll-ups catch up (`spanel job run report_rollup`), starts spanel on a loopback port and times each
# report and chart (median of RUNS, after one warm-up).
#
#   bench/reports.sh                        # 100,000 users, 5,000,000 rows
#   ROWS=10000000 bench/reports.sh          # 10 million rows
#   SKIP_SEED=1 bench/reports.sh            # time again on the seeded database
# MariaDB: 127.0.0.1:3306 as root (MYSQL_ARGS to change). spanel: $SPANEL, else the release build,
# else the debug build of CARGO_TARGET_DIR.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DB="${DB:-spanel_bench_reports}"
USERS="${USERS:-100000}"
ROWS="${ROWS:-5000000}"
NODES="${NODES:-50}"
RUNS="${RUNS:-5}"
MYSQL_ARGS="${MYSQL_ARGS:--uroot -h127.0.0.1 -P3306}"
case "$DB" in spanel_bench_*) ;; *) echo "DB must start with spanel_bench_" >&2; exit 1 ;; esac
T="${CARGO_TARGET_DIR:-$ROOT/target}"
SPANEL="${SPANEL:-}"
[ -n "$SPANEL" ] || { [ -x "$T/release/spanel" ] && SPANEL="$T/release/spanel"; } || true
[ -n "$SPANEL" ] || SPANEL="$T/debug/spanel"
[ -x "$SPANEL" ] || { echo "no spanel binary at $SPANEL (cargo build --bin spanel)" >&2; exit 1; }
# shellcheck disable=SC2086
sql() { mysql $MYSQL_ARGS "$@"; }
export SPANEL_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB"
export SPANEL_MU_KEY="bench-mu-key" SPANEL_JWT_SECRET="bench-jwt-secret-0123456789abcdef"
export SPANEL_JOBS_ENABLED=false SPANEL_LOG=warn SPANEL_REDIS_URL="redis://127.0.0.1:6379/"
export SPANEL_LOGIN_IP_PER_MINUTE=1000

seed() {
  local hours=$(( (ROWS + USERS - 1) / USERS ))
  echo "seeding $DB: $USERS users, $ROWS hourly rows ($hours hours), $NODES nodes"
  sql -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  "$SPANEL" init-db >/dev/null
  local now; now=$(date +%s)
  local hour=$(( now - now % 3600 ))
  local first=$(( hour - hours * 3600 ))
  sql "$DB" <<SQL
SET SESSION foreign_key_checks = 0, unique_checks = 0;
INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, expire_in,
  transfer_enable, method, enable, class, class_expire)
SELECT CONCAT('u', seq), CONCAT('u', seq, '@example.com'), 'x', 'pw', UUID(), 10000 + seq % 50000,
  NOW() - INTERVAL (seq % 400) DAY, 'material', CONCAT('ga', seq), '2099-01-01 00:00:00',
  1099511627776, 'aes-128-gcm', 1, seq % 3, NOW() + INTERVAL (CAST(seq % 60 AS SIGNED) - 20) DAY
FROM seq_1_to_$USERS;
INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip, node_heartbeat)
SELECT CONCAT('node-', seq), 1, CONCAT('n', seq, '.example.com'), '{}', 11, 1, '127.0.0.1',
  IF(seq % 10 = 0, 0, UNIX_TIMESTAMP()) FROM seq_1_to_$NODES;
SQL
  # The hourly rows, a million per statement.
  local from=0
  while [ "$from" -lt "$ROWS" ]; do
    local to=$(( from + 1000000 < ROWS ? from + 1000000 : ROWS ))
    sql "$DB" -e "SET SESSION foreign_key_checks = 0, unique_checks = 0;
      INSERT INTO user_hourly_usage (user_id, traffic, hourly_usage, datetime)
      SELECT 1 + seq % $USERS, 0, (seq * 2654435761) % 50000000, $first + (seq DIV $USERS) * 3600
      FROM seq_${from}_to_$(( to - 1 ))"
    from=$to
    printf '.'
  done
  echo
  # Per user and day, a million rows per statement (one giant GROUP BY needs an on-disk temporary
  # table, which failed on this machine when /tmp was cleaned under it).
  local max; max=$(sql "$DB" -N -e "SELECT MAX(id) FROM user_hourly_usage")
  for (( lo = 1; lo <= max; lo += 1000000 )); do
    sql "$DB" -e "INSERT INTO spanel_traffic_daily (user_id, day, u, d)
      SELECT user_id, datetime - datetime % 86400 AS day, SUM(hourly_usage) DIV 4 AS su,
        SUM(hourly_usage) - SUM(hourly_usage) DIV 4 AS sd FROM user_hourly_usage
      WHERE id BETWEEN $lo AND $(( lo + 999999 )) GROUP BY user_id, day
      ON DUPLICATE KEY UPDATE u = u + VALUES(u), d = d + VALUES(d)"
  done
  sql "$DB" <<SQL
INSERT INTO spanel_traffic_total_hourly (hour, bytes)
SELECT datetime, SUM(hourly_usage) FROM user_hourly_usage GROUP BY datetime;
INSERT INTO spanel_node_traffic_daily (node_id, day, bytes)
SELECT n.seq, t.day, t.bytes DIV $NODES + n.seq FROM seq_1_to_$NODES n
JOIN (SELECT hour - hour % 86400 AS day, SUM(bytes) AS bytes FROM spanel_traffic_total_hourly GROUP BY day) t;
-- The current hour, not rolled up yet: every user.
INSERT INTO spanel_traffic_hourly (user_id, hour, u, d)
SELECT seq, $hour, seq % 1000000, seq % 7000000 FROM seq_1_to_$USERS;
INSERT INTO spanel_traffic_total_hourly (hour, bytes) SELECT $hour, SUM(u + d) FROM spanel_traffic_hourly;
INSERT INTO spanel_node_online_sample (at, online, total)
SELECT $now - $now % 600 - seq * 600, $NODES - (seq % 7 = 0) - (seq % 13 = 0), $NODES FROM seq_0_to_52559;
SET SESSION foreign_key_checks = 0;
-- A year of orders and purchases, ids following time as a panel writes them; a fifth unpaid.
INSERT INTO paylist (userid, total, status, tradeno, datetime)
SELECT 1 + (seq * 7919) % $USERS, 5 + seq % 50, IF(seq % 5 = 0, 0, 1), CONCAT('tn', seq), $now - 31536000 + seq * 105
FROM seq_1_to_300000;
INSERT INTO bought (userid, shopid, datetime, renew, coupon, price)
SELECT 1 + (seq * 7919) % $USERS, 1 + seq % 5, $now - 31536000 + seq * 157, 0, '', 5 + seq % 40
FROM seq_1_to_200000;
ANALYZE TABLE user, user_hourly_usage, spanel_traffic_daily, spanel_traffic_total_hourly, paylist, bought;
SQL
}

[ -n "${SKIP_SEED:-}" ] || seed
sql "$DB" -N -e "SELECT CONCAT('rows: user ', (SELECT COUNT(*) FROM user), ', user_hourly_usage ',
  (SELECT COUNT(*) FROM user_hourly_usage), ', spanel_traffic_daily ', (SELECT COUNT(*) FROM spanel_traffic_daily),
  ', spanel_traffic_hourly ', (SELECT COUNT(*) FROM spanel_traffic_hourly), ', paylist ', (SELECT COUNT(*) FROM paylist),
  ', bought ', (SELECT COUNT(*) FROM bought))"

# The report roll-ups catch up as the scheduler would run them (a minute apart; here back to
# back): the top-users windows, the history back-fill and the chart aggregates. A binary without
# the job (an older spanel, for "before" figures) skips this.
start=$(date +%s.%N)
if [ -z "${SKIP_ROLLUP:-}" ] && "$SPANEL" job run report_rollup >/tmp/spanel-bench-rollup.log 2>&1; then
  runs=1
  until grep -q ': 0 rows changed' /tmp/spanel-bench-rollup.log || [ "$runs" -ge 60 ]; do
    "$SPANEL" job run report_rollup >/tmp/spanel-bench-rollup.log 2>&1
    runs=$((runs + 1))
  done
  printf 'report roll-ups caught up in %.1f s (%d runs of the job)\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$runs"
  sql "$DB" -N -e "SELECT name, mark, target, pos FROM spanel_report_state ORDER BY name" | tr '\t' ' ' | sed 's/^/  /'
fi

admin="bench-admin@example.com"
sql "$DB" -e "DELETE FROM user WHERE email = '$admin'"
"$SPANEL" create-admin --email "$admin" --password "bench-admin-password" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SPANEL_LISTEN="127.0.0.1:$port" "$SPANEL" serve >"/tmp/spanel-bench-reports.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port/app/api/v0"
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"email\":\"$admin\",\"password\":\"bench-admin-password\"}" "$base/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
now=$(date +%s)
d7=$(( now - 7 * 86400 )); d30=$(( now - 30 * 86400 ))
paths=(
  "admin/overview"
  "admin/reports/usage?granularity=day&from=$d30&to=$now"
  "admin/reports/usage?granularity=hour&from=$d7&to=$now"
  "admin/reports/usage?granularity=hour&user_id=4242&from=$d30&to=$now"
  "admin/reports/top-users?from=$d7&to=$now&per_page=20"
  "admin/reports/top-users?from=$d30&to=$now&per_page=100&page=50"
  "admin/reports/nodes"
)
for c in revenue orders users traffic node-traffic nodes-online; do
  paths+=("admin/charts/$c?days=30")
done
paths+=("admin/charts/nodes-online?days=7" "admin/charts/revenue?days=366" "admin/charts/users?days=366")
printf '%-78s %8s %9s %s\n' "GET /app/api/v0/…" "median" "bytes" "status"
for p in "${paths[@]}"; do
  times=()
  for i in $(seq 0 "$RUNS"); do
    out=$(curl -sS -o /dev/null -w '%{time_total} %{size_download} %{http_code}' \
      -H "Authorization: Bearer $token" "$base/$p")
    [ "$i" -eq 0 ] || times+=("${out%% *}")
    rest=${out#* }
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-78s %6.0f ms %9s %s\n' "${p//$now/now}" "$(awk -v t="$med" 'BEGIN {print t * 1000}')" "${rest% *}" "${rest#* }"
done
echo "spanel: $SPANEL; load average $(cut -d' ' -f1-3 /proc/loadavg)"
