"""Check each parsed report against the nianbao.report/1 schema before it is stored (between parse and store).

An invalid report is dropped with one line naming the first key at fault, and counted in the crawl stats
(`nianbao/invalid_reports`, `nianbao/site/<site>/invalid_reports`); at the close the share of valid reports is
logged. What a recrawl learned about stored reports (SeenItem, RemovedItem) passes through.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import DocumentItem
from parsers import validate_report
from storage.kinds import site_stat

log = logging.getLogger(__name__)


class ValidationPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.valid = self.invalid = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ValidationPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        problems = item.schema_problems if item.schema_problems is not None else validate_report(item.report)
        if not problems:
            self.valid += 1
            return item
        self.invalid += 1
        stats = self.crawler.stats
        stats.inc_value("nianbao/invalid_reports")
        stats.inc_value(site_stat(item.site, "invalid_reports"))
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DropItem(f"invalid report: {item.document_url}: {problems[0]}{more}")

    def close_spider(self) -> None:
        total = self.valid + self.invalid
        if total:
            log.log(logging.WARNING if self.invalid else logging.INFO, "schema: %d of %d parsed reports valid (%.1f %%)",
                    self.valid, total, 100 * self.valid / total)
