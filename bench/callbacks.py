#!/usr/bin/env python3
"""Valid, signed payment callbacks per second against spanel, with the database checked afterwards.

Like `load.py notify`, but through the real gateway path instead of the debug confirmation: it inserts
fresh `paylist` orders (status 0), then C concurrent callers send EPay notifications
(`GET /app/api/v0/payment/notify/epay?…`) signed with the merchant key — MD5 over the sorted parameters
plus the key, as EPay signs them — and a `--dup-frac` share of orders is notified twice at the same
moment, as gateways do when they retry. Acknowledged = HTTP 200 with the body `success`.

Afterwards: every acknowledged order is paid, unsent orders are untouched, each user's balance grew by
exactly the totals of their paid orders (a double credit shows up here), and spanel's audit table holds
one `credited` row per paid order. The HTTP client and the statistics are load.py's own (imported
from the yardstick directory), so the figures compare with `load.py notify`.

  callbacks.py --url http://127.0.0.1:8080 --db spanel_bench_cmp --epay-key KEY --epay-pid 1001 -c 64 -t 15
"""
import argparse
import asyncio
import hashlib
import os
import random
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from urllib.parse import urlencode, urlparse

sys.path.insert(0, os.environ.get("YARDSTICK_DIR", os.path.join(os.path.dirname(__file__), "../../shared/bench")))
import load  # noqa: E402  (the yardstick's load generator: client, statistics, database access)


def epay_query(tradeno: str, money: str, pid: str, key: str) -> str:
    params = {
        "pid": pid,
        "trade_no": "E" + tradeno,
        "out_trade_no": tradeno,
        "type": "alipay",
        "name": "Top-up",
        "money": money,
        "trade_status": "TRADE_SUCCESS",
    }
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] != "")
    params["sign"] = hashlib.md5((text + key).encode()).hexdigest()
    params["sign_type"] = "MD5"
    return urlencode(params)


async def run(args):
    db = load.db_connect(args)
    cur = db.cursor()
    cur.execute("SELECT id FROM user ORDER BY id")
    user_ids = [r[0] for r in cur.fetchall()]
    rnd = random.Random(args.seed)
    tag = f"cb{int(time.time())}{rnd.getrandbits(24):06x}"
    now = int(time.time())
    rows = [(rnd.choice(user_ids), Decimal(rnd.randint(100, 9999)) / 100, 0, f"{tag}{i}", now)
            for i in range(args.orders)]
    for i in range(0, len(rows), 5000):
        cur.executemany("INSERT INTO paylist (userid, total, status, tradeno, datetime) VALUES (%s,%s,%s,%s,%s)",
                        rows[i:i + 5000])
    cur.execute("SELECT id, userid, total, tradeno FROM paylist WHERE tradeno LIKE %s", (tag + "%",))
    orders = {i: (u, Decimal(t), n) for i, u, t, n in cur.fetchall()}
    cur.execute("SELECT id, money FROM user")
    m0 = {i: Decimal(m) for i, m in cur.fetchall()}
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM spanel_payment_event")
    first_event = cur.fetchone()[0]

    ids = list(orders)
    rnd.shuffle(ids)
    queue = []
    for oid in ids:
        queue.append(oid)
        if rnd.random() < args.dup_frac:
            queue.append(oid)
    it = iter(queue)
    targets = {oid: f"{load.SEED_PREFIX}/payment/notify/epay?"
               + epay_query(orders[oid][2], f"{orders[oid][1]:.2f}", args.epay_pid, args.epay_key)
               for oid in ids}
    sent, acked = set(), Counter()
    stats = load.Stats()
    client = load.Client(args, args.c)
    deadline = 0.0

    async def worker():
        h = client.handle()
        while time.perf_counter() < deadline:
            oid = next(it, None)
            if oid is None:
                break
            sent.add(oid)
            status, body, _ = await load.do_request(h, "GET", targets[oid], stats, raw_headers=b"")
            if status == 200 and body == b"success":
                stats.ok += 1
                acked[oid] += 1
            elif status is not None:
                stats.http_err[status] += 1
                stats.msgs[f"HTTP {status}: {body[:60]!r}"] += 1
        h.close()

    c0 = load.cpu_s()
    stats.t0 = time.perf_counter()
    deadline = stats.t0 + args.t
    await asyncio.gather(*(worker() for _ in range(args.c)))
    stats.t1 = time.perf_counter()
    c1 = load.cpu_s()
    await client.close()

    cur.execute("SELECT id, status FROM paylist WHERE tradeno LIKE %s", (tag + "%",))
    status_now = {i: int(s) for i, s in cur.fetchall()}
    cur.execute("SELECT id, money FROM user")
    m1 = {i: Decimal(m) for i, m in cur.fetchall()}
    cur.execute("SELECT verdict, COUNT(*) FROM spanel_payment_event WHERE id > %s GROUP BY verdict", (first_event,))
    verdicts = {v: int(n) for v, n in cur.fetchall()}
    credit = defaultdict(Decimal)
    for oid, st in status_now.items():
        if st == 1:
            credit[orders[oid][0]] += orders[oid][1]
    paid = sum(1 for st in status_now.values() if st == 1)
    acked_not_paid = [o for o in acked if status_now.get(o) != 1]
    unsent_touched = [o for o, st in status_now.items() if o not in sent and st != 0]
    bad_users = [u for u in m0 if m1.get(u) - m0[u] != credit.get(u, Decimal(0))]
    exact = (not acked_not_paid and not unsent_touched and not bad_users
             and verdicts.get("credited", 0) == paid)
    s = stats.summary()
    result = {"mode": "callbacks", "gateway": "epay", "concurrency": args.c, "orders_created": len(orders),
              "dup_frac": args.dup_frac, **s, "ops_per_s": s["req_per_s"],
              "distinct_orders_sent": len(sent), "orders_paid": paid, "acked_orders": len(acked),
              "audit_verdicts": verdicts, "acked_not_paid": len(acked_not_paid),
              "unsent_orders_changed": len(unsent_touched), "users_mismatched": len(bad_users),
              "exact": exact, "verdict": "EXACT" if exact else "MISMATCH",
              "client": args.client, "client_cpu_s": round(c1 - c0, 2)}
    load.emit(args, result)
    return 0 if exact else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--epay-key", required=True)
    ap.add_argument("--epay-pid", default="1001")
    ap.add_argument("-c", type=int, default=64)
    ap.add_argument("-t", type=float, default=15.0)
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--dup-frac", type=float, default=0.1)
    ap.add_argument("--client", choices=["raw"], default="raw")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--db", default="spanel_bench")
    ap.add_argument("--db-socket", default="/run/mysqld/mysqld.sock")
    ap.add_argument("--db-host", default="127.0.0.1")
    ap.add_argument("--db-port", type=int, default=3306)
    ap.add_argument("--db-user", default="root")
    ap.add_argument("--db-password", default="")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    args.url = args.url.rstrip("/")
    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refusing a non-loopback URL")
    if load.uvloop is not None:
        load.uvloop.install()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
