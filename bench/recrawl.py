"""Incremental recrawls: what a second crawl with nothing changed transfers, against the first.

    python bench/recrawl.py [--extra 0] [--latency 0] [--delay 0.05]

Crawls the imitation web into a fresh SQLite database, then crawls it again unchanged. Prints, for each crawl,
the response bytes the crawler received (Scrapy's `downloader/response_bytes`: headers and bodies), the
requests, the 304 answers and the wall time; then the ratio second/first (target ≤ 5 %). List pages are
always read again; report pages and documents are asked for with If-None-Match / If-Modified-Since, and a
document whose bytes are already stored (a server without validators) is not parsed again.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.web import build_web  # noqa: E402


def crawl(urls: list[str], db: Path, delay: float) -> dict:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--allow-private", "--delay", str(delay),
           "--no-progress", "--start-url", *urls]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    reports = con.execute("SELECT count(*) FROM reports").fetchone()[0]
    events = dict(con.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    con.close()
    return {"wall": wall, "bytes": stats.get("downloader/response_bytes", 0),
            "requests": stats.get("downloader/request_count", 0),
            "not_modified": stats.get("downloader/response_status_count/304", 0),
            "parsed": stats.get("nianbao/reports_parsed", 0), "reports": reports, "events": events}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extra", type=int, default=0, help="more ordinary imitation sites")
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--db", type=Path, help="keep the database here (default: a temporary one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, build_web(seed=0, latency=args.latency, n_extra=args.extra) as web:
        urls = [s.start_url for s in web.sites]
        db = args.db or Path(tmp) / "recrawl.db"
        db.unlink(missing_ok=True)
        first = crawl(urls, db, args.delay)
        second = crawl(urls, db, args.delay)
    for name, r in (("first crawl", first), ("second, unchanged", second)):
        print(f"{name:<18} {r['bytes'] / 1e6:8.2f} MB in {r['requests']:5d} requests, {r['not_modified']:4d}× 304, "
              f"{r['parsed']:4d} parsed, {r['wall']:5.1f} s; reports stored {r['reports']}, events {r['events']}")
    ratio = second["bytes"] / first["bytes"]
    print(f"bytes ratio second/first: {ratio:.2%} (target ≤ 5 %)")
    return 0 if ratio <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
