#!/usr/bin/env python3
"""Load and faults on a spanel cluster (scripts/cluster.sh up): N instances on a 3-node MariaDB
Galera cluster, one private Redis. Every request goes to the next instance in turn, as a load
balancer would send it, and a request that gets no answer (or a 5xx) is sent to the next one only
where the client may safely repeat it (a node resending its report under the same Idempotency-Key,
a gateway repeating a callback).

Each phase, on fresh rows:
  - 64 node reporters send traffic for their own users, each report under an Idempotency-Key and
    resent until acknowledged: the database must hold exactly the bytes acknowledged;
  - 100 payment confirmations at once, 5 for each of 20 orders whose payers were invited by one
    user: each order credited once, one commission per order, balances exact;
  - 50 buys at once of a 10.00 plan against one balance of 100.00: never an overdraft, and the
    database holds what was acknowledged (plus at most the buys whose answer was lost);
  - in the first phase, logins from one address over every instance: the per-minute limit holds
    for the cluster (shared Redis), not per instance.
Phases: no fault; kill -9 of the instance holding the scheduler lease (another must take the
lease within a minute); kill -9 of one Galera node, which is then started again and must catch up.

Prints a table of acknowledged against database; exits 1 on any difference.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
CLUSTER_DIR = os.environ.get("CLUSTER_DIR", "/tmp/spanel-cluster")
INSTANCES = int(os.environ.get("CLUSTER_INSTANCES", "3"))
HTTP_BASE = int(os.environ.get("CLUSTER_HTTP_BASE", "8100"))
SQL_BASE = int(os.environ.get("CLUSTER_SQL_BASE", "3310"))
REDIS_PORT = int(os.environ.get("CLUSTER_REDIS_PORT", "6391"))
DB = os.environ.get("CLUSTER_DB", "spanel")
MU_KEY = os.environ.get("CLUSTER_MU_KEY", "cluster-node-key-0123456789abcdef")
PHASE_SECS = float(os.environ.get("CLUSTER_PHASE_SECS", "30"))
REPORTERS, USERS_PER_REPORTER = 64, 4
ORDERS, DUPLICATES = 20, 5
BUYS, BALANCE, PRICE = 50, Decimal("100.00"), Decimal("10.00")
LOGINS, LOGIN_LIMIT = 90, 30
PASSWORD = "cluster-password-123"
API = "/app/api/v0"

results = []   # (phase, check, acknowledged, database, verdict)
failed = False


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def record(phase, check, acked, held, ok, note=""):
    global failed
    failed |= not ok
    results.append((phase, check, acked, held, ("OK" if ok else "DIFFERS") + (f" ({note})" if note else "")))


def sql(query, node=1, only=False):
    """Runs SQL on a Galera node (the first that answers, from `node` on; `only`: that one)."""
    last = ""
    for n in [node] + ([] if only else [i for i in (1, 2, 3) if i != node]):
        out = subprocess.run(
            ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{SQL_BASE + n}", "-uroot", "-N", "-B", DB],
            input=query, capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.strip()
        last = out.stderr.strip()
    sys.exit(f"SQL failed on every node: {last[-300:]} in {query[:200]}")


def cluster(*args):
    subprocess.run([CLUSTER, *args], check=True)


class Balancer:
    """Round-robin over the instances; counts answers per instance since `mark()`."""

    def __init__(self):
        self.next = 0
        self.lock = threading.Lock()
        self.answered = [0] * INSTANCES
        self.unanswered = [0] * INSTANCES

    def pick(self):
        with self.lock:
            i = self.next % INSTANCES
            self.next += 1
            return i

    def mark(self):
        with self.lock:
            self.answered = [0] * INSTANCES
            self.unanswered = [0] * INSTANCES

    def call(self, method, path, body=None, headers=None, instance=None):
        """One request: (status, json body) or ("lost", None) when no answer came."""
        i = self.pick() if instance is None else instance
        req = urllib.request.Request(
            f"http://127.0.0.1:{HTTP_BASE + 1 + i}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        except (urllib.error.URLError, OSError):
            with self.lock:
                self.unanswered[i] += 1
            return "lost", None
        with self.lock:
            (self.answered if status < 500 else self.unanswered)[i] += 1
        try:
            return status, json.loads(text)
        except ValueError:
            return status, None

    def until_answered(self, method, path, body=None, headers=None, give_up=120):
        """Repeats a request that is safe to repeat on the next instance until one answers < 500."""
        deadline = time.time() + give_up
        while True:
            status, data = self.call(method, path, body, headers)
            if status != "lost" and status < 500:
                return status, data
            if time.time() > deadline:
                return status, data
            time.sleep(0.2)


LB = Balancer()


PORTS = [20000]
RUN = f"r{int(time.time()) % 1000000}"   # fresh names on every run


def insert_users(tag, count, money="0.00", ref_by=0):
    """Inserts `count` users named tag-i; returns their ids in order."""
    first, PORTS[0] = PORTS[0], PORTS[0] + count
    values = ",".join(
        f"('{tag}-{i}', '{tag}-{i}@c.test', 'x', 'pw', UUID(), {first + i}, NOW(), 'material', UUID(), "
        f"'2099-01-01', 1099511627776, 'aes-128-gcm', 1, {money}, {ref_by}, 1, '2099-01-01')"
        for i in range(count))
    sql("INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, "
        "expire_in, transfer_enable, method, enable, money, ref_by, class, class_expire) VALUES " + values)
    ids = sql(f"SELECT id FROM user WHERE user_name LIKE '{tag}-%' ORDER BY id").split()
    return [int(x) for x in ids]


# ---------------------------------------------------------------- the loads of one phase

class Reporter(threading.Thread):
    def __init__(self, node_id, users, stop):
        super().__init__(daemon=True)
        self.node_id, self.users, self.stop = node_id, users, stop
        self.acked = 0
        self.reports = 0
        self.resends = 0
        self.refused = 0   # answered but not accepted (4xx, ret 0): must stay 0
        self.gave_up = 0   # never acknowledged within two minutes: must stay 0

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            amount = 1000 + n * 7 + self.node_id
            body = {"data": [{"user_id": u, "u": amount, "d": 3} for u in self.users]}
            key = str(uuid.uuid4())
            deadline = time.time() + 120
            while True:
                status, data = LB.call(
                    "POST", f"/mod_mu/users/traffic?node_id={self.node_id}&key={MU_KEY}", body,
                    {"Idempotency-Key": key})
                if status == 200 and data and data.get("ret") == 1:
                    self.acked += (amount + 3) * len(self.users)
                    self.reports += 1
                    break
                if status != "lost" and status < 500:
                    self.refused += 1
                    time.sleep(0.2)
                    break
                if time.time() > deadline:
                    self.gave_up += 1
                    break
                self.resends += 1
                time.sleep(0.2)


def confirmations(order_ids):
    """DUPLICATES confirmations of every order, all at once; returns the answers' results."""
    calls = [o for o in order_ids for _ in range(DUPLICATES)]
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(
            lambda o: LB.until_answered("POST", f"{API}/payment/debug/confirm", {"order_id": o}), calls))
    return [(d or {}).get("data", {}).get("result") if s == 200 else f"http {s}" for s, d in answers]


