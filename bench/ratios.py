"""Prints spanel's and the yardstick's figures side by side, with ratios, from compare.sh's results."""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1])


def load(name):
    p = out / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def figures(server):
    rows = {}
    for sets in ("disjoint", "shared"):
        t = load(f"{server}_traffic_{sets}")
        if t:
            rows[f"traffic {sets}: user-rows/s"] = (t["user_rows_per_s"], t["verdict"])
            rows[f"traffic {sets}: p50 ms"] = (t["p50_ms"], "")
            rows[f"traffic {sets}: p99 ms"] = (t["p99_ms"], "")
    u = load(f"{server}_users")
    if u:
        for phase, ph in u["phases"].items():
            rows[f"users {phase}: req/s"] = (ph["req_per_s"], "")
            rows[f"users {phase}: p50 ms"] = (ph["p50_ms"], "")
    b = load(f"{server}_buy")
    if b:
        rows["buy: ok/s"] = (b["ops_per_s"], b["verdict"])
        rows["buy: p99 ms"] = (b["p99_ms"], "")
    n = load(f"{server}_notify")
    if n:
        rows["notify: req/s"] = (n["ops_per_s"], n["verdict"])
        rows["notify: p99 ms"] = (n["p99_ms"], "")
    c = load(f"{server}_callbacks")
    if c:
        rows["signed EPay callbacks: req/s"] = (c["ops_per_s"], c["verdict"])
        rows["signed EPay callbacks: p99 ms"] = (c["p99_ms"], "")
    return rows


ys, sp = figures("yardstick"), figures("spanel")
naive = figures("naive")
if naive:
    print("\nspanel group commit vs the naive per-row baseline (same binary):")
    for k, (v, check) in naive.items():
        b = sp.get(k, (None, ""))[0]
        if isinstance(v, (int, float)) and isinstance(b, (int, float)) and v and b:
            r = v / b if "ms" in k else b / v
            print(f"  {k:<34} naive {v!s:>10}  spanel {b!s:>10}  {r:.1f}x  {check}")
keys = list(dict.fromkeys(list(sp) + list(ys)))
w = max((len(k) for k in keys), default=10)
print(f"\n{'figure':<{w}}  {'yardstick':>12} {'spanel':>12} {'ratio':>8}  check")
for k in keys:
    a = ys.get(k, (None, ""))[0]
    b = sp.get(k, (None, ""))[0]
    check = " ".join(x for x in (ys.get(k, (0, ""))[1], sp.get(k, (0, ""))[1]) if x)
    ratio = ""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a and b:
        ratio = f"{(a / b if 'ms' in k else b / a):.1f}x"
    fa = "-" if a is None else a
    fb = "-" if b is None else b
    print(f"{k:<{w}}  {fa!s:>12} {fb!s:>12} {ratio:>8}  {check}")
cb, confirm = sp.get("signed EPay callbacks: req/s"), ys.get("notify: req/s")
if cb and confirm and cb[0] and confirm[0]:
    print(f"spanel's signed EPay callbacks against the yardstick's debug confirmations: {cb[0] / confirm[0]:.1f}x")
for name in ("spanel_rss.txt", "yardstick_startup.txt", "spanel_startup.txt"):
    if (out / name).exists():
        print((out / name).read_text().strip())
print(f"(ratio: how many times better spanel is; raw results in {out})")
