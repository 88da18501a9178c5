#!/usr/bin/env bash
# The whole test suite: unit tests, and every integration test on SQLite and MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
rm -f /tmp/spanel-test-*.db*
cargo test --all-targets "$@"
