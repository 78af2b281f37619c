"""The Atom feed of events: from fabricated events, and from a real Store through `nianbao feed`."""

from __future__ import annotations

import copy
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from crawler.outputs.feed import write_feed
from crawler.outputs.notify import Notifier
from storage.db import Store
from tests.conftest import run_cli
from tests.test_notify import REPORT, Receiver, make_event

A = "{http://www.w3.org/2005/Atom}"


def read_feed(path: Path) -> ET.Element:
    """The parsed feed, after checking the elements RFC 4287 requires of a feed and of each entry."""
    feed = ET.parse(path).getroot()
    assert feed.tag == f"{A}feed"
    for child in ("id", "title", "updated"):
        assert (feed.findtext(f"{A}{child}") or "").strip(), child
    assert feed.find(f"{A}author/{A}name") is not None  # a feed-level author spares every entry one
    for entry in feed.findall(f"{A}entry"):
        for child in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{child}") or "").strip(), child
    return feed


def test_one_entry_per_event_newest_first(tmp_path: Path) -> None:
    events = [make_event(1), make_event(2, "revised"), make_event(3, "removed")]
    out = tmp_path / "events.atom"
    assert write_feed(events, out, link="https://example.org/nianbao") == 3
    feed = read_feed(out)
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == [
        f"[{k}] 宁县2021年政府信息公开工作年度报告" for k in ("removed", "revised", "new")]
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == 3 and ids[0] == f"urn:nianbao:event:3:{3:064x}"
    assert [e.find(f"{A}link").get("href") for e in entries] == [
        ev["report"]["provenance"]["page_url"] for ev in reversed(events)]
    assert [e.findtext(f"{A}updated") for e in entries] == [
        ev["at"].replace("Z", "+00:00") for ev in reversed(events)]
    assert feed.findtext(f"{A}updated") == "2026-11-21T08:03:00+00:00"
    content = entries[1].findtext(f"{A}content")
    req = REPORT["requests"]
    for text in (REPORT["organ"], "2021", "revised", f"new {req['new']['total']}",
                 f"handled {req['handled_total']['total']}", f"carried forward {req['carried_forward']['total']}",
                 events[1]["report"]["provenance"]["document_url"], events[1]["report"]["provenance"]["sha256"]):
        assert str(text) in content, (text, content)


def test_ids_are_stable_and_limit_keeps_the_latest(tmp_path: Path) -> None:
    events = [make_event(i) for i in range(1, 11)]
    write_feed(events, tmp_path / "a.atom")
    assert write_feed(events, tmp_path / "b.atom", limit=4) == 4
    ids_a = [e.findtext(f"{A}id") for e in read_feed(tmp_path / "a.atom").findall(f"{A}entry")]
    ids_b = [e.findtext(f"{A}id") for e in read_feed(tmp_path / "b.atom").findall(f"{A}entry")]
    assert ids_b == ids_a[:4] and ids_b[0].startswith("urn:nianbao:event:10:")


def test_empty_feed_is_still_valid(tmp_path: Path) -> None:
    assert write_feed([], tmp_path / "e.atom") == 0
    assert read_feed(tmp_path / "e.atom").findall(f"{A}entry") == []


def _store_with_events(db: Path) -> Store:
    """A real database with a new report, its revision, and a removal."""
    store = Store(str(db))
    first = REPORT
    second = copy.deepcopy(REPORT)
    second["requests"]["new"]["natural_person"] += 1  # a revised document: other bytes, other numbers
    for i, report in enumerate((first, second)):
        sha = store.documents.put(f"document version {i}".encode(), "application/pdf")
        store.reports.store("宁县", report, {
            "page_url": f"http://127.0.0.1/ningxian/v{i}.html", "document_url": f"http://127.0.0.1/ningxian/v{i}.pdf",
            "fetched_at": f"2026-11-2{i}T08:00:00Z", "sha256": sha, "content_type": "application/pdf",
            "http_status": 200, "discovery_path": ["http://127.0.0.1/"]})
    current = store.reports.known("宁县")
    assert len(current) == 1
    store.reports.mark_removed(current[0]["id"], "404 Not Found")
    return store


def test_feed_command_from_a_real_store(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    with _store_with_events(db) as store:
        events = list(store.events.iter())
    assert [e["kind"] for e in events] == ["new", "revised", "removed"]
    out = tmp_path / "events.atom"
    result = run_cli("feed", "--out", str(out), "--db", str(db), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote 3 events" in result.stderr
    entries = read_feed(out).findall(f"{A}entry")
    assert [e.findtext(f"{A}title").split("]")[0] for e in entries] == ["[removed", "[revised", "[new"]
    assert [e.find(f"{A}link").get("href") for e in entries] == [
        ev["report"]["provenance"]["page_url"] for ev in reversed(events)]
    assert f"sha256 {events[0]['report']['provenance']['sha256']}" in entries[1].findtext(f"{A}content")  # previous

    result = run_cli("feed", "--out", str(out), "--db", str(db), "--limit", "1", timeout=120)
    assert result.returncode == 0 and len(read_feed(out).findall(f"{A}entry")) == 1
    result = run_cli("feed", "--out", str(out), "--db", str(db), "--since", "2999-01-01", timeout=120)
    assert result.returncode == 0 and read_feed(out).findall(f"{A}entry") == []
    result = run_cli("feed", "--out", str(out), "--db", str(db), "--since", "last tuesday", timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--since" in result.stderr


def test_real_store_events_reach_a_webhook_unchanged(tmp_path: Path) -> None:
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with _store_with_events(tmp_path / "n.db") as store:
            events: list[dict[str, Any]] = list(store.events.iter())
        notifier = Notifier([receiver.url("/hook")])
        for event in events:
            notifier.send(event)
        assert notifier.close(wait=10) == {"delivered": 3, "failed": 0, "abandoned": 0}
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert receiver.bodies("/hook") == events
    assert events[1]["previous"]["sha256"] == events[0]["report"]["provenance"]["sha256"]


@pytest.mark.parametrize("kind", ["new", "revised", "removed"])
def test_event_without_numbers_still_makes_an_entry(tmp_path: Path, kind: str) -> None:
    """A free-form report (template none) has no request table: the entry says so instead of failing."""
    event = make_event(1, kind)
    event["report"] = {"title": None, "year": 2008, "organ": "宁县", "template": "none", "requests": None,
                       "provenance": {"page_url": None, "sha256": None}}
    assert write_feed([event], tmp_path / "f.atom") == 1
    [entry] = read_feed(tmp_path / "f.atom").findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == f"[{kind}] 宁县 2008"
    assert "new None" in entry.findtext(f"{A}content")
