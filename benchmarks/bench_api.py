"""Load benchmark of the HTTP API: ``POST /v1/match`` on loopback, 5,000-service catalogue.

    cd /work/main && HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_api.py

Steps (see benchmarks/README.md):
1. build the 5,000-service catalogue of ``bench_match.py`` (bundled services replicated onto
   real comuni), start ``recommender serve`` as a separate process on an empty SQLite store
   (or ``--database-url``), create a tenant and a key, upload the catalogue with
   ``PUT /v1/catalogue`` and wait for ``/readyz``;
2. **open loop**: requests are sent at a fixed rate (``--rate``, default 30/s) for
   ``--duration`` seconds (default 60) whatever the server does, and each latency is counted
   from the moment the request *should* have been sent, so a stalled server cannot hide its
   queue (no coordinated omission);
3. **closed loop**: ``--concurrency`` clients send back to back for ``--saturate`` seconds to
   find the sustainable maximum;
4. each intake is one of the 122 bundled intakes with a unique reference appended to its
   notes, so no cache sees the same text twice; every match is stored like in production.

Prints p50/p95/p99 latency, requests per second, errors, the server's peak RSS, and the
issue's targets (p99 <= 150 ms and >= 30 requests/s for 60 s with 0 errors) marked met / not
met. A benchmark, not a test: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_match import build_catalogue_csv  # noqa: E402

from recommender.paths import FIXTURES_DIR  # noqa: E402
from recommender.store import tenants  # noqa: E402
from recommender.store.database import connect, upgrade  # noqa: E402

TARGET_P99_MS = 150.0
TARGET_RPS = 30.0
TARGET_SECONDS = 60
AS_OF = "2026-11-22"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _ = _request(conn, "GET", "/readyz", None, {})
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready after {timeout:.0f}s")


def _bodies() -> list[dict]:
    with open(FIXTURES_DIR / "intakes.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class Load:
    """Shared request stream: a counter makes every request's intake unique."""

    def __init__(self, port: int, key: str, bodies: list[dict]):
        self.port, self.bodies = port, bodies
        self.headers = {"X-API-Key": key, "Content-Type": "application/json"}
        self.lock = threading.Lock()
        self.n = 0
        self.latencies_ms: list[float] = []
        self.errors: dict[str, int] = {}

    def next_body(self) -> bytes:
        with self.lock:
            self.n += 1
            n = self.n
        b = dict(self.bodies[n % len(self.bodies)])
        notes = (b.get("notes") or "").rstrip()
        b["notes"] = f"{notes} Rif. pratica {n}." if notes else ""
        b["id"] = f"{b['id']}#{n}"
        b["as_of"] = AS_OF
        return json.dumps(b).encode()

    def one(self, conn: http.client.HTTPConnection, started: float) -> http.client.HTTPConnection:
        body = self.next_body()
        try:
            status, _ = _request(conn, "POST", "/v1/match", body, self.headers)
            error = None if status == 200 else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies_ms.append(elapsed)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1
        return conn


