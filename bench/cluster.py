#!/usr/bin/env python3
"""Cluster benchmark: the same load against a set of spanel instances, spread round-robin.

  cluster.py --ports 8101,8102,8103 --sql-port 3311 --label "3 on Galera" [--secs 15] [-c 48]

Three loads, one after the other, each for --secs seconds with -c client threads (each thread keeps
one HTTP connection per instance and sends to the next instance every request):
  traffic  node reports of 50 users each (Idempotency-Key), on 64 nodes;
  buy      plan purchases by 48 buyers, each with a balance for every buy;
  confirm  debug payment confirmations of fresh orders, each confirmed once.
Afterwards the database is checked (the traffic acknowledged is in `user`, every acknowledged
confirmation paid its order), and one JSON line per load is printed: requests/s, p50/p99 latency,
errors. Needs only the Python standard library and the mariadb client.
"""
import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import uuid

API = "/app/api/v0"
PASSWORD = "bench-password-123"


def sql(args, query):
    out = subprocess.run(["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{args.sql_port}", "-uroot",
                          "-N", "-B", args.db], input=query, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"SQL failed: {out.stderr.strip()[-300:]} in {query[:200]}")
    return out.stdout.strip()


class Client:
    """One thread's keep-alive connections, one per instance, used in turn."""

    def __init__(self, ports):
        self.conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=30) for p in ports]
        self.i = random.randrange(len(ports))

    def call(self, method, path, body=None, headers=None):
        self.i = (self.i + 1) % len(self.conns)
        conn = self.conns[self.i]
        data = None if body is None else json.dumps(body)
        try:
            conn.request(method, path, data, {"Content-Type": "application/json", **(headers or {})})
            r = conn.getresponse()
            text = r.read()
            return r.status, text
        except (OSError, http.client.HTTPException):
            conn.close()
            return 0, b""


def seed(args, tag):
    users = 3000
    base = 30000 + int(sql(args, "SELECT COUNT(*) FROM user"))
    values = ",".join(
        f"('{tag}{i}', '{tag}{i}@b.test', 'x', 'pw', UUID(), {base + i}, NOW(), 'material', UUID(), "
        f"'2099-01-01', 1099511627776, 'aes-128-gcm', 1, 0, 0, 1, '2099-01-01')" for i in range(users))
    sql(args, "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, "
        "expire_in, transfer_enable, method, enable, money, ref_by, class, class_expire) VALUES " + values)
    ids = [int(x) for x in sql(args, f"SELECT id FROM user WHERE user_name LIKE '{tag}%' ORDER BY id").split()]
    if sql(args, "SELECT COUNT(*) FROM node WHERE name LIKE 'bench%'") == "0":
        sql(args, "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) VALUES " +
            ",".join(f"('bench{i}', 1, 'b{i}.test', '{{}}', 11, 1, '127.0.0.1')" for i in range(64)))
    nodes = [int(x) for x in sql(args, "SELECT id FROM node WHERE name LIKE 'bench%'").split()]
    sql(args, "INSERT INTO shop (name, price, content, auto_renew, status) VALUES "
        "('bench plan', 1.00, '{\"bandwidth\": 1}', 0, 1)")
    shop = int(sql(args, "SELECT MAX(id) FROM shop"))
    return ids, nodes, shop


