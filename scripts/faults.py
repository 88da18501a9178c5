#!/usr/bin/env python3
"""Fault injection: spanel under traffic load while its database, its Redis and spanel itself are
killed and brought back. Everything runs on loopback against a private MariaDB and a private Redis
started here (own data directories, own ports): the shared services are never touched.

Node reporters send traffic reports for disjoint users. Half of them use an Idempotency-Key and
resend each report until it is acknowledged (as a node adopting the key does): the database must
hold exactly what they sent. The other half never resend: the database must hold exactly what was
acknowledged to them, plus only reports whose answer they never got (connection cut), which the
table shows apart.

Usage: scripts/faults.sh  (builds spanel, then runs this with the binary's path)
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

BIN = sys.argv[1]
DB_PORT = int(os.environ.get("FAULT_DB_PORT", "3399"))
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "6399"))
MU_KEY = "faults-node-key-0123456789"
USERS_PER_NODE = 20
NODES = 16
PHASE_SECS = float(os.environ.get("FAULT_PHASE_SECS", "12"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


WORK = tempfile.mkdtemp(prefix="spanel-faults.")
HTTP_PORT = free_port()
BASE = f"http://127.0.0.1:{HTTP_PORT}"
procs = {}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def wait_port(port, secs=60):
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def start_mariadb():
    datadir = os.path.join(WORK, "db")
    if not os.path.isdir(datadir):
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={datadir}", "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs["db"] = subprocess.Popen(
        ["mariadbd", "--no-defaults", f"--datadir={datadir}", f"--port={DB_PORT}",
         "--bind-address=127.0.0.1", f"--socket={WORK}/db.sock", "--user=root",
         "--skip-grant-tables", "--innodb-flush-log-at-trx-commit=1",
         f"--log-error={WORK}/db.err"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(DB_PORT):
        sys.exit("private MariaDB did not start")


def start_redis():
    procs["redis"] = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", WORK],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(REDIS_PORT)


def sql(query):
    out = subprocess.run(
        ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{DB_PORT}", "-uroot", "-N", "-B",
         "spanel_faults", "-e", query], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"SQL failed: {out.stderr.strip()} in {query[:200]}")
    return out.stdout.strip()


ENV = dict(os.environ,
           SPANEL_DATABASE_URL=f"mysql://root@127.0.0.1:{DB_PORT}/spanel_faults",
           SPANEL_REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/",
           SPANEL_LISTEN=f"127.0.0.1:{HTTP_PORT}",
           SPANEL_MU_KEY=MU_KEY,
           SPANEL_JOBS_ENABLED="false",
           SPANEL_LOG="warn,spanel=warn",
           SPANEL_USAGE_STATS_FLUSH_SECS="0")


def start_spanel():
    logf = open(os.path.join(WORK, "spanel.log"), "a")
    procs["spanel"] = subprocess.Popen([BIN, "serve"], env=ENV, stdout=logf, stderr=logf)
    if not wait_port(HTTP_PORT):
        sys.exit("spanel did not start")


def stop(name, sig=signal.SIGKILL):
    p = procs.pop(name, None)
    if p and p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Reporter(threading.Thread):
    """One node: reports for its own users until told to stop."""

    def __init__(self, node, users, keyed, stop_event):
        super().__init__(daemon=True)
        self.node, self.users, self.keyed, self.stop_event = node, users, keyed, stop_event
        self.acked = 0       # bytes acknowledged (per direction u)
        self.unknown = 0     # bytes of reports whose answer never came (connection cut)
        self.sent_keyed = 0  # keyed: bytes of reports finally acknowledged after resends
        self.requests = 0
        self.failures = 0

    def post(self, body, key):
        req = urllib.request.Request(
            f"{BASE}/mod_mu/users/traffic?node_id={self.node}&key={MU_KEY}",
            data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})})
        self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return "ok" if json.load(r).get("ret") == 1 else "refused"
        except urllib.error.HTTPError:
            return "refused"      # an answer: 503, nothing applied
        except (urllib.error.URLError, OSError, ValueError):
            return "lost"         # no answer: outcome unknown to the node

    def run(self):
        n = 0
        while not self.stop_event.is_set():
            n += 1
            amount = 1000 + n
            body = {"data": [{"user_id": u, "u": amount, "d": 1} for u in self.users]}
            per_report = amount * len(self.users)
            if self.keyed:
                key = str(uuid.uuid4())
                while True:
                    outcome = self.post(body, key)
                    if outcome == "ok":
                        self.sent_keyed += per_report
                        break
                    self.failures += 1
                    time.sleep(0.3)
            else:
                outcome = self.post(body, None)
                if outcome == "ok":
                    self.acked += per_report
                elif outcome == "lost":
                    self.unknown += per_report
                else:
                    self.failures += 1
                    time.sleep(0.3)


def run_phase(name, fault):
    sql("UPDATE user SET u = 0, d = 0")
    stop_event = threading.Event()
    reporters = []
    for i in range(NODES):
        users = list(range(1 + i * USERS_PER_NODE, 1 + (i + 1) * USERS_PER_NODE))
        reporters.append(Reporter(i + 1, users, keyed=(i % 2 == 0), stop_event=stop_event))
    for r in reporters:
        r.start()
    time.sleep(PHASE_SECS / 3)
    fault()
    time.sleep(PHASE_SECS / 3)
    stop_event.set()
    for r in reporters:
        r.join(120)
    rows = []
    ok = True
    for keyed in (True, False):
        group = [r for r in reporters if r.keyed == keyed]
        user_ids = ",".join(str(u) for r in group for u in r.users)
        held = int(sql(f"SELECT COALESCE(SUM(u), 0) FROM user WHERE id IN ({user_ids})"))
        if keyed:
            sent = sum(r.sent_keyed for r in group)
            exact = held == sent
            rows.append((name, "keyed, resent until acked", sent, 0, held, held - sent,
                         "EXACT" if exact else "DIFFERS"))
        else:
            acked = sum(r.acked for r in group)
            unknown = sum(r.unknown for r in group)
            # Unanswered reports may or may not have been applied; nothing else may differ.
            exact = acked <= held <= acked + unknown
            rows.append((name, "unkeyed, never resent", acked, unknown, held, held - acked,
                         "EXACT" if held == acked else ("within unanswered" if exact else "DIFFERS")))
        ok &= exact
        reqs = sum(r.requests for r in group)
        fails = sum(r.failures for r in group)
        rows[-1] += (reqs, fails)
    return rows, ok


def main():
    results = []
    all_ok = True
    try:
        start_mariadb()
        subprocess.run(["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{DB_PORT}", "-uroot", "-e",
                        "CREATE DATABASE IF NOT EXISTS spanel_faults CHARACTER SET utf8mb4 "
                        "COLLATE utf8mb4_unicode_ci"], check=True)
        start_redis()
        subprocess.run([BIN, "init-db"], env=ENV, check=True, stdout=subprocess.DEVNULL)
        users = NODES * USERS_PER_NODE
        values = ",".join(
            f"('f{i}', 'f{i}@example.com', 'x', 'pw', 'uuid-{i}', {20000 + i}, NOW(), 'material', "
            f"'ga{i}', '2099-01-01', 1099511627776, 'aes-128-gcm', 1)" for i in range(users))
        sql("INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token,"
            f" expire_in, transfer_enable, method, enable) VALUES {values}")
        nodes = ",".join(f"('n{i}', 1, 'n{i}.example.com', '{{}}', 11, 1, '127.0.0.1')"
                         for i in range(NODES))
        sql(f"INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) VALUES {nodes}")
        start_spanel()

        def kill_db():
            log("kill -9 MariaDB")
            stop("db")
            time.sleep(3)
            log("MariaDB restarting")
            start_mariadb()

        def kill_redis():
            log("kill -9 Redis")
            stop("redis")
            time.sleep(3)
            log("Redis restarting")
            start_redis()

        def term_spanel():
            log("SIGTERM spanel")
            stop("spanel", signal.SIGTERM)
            log("spanel restarting")
            start_spanel()

        def kill_spanel():
            log("kill -9 spanel")
            stop("spanel")
            start_spanel()

        for name, fault in [("no fault", lambda: None), ("kill -9 MariaDB", kill_db),
                            ("kill -9 Redis", kill_redis), ("SIGTERM spanel", term_spanel),
                            ("kill -9 spanel", kill_spanel)]:
            log(f"phase: {name}")
            rows, ok = run_phase(name, fault)
            results += rows
            all_ok &= ok
    finally:
        for name in list(procs):
            stop(name)
        shutil.rmtree(WORK, ignore_errors=True)

    header = ("phase", "reporters", "acked bytes", "unanswered", "in database", "db - acked",
              "verdict", "requests", "refused/lost")
    print()
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in results:
        print(" | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    print()
    print("all EXACT (or within unanswered reports)" if all_ok else "DIFFERENCES FOUND")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
