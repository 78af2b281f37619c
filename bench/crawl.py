"""Crawl throughput against many imitation sites, wall time against politeness, and memory with rendering.

    python bench/crawl.py [--extra 30] [--latency 0.05] [--delay 0.25] [--rendered 1000]

1. Crawls the imitation web (its 15 sites plus `--extra` more) with `--delay` between requests to one host and
   `--latency` on every response; prints pages per second and the wall time against the politeness lower
   bound: the busiest host's requests × the delay (no schedule can be faster while keeping the delay).
2. Crawls a script-only site of `--rendered` list pages, each rendered in Chromium, sampling the memory of
   the whole process tree (crawler + browser) as it goes; prints peak memory for the plain crawl and for the
   rendered one, and the memory after the first tenth of the pages against the end (flat means no growth).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.web import build_web  # noqa: E402


def tree_rss(pid: int) -> int:
    """Proportional set size (shared pages split between sharers) of a process and its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_crawl(urls: list[str], delay: float, db: str, samples: list[tuple[float, int]] | None = None) -> float:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--allow-private", "--delay", str(delay),
           "--no-progress", "--start-url", *urls]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0

    def sample() -> None:  # memory every half second, beside the wait (the wall time is not rounded up to it)
        nonlocal peak
        while proc.poll() is None:
            rss = tree_rss(proc.pid)
            peak = max(peak, rss)
            if samples is not None:
                samples.append((time.monotonic() - t0, rss))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.communicate()[0] or ""
    wall = time.monotonic() - t0
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{out}")
    run_crawl.peak = peak  # type: ignore[attr-defined]
    run_crawl.table = out  # type: ignore[attr-defined]
    return wall


class ShellSite(BaseHTTPRequestHandler):
    """A script-only column of N pages: each page's links exist only after its script runs."""

    pages = 1000
    served: Counter[str] = Counter()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        self.served[path.split("/")[1] if "/" in path else path] += 1
        if path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif path == "/" or path.startswith("/col/"):
            n = 0 if path == "/" else int(path.rsplit("/", 1)[1])
            links = (
                '<a href="/col/1">政府信息公开年报</a>' if n == 0 else
                (f'<a href="/col/{n + 1}">下一页</a>' if n < self.pages else "")
                + f'<a href="/art/{n}.html">示例县{chr(0x4E00 + n)}{chr(0x5000 + n)}镇2023年政府信息公开工作年度报告</a>'
            )
            script = f"document.getElementById('app').innerHTML = {links!r};"
            body = f'<html><body><div id="app"></div><script>{script}</script></body></html>'.encode()
            ctype = "text/html; charset=utf-8"
        else:
            body, ctype = "<html><body><p>示例</p></body></html>".encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extra", type=int, default=30, help="imitation sites beyond the default fifteen")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    ap.add_argument("--delay", type=float, default=0.25, help="the crawl's per-host delay")
    ap.add_argument("--rendered", type=int, default=1000, help="pages of the script-only column (0: skip)")
    ap.add_argument("--plain-only", action="store_true", help="leave the script-only sites out of the first crawl")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))

    with build_web(seed=1, latency=args.latency, n_extra=args.extra) as web:
        urls = [s.start_url for s in web.sites if not (args.plain_only and s.family == "spa")]
        started = time.time()
        wall = run_crawl(urls, args.delay, str(tmp / "plain.db"))
        per_host = Counter(host for _, host, _, _ in web.requests)
        # a script-only site's page loads its own scripts and data in the browser, outside the crawl's delay
        browser_hosts = {s.start_url.split("/")[2] for s in web.sites if s.family == "spa"}
    pages = sum(per_host.values())
    busiest, n = Counter({h: c for h, c in per_host.items() if h not in browser_hosts}).most_common(1)[0]
    bound = (n - 1) * max(args.delay, args.latency)
    print(f"sites {len(urls)}, pages {pages}, wall {wall:.1f} s, {pages / wall:.1f} pages/s")
    print(f"politeness lower bound: busiest host {busiest} {n} requests × {max(args.delay, args.latency)} s = {bound:.1f} s; "
          f"wall / bound = {wall / bound:.2f} (target ≤ 1.2)")
    plain_done = max(t for t, host, _, _ in web.requests if host not in browser_hosts) - started
    print(f"sites served over plain HTTP: last request at {plain_done:.1f} s = {plain_done / bound:.2f} × the bound; "
          f"{len(browser_hosts)} script-only sites rendered in Chromium take the rest (2 cores, up to 8 pages at a time)")
    print(f"peak memory, crawl (with the script-only sites): {run_crawl.peak / 2**20:.0f} MiB")  # type: ignore[attr-defined]

    if args.rendered:
        ShellSite.pages = args.rendered
        server = ThreadingHTTPServer(("127.0.0.1", 0), ShellSite)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        samples: list[tuple[float, int]] = []
        wall = run_crawl([f"http://127.0.0.1:{server.server_port}/"], 0.0, str(tmp / "rendered.db"), samples)
        server.shutdown()
        rendered = ShellSite.served["col"] // 2  # each list page: once over HTTP (a shell), once by Chromium
        early = [rss for t, rss in samples if t <= wall * 0.1] or [samples[0][1]]
        late = [rss for t, rss in samples if t >= wall * 0.9] or [samples[-1][1]]
        print(f"rendered crawl: {rendered} list pages rendered in Chromium, wall {wall:.1f} s")
        print(f"peak memory, with rendered pages: {run_crawl.peak / 2**20:.0f} MiB; "  # type: ignore[attr-defined]
              f"first tenth {max(early) / 2**20:.0f} MiB → last tenth {max(late) / 2**20:.0f} MiB "
              f"({(max(late) - max(early)) / max(early) * 100:+.0f} %)")


if __name__ == "__main__":
    main()
