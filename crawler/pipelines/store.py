"""Store each parsed report with its provenance; the raw document kept, content-addressed."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from storage.db import Store


class StorePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = Store(self.crawler.settings.get("NIANBAO_DB"))

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        # database and disk writes off the reactor thread, so downloads keep flowing
        new = await asyncio.to_thread(self._store, item)
        site, report = item["site"], item["report"]
        stats = self.crawler.stats
        stats.inc_value(f"nianbao/site/{site}/reports_parsed")
        if new:
            stats.inc_value(f"nianbao/site/{site}/reports_new")
        if any(not c["ok"] for c in report.get("checks") or []):
            stats.inc_value(f"nianbao/site/{site}/checks_failing")
        item.pop("body", None)  # keep memory flat: the bytes are on disk now
        return item

    def _store(self, item: dict[str, Any]) -> bool:
        assert self.store is not None
        site = item["site"]
        body: bytes = item["body"]
        sha = hashlib.sha256(body).hexdigest()
        self.store.put_document(body, content_type=item["content_type"], filename=item.get("filename"))
        report = item["report"]
        provenance = {
            "page_url": item["page_url"],
            "document_url": item["document_url"],
            "fetched_at": item["fetched_at"],
            "sha256": sha,
            "content_type": item["content_type"],
            "http_status": item["http_status"],
            "discovery_path": item["discovery_path"],
        }
        _, new = self.store.add_report(site, report, provenance)
        return new
