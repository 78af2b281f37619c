"""Parse each fetched document into the report; unreadable or non-report documents are counted, not stored."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from crawler import classify
from crawler.items import DocumentItem
from crawler.parsing import WorkerDied, parse_elsewhere, shutdown
from parsers import NotAReport, Unreadable
from storage.kinds import site_stat

log = logging.getLogger(__name__)


class ParsePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    def close_spider(self) -> None:
        shutdown()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ParsePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item  # what a recrawl learned about stored reports: nothing to parse
        stats = self.crawler.stats
        report = item.report
        if report is None:
            report = await parse_elsewhere(item.body, item.filename or item.document_url)
        if isinstance(report, NotAReport) and item.candidate:
            stats.inc_value("nianbao/candidates_not_reports")  # a link that said nothing led to no report: expected
            raise DropItem(f"not a report (the list's link said nothing): {item.document_url}")
        if isinstance(report, Exception):
            kind = ("unreadable" if isinstance(report, Unreadable) else "not_a_report" if isinstance(report, NotAReport)
                    else "worker_died" if isinstance(report, WorkerDied) else "parse_error")
            stats.inc_value(f"nianbao/documents_{kind}")
            stats.inc_value(site_stat(item.site, "skipped"))
            raise DropItem(f"{kind}: {item.document_url}: {report}")
        _confirm_identity(report, item.list_title)
        item.report = report
        stats.inc_value("nianbao/reports_parsed")
        if item.candidate:
            stats.inc_value(site_stat(item.site, "candidates_parsed"))
        return item


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
