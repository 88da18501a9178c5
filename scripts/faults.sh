#!/usr/bin/env bash
# Fault injection under traffic load: kills a private MariaDB, a private Redis and spanel itself
# mid-load and prints what was acknowledged against what the database holds (scripts/faults.py).
# Never touches the shared MariaDB and Redis: its own instances run on FAULT_DB_PORT (3399) and
# FAULT_REDIS_PORT (6399) with data under a temporary directory, stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --bin spanel
TARGET_DIR=${CARGO_TARGET_DIR:-target}
exec python3 scripts/faults.py "$TARGET_DIR/debug/spanel"
