"""Wall time of one crawl of the imitation web by 1, 2, … workers sharing it through Redis, into one PostgreSQL.

    python bench/distributed.py [--workers 1 2] [--extra 0] [--latency 0.05] [--delay 0.05] [--pin]
                                [--redis redis://127.0.0.1:6379/0] [--pg postgresql://postgres@127.0.0.1:5432/test]

For each worker count: a fresh database and job, N `nianbao crawl --redis …` processes started together, the
wall time until the last one ends, the pages each fetched (from the web's request log: resources per run), and
the reports stored. The job keeps one pace per host whatever the number of workers (the host's turn is taken
in Redis), so the speedup left is what one worker's own work (parsing, rendering, storing) was holding back.
`--pin` keeps worker i (and its parse
process and browser) on CPU i: one machine of one CPU against two such machines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests.web.web import build_web  # noqa: E402


def crawl(n: int, urls: list[str], delay: float, redis_url: str, pg: str, pin: bool) -> tuple[float, list[int], int]:
    name = f"nianbao_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    db = pg.rsplit("/", 1)[0] + "/" + name
    job = f"bench-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as blobs:
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--redis", redis_url, "--job", job, "--db", db,
               "--allow-private", "--delay", str(delay), "--no-progress", "--start-url", *urls]
        env = {**os.environ, "NIANBAO_BLOBS": blobs}
        start = time.monotonic()
        procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  preexec_fn=_pin(i) if pin else None) for i in range(n)]
        for p in procs:
            _, err = p.communicate(timeout=1800)
            if p.returncode:
                sys.exit(f"worker failed: {err[-2000:]}")
        wall = time.monotonic() - start
    with psycopg.connect(db) as conn:
        pages = [c for (c,) in conn.execute("SELECT count(*) FROM resources GROUP BY run_id ORDER BY run_id")]
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name}")
    return wall, pages, reports


def _pin(cpu: int) -> Callable[[], None]:
    return lambda: os.sched_setaffinity(0, {cpu % (os.cpu_count() or 1)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--extra", type=int, default=0, help="imitation sites beyond the default fifteen")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    ap.add_argument("--delay", type=float, default=0.05, help="each worker's per-host delay")
    ap.add_argument("--pin", action="store_true", help="worker i on CPU i only (its children too)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    with build_web(seed=0, latency=args.latency, n_extra=args.extra) as web:
        urls = [s.start_url for s in web.sites]
        want = sum(len(s.reports) for s in web.sites if s.status == "ok")
        print(f"{len(urls)} sites, {want} reports, latency {args.latency} s, delay {args.delay} s, "
              f"{os.cpu_count()} CPUs{', one per worker' if args.pin else ''}")
        base = None
        for n in args.workers:
            wall, pages, reports = crawl(n, urls, args.delay, args.redis, args.pg, args.pin)
            base = base or wall
            print(f"{n} worker(s): {wall:6.1f} s wall, {base / wall:4.2f}× the first, pages per worker {pages}, "
                  f"reports stored {reports}/{want}", flush=True)


if __name__ == "__main__":
    main()
