"""Parse each fetched document into the report; unreadable or non-report documents are counted, not stored."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import DocumentItem
from crawler.parsing import WorkerDied, parse_elsewhere, shutdown, unpack
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
            report, item.schema_problems = unpack(
                await parse_elsewhere(item.body, item.filename or item.document_url, item.list_title))
        if isinstance(report, NotAReport) and item.candidate:
            stats.inc_value("nianbao/candidates_not_reports")  # a link that said nothing led to no report: expected
            raise DropItem(f"not a report (the list's link said nothing): {item.document_url}")
        if isinstance(report, Exception):
            kind = ("unreadable" if isinstance(report, Unreadable) else "not_a_report" if isinstance(report, NotAReport)
                    else "worker_died" if isinstance(report, WorkerDied) else "parse_error")
            stats.inc_value(f"nianbao/documents_{kind}")
            stats.inc_value(site_stat(item.site, "skipped"))
            if kind != "not_a_report":  # a report the list showed that could not be read: named in the site's result
                site = getattr(getattr(self.crawler, "spider", None), "sites", {}).get(item.site)
                if site is not None:
                    site.walk.lost.append(f"{item.document_url} ({kind.replace('_', ' ')}: {str(report)[:120]})")
            raise DropItem(f"{kind}: {item.document_url}: {report}")
        item.report = report
        stats.inc_value("nianbao/reports_parsed")
        if item.candidate:
            stats.inc_value(site_stat(item.site, "candidates_parsed"))
        return item