def buys(token, shop_id):
    """BUYS purchases at once, each sent once: (acknowledged, refused, unanswered)."""
    def one(_):
        s, d = LB.call("POST", f"{API}/user/buy", {"shop_id": shop_id},
                       {"Authorization": f"Bearer {token}"})
        if s == 200:
            return "acked"
        if s == "lost" or s >= 500:
            return "unknown"   # no answer, or a 5xx that cannot say whether COMMIT happened
        return "refused"
    with ThreadPoolExecutor(BUYS) as pool:
        outcomes = list(pool.map(one, range(BUYS)))
    return outcomes.count("acked"), outcomes.count("refused"), outcomes.count("unknown")


def login(email):
    s, d = LB.until_answered("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD})
    if s != 200:
        sys.exit(f"login of {email} failed: {s} {d}")
    return d["data"]["token"]


def make_account(email):
    out = subprocess.run([CLUSTER, "env", "1"], capture_output=True, text=True, check=True).stdout
    env = dict(os.environ, **dict(line.split("=", 1) for line in out.split()))
    binary = os.environ.get("SPANEL_BIN") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "spanel")
    subprocess.run([binary, "create-admin", "--email", email, "--password", PASSWORD], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return int(sql(f"SELECT id FROM user WHERE email = '{email}'"))


def rate_limit(phase):
    email = f"limit{int(time.time())}@c.test"
    make_account(email)
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "DEL", "login:ip:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL)
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda _: LB.call("POST", f"{API}/auth/login",
                                                  {"email": email, "password": PASSWORD})[0],
                                range(LOGINS)))
    # The window is spent: let the next phases' logins through.
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "DEL", "login:ip:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL)
    allowed, limited = answers.count(200), answers.count(429)
    record(phase, f"logins allowed of {LOGINS} over {INSTANCES} instances (limit {LOGIN_LIMIT}/min)",
           LOGIN_LIMIT, allowed, allowed == LOGIN_LIMIT and limited == LOGINS - LOGIN_LIMIT,
           f"{limited} answered 429")


