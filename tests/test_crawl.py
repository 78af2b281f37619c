"""Real crawls, as a user runs them (`nianbao crawl`), against the imitation web served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, diff, need, read_sqlite, run_cli

FAST = ("--delay", "0.01", "--no-progress")


def crawl(db: str, urls: list[str], *extra: str, timeout: float = 600,
          blobs: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`nianbao crawl`; `blobs` is where documents go when the database is not a file (PostgreSQL)."""
    env = {**os.environ, "NIANBAO_BLOBS": str(blobs)} if blobs else None
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--allow-private", *FAST, *extra, "--start-url", *urls],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
    )


def stored(db: str, tmp: Path) -> list[dict[str, Any]]:
    out = tmp / f"export-{time.monotonic_ns()}.jsonl"
    proc = run_cli("export", "--db", db, "--format", "jsonl", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def web(imitation_crawl):
    return imitation_crawl.web


@pytest.fixture(scope="module")
def first_crawl(imitation_crawl, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    db = imitation_crawl.copy(tmp)
    return db, imitation_crawl.proc, stored(db, tmp), tmp


def _truth(web) -> dict[tuple[str, str], Any]:
    return {(r.page_url, r.document_url): r for s in web.sites if s.status == "ok" for r in s.reports}


def test_every_report_found_and_nothing_else(web, first_crawl) -> None:
    db, proc, reports, _ = first_crawl
    want = _truth(web)
    got = {(r["provenance"]["page_url"], r["provenance"]["document_url"]): r for r in reports}
    assert sorted(set(want) - set(got)) == [], "reports missed"
    assert sorted(set(got) - set(want)) == [], "documents stored that are not reports (decoys?)"
    decoys = {t for s in web.sites for t in s.decoy_titles}
    assert not decoys & {r["title"] for r in reports}


def test_politeness_robots_and_blocked_sites(web, imitation_crawl) -> None:
    """robots.txt is obeyed, a blocked or dead site is not hammered, and every site's robots.txt comes first."""
    by_host: dict[str, list[str]] = {}
    for _, host, _, path in imitation_crawl.requests:  # what the sites received during the first crawl
        by_host.setdefault(host, []).append(path)
    for site in web.sites:
        host = site.start_url.split("/")[2]
        paths = by_host.get(host, [])
        if site.status == "robots":
            assert set(paths) == {"/robots.txt"}, paths
        if site.status in ("blocked", "dead") and paths:
            assert len(paths) <= 8, (site.name, paths)  # robots.txt and the homepage, with their retries
        if paths and site.family != "spa":
            assert paths[0] == "/robots.txt", (site.name, paths[:3])


def test_parsed_values_and_provenance(web, first_crawl) -> None:
    _, _, reports, _ = first_crawl
    want = _truth(web)
    for r in reports:
        key = (r["provenance"]["page_url"], r["provenance"]["document_url"])
        truth = want[key]
        assert diff(r, truth.report) == [], (key, diff(r, truth.report)[:5])
        prov = r["provenance"]
        assert len(prov["sha256"]) == 64 and prov["http_status"] == 200 and prov["fetched_at"].endswith("Z")
        assert prov["discovery_path"] and prov["discovery_path"][0].rstrip("/").startswith(
            next(s.start_url for s in web.sites if any(x is truth for x in s.reports)).rstrip("/")[:20]
        )


def test_each_site_ends_with_a_status_and_reason(web, first_crawl) -> None:
    _, proc, _, _ = first_crawl
    table = proc.stdout
    for site in web.sites:
        netloc = site.start_url.split("/")[2]
        line = next((ln for ln in table.splitlines() if ln.startswith(netloc)), None)
        assert line is not None, (netloc, table)
        assert f" {site.status}: " in line, (site.name, site.status, line)


def test_a_second_crawl_stores_nothing_twice(web, first_crawl) -> None:
    db, _, reports, tmp = first_crawl
    proc = crawl(db, [s.start_url for s in web.sites])
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = stored(db, tmp)
    assert len(again) == len(reports)
    assert {r["provenance"]["sha256"] for r in again} == {r["provenance"]["sha256"] for r in reports}


def test_a_killed_crawl_loses_nothing(web, tmp_path) -> None:
    """SIGKILL in the middle of a crawl (some reports stored, more to come): the next crawl stores the rest, and
    nothing twice."""
    db = str(tmp_path / "killed.db")
    sites = [s for s in web.sites if s.status == "ok"][:5]
    urls = [s.start_url for s in sites]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--allow-private", *FAST, "--start-url", *urls],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(db) < 3:
        assert proc.poll() is None and time.monotonic() < deadline, "the crawl ended before the kill"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _count(db) < sum(len(s.reports) for s in sites), "killed after the end"
    done = crawl(db, urls)
    assert done.returncode == 0, done.stderr[-2000:]
    reports = stored(db, tmp_path)
    keys = [(r["provenance"]["page_url"], r["provenance"]["document_url"]) for r in reports]
    assert len(keys) == len(set(keys)), "a report stored twice"
    assert set(keys) == {(r.page_url, r.document_url) for s in sites for r in s.reports}


def _count(db: str) -> int:
    """Reports stored so far by a running crawl (0 before its tables exist)."""
    return len(read_sqlite(db, "SELECT id FROM reports"))


def test_exports_carry_provenance(first_crawl) -> None:
    db, _, reports, tmp = first_crawl
    import csv

    import pyarrow.parquet as pq

    for fmt in ("csv", "parquet"):
        out = tmp / f"reports.{fmt}"
        proc = run_cli("export", "--db", db, "--format", fmt, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        if fmt == "csv":
            with out.open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = pq.read_table(out).to_pylist()
        assert len(rows) == len(reports)
        assert {"provenance.page_url", "provenance.sha256", "requests.new.total", "organ", "year"} <= set(rows[0])


def test_crawl_into_postgresql(web, tmp_path) -> None:
    url = _pg_url()
    ok_sites = [s for s in web.sites if s.status == "ok"][:2]
    proc = crawl(url, [s.start_url for s in ok_sites], blobs=tmp_path / "docs")
    assert proc.returncode == 0, proc.stderr[-2000:]
    reports = stored(url, tmp_path)
    want = {(r.page_url, r.document_url) for s in ok_sites for r in s.reports}
    assert {(r["provenance"]["page_url"], r["provenance"]["document_url"]) for r in reports} == want


def _pg_url() -> str:
    import uuid

    try:
        import psycopg

        name = f"nianbao_crawl_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # noqa: BLE001
        need(False, f"PostgreSQL at 127.0.0.1:5432 ({exc})")
    return f"postgresql://postgres@127.0.0.1:5432/{name}"



def test_links_to_other_private_addresses_are_refused_unless_allowed(tmp_path) -> None:
    """A start URL's own host is always allowed; a redirect to another private or loopback address only with
    --allow-private."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            hits.append(f"{self.server.server_address[0]}{self.path}")
            if self.path == "/robots.txt":
                self.send_error(404)
                return
            if self.server is outer and self.path == "/nb/":  # the column moved: a redirect to another address
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{inner.server_port}/nb/")
                self.end_headers()
                return
            body = ('<html><body><a href="/nb/">政府信息公开年报</a></body></html>'
                    if self.server is outer else "<html><body>年报</body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

    outer = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    inner = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    for server in (outer, inner):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        start = f"http://127.0.0.1:{outer.server_port}/"
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(tmp_path / "a.db"), *FAST, "--start-url", start],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )
        assert proc.returncode in (0, 1), proc.stderr
        assert not [h for h in hits if h.startswith("127.0.0.2")], hits
        assert "no_column" in proc.stdout  # the column was found, its redirect refused
        allowed = crawl(str(tmp_path / "b.db"), [start])
        assert allowed.returncode in (0, 1), allowed.stderr
        assert [h for h in hits if h.startswith("127.0.0.2/nb/")], hits
    finally:
        outer.shutdown()
        inner.shutdown()
