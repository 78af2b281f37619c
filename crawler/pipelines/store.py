"""Store each parsed report with its provenance (the raw document kept, content-addressed), record what the
crawl learned as events (new, revised, removed), and send each event to the `--notify` endpoints.

A write that fails for a transient reason (the database restarting, a connection dropped) is tried again for
NIANBAO_STORE_RETRY seconds. When storing fails for good, the crawl stops: every report not stored is counted
(per site and in all), and `nianbao crawl` says how many and exits non-zero; the sites never say `ok`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.config import Config
from crawler.items import DocumentItem, RemovedItem, SeenItem
from storage.db import Store
from storage.kinds import EventKind, site_stat

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.config = Config.from_crawler(crawler)
        self.store: Store | None = None
        self.notifier: Any = None
        self.urls: list[str] = []
        self.run_id: int | None = self.config.run_id or None
        self.removals: list[RemovedItem] = []
        self.failure: str | None = None  # why storing failed for good; nothing more is stored then

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.store = Store(self.config.db)
        self.urls = list(self.config.notify)
        if self.urls:
            from crawler.outputs.notify import Notifier

            self.notifier = Notifier(self.urls, on_delivered=self.store.events.mark_delivered)
            self._redeliver()

    def _redeliver(self) -> None:
        """Events an earlier crawl queued for a URL that never arrived (the endpoint was down) are sent again."""
        assert self.store is not None
        for url in self.urls:
            ids = self.store.events.undelivered(url, self.config.redeliver_days)
            if ids:
                log.info("notify: sending again %d events an earlier crawl could not deliver", len(ids))
                self.crawler.stats.inc_value("nianbao/notify/resent", len(ids))
                for event in self.store.events.iter(ids=ids):
                    self.notifier.send(event, urls=[url])

    def spider_closed(self, reason: str) -> None:
        """Removals are recorded once the crawl has finished: a stopped crawl (a signal, the store failing) only
        saw part of each site. Then the notifications are let finish and the store is closed."""
        if self.removals and reason == "finished" and self.failure is None:
            for item in self.removals:
                try:
                    self._events(item, self._retrying(item))
                except Exception as exc:  # noqa: BLE001 - said, and the rest not tried: the crawl is ending
                    with contextlib.suppress(DropItem):
                        self._failed(item, exc)
                    break
        elif self.removals:
            log.warning("%d removed reports seen but not recorded: the crawl did not finish (%s)",
                        sum(len(i.report_ids) for i in self.removals), reason)
        self.removals = []
        if self.notifier is not None:
            counts = self.notifier.close(wait=self.config.notify_wait)
            for key, value in (counts or {}).items():
                self.crawler.stats.set_value(f"nianbao/notify/{key}", value)
        if self.store is not None:
            self.store.close()

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, RemovedItem):
            self.removals.append(item)  # recorded when the crawl has finished (spider_closed)
            return item
        if self.failure is not None:
            self._not_stored(item)
        try:
            # database and disk writes off the reactor thread, so downloads keep flowing
            events = await asyncio.to_thread(self._retrying, item)
        except Exception as exc:  # noqa: BLE001 - the store failed for good: counted, and the crawl stops
            self._failed(item, exc)
        self._events(item, events)
        return item

    def _retrying(self, item: Any) -> list[dict[str, Any]]:
        assert self.store is not None

        def said(exc: BaseException, wait: float) -> None:
            self.crawler.stats.inc_value("nianbao/store_retries")
            log.warning("store: %s; trying again in %.2g s", _one_line(exc), wait)

        return self.store.db.retrying(lambda: self._store(item), self.config.store_retry, said)

    def _failed(self, item: Any, exc: BaseException) -> None:
        """Storing failed for good: the first time, say why and stop the crawl; count the item; drop it."""
        if self.failure is None:
            self.failure = _one_line(exc)
            self.crawler.stats.set_value("nianbao/store_failure", self.failure)
            log.error("store: %s: storing failed, the crawl stops (what is stored stays stored)", self.failure)
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))
        self._not_stored(item)

    def _not_stored(self, item: Any) -> None:
        if isinstance(item, DocumentItem):
            self.crawler.stats.inc_value("nianbao/reports_not_stored")
            self.crawler.stats.inc_value(site_stat(item.site, "not_stored"))
        # one line per item only with -v: the first failure was said, the count is in the result
        raise DropItem(f"not stored: {getattr(item, 'document_url', item.site)}", log_level="INFO")

    def _events(self, item: Any, events: list[dict[str, Any]]) -> None:
        """Count what storing the item caused, and send its events."""
        stats = self.crawler.stats
        site = item.site
        for event in events:
            stats.inc_value(f"nianbao/events/{event['kind']}")
            stats.inc_value(site_stat(site, f"events_{event['kind']}"))
            if self.notifier is not None:
                self.notifier.send(event)
        if isinstance(item, DocumentItem):
            assert isinstance(item.report, dict)
            stats.inc_value(site_stat(site, "reports_parsed"))
            if any(e["kind"] in (EventKind.NEW, EventKind.REVISED) for e in events):
                stats.inc_value(site_stat(site, "reports_new"))
            if any(not c["ok"] for c in item.report.get("checks") or []):
                stats.inc_value(site_stat(site, "checks_failing"))
            item.body = b""  # keep memory flat: the bytes are on disk now

    def _store(self, item: Any) -> list[dict[str, Any]]:
        """Store the item; returns the events it caused, ready to send."""
        assert self.store is not None
        if isinstance(item, SeenItem):
            self.store.reports.mark_seen(item.report_ids)
            return []
        if isinstance(item, RemovedItem):
            ids = [self.store.reports.mark_removed(rid, item.detail, self.run_id) for rid in item.report_ids]
            return self._queued(list(self.store.events.iter(ids=[i for i in ids if i is not None])) if any(ids) else [])
        sha = self.store.documents.put(item.body, content_type=item.content_type, filename=item.filename,
                                       sha256=item.sha256)
        provenance = {
            "page_url": item.page_url,
            "document_url": item.document_url,
            "fetched_at": item.fetched_at,
            "sha256": sha,
            "content_type": item.content_type,
            "http_status": item.http_status,
            "discovery_path": item.discovery_path,
        }
        stored = self.store.reports.store(item.site, item.report, provenance, run_id=self.run_id)
        return self._queued(list(self.store.events.iter(ids=[stored.event_id])) if stored.event_id else [])

    def _queued(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Events about to be sent are written down first, so an undelivered one can be sent again later."""
        assert self.store is not None
        if events and self.notifier is not None:
            self.store.events.queue([e["id"] for e in events], self.urls)
        return events


def _one_line(exc: BaseException) -> str:
    """The error's type and the first line of its message (database drivers write several)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(getattr(exc, 'orig', None) or exc).__name__}: {text[0] if text else ''}".rstrip(": ")
