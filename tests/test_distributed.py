"""Distributed crawls (`nianbao crawl --redis URL --db postgresql://…`): workers share one crawl through a real
Redis and store into one real PostgreSQL. Every report is stored exactly once, also when a worker is killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, need, run_cli
from tests.web.web import build_web

PG = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.fixture(scope="module")
def web():
    # a little latency per response: the crawl lasts long enough to kill a worker in the middle of it
    with build_web(seed=0, latency=0.05, scans=False) as w:
        yield w


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """The Redis at 127.0.0.1:6379, else one started from the installed redis-server on a free port."""
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        yield url
        return
    except redis.RedisError as exc:
        reason = f"Redis at 127.0.0.1:6379 ({exc})"
    binary = shutil.which("redis-server")
    need(binary is not None, f"{reason}, and no redis-server installed to start one")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(50):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.RedisError:
                time.sleep(0.1)
        else:
            need(False, f"{reason}; redis-server on port {port} did not answer")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def job(redis_url) -> Iterator[str]:
    import redis

    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    server = redis.Redis.from_url(redis_url)
    keys = list(server.scan_iter(match=f"nianbao:{name}:*"))
    if keys:
        server.delete(*keys)


@pytest.fixture
def pg() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    try:
        import psycopg

        name = f"nianbao_dist_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # noqa: BLE001
        need(False, f"PostgreSQL at 127.0.0.1:5432 ({exc})")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Worker:
    """`nianbao crawl --redis` in its own process group (killing it kills its parse workers and browser too,
    as a machine going down would); output to files, read when it has ended."""

    def __init__(self, redis_url: str, job: str, db: str, urls: list[str], tmp: Path, delay: float = 0.05) -> None:
        self.out, self.err = (tmp / f"worker-{uuid.uuid4().hex[:6]}.{x}" for x in ("out", "err"))
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "crawl", "--redis", redis_url, "--job", job, "--db", db,
                 "--allow-private", "--delay", str(delay), "--no-progress", "--start-url", *urls],
                cwd=ROOT, env={**os.environ, "NIANBAO_BLOBS": str(tmp / "docs")}, stdout=out, stderr=err,
                start_new_session=True,
            )

    def wait(self, timeout: float = 900) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=timeout)
        return code, self.out.read_text(), self.err.read_text()

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def query(db: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(db) as conn:
        return conn.execute(sql).fetchall()


def stored_reports(db: str) -> list[tuple[str, str]]:
    return query(db, "SELECT page_url, document_url FROM reports")


def reports_so_far(db: str) -> int:
    """While a crawl runs: 0 until a worker has created the tables."""
    import psycopg

    try:
        return len(stored_reports(db))
    except psycopg.errors.UndefinedTable:
        return 0


def truth(web, sites: list[Any] | None = None) -> set[tuple[str, str]]:
    return {(r.page_url, r.document_url) for s in sites or web.sites if s.status == "ok" for r in s.reports}


def assert_site_table(web, stdouts: list[str]) -> None:
    """The job's last worker prints every site's status; the others print none."""
    tables = [out for out in stdouts if " ok: " in out]
    assert len(tables) == 1, stdouts
    for site in web.sites:
        netloc = site.start_url.split("/")[2]
        line = next((ln for ln in tables[0].splitlines() if ln.startswith(netloc)), None)
        assert line is not None and f" {site.status}: " in line, (site.name, site.status, line)


def job_keys(redis_url: str, job: str) -> list[bytes]:
    import redis

    return list(redis.Redis.from_url(redis_url).scan_iter(match=f"nianbao:{job}:*"))


def test_workers_share_the_crawl_and_a_killed_one_loses_nothing(web, redis_url, job, pg, tmp_path) -> None:
    """Three workers on one job; one is killed in the middle of the crawl, holding requests: the two others take
    its requests over, share the rest, and store every report once."""
    import redis

    server = redis.Redis.from_url(redis_url)
    urls = [s.start_url for s in web.sites]
    victim, *survivors = (Worker(redis_url, job, pg, urls, tmp_path) for _ in range(3))
    deadline = time.monotonic() + 300
    while True:  # in the middle of the crawl: reports stored and requests in the victim's hands
        assert time.monotonic() < deadline and victim.proc.poll() is None, "the crawl ended before the kill"
        leases = list(server.scan_iter(match=f"nianbao:{job}:inflight:*:{victim.proc.pid}:*"))
        if leases and server.hlen(leases[0]) and reports_so_far(pg) >= 10:
            break
        time.sleep(0.2)
    victim.kill()
    outs = [w.wait() for w in survivors]
    for code, _, err in outs:
        assert code == 0, err[-3000:]
    assert any("recovered" in err for _, _, err in outs), [err[-3000:] for _, _, err in outs]  # taken over, not lost
    reports = stored_reports(pg)
    assert len(reports) == len(set(reports)), "a report stored twice"
    assert set(reports) == truth(web)
    fetched = dict(query(pg, "SELECT run_id, count(*) FROM resources GROUP BY run_id"))
    pids = {run: (args if isinstance(args, dict) else json.loads(args))["owner"]["pid"]
            for run, args in query(pg, "SELECT id, args FROM crawl_runs")}
    by_pid = {pids[run]: n for run, n in fetched.items()}
    assert all(by_pid.get(w.proc.pid, 0) >= 20 for w in survivors), by_pid  # both survivors really crawled
    assert_site_table(web, [out for _, out, _ in outs])
    assert job_keys(redis_url, job) == []  # the last worker cleaned up after the job


def test_a_job_whose_workers_all_died_is_resumed(web, redis_url, job, pg, tmp_path) -> None:
    """Every worker killed: the next worker of the job picks up what was queued and leased, with the dupefilter."""
    sites = [s for s in web.sites if s.status == "ok"][:4]
    urls = [s.start_url for s in sites]
    first = Worker(redis_url, job, pg, urls, tmp_path)
    deadline = time.monotonic() + 300
    while reports_so_far(pg) < 5:
        assert time.monotonic() < deadline and first.proc.poll() is None, "the crawl ended before the kill"
        time.sleep(0.2)
    first.kill()
    assert job_keys(redis_url, job), "nothing left of the job to resume"
    code, _, err = Worker(redis_url, job, pg, urls, tmp_path).wait()
    assert code == 0, err[-3000:]
    reports = stored_reports(pg)
    assert len(reports) == len(set(reports))
    assert set(reports) == truth(web, sites)
    assert job_keys(redis_url, job) == []


def test_requests_survive_the_shared_queue() -> None:
    """Every request the spider makes goes through Redis: callbacks by name, browser meta (PageMethod) pickled."""
    from scrapy.http import FormRequest
    from scrapy_redis.queue import PriorityQueue

    from crawler.spiders.discover import DiscoverSpider

    spider = DiscoverSpider(sites=[("a", "http://127.0.0.1:9/")])
    site = spider.sites["a"]
    queue = PriorityQueue(server=None, spider=spider, key="k")
    rendered = spider._req("http://127.0.0.1:9/#/list", spider.parse_page, site, ["http://127.0.0.1:9/"],
                           playwright=True, nav_depth=1)
    form = FormRequest("http://127.0.0.1:9/list.jsp", formdata={"page": "2"}, callback=spider.parse_page,
                       errback=spider.failed, meta={"site": "a", "path": []})
    for request in (rendered, form):
        back = queue._decode_request(queue._encode_request(request))
        assert (back.url, back.method, back.body, back.callback, back.errback, back.dont_filter) == (
            request.url, request.method, request.body, request.callback, request.errback, request.dont_filter)
        assert [repr(m) for m in back.meta.get("playwright_page_methods", [])] == [
            repr(m) for m in request.meta.get("playwright_page_methods", [])]
        assert {k: v for k, v in back.meta.items() if k != "playwright_page_methods"} == {
            k: v for k, v in request.meta.items() if k != "playwright_page_methods"}


def test_an_unreachable_redis_is_one_line() -> None:
    proc = run_cli("crawl", "--redis", "redis://127.0.0.1:1/0", "--start-url", "http://127.0.0.1:9/", timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("nianbao: Redis at redis://127.0.0.1:1/0 is not reachable") and proc.stderr.count(
        "\n") == 1, proc.stderr


def test_workers_keep_one_pace_per_host(web, redis_url, job, pg, tmp_path) -> None:
    """Two workers ask a host no more often than one would: the sites' own log of when each request came."""
    sites = [s for s in web.sites if s.status == "ok" and s.family != "spa"][:3]
    delay = 0.4
    start = len(web.requests)
    workers = [Worker(redis_url, job, pg, [s.start_url for s in sites], tmp_path, delay=delay) for _ in range(2)]
    for code, _, err in [w.wait() for w in workers]:
        assert code == 0, err[-3000:]
    arrivals: dict[str, list[float]] = {}
    for at, host, _, _ in web.requests[start:]:
        arrivals.setdefault(host, []).append(at)
    per_host = [[b - a for a, b in zip(sorted(t), sorted(t)[1:], strict=False)] for t in arrivals.values()]
    gaps = [g for host in per_host for g in host]
    assert len(gaps) > 30
    # the sites log a request when their thread gets to it: on a loaded machine one arrives late, making one gap
    # longer and its neighbour shorter. Two workers each keeping only its own pace would send some requests
    # together; a run of requests together can be no faster than the pace, give or take that lateness.
    # one request late by a whole delay (a loaded machine: the turn is taken, the connection made later) meets the
    # next one at the door; two workers each keeping only its own pace would meet at every other request
    short = [g for g in gaps if g < 0.4 * delay]
    assert len(short) <= max(1, len(gaps) // 20), sorted(gaps)[:8]
    runs = [sum(host[i:i + 8]) for host in per_host for i in range(len(host) - 7)]
    assert runs and min(runs) >= 8 * delay - 0.6, sorted(runs)[:5]
    assert set(stored_reports(pg)) == truth(web, sites)
    fetched = dict(query(pg, "SELECT run_id, count(*) FROM resources GROUP BY run_id"))
    assert len(fetched) == 2 and min(fetched.values()) > 0, fetched  # both took part


def test_two_workers_tell_a_removed_report(redis_url, pg, tmp_path) -> None:
    """A recrawl by two workers finds a deleted report (its page now 404, and on a site that answers unknown
    pages with its homepage) exactly as one crawl would: one `removed` event each, nothing else."""
    import uuid as _uuid

    with build_web(seed=0, latency=0.02, scans=False) as web2:
        sites = [web2.site("xixia"), web2.site("jingchuan")]
        urls = [s.start_url for s in sites]
        for round_ in range(2):
            job = f"test-{_uuid.uuid4().hex[:8]}"
            workers = [Worker(redis_url, job, pg, urls, tmp_path) for _ in range(2)]
            for code, _, err in [w.wait() for w in workers]:
                assert code == 0, err[-3000:]
            if round_ == 0:
                assert len(stored_reports(pg)) == sum(len(s.reports) for s in sites)
                gone = [web2.withdraw(s.slug, next(r for r in s.reports if r.form == "html").title) for s in sites]
    events = query(pg, "SELECT e.kind, r.page_url FROM events e JOIN reports r ON r.id = e.report_id "
                       "WHERE e.run_id > 2 ORDER BY e.id")
    assert sorted(events) == sorted(("removed", g.page_url) for g in gone)
    assert {u for (u,) in query(pg, "SELECT page_url FROM reports WHERE removed_at IS NOT NULL")} == \
        {g.page_url for g in gone}
