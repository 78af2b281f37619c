"""Safety: never let a site's link or redirect reach a private or loopback address (SSRF), unless allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from functools import lru_cache
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from crawler.config import Config


@lru_cache(maxsize=1024)
def _is_private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the download itself will fail and say so
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return True
    return False


class PrivateAddressGuard:
    """Requests to private/loopback hosts are refused, except a start URL's own host or when configured."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.allow = Config.from_crawler(crawler).allow_private

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressGuard:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.allow:
            return None
        host = urlparse_cached(request).hostname or ""
        if host in getattr(self.crawler.spider, "start_hosts", set()):
            return None
        if _is_private(host):
            self.crawler.stats.inc_value("nianbao/refused_private_address")
            raise IgnoreRequest(f"refused: {host} is a private or loopback address")
        return None


async def abort_heavy_request(request: Any) -> bool:
    """In the browser, skip what a list never needs: images, media, fonts."""
    return request.resource_type in ("image", "media", "font")


class RetryBackoff:
    """Exponential backoff before a retried request (Scrapy's RetryMiddleware retries at once)."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryBackoff:
        config = Config.from_crawler(crawler)
        return cls(config.retry_backoff, config.retry_backoff_max)

    async def process_request(self, request: Request) -> None:
        tries = request.meta.get("retry_times", 0)
        if tries and self.base > 0:
            await asyncio.sleep(min(self.cap, self.base * 2 ** (tries - 1)))
        return None


class SiteSlots:
    """One download slot (politeness) per host:port, also for requests the spider did not make (robots.txt):
    Scrapy keys slots by host name alone, so sites sharing an address would share one pace."""

    def process_request(self, request: Request) -> None:
        if "download_slot" not in request.meta:
            request.meta["download_slot"] = urlparse_cached(request).netloc.lower()
        return None
