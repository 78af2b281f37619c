"""Faults and interruptions of a real crawl (`nianbao crawl` in its own process, as a terminal or systemd runs it):
Ctrl-C, SIGTERM and SIGKILL mid-crawl, and the store failing under it. Each asserts the exit status, the sites'
results, the recorded run, and that nothing stored was lost: a rerun stores the rest, nothing twice.

One small imitation web (two sites, 26 reports) with a little latency, so that a crawl is still going when the
signal comes; the signal goes to the crawl's whole process group, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.conftest import read_sqlite as sql
from tests.web.web import ImitationWeb, build_web

FAST = ("--allow-private", "--delay", "0.01", "--no-progress")


@pytest.fixture(scope="module")
def web() -> Iterator[ImitationWeb]:
    with build_web(0, latency=0.1, scans=False, sites=("jingchuan", "xixia")) as running:
        yield running


def web_of(interrupted: dict[str, Any]) -> ImitationWeb:
    return interrupted["web"]


def urls(web: ImitationWeb) -> list[str]:
    return [s.start_url for s in web.sites]


def truth(web: ImitationWeb) -> set[tuple[str, str]]:
    return {(r.page_url, r.document_url) for s in web.sites for r in s.reports}


def start(db: str, web: ImitationWeb, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`nianbao crawl` in a new process group (the group gets the signal, as from a terminal)."""
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "--db", db, *FAST, *extra,
                             "--start-url", *urls(web)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})})