def setup_phase(tag):
    """Fresh rows for one phase: reporters' users, payers and their inviter, orders, a buyer."""
    tag = RUN + tag
    users = insert_users(f"{tag}t", REPORTERS * USERS_PER_REPORTER)
    inviter = insert_users(f"{tag}i", 1)[0]
    payers = insert_users(f"{tag}p", ORDERS, ref_by=inviter)
    now = int(time.time())
    sql("INSERT INTO paylist (userid, total, status, tradeno, datetime) VALUES " + ",".join(
        f"({p}, 10.00, 0, '{tag}o{p}', {now})" for p in payers))
    orders = [int(x) for x in sql(
        f"SELECT id FROM paylist WHERE tradeno LIKE '{tag}o%' ORDER BY id").split()]
    buyer_email = f"{tag}buyer@c.test"
    buyer = make_account(buyer_email)
    sql(f"UPDATE user SET money = {BALANCE} WHERE id = {buyer}")
    return users, inviter, payers, orders, buyer, buyer_email


def run_phase(name, tag, shop_id, nodes, fault, with_limits=False):
    log(f"phase: {name}")
    users, inviter, payers, orders, buyer, buyer_email = setup_phase(tag)
    token = login(buyer_email)
    stop = threading.Event()
    reporters = [Reporter(nodes[r], users[r * USERS_PER_REPORTER:(r + 1) * USERS_PER_REPORTER], stop)
                 for r in range(REPORTERS)]
    for r in reporters:
        r.start()
    time.sleep(PHASE_SECS / 3)
    # Payments and buys race each other and the fault.
    with ThreadPoolExecutor(3) as pool:
        conf = pool.submit(confirmations, orders)
        buy = pool.submit(buys, token, shop_id)
        time.sleep(0.3)
        survivors = fault()
        LB.mark()
        credited = conf.result()
        acked_buys, refused_buys, unknown_buys = buy.result()
    time.sleep(PHASE_SECS / 3)
    answered_after = list(LB.answered)
    stop.set()
    for r in reporters:
        r.join(300)
    if with_limits:
        rate_limit(name)

    # Traffic: exact to the byte.
    acked = sum(r.acked for r in reporters)
    ids = ",".join(map(str, users))
    held = int(sql(f"SELECT COALESCE(SUM(u + d), 0) FROM user WHERE id IN ({ids})"))
    resent = sum(r.resends for r in reporters)
    refused = sum(r.refused + r.gave_up for r in reporters)
    record(name, f"traffic bytes ({sum(r.reports for r in reporters)} reports, {resent} resent)",
           acked, held, acked == held and refused == 0, f"{refused} refused or never acknowledged")

    # Payments: each order once, one commission each.
    pids = ",".join(map(str, payers))
    oids = ",".join(map(str, orders))
    paid = int(sql(f"SELECT COUNT(*) FROM paylist WHERE id IN ({oids}) AND status = 1"))
    record(name, f"orders credited ({credited.count('credited')} 'credited' of {len(credited)} calls)",
           len(orders), paid, paid == len(orders) and credited.count("credited") == len(orders))
    money = Decimal(sql(f"SELECT SUM(money) FROM user WHERE id IN ({pids})"))
    record(name, "payers' balances (10.00 per order)", Decimal("10.00") * len(orders), money,
           money == Decimal("10.00") * len(orders))
    records = int(sql(f"SELECT COUNT(*) FROM code WHERE userid IN ({pids}) AND type = -1"))
    record(name, "recharge records", len(orders), records, records == len(orders))
    paybacks = int(sql(f"SELECT COUNT(*) FROM payback WHERE userid IN ({pids}) AND ref_by = {inviter}"))
    commission = Decimal(sql(f"SELECT money FROM user WHERE id = {inviter}"))
    record(name, "commissions (one per order)", len(orders), paybacks, paybacks == len(orders))
    record(name, "inviter's balance (2.00 per order)", Decimal("2.00") * len(orders), commission,
           commission == Decimal("2.00") * len(orders))

    # Buys: no overdraft; what was acknowledged is there.
    bought = int(sql(f"SELECT COUNT(*) FROM bought WHERE userid = {buyer}"))
    balance = Decimal(sql(f"SELECT money FROM user WHERE id = {buyer}"))
    affordable = int(BALANCE / PRICE)
    ok = (acked_buys <= bought <= acked_buys + unknown_buys and bought <= affordable
          and balance == BALANCE - PRICE * bought and balance >= 0)
    record(name, f"buys ({acked_buys} acked, {refused_buys} refused, {unknown_buys} unanswered)",
           acked_buys, bought, ok, f"balance {balance}")
    if survivors:
        alive = [answered_after[i] for i in survivors]
        record(name, f"answers after the fault from surviving instances {[i + 1 for i in survivors]}",
               "> 0 each", alive, all(a > 0 for a in alive))


