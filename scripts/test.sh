#!/usr/bin/env bash
# The whole test suite: unit tests, every integration test on SQLite and MariaDB, and the web UI's
# end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
rm -f /tmp/spanel-test-*.db*
cargo test --workspace --all-targets "$@"
e2e/run.sh
