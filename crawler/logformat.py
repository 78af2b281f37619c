"""Log lines that name an item instead of printing it (an item holds a whole document's bytes)."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter


def describe(item: Any) -> str:
    return item.describe() if hasattr(item, "describe") else repr(item)[:200]


class ShortItems(LogFormatter):
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