# ---------------------------------------------------------------- faults

def lease_holder():
    return sql("SELECT holder FROM spanel_job_lease WHERE name = 'scheduler'")


def instance_of_holder(holder):
    pid = holder.split("-")[0]
    for i in range(INSTANCES):
        try:
            if open(os.path.join(CLUSTER_DIR, f"spanel{i + 1}.pid")).read().strip() == pid:
                return i
        except OSError:
            pass
    return None


killed = {}


def kill_leader():
    holder = lease_holder()
    i = instance_of_holder(holder)
    if i is None:
        log(f"lease holder {holder!r} is not one of the instances; killing instance 2")
        i = 1
    killed["spanel"] = (i, holder, time.time())
    cluster("kill-spanel", str(i + 1))
    return [j for j in range(INSTANCES) if j != i]


def after_kill_leader(phase):
    i, holder, at = killed.pop("spanel")
    new = holder
    while new == holder and time.time() - at < 90:
        time.sleep(1)
        new = lease_holder()
    took = time.time() - at
    record(phase, f"scheduler lease taken over after killing its holder (instance {i + 1})",
           "< 60 s", f"{took:.0f} s", new != holder and took < 60, f"new holder {new}")
    cluster("start-spanel", str(i + 1))


def kill_node(node):
    def fault():
        cluster("kill-node", str(node))
        def back():
            time.sleep(PHASE_SECS / 4)
            log(f"starting Galera node {node} again")
            cluster("start-node", str(node))
        killed["node"] = threading.Thread(target=back)
        killed["node"].start()
        return [i for i in range(INSTANCES) if i % 3 != node - 1]
    return fault


