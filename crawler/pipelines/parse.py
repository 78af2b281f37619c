"""Parse each fetched document into the report; unreadable or non-report documents are counted, not stored."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy.exceptions import DropItem

from crawler import classify
from parsers import NotAReport, Unreadable, parse_bytes

log = logging.getLogger(__name__)


class ParsePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    def close_spider(self) -> None:
        global _POOL
        if _POOL is not None:
            _POOL.shutdown(wait=True, cancel_futures=True)
            _POOL = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ParsePipeline:
        return cls(crawler)

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if item.get("kind") in ("seen", "removed"):
            return item  # what a recrawl learned about stored reports: nothing to parse
        stats = self.crawler.stats
        report = item.get("report")
        if report is None:
            report = await parse_elsewhere(item["body"], item.get("filename") or item["document_url"])
        if isinstance(report, Unreadable | NotAReport) or isinstance(report, Exception):
            kind = "unreadable" if isinstance(report, Unreadable) else "not_a_report" if isinstance(report, NotAReport) else "parse_error"
            stats.inc_value(f"nianbao/documents_{kind}")
            stats.inc_value(f"nianbao/site/{item['site']}/skipped")
            raise DropItem(f"{kind}: {item['document_url']}: {report}")
        _confirm_identity(report, item.get("list_title"))
        item["report"] = report
        stats.inc_value("nianbao/reports_parsed")
        return item


def _parse(body: bytes, name: str) -> dict[str, Any] | Exception:
    try:
        return parse_bytes(body, name)
    except Exception as exc:  # noqa: BLE001 - every failure is a counted, logged result
        return exc


_POOL: ProcessPoolExecutor | None = None


async def parse_elsewhere(body: bytes, name: str) -> dict[str, Any] | Exception:
    """Parse in a worker process: parsing is CPU-bound pure Python, and in the crawler's own process it
    would hold the GIL and stall every download while it runs."""
    global _POOL
    if _POOL is None:
        # spawn, not fork: the crawler has threads (reactor, database, browser) that a fork would copy mid-flight
        _POOL = ProcessPoolExecutor(max_workers=max(1, min(2, (os.cpu_count() or 2) - 1)),
                                    mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(_POOL, _parse, body, name)
    except Exception as exc:  # noqa: BLE001 - a dead worker is a failed parse, not a failed crawl
        return exc


def _confirm_identity(report: dict[str, Any], list_title: str | None) -> None:
    """The list's title names organ and year; the document confirms them, or a check says it does not."""
    link = classify.report_link(list_title or "")
    if link is None:
        return
    problems = []
    if report.get("year") is not None and report["year"] != link.year:
        problems.append(f"the list says {link.year}, the document {report['year']}")
    if report.get("organ") and link.organ and not link.cut and link.organ != report["organ"]:
        problems.append(f"the list says {link.organ}, the document {report['organ']}")
    if report.get("year") is None:
        report["year"] = link.year
    if not report.get("organ") and link.organ:
        report["organ"], report["region"] = link.organ, link.region
    if report.get("title") is None and not link.cut:
        report["title"] = link.title
    report.setdefault("checks", []).append(
        {"rule": "identity.list_title", "ok": not problems, "detail": "; ".join(problems) or f"list title: {link.title}"}
    )