def open_loop(load: Load, rate: float, seconds: float, clients: int) -> float:
    """Send at ``rate``/s; latency counts from the scheduled send time."""
    interval = 1.0 / rate
    start = time.perf_counter() + 0.1
    total = int(rate * seconds)
    slot = iter(range(total))
    slot_lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
        while True:
            with slot_lock:
                i = next(slot, None)
            if i is None:
                break
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            conn = load.one(conn, due)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def closed_loop(load: Load, seconds: float, clients: int) -> float:
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
        while time.perf_counter() < deadline:
            conn = load.one(conn, time.perf_counter())
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _report(name: str, load: Load, seconds: float) -> dict:
    lat = load.latencies_ms
    n_err = sum(load.errors.values())
    out = {
        "requests": len(lat), "seconds": seconds, "rps": len(lat) / seconds if seconds else 0.0,
        "p50": _pct(lat, 50), "p95": _pct(lat, 95), "p99": _pct(lat, 99), "max": max(lat) if lat else float("nan"), "errors": n_err,
    }
    print(
        f"{name:<34} {out['requests']:>6} requests in {seconds:5.1f}s = {out['rps']:6.1f}/s | "
        f"p50 {out['p50']:6.1f} ms  p95 {out['p95']:6.1f} ms  p99 {out['p99']:6.1f} ms  max {out['max']:6.1f} ms | errors {n_err}"
        + (f" {load.errors}" if n_err else "")
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=5000)
    ap.add_argument("--rate", type=float, default=TARGET_RPS, help="open-loop request rate (per second)")
    ap.add_argument("--duration", type=float, default=TARGET_SECONDS, help="open-loop duration (seconds)")
    ap.add_argument("--saturate", type=float, default=30, help="closed-loop duration (seconds; 0 to skip)")
    ap.add_argument("--concurrency", type=int, default=4, help="closed-loop clients")
    ap.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"))
    ap.add_argument("--database-url", default=None, help="store of the server (default: a new SQLite file)")
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db_url = args.database_url or f"sqlite:///{workdir / 'store.sqlite3'}"
    db = connect(db_url)
    upgrade(db)
    name = f"bench{int(time.time())}"
    tenants.create_tenant(db, name)
    _, key = tenants.create_key(db, name, label="benchmark")
    db.dispose()

    t = time.perf_counter()
    csv_text, by_province = build_catalogue_csv(args.services)
    print(f"catalogue: {args.services} services ({', '.join(f'{p} {n}' for p, n in sorted(by_province.items()))}) built in {time.perf_counter() - t:.1f}s")

    port = _free_port()
    env = dict(os.environ, DATABASE_URL=db_url, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, "-m", "recommender.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--quiet", "--encoder", args.encoder]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "server.log", "w"))
    try:
        _wait_ready(port, proc, 180)
        print(f"server: pid {proc.pid}, port {port}, store {db_url.split('://')[0]}, encoder {args.encoder}; ready in {time.perf_counter() - t:.1f}s")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t = time.perf_counter()
        status, body = _request(conn, "PUT", "/v1/catalogue", csv_text.encode(), {"X-API-Key": key, "Content-Type": "text/csv"})
        if status != 200:
            raise SystemExit(f"catalogue upload failed: HTTP {status} {body[:500]!r}")
        print(f"PUT /v1/catalogue: {len(csv_text) / 1e6:.1f} MB validated, fitted and stored in {time.perf_counter() - t:.1f}s")
        conn.close()
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores; load generator in this process ({args.concurrency} closed-loop clients)")
        print()

        bodies = _bodies()
        warm = Load(port, key, bodies)
        closed_loop(warm, 5, 2)  # warm-up: first requests pay for lazy imports and caches
        opened = Load(port, key, bodies)
        secs = open_loop(opened, args.rate, args.duration, clients=max(4, int(args.rate * 0.15) + 2))
        o = _report(f"open loop at {args.rate:g}/s, {args.duration:g}s", opened, secs)
        c = None
        if args.saturate > 0:
            saturated = Load(port, key, bodies)
            secs = closed_loop(saturated, args.saturate, args.concurrency)
            c = _report(f"closed loop, {args.concurrency} clients, {args.saturate:g}s", saturated, secs)
        print(f"server peak RSS: {_peak_rss_mb(proc.pid):.0f} MB")
        print()
        sustained = o["rps"] >= TARGET_RPS * 0.98 and args.duration >= TARGET_SECONDS
        print("targets (2 cores, 5,000 services):")
        print(f"  p99 <= {TARGET_P99_MS:g} ms at {args.rate:g}/s: {o['p99']:.1f} ms -> {'met' if o['p99'] <= TARGET_P99_MS else 'NOT met'}")
        print(f"  >= {TARGET_RPS:g} requests/s sustained for {TARGET_SECONDS}s: {o['rps']:.1f}/s for {args.duration:g}s -> {'met' if sustained else 'NOT met'}"
              + (f" (saturation {c['rps']:.1f}/s)" if c else ""))
        print(f"  0 errors: {o['errors'] + (c['errors'] if c else 0)} -> {'met' if o['errors'] == 0 and (not c or c['errors'] == 0) else 'NOT met'}")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
