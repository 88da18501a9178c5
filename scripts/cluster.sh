#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback with N spanel instances on it, one per node, sharing one
# private Redis — to run spanel the way a big operator does, on one machine.
#
#   scripts/cluster.sh up       # start everything (idempotent: running parts are left as they are)
#   scripts/cluster.sh status   # what runs, Galera's view of the cluster, spanel's health
#   scripts/cluster.sh down     # stop what `up` started, by PID, and delete the data directory
#   scripts/cluster.sh start-node I | kill-node I | start-spanel I | kill-spanel I   (fault tests)
#
# It never touches the MariaDB on 3306 or the Redis on 6379: the Galera nodes listen on
# CLUSTER_SQL_BASE+1.. (3311, 3312, 3313), group communication on CLUSTER_GCOMM_BASE + 10·(i-1)
# (4567, 4577, 4587; IST on +1, SST on 4444 + 10·(i-1)), Redis on CLUSTER_REDIS_PORT (6391), spanel
# on CLUSTER_HTTP_BASE+1.. (8101…). State (data, logs, PIDs) lives in CLUSTER_DIR.
#
# spanel is the release binary of CARGO_TARGET_DIR (or target/), or SPANEL_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${CLUSTER_DIR:-/tmp/spanel-cluster}
NODES=3
INSTANCES=${CLUSTER_INSTANCES:-3}
SQL_BASE=${CLUSTER_SQL_BASE:-3310}
GCOMM_BASE=${CLUSTER_GCOMM_BASE:-4567}
SST_BASE=${CLUSTER_SST_BASE:-4444}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6391}
HTTP_BASE=${CLUSTER_HTTP_BASE:-8100}
DB_NAME=${CLUSTER_DB:-spanel}
PROVIDER=/usr/lib/galera/libgalera_smm.so
SPANEL_BIN=${SPANEL_BIN:-${CARGO_TARGET_DIR:-target}/release/spanel}
MU_KEY=${CLUSTER_MU_KEY:-cluster-node-key-0123456789abcdef}
JWT_SECRET=${CLUSTER_JWT_SECRET:-cluster-jwt-secret-0123456789abcdef}
FIXTURE=${SPANEL_SHARED_DIR:-/work/shared}/fixtures/sspanel-classic-schema.sql

for port in "$((SQL_BASE + 1))" "$REDIS_PORT"; do
  case $port in 3306|6379) echo "refusing to use the shared port $port" >&2; exit 2 ;; esac
done

log() { echo "[cluster $(date -u +%H:%M:%S)] $*"; }
sql_port() { echo $((SQL_BASE + $1)); }
gcomm_port() { echo $((GCOMM_BASE + 10 * ($1 - 1))); }
http_port() { echo $((HTTP_BASE + $1)); }
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
sql() { # sql NODE STATEMENT…
  local n=$1; shift
  mariadb --no-defaults -h127.0.0.1 -P"$(sql_port "$n")" -uroot -N -B "$@"
}

need_packages() {
  local missing=()
  [[ -f $PROVIDER ]] || missing+=(galera-4)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

write_config() { # write_config I
  local i=$1 d=$DIR/node$1 g; g=$(gcomm_port "$1")
  local peers=()
  for j in $(seq 1 $NODES); do peers+=("127.0.0.1:$(gcomm_port "$j")"); done
  cat >"$d/my.cnf" <<EOF
[mariadbd]
datadir=$d/data
port=$(sql_port "$i")
bind-address=127.0.0.1
socket=$d/mariadbd.sock
pid-file=$d/mariadbd.pid
log-error=$d/error.log
skip-name-resolve
innodb_buffer_pool_size=64M
innodb_log_file_size=48M
innodb_flush_log_at_trx_commit=2
max_connections=300
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=spanel_cluster
wsrep_cluster_address=gcomm://$(IFS=,; echo "${peers[*]}")
wsrep_node_name=node$i
wsrep_node_address=127.0.0.1:$g
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$((g + 1));gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((SST_BASE + 10 * (i - 1)))
wsrep_slave_threads=2
# Reads wait until the node has applied what the cluster committed before them: an account made
# through one instance can log in through any other at once.
wsrep_sync_wait=1
EOF
}

init_node() { # init_node I
  local d=$DIR/node$1
  [[ -d $d/data/mysql ]] && return 0
  mkdir -p "$d"
  chown mysql:mysql "$d"
  write_config "$1"
  chown mysql:mysql "$d/my.cnf"
  mariadb-install-db --defaults-file="$d/my.cnf" --user=mysql \
    --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 \
    || { log "mariadb-install-db failed for node $1:"; tail "$d/install.log"; exit 1; }
}

node_state() { sql "$1" -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2; }

wait_synced() { # wait_synced I SECONDS
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ $(node_state "$1") == Synced ]] && return 0
    sleep 1
  done
  log "node $1 did not reach Synced in $2 s; last lines of its log:"
  tail -n 20 "$DIR/node$1/error.log" >&2
  return 1
}

