"""An Atom feed of the events (a report new, revised or removed), in the words of crawler.outputs.texts."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator

from crawler.outputs.files import write_bytes
from crawler.outputs.texts import entry_title, event_lines

FEED_TITLE = "nianbao: annual reports on government information disclosure"
FEED_ID = "urn:nianbao:events"


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

    The file is replaced whole (crawler.outputs.files), so a reader never sees half a feed.
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
        fe.title(entry_title(event))
        fe.updated(_when(event.get("at")))
        page = (report.get("provenance") or {}).get("page_url")
        if page:
            fe.link(href=page, rel="alternate")
        fe.category(term=str(event.get("kind")))
        fe.content("\n".join(event_lines(event)), type="text")  # content, so an entry without a page URL is valid
    write_bytes(out, fg.atom_str(pretty=True))
    return len(kept)
