#!/usr/bin/env bash
# Checks the packages scripts/package.sh builds (needs the release build, so it is not part of
# `cargo test`): the .deb unpacked with dpkg-deb (contents, maintainer scripts, unit), and the
# tarball's binary run from a fresh directory with a clean environment (serve, /healthz,
# healthcheck, check-config, doctor, backup).
#
# Usage: scripts/package-test.sh            (builds, then checks)
#        SKIP_BUILD=1 scripts/package-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/spanel-package-test.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

DIST="$WORK/dist" scripts/package.sh
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
DEB=$(ls "$WORK"/dist/spanel_"$VERSION"_*.deb)
TGZ=$(ls "$WORK"/dist/spanel-"$VERSION"-*-linux.tar.gz)

echo "--- .deb: $(basename "$DEB")"
dpkg-deb --info "$DEB" > "$WORK/info"
grep -q "^ Package: spanel$" "$WORK/info" || fail "package name"
grep -q "^ Version: $VERSION$" "$WORK/info" || fail "version"
dpkg-deb --contents "$DEB" > "$WORK/contents"
for path in ./usr/bin/spanel ./lib/systemd/system/spanel.service ./etc/spanel/spanel.toml \
            ./usr/share/doc/spanel/copyright; do
  grep -q " $path\$" "$WORK/contents" || fail "$path missing from the .deb"
done
grep " ./usr/bin/spanel$" "$WORK/contents" | grep -q "^-rwxr-xr-x root/root" || fail "binary mode/owner"
mkdir "$WORK/deb" "$WORK/control"
dpkg-deb --extract "$DEB" "$WORK/deb"
dpkg-deb --control "$DEB" "$WORK/control"
grep -qx "/etc/spanel/spanel.toml" "$WORK/control/conffiles" || fail "spanel.toml is not a conffile"
grep -q "adduser --system" "$WORK/control/postinst" || fail "postinst does not create the user"
sh -n "$WORK/control/postinst" && sh -n "$WORK/control/prerm" && sh -n "$WORK/control/postrm" || fail "maintainer script syntax"
UNIT="$WORK/deb/lib/systemd/system/spanel.service"
grep -qx "ExecStart=/usr/bin/spanel serve" "$UNIT" || fail "unit ExecStart"
grep -qx "User=spanel" "$UNIT" || fail "unit User"
grep -qx "WantedBy=multi-user.target" "$UNIT" || fail "unit install target"
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
  systemd-analyze verify "$UNIT" || fail "systemd-analyze verify"
fi
grep -q '^database_url = "sqlite:///var/lib/spanel/spanel.db"$' "$WORK/deb/etc/spanel/spanel.toml" || fail "deb config database"
if readelf -S "$WORK/deb/usr/bin/spanel" | grep -q '\.symtab'; then fail "the binary is not stripped"; fi
"$WORK/deb/usr/bin/spanel" --version | grep -q "spanel $VERSION" || fail "deb binary --version"
echo "ok: contents, conffiles, maintainer scripts, unit, stripped binary ($(du -h "$WORK/deb/usr/bin/spanel" | cut -f1))"

echo "--- tarball: $(basename "$TGZ")"
mkdir "$WORK/fresh"
tar -C "$WORK/fresh" -xzf "$TGZ"
DIR=$(ls -d "$WORK"/fresh/spanel-*)
for f in spanel spanel.example.toml spanel.service INSTALL.md LICENSE; do
  [ -e "$DIR/$f" ] || fail "$f missing from the tarball"
done
grep -qx "ExecStart=/usr/local/bin/spanel serve" "$DIR/spanel.service" || fail "tarball unit ExecStart"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$DIR"
# A clean environment: no SPANEL_* from this shell, no cargo.
run() { env -i PATH=/usr/bin:/bin HOME="$WORK" SPANEL_LISTEN="127.0.0.1:$PORT" SPANEL_JOBS_ENABLED=false "$@"; }
run ./spanel check-config --config spanel.example.toml > "$WORK/check" || fail "check-config"
grep -q 'jwt_secret = "(the public default: set your own)"' "$WORK/check" || fail "check-config masks"
run ./spanel serve > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "spanel listening" "$WORK/serve.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; fail "serve exited"; }
  sleep 0.1
done
grep -q "First administrator created" "$WORK/serve.log" || fail "first administrator on a fresh database"
[ -f spanel.db ] || fail "spanel.db not created in the working directory"
python3 - "$PORT" <<'PY' || fail "/healthz"
import json, sys, urllib.request
body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=5))
assert body, body
PY
run ./spanel healthcheck || fail "spanel healthcheck"
run ./spanel backup --to "$WORK/backup.db" > /dev/null || fail "backup"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
set +e
run ./spanel doctor > "$WORK/doctor.txt"; CODE=$?
set -e
[ "$CODE" = 1 ] || { cat "$WORK/doctor.txt"; fail "doctor exit $CODE (want 1: the default node key)"; }
set +e
run ./spanel doctor --database-url "sqlite://$WORK/backup.db" --json > "$WORK/doctor.json"; CODE=$?
set -e
[ "$CODE" = 1 ] || fail "doctor on the backup: exit $CODE"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["exit_code"] == 1, r' "$WORK/doctor.json" || fail "doctor --json"
echo "ok: the tarball's binary runs from a fresh directory (serve, /healthz, healthcheck, check-config, backup, doctor)"
echo "package tests passed"