start_node() { # start_node I [new]
  local i=$1 d=$DIR/node$1
  if alive "$d/mariadbd.pid"; then return 0; fi
  rm -f "$d/mariadbd.pid"
  local extra=()
  [[ ${2:-} == new ]] && extra+=(--wsrep-new-cluster)
  # A node that was the last one standing may be marked unsafe to bootstrap; the script knows
  # which one it bootstraps.
  [[ ${2:-} == new && -f $d/data/grastate.dat ]] &&
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
  log "starting Galera node $i (SQL $(sql_port "$i"), gcomm $(gcomm_port "$i"))${2:+ as a new cluster}"
  setsid runuser -u mysql -- /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "${extra[@]}" \
    >>"$d/stdout.log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 30))
  until [[ -s $d/mariadbd.pid ]] || ((SECONDS > deadline)); do sleep 0.5; done
  wait_synced "$i" 180
}

start_redis() {
  alive "$DIR/redis.pid" && return 0
  log "starting Redis on $REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" \
    --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
  local deadline=$((SECONDS + 10))
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || ((SECONDS > deadline)); do sleep 0.2; done
}

load_schema() {
  if [[ $(sql 1 -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$DB_NAME' AND TABLE_NAME = 'user'") == 1 ]]; then
    return 0
  fi
  log "loading SSPanel's classic schema into $DB_NAME (once, on node 1; Galera replicates it)"
  sql 1 -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  sql 1 "$DB_NAME" <"$FIXTURE"
}

spanel_env() { # spanel_env I: the environment of instance I (node ((I-1) % 3) + 1)
  local i=$1 node=$((($1 - 1) % NODES + 1))
  echo "SPANEL_DATABASE_URL=mysql://root@127.0.0.1:$(sql_port "$node")/$DB_NAME"
  echo "SPANEL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/"
  echo "SPANEL_LISTEN=127.0.0.1:$(http_port "$i")"
  echo "SPANEL_MU_KEY=$MU_KEY"
  echo "SPANEL_JWT_SECRET=$JWT_SECRET"
  echo "SPANEL_DEBUG=${CLUSTER_DEBUG:-true}"
  echo "SPANEL_PASSWORD_METHOD=${CLUSTER_PASSWORD_METHOD:-sha256}"
  echo "SPANEL_DATABASE_MAX_CONNECTIONS=${CLUSTER_DB_CONNECTIONS:-32}"
  echo "SPANEL_USAGE_STATS_FLUSH_SECS=0"
  echo "SPANEL_LOG=${CLUSTER_LOG:-warn,spanel=info}"
  # Every instance runs the scheduler; the lease in spanel_job_lease elects one.
  echo "SPANEL_JOBS_ENABLED=${CLUSTER_JOBS:-true}"
}

start_spanel() { # start_spanel I
  local i=$1 pidf=$DIR/spanel$1.pid
  alive "$pidf" && return 0
  [[ -x $SPANEL_BIN ]] || { echo "no spanel binary at $SPANEL_BIN (cargo build --release, or set SPANEL_BIN)" >&2; exit 1; }
  log "starting spanel $i on :$(http_port "$i") → Galera node $((($i - 1) % NODES + 1))"
  (
    set -a
    eval "$(spanel_env "$i" | sed 's/^/export /')"
    exec setsid "$SPANEL_BIN" serve >>"$DIR/spanel$i.log" 2>&1 </dev/null
  ) &
  echo $! >"$pidf"
  local deadline=$((SECONDS + 60))
  until curl -fsS "http://127.0.0.1:$(http_port "$i")/healthz" >/dev/null 2>&1; do
    if ! alive "$pidf" || ((SECONDS > deadline)); then
      log "spanel $i did not come up; its log:"; tail -n 20 "$DIR/spanel$i.log" >&2; return 1
    fi
    sleep 0.3
  done
}

kill_pidfile() { # kill_pidfile FILE SIGNAL
  if alive "$1"; then
    local pid; pid=$(cat "$1")
    kill "-$2" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

up() {
  need_packages
  mkdir -p "$DIR"
  chown mysql:mysql "$DIR"
  chmod 755 "$DIR"
  for i in $(seq 1 $NODES); do init_node "$i"; done
  # The first node starts a new cluster unless another node of it still runs.
  local running=0
  for i in $(seq 1 $NODES); do alive "$DIR/node$i/mariadbd.pid" && running=1; done
  if ((running)); then start_node 1; else start_node 1 new; fi
  for i in $(seq 2 $NODES); do start_node "$i"; done
  log "Galera cluster size: $(sql 1 -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)"
  load_schema
  start_redis
  # Started together on purpose: instances must survive starting at the same moment.
  local pids=()
  for i in $(seq 1 "$INSTANCES"); do start_spanel "$i" & pids+=($!); done
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  ((failed)) && { log "an instance failed to start"; exit 1; }
  echo "$INSTANCES" >"$DIR/instances"
  status
}

status() {
  echo "cluster directory: $DIR"
  for i in $(seq 1 $NODES); do
    local pidf=$DIR/node$i/mariadbd.pid
    if alive "$pidf"; then
      printf 'galera node %d  pid %-7s SQL %s  %s, cluster size %s\n' "$i" "$(cat "$pidf")" \
        "$(sql_port "$i")" "$(node_state "$i")" \
        "$(sql "$i" -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2)"
    else
      printf 'galera node %d  stopped\n' "$i"
    fi
  done
  if alive "$DIR/redis.pid"; then echo "redis         pid $(cat "$DIR/redis.pid")  port $REDIS_PORT"; else echo "redis         stopped"; fi
  local n; n=$(cat "$DIR/instances" 2>/dev/null || echo "$INSTANCES")
  for i in $(seq 1 "$n"); do
    if alive "$DIR/spanel$i.pid"; then
      printf 'spanel %d      pid %-7s http://127.0.0.1:%s  → node %d  healthz: %s\n' "$i" \
        "$(cat "$DIR/spanel$i.pid")" "$(http_port "$i")" $((($i - 1) % NODES + 1)) \
        "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port "$i")/healthz")"
    else
      printf 'spanel %d      stopped\n' "$i"
    fi
  done
}

down() {
  [[ -d $DIR ]] || { echo "nothing to stop ($DIR does not exist)"; return 0; }
  for f in "$DIR"/spanel*.pid; do [[ -e $f ]] && kill_pidfile "$f" TERM; done
  kill_pidfile "$DIR/redis.pid" TERM
  for i in $(seq $NODES -1 1); do kill_pidfile "$DIR/node$i/mariadbd.pid" TERM; done
  [[ ${CLUSTER_KEEP:-0} == 1 ]] || rm -rf "$DIR"
  log "stopped"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  start-node) start_node "$2" ;;
  kill-node) log "kill -9 Galera node $2"; kill_pidfile "$DIR/node$2/mariadbd.pid" KILL ;;
  start-spanel) start_spanel "$2" ;;
  kill-spanel) log "kill -9 spanel $2"; kill_pidfile "$DIR/spanel$2.pid" KILL ;;
  env) spanel_env "${2:-1}" ;;
  *) echo "usage: $0 up|down|status|start-node I|kill-node I|start-spanel I|kill-spanel I" >&2; exit 2 ;;
esac
