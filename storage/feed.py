"""Events (a report new, revised or removed) as readable text and as an Atom feed.

An event is the dict `Store.iter_events()` yields: `id`, `kind`, `at` (ISO 8601), `site`, `detail`, `report` (the
nianbao.report/1 object with `provenance`, `id`, `status`) and `previous` (the older version of a revised report).
The text here is shared by the feed and by the notifications (crawler/notify.py).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator

KIND_WORDS = {"new": "new report", "revised": "revised report", "removed": "report removed"}
FEED_TITLE = "nianbao: annual reports on government information disclosure"
FEED_ID = "urn:nianbao:events"


def _total(report: dict[str, Any], row: str) -> Any:
    return ((report.get("requests") or {}).get(row) or {}).get("total")


def key_numbers(report: dict[str, Any]) -> dict[str, Any]:
    """The numbers a reader looks at first: requests received, handled, carried forward (None when absent)."""
    return {"new": _total(report, "new"), "handled": _total(report, "handled_total"),
            "carried_forward": _total(report, "carried_forward")}


def report_title(event: dict[str, Any]) -> str:
    report = event.get("report") or {}
    return report.get("title") or f"{event.get('site') or '?'} {report.get('year') or ''}".strip()


def event_title(event: dict[str, Any]) -> str:
    """`nianbao: new report — 宁县2023年政府信息公开工作年度报告`."""
    kind = event.get("kind")
    return f"nianbao: {KIND_WORDS.get(kind, kind)} — {report_title(event)}"


def event_lines(event: dict[str, Any]) -> list[str]:
    """A few readable lines: what happened, organ and year, key numbers, checks, where it is."""
    report = event.get("report") or {}
    prov = report.get("provenance") or {}
    nums = key_numbers(report)
    checks = report.get("checks") or []
    failed = [c.get("rule") for c in checks if not c.get("ok")]
    lines = [
        f"{KIND_WORDS.get(event.get('kind'), event.get('kind'))} on {event.get('site') or '?'} at {event.get('at')}",
        f"organ: {report.get('organ') or '?'}; year: {report.get('year') or '?'}; template: {report.get('template') or '?'}",
        f"requests: new {nums['new']}, handled {nums['handled']}, carried forward {nums['carried_forward']}",
    ]
    if checks:
        lines.append(f"checks: {len(checks) - len(failed)}/{len(checks)} ok"
                     + (f" (failed: {', '.join(map(str, failed))})" if failed else ""))
    lines.append(f"page: {prov.get('page_url') or '?'}")
    lines.append(f"document: {prov.get('document_url') or '?'} (sha256 {prov.get('sha256') or '?'})")
    previous = event.get("previous")
    if previous:
        lines.append(f"previous version: {previous.get('document_url') or '?'} (sha256 {previous.get('sha256') or '?'})")
    if event.get("detail"):
        lines.append(f"detail: {event['detail']}")
    return lines


def entry_id(event: dict[str, Any]) -> str:
    """Stable across feed rewrites: the event's id and the report's sha256."""
    sha = ((event.get("report") or {}).get("provenance") or {}).get("sha256") or "-"
    return f"urn:nianbao:event:{event['id']}:{sha}"


def _when(value: str | datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def write_feed(events: Iterable[dict[str, Any]], out: Path, *, title: str = FEED_TITLE, feed_id: str = FEED_ID,
               link: str | None = None, limit: int | None = None) -> int:
    """Write an Atom feed of the events (the last `limit` of them), newest first; return the entry count.

    The file is replaced whole, so a reader never sees half a feed.
    """
    kept = list(deque(events, maxlen=limit) if limit else events)
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "nianbao"})
    fg.generator("nianbao")
    if link:
        fg.link(href=link, rel="alternate")
    fg.updated(max((_when(e.get("at")) for e in kept), default=datetime.now(UTC)))
    for event in kept:  # feedgen prepends: the newest event ends up first
        report = event.get("report") or {}
        fe = fg.add_entry()
        fe.id(entry_id(event))
        fe.title(f"[{event.get('kind')}] {report_title(event)}")
        fe.updated(_when(event.get("at")))
        page = (report.get("provenance") or {}).get("page_url")
        if page:
            fe.link(href=page, rel="alternate")
        fe.category(term=str(event.get("kind")))
        fe.content("\n".join(event_lines(event)), type="text")  # content, so an entry without a page URL is valid
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(fg.atom_str(pretty=True))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(kept)
