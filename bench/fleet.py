#!/usr/bin/env python3
"""Fleet benchmark: N node backends polling a panel the way XrayR does, on a time-compressed cycle.

Every cycle (60 s / --speed) each node, starting at its own offset in the cycle:
  1. gets its info and 2. its user list, both with If-None-Match (the last ETag it saw),
  3. reports traffic for its active users, 4. reports their alive IPs, 5. posts its status.
Flavours: `sspanel` (/mod_mu/*, key in the query, status strings as XrayR < 2023.2 sends them) and
`seed` (/app/api/v0/node/*, `Key` header; the yardstick's API). Requests ask for gzip like Go's client.

  fleet.py seed --db spanel_fleet --users 100000 --nodes 1000 [--groups 10]
  fleet.py run --url http://127.0.0.1:PORT --db spanel_fleet --nodes 1000 --cycles 3 --speed 1 \\
      --pid SERVER_PID [--flavour sspanel] [--json-out result.json]

`seed` builds the database with ../shared/bench/seed_db.py (users, nodes, shop), then spreads users
and nodes over node groups and classes and gives nodes the sorts of a typical operator (V2Ray 50 %,
Trojan 30 %, Shadowsocks 20 %). `run` reports per-endpoint p50/p99 (all cycles, and the cycles after
the first, when every list is new to its node), the share of 304s, bytes on the wire and bytes gzip
saved, the server's CPU (share of one core, from /proc/PID/stat, children included: the yardstick's
workers) and peak RSS, the load average, and checks in MariaDB that every acknowledged traffic report
moved `user.u`/`user.d` and `node.node_bandwidth` exactly.
"""
import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import pymysql

HERE = Path(__file__).resolve().parent
YARDSTICK_DIR = Path(os.environ.get("YARDSTICK_DIR") or next(
    (p for p in (HERE.parent.parent / "shared" / "bench", Path("/work/shared/bench")) if p.exists()),
    HERE.parent.parent / "shared" / "bench"))
SOCK = "/run/mysqld/mysqld.sock"


def connect(db, socket):
    kw = {"unix_socket": socket} if socket else {"host": "127.0.0.1", "port": 3306}
    return pymysql.connect(user="root", database=db, autocommit=True, charset="utf8mb4", **kw)


def seed(args):
    subprocess.run([sys.executable, str(YARDSTICK_DIR / "seed_db.py"), "--db", args.db, "--users",
                    str(args.users), "--nodes", str(args.nodes), "--socket", args.socket], check=True,
                   cwd=YARDSTICK_DIR)
    conn = connect(args.db, args.socket)
    cur = conn.cursor()
    g = args.groups
    # Users: groups 1..G, classes 0..2 (seed_db.py), a device limit of 3 for a third of them.
    cur.execute(f"UPDATE user SET node_group = 1 + (id % {g}), node_connector = IF(id % 3 = 0, 3, 0)")
    # Nodes: sort by share, group 1..G, class 0..2 (node i serves group 1 + i % G).
    cur.execute(
        f"UPDATE node SET node_group = 1 + (id % {g}), node_class = (id DIV {g}) % 3, "
        f"sort = CASE WHEN (id DIV {3 * g}) % 10 < 5 THEN 11 WHEN (id DIV {3 * g}) % 10 < 8 THEN 14 "
        "ELSE 0 END, "
        "custom_config = CASE WHEN sort <> 0 THEN "
        "'{\"offset_port_node\":\"443\",\"network\":\"ws\",\"security\":\"tls\",\"path\":\"/ws\"}' "
        "ELSE '{\"offset_port_node\":\"8388\",\"method\":\"aes-128-gcm\"}' END")
    cur.execute("SELECT COUNT(DISTINCT sort, node_group, node_class) FROM node")
    keys = cur.fetchone()[0]
    print(f"spread {args.users} users over {g} groups and 3 classes; {args.nodes} nodes in {keys} "
          "distinct (sort, group, class) lists")