def crawl(db: str, web: ImitationWeb, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = start(db, web, *extra)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def stored(db: str) -> list[tuple[str, str]]:
    return [(p, d) for p, d in sql(db, "SELECT page_url, document_url FROM reports")]


def wait_for(what: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "the crawl never got there"
        time.sleep(0.05)


def signal_when(proc: subprocess.Popen[str], sig: int, ready: Any) -> float:
    """Send `sig` to the crawl's process group once `ready()` holds; returns when it was sent."""
    wait_for(lambda: ready() or proc.poll() is not None)
    assert proc.poll() is None, "the crawl ended before the signal"
    os.killpg(proc.pid, sig)
    return time.monotonic()


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def runs(db: str) -> list[tuple[int, str]]:
    return sql(db, "SELECT id, status FROM crawl_runs ORDER BY id")


def site_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("127.0.0.1:")]


@pytest.fixture(scope="module")
def interrupted(web: ImitationWeb, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A first crawl stopped by Ctrl-C once it has stored a few reports, then run again to its end."""
    db = str(tmp_path_factory.mktemp("faults") / "c.db")
    proc = start(db, web)
    sent = signal_when(proc, signal.SIGINT, lambda: len(stored(db)) >= 3)
    before = set(stored(db))
    code, out, err = finish(proc)
    took = time.monotonic() - sent
    after, run = set(stored(db)), runs(db)[-1]
    return {"web": web, "db": db, "code": code, "out": out, "err": err, "took": took, "before": before, "after": after,
            "run": run, "rerun": crawl(db, web)}


def test_ctrl_c_stops_gracefully_and_a_rerun_stores_the_rest(web: ImitationWeb, interrupted: dict[str, Any]) -> None:
    i = interrupted
    assert i["code"] == 130, i["err"][-2000:]
    assert i["took"] < 15, f"took {i['took']:.1f} s to stop"
    assert "Traceback" not in i["err"] and "KeyboardInterrupt" not in i["err"], i["err"][-3000:]
    assert "interrupted (SIGINT)" in i["err"]
    rows = site_rows(i["out"])
    assert len(rows) == 2 and any(" interrupted: " in r for r in rows), i["out"]  # results printed, not `ok`
    assert i["run"][1] == "interrupted"
    assert i["before"] <= i["after"] < truth(web), "a stored report lost, or the crawl had finished"
    assert i["rerun"].returncode == 0, i["rerun"].stderr[-2000:]
    keys = stored(i["db"])
    assert len(keys) == len(set(keys)) and set(keys) == truth(web)


def health(db: str) -> list[tuple[Any, ...]]:
    return sql(db, "SELECT name, last_status, consecutive_failures, flag FROM sites ORDER BY name")


def new_run_fetched(db: str, n: int) -> Any:
    """Once a run newer than those there now has fetched `n` responses (its reactor runs)."""
    last = max((r[0] for r in runs(db)), default=0)
    return lambda: (sql(db, "SELECT count(*) FROM resources WHERE run_id > ?", last) or [(0,)])[0][0] >= n


def test_sigterm_early_in_a_recrawl_changes_no_health_and_flags_nothing(interrupted: dict[str, Any],
                                                                       tmp_path: Path) -> None:
    """Stopped before its lists were read, a recrawl found no reports: that is no news about the sites."""
    db = interrupted["db"]
    was, reports = health(db), stored(db)
    assert [h[1:] for h in was] == [("ok", 0, None)] * 2
    ready = new_run_fetched(db, 1)
    proc = start(db, web_of(interrupted))
    signal_when(proc, signal.SIGTERM, ready)
    code, out, err = finish(proc)
    assert code == 143, err[-2000:]
    assert "interrupted (SIGTERM)" in err and "Traceback" not in err, err[-3000:]
    assert runs(db)[-1][1] == "interrupted"
    assert health(db) == was, "a stopped crawl changed the sites' health"
    assert sql(db, "SELECT count(*) FROM events WHERE kind = 'removed'") == [(0,)]
    assert stored(db) == reports


def test_a_killed_crawl_is_marked_dead_by_the_next(interrupted: dict[str, Any]) -> None:
    db = interrupted["db"]
    web = web_of(interrupted)
    ready = new_run_fetched(db, 3)
    proc = start(db, web, "--full")
    signal_when(proc, signal.SIGKILL, ready)
    proc.communicate(timeout=30)
    killed = runs(db)[-1]
    assert killed[1] == "running"
    done = crawl(db, web)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"run {killed[0]} ended without finishing" in done.stderr
    assert dict(runs(db))[killed[0]] == "dead"
    assert "ended without finishing" in sql(db, "SELECT stats FROM crawl_runs WHERE id = ?", killed[0])[0][0]
    keys = stored(db)
    assert len(keys) == len(set(keys)) and set(keys) == truth(web)


def test_a_second_ctrl_c_stops_at_once(web: ImitationWeb, tmp_path: Path) -> None:
    db = str(tmp_path / "twice.db")
    proc = start(db, web)
    signal_when(proc, signal.SIGINT, lambda: len(stored(db)) >= 1)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    again = time.monotonic()
    code, out, err = finish(proc)
    assert code == 130 and time.monotonic() - again < 3, err[-2000:]
    assert "SIGINT again: stopped at once" in err and "Traceback" not in err, err[-3000:]
    assert stored(db), "what was stored before is still there"


def test_ctrl_c_while_the_crawl_sets_up(web: ImitationWeb, tmp_path: Path) -> None:
    """Ctrl-C while Scrapy loads its components (a KeyboardInterrupt there was a Twisted CRITICAL traceback)."""
    db = str(tmp_path / "early.db")
    proc = start(db, web)
    signal_when(proc, signal.SIGINT, lambda: bool(runs(db)))
    code, out, err = finish(proc)
    assert code == 130, err[-2000:]
    assert "Traceback" not in err and "CRITICAL" not in err, err[-3000:]
    assert runs(db)[-1][1] == "interrupted"
    assert [r for r in site_rows(out) if " interrupted: " in r], out


def test_a_store_that_fails_for_good_stops_the_crawl_and_says_how_many_reports_were_not_stored(
        web: ImitationWeb, tmp_path: Path) -> None:
    """The document store's directory replaced by a file mid-crawl (a disk gone bad, a careless `mv`): the crawl
    stops, exits 5, names the number of reports not stored, and no site says `ok`; once the directory is back,
    a rerun stores the rest."""
    db = str(tmp_path / "s.db")
    docs, aside = Path(db + ".docs"), tmp_path / "docs-aside"
    proc = start(db, web)
    wait_for(lambda: len(stored(db)) >= 3 or proc.poll() is not None)
    docs.rename(aside)
    docs.write_text("not a directory")
    before = set(stored(db))
    code, out, err = finish(proc)
    assert code == 5, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    line = next((ln for ln in err.splitlines() if "storing failed:" in ln), "")
    not_stored = int(line.split("storing failed: ")[1].split()[0]) if line else 0
    assert not_stored >= 1, err[-2000:]
    rows = site_rows(out)
    assert len(rows) == 2 and not [r for r in rows if " ok: " in r], out
    assert any("reports not stored" in r for r in rows), out
    assert runs(db)[-1][1] == "failed"
    assert before <= set(stored(db)), "a stored report lost"
    assert len(stored(db)) + not_stored <= len(truth(web))
    docs.unlink()
    aside.rename(docs)
    again = crawl(db, web)
    assert again.returncode == 0, again.stderr[-2000:]
    keys = stored(db)
    assert len(keys) == len(set(keys)) and set(keys) == truth(web)


def test_dropped_database_connections_are_retried_and_every_report_stored(web: ImitationWeb, tmp_path: Path) -> None:
    """PostgreSQL terminates the crawl's connections mid-crawl (a failover, an administrator), until a write was
    cut: the writes that were cut are tried again, and every report is stored once, in one crawl."""
    import threading

    import psycopg

    from tests.test_crawl import _pg_url

    url = _pg_url()
    name = url.rsplit("/", 1)[1]
    env = {"NIANBAO_BLOBS": str(tmp_path / "docs")}
    admin = "host=127.0.0.1 port=5432 dbname=test user=postgres"

    def count() -> int:
        with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres application_name=probe") as conn:
            try:
                return conn.execute("SELECT count(*) FROM reports").fetchone()[0]
            except psycopg.errors.UndefinedTable:
                return 0

    proc = start(url, web, env=env)
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    wait_for(lambda: count() >= 1 or proc.poll() is not None)
    killed = 0
    with psycopg.connect(admin, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        # until a write was cut and tried again (the crawl says so); then the crawl goes on undisturbed
        while proc.poll() is None and time.monotonic() < deadline and not any("trying again" in ln for ln in err_lines):
            killed += conn.execute("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                   " WHERE datname = %s AND application_name <> 'probe') t", (name,)).fetchone()[0]
            time.sleep(0.05)
    proc.wait(timeout=120)
    reader.join(10)
    code, out, err = proc.returncode, proc.stdout.read(), "".join(err_lines)
    assert killed > 0
    assert code == 0, err[-3000:]
    assert "Traceback" not in err and "not stored" not in err, err[-3000:]
    assert [r for r in site_rows(out) if " ok: " in r] and len(site_rows(out)) == 2, out
    with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as conn:
        keys = conn.execute("SELECT page_url, document_url FROM reports").fetchall()
        retries = conn.execute("SELECT stats->>'nianbao/store_retries' FROM crawl_runs").fetchone()[0]
    assert len(keys) == len(set(keys)) and set(keys) == truth(web)
    assert retries and int(retries) > 0, "no write was cut: the test did not test retrying"
    assert "trying again" in err
