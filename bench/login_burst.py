#!/usr/bin/env python3
"""Peak memory under a burst of logins: 200 concurrent logins from 200 client addresses (every
client logging in again after an outage) against a spanel hashing with argon2id at PHP SSPanel's
parameters (64 MiB per hash). Samples the server's RSS from /proc while the burst runs and prints
the peak and how the logins were answered.

Usage: bench/login_burst.py PATH/TO/spanel [CONCURRENCY]
The server runs on a fresh SQLite file on a free loopback port, with SPANEL_TRUST_PROXY=true so
each request's X-Forwarded-For (addresses in 127.0.0.0/8) counts as its own client address.
"""
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    work = tempfile.mkdtemp(prefix="spanel-login-burst.")
    port = free_port()
    env = dict(os.environ, SPANEL_DATABASE_URL=f"sqlite://{work}/spanel.db",
               SPANEL_LISTEN=f"127.0.0.1:{port}", SPANEL_TRUST_PROXY="true",
               SPANEL_PASSWORD_METHOD="argon2id", SPANEL_JOBS_ENABLED="false", SPANEL_LOG="warn")
    subprocess.run([BIN, "init-db"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([BIN, "create-admin", "--email", "burst@example.com", "--password",
                    "burst-password"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        idle = rss_mb(server.pid)
        peak = [idle]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.01)

        outcomes = collections.Counter()
        latencies = []
        lock = threading.Lock()
        start = threading.Barrier(N)

        def login(i):
            body = json.dumps({"email": "burst@example.com", "password": "burst-password"}).encode()
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/app/api/v0/auth/login", data=body, method="POST",
                headers={"Content-Type": "application/json",
                         "X-Forwarded-For": f"127.{i // 250}.{i % 250}.{1 + i % 7}"})
            start.wait()
            t0 = time.time()
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    code = r.status
            except urllib.error.HTTPError as e:
                code = e.code
                if code == 503 and e.headers.get("Retry-After"):
                    code = "503 + Retry-After"
            except OSError as e:
                code = f"error {e}"
            with lock:
                outcomes[code] += 1
                latencies.append(time.time() - t0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=login, args=(i,)) for i in range(N)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - t0
        time.sleep(0.5)
        done.set()
        sampler.join()
        latencies.sort()
        print(f"{N} concurrent logins from {N} addresses in {wall:.1f} s")
        print(f"answers: {dict(outcomes)}")
        print(f"latency p50 {latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s")
        print(f"spanel RSS: idle {idle:.0f} MB, peak {peak[0]:.0f} MB, after {rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
