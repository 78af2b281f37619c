"""Periodic crawls as a user runs them: a recrawl asks only for what changed, and records each new, revised
and removed report as an event, sent to a webhook, listed by `nianbao events`, and in the Atom feed.

The imitation web changes between crawls the way counties change their sites: one publishes a report, one
quietly corrects one, one deletes one (on a site that answers unknown pages with its homepage), and one
redesigns its site so that its 年报 column is gone.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import diff, run_cli
from tests.test_crawl import crawl
from tests.web.web import build_web

ATOM = "{http://www.w3.org/2005/Atom}"


class Hook(ThreadingHTTPServer):
    """A webhook endpoint on loopback that keeps what it is sent."""

    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.down = False  # answer 503 to everything, as a webhook that is down

        class Handler(BaseHTTPRequestHandler):
            def do_POST(inner) -> None:  # noqa: N805
                body = inner.rfile.read(int(inner.headers["Content-Length"]))
                if self.down:
                    inner.send_response(503)
                    inner.end_headers()
                    return
                self.received.append(json.loads(body))
                inner.send_response(204)
                inner.end_headers()

            def log_message(inner, *args: Any) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/nianbao"


def run_stats(db: str) -> dict[str, Any]:
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    con.close()
    return stats


def rows(db: str, sql: str, *params: Any) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict[str, Any]:
    """Crawl, change the web, crawl again (with a webhook), then crawl once more after a redesign."""
    tmp = tmp_path_factory.mktemp("recrawl")
    db = str(tmp / "nianbao.db")
    hook = Hook()
    with build_web(seed=0, scans=False) as web:
        urls = [s.start_url for s in web.sites]
        first = crawl(db, urls)
        assert first.returncode == 0, first.stderr[-3000:]
        first_stats = run_stats(db)
        between = datetime.now(UTC).isoformat()
        time.sleep(1.1)  # Last-Modified has one-second resolution

        published = web.publish("huangchuan")
        xixia = web.site("xixia")
        revised = web.revise("xixia", next(r for r in xixia.reports if r.form == "html").title)
        jingchuan = web.site("jingchuan")
        withdrawn = web.withdraw("jingchuan", next(r for r in jingchuan.reports if r.form == "html").title)
        sent_before = web.bytes_sent
        second = crawl(db, urls, "--notify", hook.url)
        assert second.returncode == 0, second.stderr[-3000:]
        second_stats = run_stats(db)
        second_bytes = web.bytes_sent - sent_before
        after_second = datetime.now(UTC).isoformat()

        redesigned = web.rebuild("xixia", column=False)
        third = crawl(db, urls)
    hook.shutdown()
    return {"db": db, "tmp": tmp, "first": first_stats, "second": second_stats, "second_bytes": second_bytes,
            "between": between, "after_second": after_second, "published": published, "revised": revised,
            "withdrawn": withdrawn, "hook": hook.received, "third": third, "redesigned": redesigned}


def test_recrawl_asks_only_for_what_changed(story) -> None:
    first, second = story["first"], story["second"]
    assert second.get("downloader/response_status_count/304", 0) >= 90, "report pages and documents asked conditionally"
    assert second["downloader/response_bytes"] < 0.1 * first["downloader/response_bytes"]
    # parsed again: only the published and the revised report (and nothing unchanged)
    assert second.get("nianbao/reports_parsed", 0) == 2


def test_events_new_revised_removed(story) -> None:
    db = story["db"]
    events = rows(db, "SELECT kind, run_id FROM events ORDER BY id")
    assert [k for k, run in events if run == 1] == ["new"] * 110
    later = sorted(k for k, run in events if run == 2)
    assert later == ["new", "removed", "revised"]


def test_revised_report_keeps_the_old_version(story) -> None:
    db, revised = story["db"], story["revised"]
    versions = rows(db, "SELECT id, superseded_by, data FROM reports WHERE page_url = ? ORDER BY id", revised.page_url)
    assert len(versions) == 2
    (old_id, old_next, old_data), (new_id, new_next, new_data) = versions
    assert old_next == new_id and new_next is None
    new = json.loads(new_data)
    assert diff(new, revised.report) == []
    assert json.loads(old_data)["requests"]["new"]["total"] == new["requests"]["new"]["total"] - 1


def test_removed_report_is_kept_and_marked(story) -> None:
    db, gone = story["db"], story["withdrawn"]
    (removed_at, data), = rows(db, "SELECT removed_at, data FROM reports WHERE page_url = ?", gone.page_url)
    assert removed_at is not None
    assert diff(json.loads(data), gone.report) == []
    (detail,), = rows(db, "SELECT detail FROM events WHERE kind = 'removed'")
    assert gone.page_url in detail


def test_webhook_got_each_event_with_its_report(story) -> None:
    got = {e["kind"]: e for e in story["hook"]}
    assert sorted(e["kind"] for e in story["hook"]) == ["new", "removed", "revised"]
    assert got["new"]["report"]["title"] == story["published"].title
    assert got["new"]["report"]["provenance"]["page_url"] == story["published"].page_url
    assert got["revised"]["previous"]["page_url"] == story["revised"].page_url
    assert got["revised"]["report"]["provenance"]["sha256"] != got["revised"]["previous"]["sha256"]
    assert got["removed"]["report"]["status"] == "removed"
    for event in story["hook"]:
        assert event["at"] and event["report"]["provenance"]["fetched_at"]


def test_events_command(story) -> None:
    proc = run_cli("events", "--db", story["db"], "--since", story["between"], "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert sorted(e["kind"] for e in lines) == ["new", "removed", "revised"]
    for e in lines:
        assert {"kind", "at", "report"} <= set(e) and e["report"]["provenance"]["page_url"]
    table = run_cli("events", "--db", story["db"], "--kind", "revised")
    assert table.returncode == 0 and story["revised"].page_url in table.stdout
    bad = run_cli("events", "--db", story["db"], "--since", "yesterday")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    typo = story["tmp"] / "nianboa.db"  # reading commands do not create an empty database for a mistyped path
    for command in ("events", "health", "coverage", "feed --out x.atom", "export --format csv --out x.csv"):
        proc = run_cli(*command.split(), "--db", str(typo))
        assert proc.returncode == 2 and "no database at" in proc.stderr and len(proc.stderr.splitlines()) == 1, command
    assert not typo.exists()


def test_feed_lists_the_events(story) -> None:
    out = story["tmp"] / "events.atom"
    proc = run_cli("feed", "--db", story["db"], "--out", str(out), "--since", story["between"])
    assert proc.returncode == 0, proc.stderr
    entries = ET.parse(out).getroot().findall(f"{ATOM}entry")
    assert len(entries) == 3
    links = {e.find(f"{ATOM}link").get("href") for e in entries}
    assert story["published"].page_url in links and story["revised"].page_url in links


def test_a_site_that_suddenly_has_no_reports_is_flagged_not_emptied(story) -> None:
    db = story["db"]
    assert story["third"].returncode == 0, story["third"].stderr[-2000:]
    redesigned = story["redesigned"].start_url.rstrip("/").split("//")[1]
    (flag, reason, failures), = rows(db, "SELECT flag, flag_reason, consecutive_failures FROM sites WHERE name = ?",
                                     redesigned)
    assert flag == "no_reports" and "found none" in reason and failures == 1
    # its reports stay current: a redesign is not a deletion
    assert rows(db, "SELECT count(*) FROM events WHERE kind = 'removed' AND run_id = 3") == [(0,)]
    assert rows(db, "SELECT count(*) FROM reports r JOIN sites s ON s.id = r.site_id "
                    "WHERE s.name = ? AND r.removed_at IS NULL", redesigned)[0][0] > 0
    health = run_cli("health", "--db", db)
    assert health.returncode == 0 and "no_reports" in health.stdout
    # nothing else happened in the third crawl
    assert rows(db, "SELECT count(*) FROM events WHERE run_id = 3") == [(0,)]


def test_datasette_shows_one_row_per_report_with_key_numbers(story) -> None:
    """`datasette nianbao.db` (README): the report_summary and event_log views, read through Datasette itself."""
    import asyncio
    from pathlib import Path

    from datasette.app import Datasette

    db = story["db"]

    async def get(path: str) -> list[dict[str, Any]]:
        response = await Datasette([db]).client.get(f"/{Path(db).stem}/{path}")
        assert response.status_code == 200, response.text[:500]
        return response.json()

    summary = asyncio.run(get("report_summary.json?_shape=array&_size=max"))
    assert len(summary) == len(rows(db, "SELECT id FROM reports"))
    by_page = {}
    for row in summary:
        by_page.setdefault(row["page_url"], []).append(row)
    revised = sorted(by_page[story["revised"].page_url], key=lambda r: r["id"])
    assert [r["status"] for r in revised] == ["superseded", "current"]
    assert revised[1]["new_requests"] == story["revised"].report["requests"]["new"]["total"]
    assert revised[1]["carried_forward"] == story["revised"].report["requests"]["carried_forward"]["total"]
    assert [r["status"] for r in by_page[story["withdrawn"].page_url]] == ["removed"]
    log = asyncio.run(get("event_log.json?_shape=array&kind=revised"))
    assert len(log) == 1 and log[0]["page_url"] == story["revised"].page_url


def test_health_counts_failures_in_a_row_and_says_blocked(story) -> None:
    db = story["db"]
    proc = run_cli("health", "--db", db)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()[1:]}
    health = {name: (status, failures, success) for name, status, failures, success in
              rows(db, "SELECT name, last_status, consecutive_failures, last_success_at FROM sites")}
    blocked = [n for n, (status, _, _) in health.items() if status == "blocked"]
    assert len(blocked) == 1 and health[blocked[0]][1] == 3 and health[blocked[0]][2] is None  # three crawls, none ok
    assert " yes " in lines[blocked[0]]
    dead = [n for n, (status, _, _) in health.items() if status == "dead"]
    assert len(dead) == 2 and all(health[n][1] == 3 and "never" in lines[n] for n in dead)
    ok = [n for n, (status, failures, success) in health.items() if status == "ok"]
    assert ok and all(health[n][1] == 0 and health[n][2] is not None for n in ok)


def test_events_a_webhook_missed_are_sent_by_the_next_crawl(tmp_path) -> None:
    """The endpoint is down during a crawl: the crawl ends anyway; the next crawl delivers what it missed, once."""
    db = str(tmp_path / "nianbao.db")
    hook = Hook()
    hook.down = True
    with build_web(seed=0, scans=False) as web:
        sites = [web.site("xixia"), web.site("lingtai")]
        urls = [s.start_url for s in sites]
        first = crawl(db, urls, "--notify", hook.url, "--set", "NIANBAO_NOTIFY_WAIT=1")  # gives up on it soon
        assert first.returncode == 0, first.stderr[-2000:]
        assert "not delivered" in first.stderr  # one line for the endpoint, not one per event
        hook.down = False
        second = crawl(db, urls, "--notify", hook.url)
        assert second.returncode == 0, second.stderr[-2000:]
        after_second = list(hook.received)
        third = crawl(db, urls, "--notify", hook.url)
        assert third.returncode == 0, third.stderr[-2000:]
    hook.shutdown()
    titles = sorted(e["report"]["title"] for e in after_second)
    assert titles == sorted(r.report["title"] for s in sites for r in s.reports)  # every event of crawl 1, once
    assert {e["kind"] for e in after_second} == {"new"}
    assert hook.received == after_second  # nothing sent twice
    assert rows(db, "SELECT count(*) FROM deliveries WHERE delivered_at IS NULL") == [(0,)]
