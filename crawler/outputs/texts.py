"""Every text said about an event (a report new, revised or removed), in one place: the notification's title
and lines (crawler.outputs.notify), the feed entry's title and content (crawler.outputs.feed) and the row of
`nianbao events`.

An event is the dict `store.events.iter()` yields: `id`, `kind`, `at` (ISO 8601), `site`, `detail`, `report`
(the nianbao.report/1 object with `provenance`, `id`, `status`) and `previous` (the older version of a revised
report).
"""

from __future__ import annotations

from typing import Any

from parsers.text import pad
from storage.kinds import EventKind

KIND_WORDS = {EventKind.NEW: "new report", EventKind.REVISED: "revised report", EventKind.REMOVED: "report removed"}


def _kind_words(kind: Any) -> Any:
    return KIND_WORDS.get(kind, kind)


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
    return f"nianbao: {_kind_words(event.get('kind'))} — {report_title(event)}"


def entry_title(event: dict[str, Any]) -> str:
    """A feed entry's title: `[new] 宁县2023年政府信息公开工作年度报告`."""
    return f"[{event.get('kind')}] {report_title(event)}"


def event_lines(event: dict[str, Any]) -> list[str]:
    """A few readable lines: what happened, organ and year, key numbers, checks, where it is."""
    report = event.get("report") or {}
    prov = report.get("provenance") or {}
    nums = key_numbers(report)
    checks = report.get("checks") or []
    failed = [c.get("rule") for c in checks if not c.get("ok")]
    lines = [
        f"{_kind_words(event.get('kind'))} on {event.get('site') or '?'} at {event.get('at')}",
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


TABLE_HEADER = f"{'at':<21}{'kind':<9}{pad('site', 12)}{pad('organ', 28)}{'year':<6}page"


def table_row(event: dict[str, Any]) -> str:
    """One line of `nianbao events` (under TABLE_HEADER)."""
    r = event["report"]
    return (f"{event['at'][:19] + 'Z':<21}{event['kind']:<9}{pad(event['site'] or '?', 12)}"
            f"{pad(r.get('organ') or '?', 28)}{r.get('year')!s:<6}{r['provenance']['page_url']}")
