"""`nianbao watch`: crawls on a schedule and survives a failing run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from crawler.watch import parse_every
from tests.conftest import ROOT, run_cli
from tests.web.web import build_web


def test_durations() -> None:
    assert parse_every("6h").total_seconds() == 6 * 3600
    assert parse_every("1h30m").total_seconds() == 5400
    assert parse_every("1d").total_seconds() == 86400
    for bad in ("", "6", "6x", "h", "0s", "6h abc"):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_bad_every_is_one_line() -> None:
    proc = run_cli("watch", "--every", "soon", "--site", "宁县")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--every" in proc.stderr


def test_watch_survives_a_failing_run(tmp_path) -> None:
    """Run 1 fails (its database directory does not exist yet); the next runs, on schedule, crawl the site."""
    folder = tmp_path / "later"
    db = folder / "nianbao.db"
    with build_web(seed=0, scans=False) as web:
        site = web.site("jingchuan")
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "watch", "--every", "3s", "--runs", "3", "--db", str(db),
             "--allow-private", "--delay", "0.01", "--no-progress", "--start-url", site.start_url],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        lines = []
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "run 1 FAILED" in line:
                folder.mkdir()
                break
        else:
            pytest.fail("watch ended before its first run failed: " + "".join(lines)[-2000:])
        out, err = proc.communicate(timeout=300)
    log = "".join(lines) + err
    assert proc.returncode == 0, log[-3000:]
    assert "run 3 done" in log and "3 run(s)" in log  # the watch went on after the failure, and crawled
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == len(site.reports)
    con.close()


def test_sigterm_stops_the_running_crawl_and_the_watch(tmp_path) -> None:
    """systemd's stop (SIGTERM): the crawl in progress is interrupted as by Ctrl-C (its run recorded as such),
    no crawl is left running, and watch ends cleanly."""
    import signal
    import time

    db = tmp_path / "nianbao.db"
    with build_web(seed=0, latency=0.2, scans=False) as web:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "watch", "--every", "1h", "--db", str(db), "--allow-private",
             "--delay", "0.2", "--no-progress", "--start-url", *[s.start_url for s in web.sites]],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 120
        while not (db.exists() and sqlite3.connect(db).execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'reports'").fetchone()[0]):
            assert time.monotonic() < deadline and proc.poll() is None, "the first crawl did not start"
            time.sleep(0.5)
        time.sleep(3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert "1 run(s)" in err
    orphans = subprocess.run(["pgrep", "-f", str(db)], capture_output=True, text=True).stdout.split()
    assert orphans == [], "a crawl was left running"
    con = sqlite3.connect(db)
    assert con.execute("SELECT status FROM crawl_runs").fetchall() == [("interrupted",)]
    con.close()
