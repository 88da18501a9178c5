#!/usr/bin/env bash
# Load and faults on a fresh spanel cluster: 3 Galera nodes, CLUSTER_INSTANCES spanel instances
# (default 3), one private Redis (scripts/cluster.sh), then scripts/cluster_test.py's checks.
# Prints acknowledged against database; exits non-zero on any difference. Takes about 4 minutes.
# Never touches the MariaDB on 3306 or the Redis on 6379. CLUSTER_KEEP_UP=1 leaves it running.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${SPANEL_BIN:-} ]]; then
  cargo build --release --bin spanel
  export SPANEL_BIN=${CARGO_TARGET_DIR:-target}/release/spanel
fi
scripts/cluster.sh down >/dev/null
scripts/cluster.sh up
rc=0
python3 scripts/cluster_test.py || rc=$?
scripts/cluster.sh status
[[ ${CLUSTER_KEEP_UP:-0} == 1 ]] || scripts/cluster.sh down
exit $rc