class Stats:
    def __init__(self):
        self.lat = defaultdict(list)  # (endpoint, steady) -> [ms]
        self.status = defaultdict(lambda: defaultdict(int))
        self.wire = defaultdict(int)
        self.plain = defaultdict(int)
        self.errors = defaultdict(int)

    def add(self, name, steady, ms, status, wire, plain):
        self.lat[(name, steady)].append(ms)
        self.status[name][status] += 1
        self.wire[name] += wire
        self.plain[name] += plain


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p / 100))], 2)


def cpu_ticks(pid):
    """utime + stime + cutime + cstime of pid and its live children (the yardstick's workers)."""
    total = 0
    pids = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(k) for k in kids]
    except OSError:
        pass
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in f[11:15])
        except OSError:
            pass
    return total


def rss_kb(pid):
    total = 0
    pids = [pid]
    try:
        pids += [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Node:
    def __init__(self, node_id, rate, args, rnd):
        self.id = node_id
        self.rate = rate
        self.args = args
        self.rnd = rnd
        self.etag_info = ""
        self.etag_users = ""
        self.users = []
        self.active = []


class Fleet:
    def __init__(self, args, session, stats, expected, node_raw):
        self.a = args
        self.s = session
        self.stats = stats
        self.expected = expected  # user -> [u, d] charged
        self.node_raw = node_raw  # node -> raw bytes
        self.uncertain = 0

    def url(self, path):
        return self.a.url.rstrip("/") + path

    async def call(self, name, steady, method, path, *, params=None, headers=None, body=None,
                   form=False, need_body=True):
        h = {"Accept-Encoding": "gzip", "User-Agent": "fleet.py (XrayR-like)"}
        if self.a.flavour == "seed":
            h["Key"] = self.a.key
        else:
            params = dict(params or {}, key=self.a.key, muKey=self.a.key)
        h.update(headers or {})
        kw = {"params": params, "headers": h}
        if body is not None:
            kw["json"] = body
        t0 = time.perf_counter()
        try:
            async with self.s.request(method, self.url(path), **kw) as r:
                raw = await r.read()
                ms = (time.perf_counter() - t0) * 1000
                zipped = r.headers.get("Content-Encoding") == "gzip"
                # The plain size from gzip's trailer (ISIZE): decompressing every 3-MB list would
                # make the load generator, not the server, the bottleneck at 10x.
                size = int.from_bytes(raw[-4:], "little") if zipped else len(raw)
                self.stats.add(name, steady, ms, r.status, len(raw), size)
                etag = r.headers.get("ETag", "")
                if zipped and (name != "users" or need_body):
                    raw = gzip.decompress(raw)
                return r.status, etag, raw
        except Exception as e:  # noqa: BLE001 - counted, the fleet goes on
            self.stats.errors[f"{name}: {type(e).__name__}"] += 1
            return None, "", b""

    async def cycle(self, node, steady):
        a = self.a
        seed = a.flavour == "seed"
        # 1. info
        path = f"/app/api/v0/node/info/{node.id}" if seed else f"/mod_mu/nodes/{node.id}/info"
        st, tag, _ = await self.call("info", steady, "GET", path,
                                     headers={"If-None-Match": node.etag_info})
        if st == 200 and tag:
            node.etag_info = tag
        # 2. users
        if seed:
            st, tag, body = await self.call("users", steady, "GET", "/app/api/v0/node/users",
                                            params={"node_id": node.id},
                                            headers={"If-None-Match": node.etag_users},
                                            need_body=not node.users)
        else:
            st, tag, body = await self.call("users", steady, "GET", "/mod_mu/users",
                                            params={"node_id": node.id},
                                            headers={"If-None-Match": node.etag_users},
                                            need_body=not node.users)
        if st == 200:
            node.etag_users = tag
            # The ids are read from the first list only: parsing every list would make the load
            # generator, not the server, the bottleneck on a 2-core box.
            if not node.users:
                try:
                    node.users = [u["id"] for u in json.loads(body)["data"]]
                except (ValueError, KeyError, TypeError):
                    self.stats.errors["users: bad body"] += 1
        if not node.users:
            return
        # Active users: most stay from one cycle to the next, a tenth change.
        keep = [u for u in node.active if node.rnd.random() > 0.1]
        want = min(a.active, len(node.users))
        while len(keep) < want:
            u = node.rnd.choice(node.users)
            if u not in keep:
                keep.append(u)
        node.active = keep
        # 3. traffic (even byte counts: exact at rates 1.0 and 1.5 whatever the rounding rule)
        rows = [{"user_id": u, "u": 2 * node.rnd.randint(1, 5_000_000),
                 "d": 2 * node.rnd.randint(1, 50_000_000)} for u in node.active]
        body = {"data": rows}
        if seed:
            body = {"node_id": node.id, "data": rows}
            st, _, resp = await self.call("traffic", steady, "POST", "/app/api/v0/node/traffic",
                                          body=body)
        else:
            st, _, resp = await self.call("traffic", steady, "POST", "/mod_mu/users/traffic",
                                          params={"node_id": node.id}, body=body)
        ok = st == 200 and resp and json.loads(resp).get("ret") == 1
        if ok:
            for r in rows:
                e = self.expected[r["user_id"]]
                e[0] += int(r["u"] * node.rate)
                e[1] += int(r["d"] * node.rate)
                self.node_raw[node.id] += r["u"] + r["d"]
        else:
            self.uncertain += 1
        # 4. alive IPs: one or two stable addresses per user
        ips = []
        for u in node.active:
            ips.append({"user_id": u, "ip": f"10.{(u >> 16) & 255}.{(u >> 8) & 255}.{u & 255}"})
            if u % 4 == 0:
                ips.append({"user_id": u, "ip": f"172.16.{(u >> 8) & 255}.{u & 255}"})
        if seed:
            await self.call("alive", steady, "POST", "/app/api/v0/node/online",
                            body={"node_id": node.id, "count": len(node.active), "data": ips})
        else:
            await self.call("alive", steady, "POST", "/mod_mu/users/aliveip",
                            params={"node_id": node.id}, body={"data": ips})
        # 5. status
        if seed:
            await self.call("status", steady, "POST", "/app/api/v0/node/heartbeat",
                            body={"node_id": node.id, "uptime": 86400, "load": "0.10 0.20 0.30"})
        else:
            await self.call("status", steady, "POST", f"/mod_mu/nodes/{node.id}/info",
                            body={"uptime": "86400", "load": "0.10 0.20 0.30"})

    async def run_node(self, node, t_start, period):
        offset = period * (node.id % self.a.nodes) / self.a.nodes
        for c in range(self.a.cycles):
            target = t_start + offset + c * period
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.cycle(node, c > 0)


def fleet_part(args, node_rows, part):
    """Runs the fleet's nodes with index % procs == part in this process's own event loop; returns
    plain data for the parent to merge."""
    mine = [row for i, row in enumerate(node_rows) if i % args.procs == part]
    rnd = random.Random(args.seed)
    seeds = {row[0]: rnd.random() for row in node_rows}
    nodes = [Node(i, float(rate), args, random.Random(seeds[i])) for i, rate, _ in mine]
    stats = Stats()
    expected = defaultdict(lambda: [0, 0])
    node_raw = defaultdict(int)
    period = 60.0 / args.speed

    async def go():
        conn_limit = aiohttp.TCPConnector(limit=max(1, args.connections // args.procs),
                                          ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=args.timeout)
        async with aiohttp.ClientSession(connector=conn_limit, timeout=timeout,
                                         auto_decompress=False) as session:
            fleet = Fleet(args, session, stats, expected, node_raw)
            # Every part starts on the same wall-clock second, so the offsets interleave.
            t_start = time.monotonic() + (args.start_at - time.time())
            await asyncio.gather(*(fleet.run_node(n, t_start, period) for n in nodes))
            return fleet.uncertain

    uncertain = asyncio.run(go())
    return {"lat": {k: v for k, v in stats.lat.items()},
            "status": {k: dict(v) for k, v in stats.status.items()},
            "wire": dict(stats.wire), "plain": dict(stats.plain), "errors": dict(stats.errors),
            "expected": {k: tuple(v) for k, v in expected.items()}, "node_raw": dict(node_raw),
            "uncertain": uncertain}


def run(args):
    conn = connect(args.db, args.socket)
    cur = conn.cursor()
    cur.execute("SELECT id, traffic_rate, node_bandwidth FROM node WHERE type <> 0 ORDER BY id LIMIT %s",
                (args.nodes,))
    node_rows = cur.fetchall()
    cur.execute("SELECT id, u, d FROM user")
    before = {i: (u, d) for i, u, d in cur.fetchall()}
    bw_before = {i: bw for i, _, bw in node_rows}
    load0 = os.getloadavg()
    ticks0 = cpu_ticks(args.pid) if args.pid else 0
    args.start_at = time.time() + 1 + 0.2 * args.procs
    wall0 = time.monotonic()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.procs) as pool:
        pending = pool.starmap_async(fleet_part, [(args, node_rows, k) for k in range(args.procs)])
        rss_samples = []
        while not pending.ready():
            if args.pid:
                rss_samples.append(rss_kb(args.pid))
            pending.wait(0.5)
        parts = pending.get()
    wall = time.monotonic() - wall0
    stats = Stats()
    expected = defaultdict(lambda: [0, 0])
    node_raw = defaultdict(int)
    uncertain = 0
    for part in parts:
        for k, v in part["lat"].items():
            stats.lat[k] += v
        for name, codes in part["status"].items():
            for code, n in codes.items():
                stats.status[name][code] += n
        for k, v in part["wire"].items():
            stats.wire[k] += v
        for k, v in part["plain"].items():
            stats.plain[k] += v
        for k, v in part["errors"].items():
            stats.errors[k] += v
        for uid, (u, d) in part["expected"].items():
            expected[uid][0] += u
            expected[uid][1] += d
        for nid, b in part["node_raw"].items():
            node_raw[nid] += b
        uncertain += part["uncertain"]
    rss_peak = max(rss_samples) if rss_samples else 0
    ticks = (cpu_ticks(args.pid) - ticks0) if args.pid else 0
    load1 = os.getloadavg()
    time.sleep(args.settle)
    # Exactness
    cur.execute("SELECT id, u, d FROM user")
    after = {i: (u, d) for i, u, d in cur.fetchall()}
    wrong_users = 0
    for uid, (u0, d0) in before.items():
        eu, ed = expected.get(uid, (0, 0))
        u1, d1 = after[uid]
        if (u1 - u0, d1 - d0) != (eu, ed):
            wrong_users += 1
    cur.execute("SELECT id, node_bandwidth FROM node")
    wrong_nodes = sum(1 for i, bw in cur.fetchall()
                      if i in bw_before and bw - bw_before[i] != node_raw.get(i, 0))
    verdict = "EXACT" if wrong_users == 0 and wrong_nodes == 0 and uncertain == 0 else (
        f"MISMATCH: {wrong_users} users, {wrong_nodes} nodes, {uncertain} unacknowledged reports")
    hz = os.sysconf("SC_CLK_TCK")
    endpoints = {}
    for name in ("info", "users", "traffic", "alive", "status"):
        all_ms = stats.lat[(name, False)] + stats.lat[(name, True)]
        steady = stats.lat[(name, True)]
        codes = dict(stats.status[name])
        n = sum(codes.values())
        endpoints[name] = {
            "requests": n,
            "p50_ms": pct(all_ms, 50), "p99_ms": pct(all_ms, 99), "max_ms": pct(all_ms, 100),
            "steady_p50_ms": pct(steady, 50), "steady_p99_ms": pct(steady, 99),
            "share_304": round(codes.get(304, 0) / n, 3) if n else None,
            "statuses": codes,
            "wire_bytes": stats.wire[name], "plain_bytes": stats.plain[name],
        }
    period = 60.0 / args.speed
    result = {
        "url": args.url, "flavour": args.flavour, "nodes": len(node_rows), "cycles": args.cycles,
        "speed": args.speed, "cycle_s": period, "active_per_node": args.active,
        "client_processes": args.procs,
        "users_in_db": len(before), "wall_s": round(wall, 1),
        "server_cpu_core_share": round(ticks / hz / wall, 3) if args.pid else None,
        "server_rss_peak_mb": round(rss_peak / 1024, 1) if args.pid else None,
        "loadavg_start": [round(x, 2) for x in load0], "loadavg_end": [round(x, 2) for x in load1],
        "endpoints": endpoints,
        "wire_bytes": sum(stats.wire.values()), "plain_bytes": sum(stats.plain.values()),
        "errors": dict(stats.errors),
        "users_charged": len(expected), "traffic_check": verdict,
    }
    print_summary(result)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1))
    return 0 if verdict == "EXACT" and not stats.errors else 1


