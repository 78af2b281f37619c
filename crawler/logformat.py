"""Log lines that name an item instead of printing it (an item holds a whole document's bytes)."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter


def describe(item: Any) -> str:
    if not isinstance(item, dict):
        return repr(item)[:200]
    if item.get("kind"):
        return f"<{item['kind']} {item.get('site')}: {item.get('report_ids')}>"
    return f"<document {item.get('site')}: {item.get('document_url')}>"


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
