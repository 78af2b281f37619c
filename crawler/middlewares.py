"""Safety: never let a site's link or redirect reach a private or loopback address (SSRF), unless allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from crawler.config import Config

REFUSED_STAT = "nianbao/refused_private_address"


def private_address(ip: str) -> bool:
    """Not a public internet address: private, loopback, link-local (169.254.169.254), reserved, multicast."""
    addr = ipaddress.ip_address(ip.partition("%")[0])
    return addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast


@lru_cache(maxsize=1024)
def _addresses(host: str) -> tuple[str, ...]:
    try:
        return tuple(info[4][0] for info in socket.getaddrinfo(host, None))
    except OSError:
        return ()  # unresolvable: the download itself will fail and say so


def refused(host: str, addresses: Iterable[str], spider: Any) -> bool:
    """The guard's rule, for plain HTTP and the browser alike: a host any of whose addresses is private is
    refused, unless it is a start URL's own host (the site itself may sit on a private network)."""
    if host in getattr(spider, "start_hosts", set()):
        return False
    return any(private_address(ip) for ip in addresses)


class PrivateAddressGuard:
    """Plain-HTTP requests to private/loopback hosts are refused, except a start URL's own host or when
    configured (the browser's connections: crawler.gate)."""

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
        if refused(host, _addresses(host), self.crawler.spider):
            self.crawler.stats.inc_value(REFUSED_STAT)
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
