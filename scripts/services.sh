#!/usr/bin/env bash
# Starts MariaDB and Redis if they are down, waits until they answer, and creates the test login.
# Installs Debian's Chromium (and Node.js) for the web UI's end-to-end tests when missing.
set -euo pipefail

# Only what is missing is installed: Node.js may come from elsewhere (NodeSource bundles npm, and
# Debian's npm package conflicts with it). A CJK font, so the zh-CN screenshots show Chinese.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -d /usr/share/fonts/truetype/wqy ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} for the e2e tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! mysqladmin ping --silent >/dev/null 2>&1; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 1 60); do
  mysqladmin ping --silent >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 1
done
mysqladmin ping --silent >/dev/null || { echo "MariaDB did not come up" >&2; exit 1; }
redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis did not come up" >&2; exit 1; }

# Tests connect over TCP as spanel/spanel (root may be socket-only); each test makes its own database.
mysql -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'spanel'@'127.0.0.1' IDENTIFIED BY 'spanel';
CREATE USER IF NOT EXISTS 'spanel'@'localhost' IDENTIFIED BY 'spanel';
GRANT ALL PRIVILEGES ON *.* TO 'spanel'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'spanel'@'localhost';
FLUSH PRIVILEGES;
SQL
# Drop databases left by earlier test runs.
mysql -uroot -N -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'spt\\_%'" |
  while read -r db; do mysql -uroot -e "DROP DATABASE \`$db\`"; done
