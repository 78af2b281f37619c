"""Log lines that name an item instead of printing it (an item holds a whole document's bytes), and expected
conditions told calmly: Scrapy logs a dead host's last retry and a robots.txt it could not fetch as ERROR; here
they are INFO (`-v` shows them), and the spider says once per site why it could not be crawled."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter

# Scrapy's loggers whose ERROR records are network conditions of a site, not faults of the crawl
EXPECTED = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")


class Calm(logging.Filter):
    """Demotes ERROR records to INFO (a logger's filter runs before its handlers' levels are checked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR:
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def calm_expected_conditions() -> None:
    for name in EXPECTED:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Calm) for f in logger.filters):
            logger.addFilter(Calm())


def describe(item: Any) -> str:
    return item.describe() if hasattr(item, "describe") else repr(item)[:200]


class ShortItems(LogFormatter):
    @classmethod
    def from_crawler(cls, crawler: Any) -> ShortItems:
        calm_expected_conditions()  # the log formatter is made once per crawl, whichever command starts it
        return cls()

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        result = super().scraped(item, response, spider)
        result["args"]["item"] = describe(item)
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> Any:
        result = super().dropped(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> Any:
        result = super().item_error(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result