def after_kill_node(phase, node):
    killed.pop("node").join(300)
    state = sql("SHOW STATUS LIKE 'wsrep_local_state_comment'", node=node, only=True).split()[-1]
    probe = ("SELECT CONCAT_WS('/', (SELECT COUNT(*) FROM user), (SELECT SUM(u + d) FROM user), "
             "(SELECT SUM(money) FROM user), (SELECT COUNT(*) FROM bought), (SELECT COUNT(*) FROM payback), "
             "(SELECT COUNT(*) FROM paylist WHERE status = 1))")
    deadline = time.time() + 60
    while True:
        ref, back = sql(probe, node=1, only=True), sql(probe, node=node, only=True)
        if ref == back or time.time() > deadline:
            break
        time.sleep(1)
    record(phase, f"node {node} rejoined ({state}) and holds what node 1 holds", ref, back,
           ref == back and state == "Synced")


def main():
    out = subprocess.run([CLUSTER, "status"], capture_output=True, text=True).stdout
    if out.count("healthz: 200") < INSTANCES:
        sys.exit(f"the cluster is not up (scripts/cluster.sh up):\n{out}")
    # Settings for the checks: commission of 20% on every top-up.
    sql("UPDATE config SET value = 'after_recharge' WHERE item = 'invitation_mode'")
    sql("UPDATE config SET value = 'continued' WHERE item = 'invite_rebate_mode'")
    sql("UPDATE config SET value = '0.2' WHERE item = 'rebate_ratio'")
    sql("INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) VALUES " +
        ",".join(f"('c{i}', 1, 'c{i}.test', '{{}}', 11, 1, '127.0.0.1')" for i in range(REPORTERS)))
    PORTS[0] = 20000 + int(sql("SELECT COALESCE(MAX(id), 0) FROM user"))
    # Galera spaces auto-increment ids by the cluster size: read them back.
    nodes = [int(x) for x in sql("SELECT id FROM node WHERE name LIKE 'c%' ORDER BY id DESC LIMIT "
                                 f"{REPORTERS}").split()]
    sql("INSERT INTO shop (name, price, content, auto_renew, status) VALUES "
        "('cluster plan', 10.00, '{\"bandwidth\": 1, \"class\": 1, \"class_expire\": 30}', 0, 1)")
    shop_id = int(sql("SELECT MAX(id) FROM shop"))
    time.sleep(7)   # the instances' settings caches refresh
    for _ in range(INSTANCES * 2):
        LB.call("GET", "/healthz")
    time.sleep(2)

    run_phase("no fault", "a", shop_id, nodes, lambda: None, with_limits=True)
    run_phase("kill -9 spanel (lease holder)", "b", shop_id, nodes, kill_leader)
    after_kill_leader("kill -9 spanel (lease holder)")
    run_phase("kill -9 Galera node 3", "c", shop_id, nodes, kill_node(3))
    after_kill_node("kill -9 Galera node 3", 3)

    conflicts = {}
    for i in range(INSTANCES):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_BASE + 1 + i}/metrics", timeout=5) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("spanel_write_conflicts_total{"):
                        use = line.split('use_case="')[1].split('"')[0]
                        conflicts[use] = conflicts.get(use, 0) + int(float(line.split()[-1]))
        except (OSError, ValueError, IndexError):
            pass

    header = ("phase", "check", "acknowledged", "database", "verdict")
    print()
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in results:
        print(" | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    print()
    print("write conflicts retried (from /metrics of the instances running now):",
          ", ".join(f"{k} {v}" for k, v in sorted(conflicts.items())) or "none reported")
    print("ALL EXACT" if not failed else "DIFFERENCES FOUND")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
