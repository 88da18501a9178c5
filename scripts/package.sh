#!/usr/bin/env bash
# Builds what an operator installs without a Rust toolchain, into dist/:
#   spanel-VERSION-ARCH-linux.tar.gz   stripped binary, example config, systemd unit, INSTALL.md, LICENSE
#   spanel_VERSION_DEBARCH.deb         /usr/bin/spanel, the unit, /etc/spanel/spanel.toml, a `spanel`
#                                      system user made by the maintainer scripts (dpkg-deb, no cargo-deb)
# The Dockerfile and docker-compose.yml at the top of the tree build the container image.
#
# Usage: scripts/package.sh            (release build, then both packages)
#        SKIP_BUILD=1 scripts/package.sh   (package an existing release binary)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
ARCH=$(uname -m)
DEBARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/spanel"
DIST=${DIST:-dist}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked
fi
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }

rm -rf "$DIST/stage"
mkdir -p "$DIST/stage"
STRIPPED="$DIST/stage/spanel"
cp "$BIN" "$STRIPPED"
strip --strip-all "$STRIPPED"

# --- tarball ---
NAME="spanel-$VERSION-$ARCH-linux"
T="$DIST/stage/$NAME"
mkdir -p "$T"
install -m 755 "$STRIPPED" "$T/spanel"
install -m 644 spanel.example.toml LICENSE packaging/INSTALL.md "$T/"
# A manual install puts the binary in /usr/local/bin.
sed 's#^ExecStart=/usr/bin/spanel#ExecStart=/usr/local/bin/spanel#' packaging/spanel.service > "$T/spanel.service"
chmod 644 "$T/spanel.service"
tar -C "$DIST/stage" --owner=0 --group=0 -czf "$DIST/$NAME.tar.gz" "$NAME"

# --- .deb ---
D="$DIST/stage/deb"
mkdir -p "$D/DEBIAN" "$D/usr/bin" "$D/lib/systemd/system" "$D/etc/spanel" \
  "$D/usr/share/doc/spanel"
install -m 755 "$STRIPPED" "$D/usr/bin/spanel"
install -m 644 packaging/spanel.service "$D/lib/systemd/system/spanel.service"
sed 's#^database_url = "sqlite://spanel.db"#database_url = "sqlite:///var/lib/spanel/spanel.db"#' \
  spanel.example.toml > "$D/etc/spanel/spanel.toml"
chmod 644 "$D/etc/spanel/spanel.toml"
install -m 644 packaging/INSTALL.md "$D/usr/share/doc/spanel/INSTALL.md"
install -m 644 LICENSE "$D/usr/share/doc/spanel/copyright"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$D/DEBIAN/"
echo "/etc/spanel/spanel.toml" > "$D/DEBIAN/conffiles"
SIZE=$(du -sk "$D" | cut -f1)
cat > "$D/DEBIAN/control" <<CONTROL
Package: spanel
Version: $VERSION
Section: net
Priority: optional
Architecture: $DEBARCH
Maintainer: spanel maintainers <spanel@localhost>
Installed-Size: $SIZE
Depends: libc6 (>= 2.31), libgcc-s1, adduser
Description: SSPanel-UIM compatible panel backend in one binary
 spanel serves the node API, accounts, shop, payments and subscriptions of an
 SSPanel-UIM panel, on PHP SSPanel's own MySQL/MariaDB database or on SQLite.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$D" "$DIST/spanel_${VERSION}_${DEBARCH}.deb" >/dev/null
rm -rf "$DIST/stage"
ls -l "$DIST/$NAME.tar.gz" "$DIST/spanel_${VERSION}_${DEBARCH}.deb"