def print_summary(r):
    print(f"{r['flavour']} fleet: {r['nodes']} nodes, {r['users_in_db']} users, {r['cycles']} cycles of "
          f"{r['cycle_s']:.1f} s (speed {r['speed']}x), {r['active_per_node']} active users/node, "
          f"{r['wall_s']} s, {r['client_processes']} client process(es)")
    print(f"{'endpoint':<8} {'reqs':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'st.p50':>7} "
          f"{'st.p99':>7} {'304s':>6} {'wire MB':>8} {'plain MB':>9}")
    for name, e in r["endpoints"].items():
        s304 = "-" if e["share_304"] is None else f"{100 * e['share_304']:.0f}%"
        print(f"{name:<8} {e['requests']:>6} {e['p50_ms']!s:>8} {e['p99_ms']!s:>8} {e['max_ms']!s:>8} "
              f"{e['steady_p50_ms']!s:>7} {e['steady_p99_ms']!s:>7} {s304:>6} "
              f"{e['wire_bytes'] / 1e6:>8.2f} {e['plain_bytes'] / 1e6:>9.2f}")
    saved = r["plain_bytes"] - r["wire_bytes"]
    print(f"bytes sent {r['wire_bytes'] / 1e6:.1f} MB; gzip saved {saved / 1e6:.1f} MB")
    print(f"server CPU {r['server_cpu_core_share']} of one core, peak RSS {r['server_rss_peak_mb']} MB; "
          f"load average {r['loadavg_start']} -> {r['loadavg_end']}")
    print(f"errors: {r['errors'] or 'none'}; traffic: {r['traffic_check']} "
          f"({r['users_charged']} users charged)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--db", default="spanel_fleet")
    s.add_argument("--users", type=int, default=100_000)
    s.add_argument("--nodes", type=int, default=1000)
    s.add_argument("--groups", type=int, default=10)
    s.add_argument("--socket", default=SOCK)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--db", default="spanel_fleet")
    r.add_argument("--socket", default=SOCK)
    r.add_argument("--key", default="bench-mu-key")
    r.add_argument("--flavour", choices=["sspanel", "seed"], default="sspanel")
    r.add_argument("--nodes", type=int, default=1000)
    r.add_argument("--cycles", type=int, default=3)
    r.add_argument("--speed", type=float, default=1.0, help="time compression: cycle = 60 s / speed")
    r.add_argument("--active", type=int, default=30, help="users with traffic per node per cycle")
    r.add_argument("--connections", type=int, default=256)
    r.add_argument("--timeout", type=float, default=30.0)
    r.add_argument("--pid", type=int, default=0, help="server process to measure (CPU, RSS)")
    r.add_argument("--settle", type=float, default=1.0, help="seconds before the exactness check")
    r.add_argument("--seed", type=int, default=7)
    r.add_argument("--procs", type=int, default=1,
                   help="client processes (one event loop each): one Python loop cannot drive a "
                        "1,000-node fleet at 10x")
    r.add_argument("--json-out")
    args = ap.parse_args()
    if args.cmd == "seed":
        seed(args)
        return 0
    if not args.url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        print("refusing a non-loopback target", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
