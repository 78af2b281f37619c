"""Progress on stderr while a crawl runs: pages fetched and reports found per site, every few seconds."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from scrapy import signals
from twisted.internet import task, threads

from crawler.config import Config

log = logging.getLogger(__name__)


class Progress:
    interval = 5.0

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        if Config.from_crawler(self.crawler).progress:
            self.loop = task.LoopingCall(self.show, spider)
            self.loop.start(self.interval, now=False)

    def closed(self, spider: Any) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()

    def show(self, spider: Any) -> None:
        sites = getattr(spider, "sites", {})
        parts = [f"{s.name} {s.walk.pages}p/{len(s.walk.reports)}r" for s in sites.values()]
        stats = self.crawler.stats
        print(
            f"[{time.monotonic() - self.started:5.0f}s] pages {stats.get_value('response_received_count', 0)}, "
            f"reports parsed {stats.get_value('nianbao/reports_parsed', 0)}, "
            f"unchanged {stats.get_value('nianbao/not_modified', 0) + stats.get_value('nianbao/unchanged_documents', 0)}"
            f" | " + ", ".join(parts[:8])
            + (" …" if len(parts) > 8 else ""),
            file=sys.stderr, flush=True,
        )


class Resources:
    """Every fetched response is recorded with the run: URL, status, ETag, Last-Modified, sha256, size, time."""

    def __init__(self, crawler: Any) -> None:
        from storage.db import Store

        config = Config.from_crawler(crawler)
        self.run_id = config.run_id
        self.retry = config.store_retry
        self.unrecorded = 0
        self.store = Store(config.db) if self.run_id else None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Resources:
        ext = cls(crawler)
        if ext.store is not None:
            crawler.signals.connect(ext.received, signal=signals.response_received)
            crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def received(self, response: Any, request: Any, spider: Any) -> None:
        import hashlib
        from datetime import UTC, datetime

        assert self.store is not None
        store, run_id, url, status, body = self.store, self.run_id, response.url, response.status, response.body
        headers = {key: (v.decode("latin-1") if (v := response.headers.get(name)) else None)
                   for key, name in (("etag", "ETag"), ("last_modified", "Last-Modified"),
                                     ("content_type", "Content-Type"))}
        fetched_at = datetime.now(UTC)

        def record() -> None:
            sha = hashlib.sha256(body).hexdigest()
            store.db.retrying(lambda: store.runs.record_resource(run_id, url, status, sha256=sha, size=len(body),
                                                                 fetched_at=fetched_at, **headers), self.retry)

        # hashing and a database write per response: in a thread, so the reactor keeps downloading
        d = threads.deferToThread(record)
        d.addErrback(self._not_recorded, url)

    def _not_recorded(self, failure: Any, url: str) -> None:
        """The first one said (one line), the rest counted: a failing store fails every response alike."""
        self.unrecorded += 1
        if self.unrecorded == 1:
            why = " ".join(str(getattr(failure.value, "orig", None) or failure.value).split("\n", 1)[0].split())
            log.warning("resource not recorded: %s: %s: %s", url, failure.type.__name__, why)

    def closed(self, spider: Any) -> None:
        if self.unrecorded > 1:
            log.warning("%d fetched resources not recorded with the run", self.unrecorded)
        if self.store is not None:
            self.store.close()