def buyers(args, tag, n):
    """n accounts with a large balance, logged in: their tokens."""
    env = dict(args.env)
    tokens = []
    # The account was written through the first instance's node: log in there (another node may
    # not have applied it yet unless wsrep_sync_wait is on).
    client = Client(args.ports[:1])
    for i in range(n):
        email = f"{tag}buyer{i}@b.test"
        subprocess.run([args.bin, "create-admin", "--email", email, "--password", PASSWORD], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        # 48 logins from one address would hit the per-minute login limit (kept in the shared Redis).
        subprocess.run(["redis-cli", "-p", str(args.redis_port), "DEL", "login:ip:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL)
        status, text = client.call("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            sys.exit(f"login failed: {status} {text[:200]}")
        tokens.append(json.loads(text)["data"]["token"])
    sql(args, f"UPDATE user SET money = 1000000 WHERE email LIKE '{tag}buyer%'")
    return tokens


def drive(args, name, make_request):
    """Runs make_request(client, thread, n) from -c threads for --secs: figures."""
    lat, errors, ok = [], [0], [0]
    lock = threading.Lock()
    stop = time.time() + args.secs

    def worker(t):
        client = Client(args.ports)
        n = 0
        mine, bad = [], 0
        while time.time() < stop:
            n += 1
            t0 = time.perf_counter()
            good = make_request(client, t, n)
            if good:
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
        with lock:
            lat.extend(mine)
            errors[0] += bad
            ok[0] += len(mine)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.c)]
    started = time.time()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.time() - started
    lat.sort()
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else None
    return {"label": args.label, "load": name, "ok": ok[0], "errors": errors[0],
            "per_sec": round(ok[0] / took, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True)
    p.add_argument("--sql-port", type=int, required=True)
    p.add_argument("--db", default="spanel")
    p.add_argument("--label", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--env-json", required=True, help="the environment for `spanel create-admin`")
    p.add_argument("--mu-key", required=True)
    p.add_argument("--secs", type=float, default=15)
    p.add_argument("-c", type=int, default=48)
    p.add_argument("--loads", default="traffic,buy,confirm")
    p.add_argument("--redis-port", type=int, default=6391)
    args = p.parse_args()
    args.ports = [int(x) for x in args.ports.split(",")]
    args.env = json.loads(args.env_json)
    tag = f"b{int(time.time()) % 100000}x"
    users, nodes, shop = seed(args, tag)
    out = []

    if "traffic" in args.loads:
        acked = [0]
        lock = threading.Lock()

        def report(client, t, n):
            rows = random.sample(users, 50)
            body = {"data": [{"user_id": u, "u": 1000, "d": 24} for u in rows]}
            node = nodes[t % len(nodes)]
            status, text = client.call("POST", f"/mod_mu/users/traffic?node_id={node}&key={args.mu_key}",
                                       body, {"Idempotency-Key": str(uuid.uuid4())})
            good = status == 200 and b'"ret":1' in text
            if good:
                with lock:
                    acked[0] += 1024 * 50
            return good
        before = int(sql(args, f"SELECT COALESCE(SUM(u + d), 0) FROM user WHERE user_name LIKE '{tag}%'"))
        res = drive(args, "traffic reports", report)
        time.sleep(1)
        held = int(sql(args, f"SELECT COALESCE(SUM(u + d), 0) FROM user WHERE user_name LIKE '{tag}%'")) - before
        res["check"] = "exact" if held == acked[0] else f"DIFFERS: acked {acked[0]} held {held}"
        out.append(res)

    if "buy" in args.loads:
        tokens = buyers(args, tag, args.c)

        def buy(client, t, n):
            status, _ = client.call("POST", f"{API}/user/buy", {"shop_id": shop},
                                    {"Authorization": f"Bearer {tokens[t]}"})
            return status == 200
        res = drive(args, "buys", buy)
        held = int(sql(args, f"SELECT COUNT(*) FROM bought WHERE shopid = {shop}"))
        money = sql(args, f"SELECT SUM(1000000 - money) FROM user WHERE email LIKE '{tag}buyer%'")
        res["check"] = "exact" if held == res["ok"] and float(money) == held else \
            f"DIFFERS: acked {res['ok']} bought {held} spent {money}"
        out.append(res)

    if "confirm" in args.loads:
        count = 200000
        payers = users[:1000]
        now = int(time.time())
        for start in range(0, 20000, 5000):
            sql(args, "INSERT INTO paylist (userid, total, status, tradeno, datetime) VALUES " + ",".join(
                f"({payers[i % len(payers)]}, 1.00, 0, '{tag}o{i}', {now})" for i in range(start, start + 5000)))
        orders = [int(x) for x in sql(args, f"SELECT id FROM paylist WHERE tradeno LIKE '{tag}o%' ORDER BY id").split()]
        count = len(orders)
        nxt = [0]
        lock = threading.Lock()

        def confirm(client, t, n):
            with lock:
                if nxt[0] >= count:
                    return False
                order = orders[nxt[0]]
                nxt[0] += 1
            status, text = client.call("POST", f"{API}/payment/debug/confirm", {"order_id": order})
            return status == 200 and b"credited" in text
        res = drive(args, "payment confirmations", confirm)
        paid = int(sql(args, f"SELECT COUNT(*) FROM paylist WHERE tradeno LIKE '{tag}o%' AND status = 1"))
        res["check"] = "exact" if paid == res["ok"] else f"DIFFERS: acked {res['ok']} paid {paid}"
        out.append(res)

    for r in out:
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
