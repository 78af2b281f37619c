"""One discovery spider for every county site: homepage → 政府信息公开 → 年报 column → every page → reports.

Per-site differences live in the registry (start URL, hints) and in `crawler.platforms` (how a CMS family
pages its lists); this spider only walks and classifies links. Each site ends with a status and a reason.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler import classify, platforms
from crawler.pipelines.parse import parse_elsewhere

MAX_NAV_DEPTH = 3  # homepage → 政府信息公开 → (sub-menu) → 年报 column
WAF_MARKS = re.compile(r"\$_ts|_\$[a-z]{2}|waf|安全狗|云锁|访问被拦截|拦截|yunsuo|seraph|acw_sc", re.I)


@dataclass
class SiteState:
    name: str
    start_url: str
    hosts: set[str]
    pages: int = 0
    columns: set[str] = field(default_factory=set)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # article/document URL → what the list said
    status: str | None = None
    reason: str = ""
    root_ok: bool = False
    errors: list[str] = field(default_factory=list)
    routes: set[str] = field(default_factory=set)  # hash routes already asked for
    script_only: bool = False  # the homepage was a script shell: render every page, skip the plain fetch


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _domain(netloc: str) -> str:
    host = netloc.split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    custom_settings: dict[str, Any] = {}

    def __init__(self, sites: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites: dict[str, SiteState] = {}
        for name, url in sites or []:
            self.sites[name] = SiteState(name, url, {_host(url)})
        self.start_hosts = {urlsplit(s.start_url).hostname or "" for s in self.sites.values()}

    # -- scope ------------------------------------------------------------------------------------
    def in_site(self, site: SiteState, url: str) -> bool:
        """The site's own hosts: the start host and its subdomains/siblings under the same domain."""
        netloc = _host(url)
        if netloc in site.hosts:
            return True
        if any(ch.isalpha() for ch in netloc.split(":")[0]):
            base = {_domain(h) for h in site.hosts}
            return any(_domain(netloc) == b or _domain(netloc).endswith("." + b) for b in base)
        return False

    def _req(self, url: str, callback: Any, site: SiteState, path: list[str], dont_filter: bool = False,
             **meta: Any) -> scrapy.Request:
        if "#/" in url or "#!/" in url:
            # a hash route: Scrapy's duplicate filter ignores fragments, so the spider tells routes apart
            dont_filter = dont_filter or url not in site.routes
            site.routes.add(url)
        if site.script_only and not classify.is_document_url(url) and callback in (self.parse_page, self.parse_article):
            meta.update(playwright=True, rendered=True)  # a script-only site: straight to the browser
        if meta.get("playwright"):
            meta.setdefault("playwright_page_methods", [PageMethod("wait_for_load_state", "networkidle")])
        return scrapy.Request(
            url, callback=callback, errback=self.failed, dont_filter=dont_filter,
            meta={"site": site.name, "path": path, "download_slot": _host(url), **meta},
        )

    async def start(self) -> Any:
        for site in self.sites.values():
            # every site's homepage before any deeper page: each host keeps its own pace from the start
            yield self._req(site.start_url, self.parse_page, site, [], nav_depth=0, root=True).replace(priority=100)

    # -- pages ------------------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        site = self.sites[response.meta["site"]]
        site.pages += 1
        path = [*response.meta["path"], response.url]
        if self._blocked(response, site):
            return
        if response.status >= 400:
            if response.meta.get("root"):
                site.errors.append(f"homepage answered HTTP {response.status}")
            return
        if response.meta.get("root"):
            site.root_ok = True
            for url in response.meta.get("redirect_urls", []):
                site.hosts.add(_host(url))
            site.hosts.add(_host(response.url))
        if not isinstance(response, TextResponse):
            return
        if self._needs_browser(response):
            site.script_only = site.script_only or bool(response.meta.get("root"))
            yield self._req(response.request.url, self.parse_page, site, response.meta["path"],
                            nav_depth=response.meta.get("nav_depth", 0), playwright=True,
                            in_column=response.meta.get("in_column", False),
                            rendered=True, root=response.meta.get("root", False), dont_filter=True)
            return
        depth = response.meta.get("nav_depth", 0)
        in_column = response.meta.get("in_column", False)
        new_entries = 0
        for text, url in platforms.links_in(response):
            if not self.in_site(site, url) and not classify.is_document_url(url):
                continue
            link = classify.report_link(text)
            if link is not None:
                if url not in site.reports:
                    new_entries += 1
                    site.reports[url] = {"title": link.title, "organ": link.organ, "year": link.year, "path": path}
                    if in_column or depth:
                        site.columns.add(response.url)
                    yield self._req(url, self.parse_article, site, path, list_title=link.title)
            elif classify.is_column(text) or (in_column and classify.is_year_folder(text) and self.in_site(site, url)):
                site.columns.add(url)
                yield self._req(url, self.parse_page, site, path, nav_depth=depth + 1, in_column=True)
            elif depth < MAX_NAV_DEPTH and classify.is_menu(text):
                yield self._req(url, self.parse_page, site, path, nav_depth=depth + 1)
            elif in_column and classify.is_next_page(text) and self.in_site(site, url):
                yield self._req(url, self.parse_page, site, response.meta["path"], nav_depth=depth, in_column=True)
        if in_column or depth:
            for platform in platforms.detect(response.text):
                for req in platform.pages(response):
                    yield req.replace(callback=self.parse_page, errback=self.failed,
                                      meta={**req.meta, "site": site.name, "path": response.meta["path"],
                                            "download_slot": _host(req.url),
                                            "nav_depth": depth, "in_column": True, "platform": platform.name})
        if new_entries:
            nxt = platforms.next_page(response)
            if nxt is not None:
                yield nxt.replace(callback=self.parse_page, errback=self.failed,
                                  meta={**nxt.meta, "site": site.name, "path": response.meta["path"],
                                        "download_slot": _host(nxt.url),
                                        "nav_depth": depth, "in_column": True})

    def _blocked(self, response: Response, site: SiteState) -> bool:
        """A WAF's answer (412 with a script, 521 handshake, 403 challenge) is a block, not an empty site."""
        if response.status in (412, 521) or (
            response.status in (403, 202, 200)
            and isinstance(response, TextResponse)
            and len(response.body) < 20000
            and WAF_MARKS.search(response.text[:20000])
            and not response.css("a[href]")
        ):
            if response.meta.get("root") or not site.root_ok:
                site.status, site.reason = "blocked", f"WAF answer HTTP {response.status} at {response.url}"
            self.crawler.stats.inc_value("nianbao/blocked_responses")
            return True
        return False

    def _needs_browser(self, response: TextResponse) -> bool:
        """A script shell: almost no text or links, content left to scripts. Rendered once, in Chromium."""
        if response.meta.get("rendered") or "html" not in response.headers.get("Content-Type", b"text/html").decode().lower():
            return False
        scripts = len(response.css("script"))
        links = len(response.css("a[href]"))
        text = "".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()).strip()
        return scripts > 0 and links < 3 and len(text) < 200

    # -- reports ----------------------------------------------------------------------------------
    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        site = self.sites[response.meta["site"]]
        site.pages += 1
        if self._blocked(response, site) or response.status >= 400:
            site.errors.append(f"report page HTTP {response.status}: {response.url}")
            self.crawler.stats.inc_value("nianbao/report_page_errors")
            return
        path = response.meta["path"]
        if not isinstance(response, TextResponse) or classify.is_document_url(response.url) and not _is_html(response):
            yield self._item(site, response, page_url=response.request.url, path=path)
            return
        if self._needs_browser(response):
            yield self._req(response.request.url, self.parse_article, site, path, list_title=response.meta.get("list_title"),
                            playwright=True, rendered=True, dont_filter=True)
            return
        page_item = self._item(site, response, page_url=response.request.url, path=path)
        # parsing is pure and can take a while: off the reactor thread, so downloads keep flowing
        report = await parse_elsewhere(response.body, response.url)
        page_item["report"] = report
        attachments = [] if _has_tables(report) else list(self._attachments(response))
        if attachments:
            # the numbers come from the attachment when the page has none
            for url, _ in attachments:
                yield scrapy.Request(
                    url, callback=self.parse_document, errback=self.failed,
                    headers={"Referer": response.url},
                    meta={"site": site.name, "path": path, "page_url": response.url, "download_slot": _host(url),
                          "list_title": response.meta.get("list_title")},
                )
            return
        yield page_item

    def _attachments(self, response: TextResponse) -> Iterator[tuple[str, str]]:
        seen: set[str] = set()
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            url = urljoin(response.url, href)
            text = " ".join(a.css("::text").getall())
            if classify.is_document_url(url) and not re.search(r"\.(?:jpe?g|png|gif)$", url.lower()) and url not in seen:
                seen.add(url)
                yield url, text
        for el in response.css("[data-powerurl], iframe[src], embed[src], object[data]"):
            raw = el.attrib.get("data-powerurl") or el.attrib.get("src") or el.attrib.get("data") or ""
            m = re.search(r"(?:file=)?([^?#\s]+\.pdf)", raw)
            if m:
                url = urljoin(response.url, m.group(1))
                if url not in seen:
                    seen.add(url)
                    yield url, ""

    def parse_document(self, response: Response) -> Iterator[Any]:
        site = self.sites[response.meta["site"]]
        site.pages += 1
        if response.status >= 400 or self._blocked(response, site):
            site.errors.append(f"attachment HTTP {response.status}: {response.url}")
            self.crawler.stats.inc_value("nianbao/attachment_errors")
            return
        yield self._item(site, response, page_url=response.meta["page_url"], path=response.meta["path"],
                         attachment=True)

    def _item(self, site: SiteState, response: Response, *, page_url: str, path: list[str],
              attachment: bool = False) -> dict[str, Any]:
        return {
            "site": site.name,
            "page_url": page_url,
            "document_url": response.url,
            "body": response.body,
            "content_type": response.headers.get("Content-Type", b"").decode("latin-1"),
            "http_status": response.status,
            "fetched_at": datetime.now(UTC),
            "discovery_path": path,
            "list_title": response.meta.get("list_title"),
            "attachment": attachment,
            "filename": _filename(response),
        }

    def failed(self, failure: Failure) -> None:
        request = failure.request
        site = self.sites.get(request.meta.get("site", ""))
        if site is None:
            return
        reason = failure.getErrorMessage() or failure.type.__name__
        site.errors.append(f"{request.url}: {reason}")
        if request.meta.get("root"):
            if "robots" in reason.lower() or "Forbidden by robots.txt" in reason:
                site.status, site.reason = "robots", "robots.txt forbids the homepage"
            elif site.status is None:
                site.status, site.reason = "dead", f"homepage unreachable: {reason}"
        self.crawler.stats.inc_value("nianbao/failed_requests")

    def closed(self, reason: str) -> None:
        for site in self.sites.values():
            if site.status is None:
                if not site.root_ok:
                    site.status, site.reason = "dead", "; ".join(site.errors[:1]) or "homepage not reached"
                elif not site.reports:
                    site.status = "no_column"
                    site.reason = "no 政府信息公开年报 column found" if not site.columns else "年报 column has no reports"
                else:
                    site.status, site.reason = "ok", f"{len(site.reports)} report links in {len(site.columns)} list(s)"
            self.crawler.stats.set_value(f"nianbao/site/{site.name}/status", site.status)


def _has_tables(report: dict[str, Any] | Exception) -> bool:
    return isinstance(report, dict) and bool(report.get("requests")) and any(
        v is not None for row in report["requests"].values() for v in row.values()
    )


def _is_html(response: Response) -> bool:
    ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return "html" in ctype


def _filename(response: Response) -> str | None:
    """The attachment's name from Content-Disposition, in UTF-8 (RFC 5987) or GBK as servers send it."""
    raw = response.headers.get("Content-Disposition")
    if not raw:
        return None
    m = re.search(rb"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)", raw)
    if m:
        return unquote_to_bytes(m.group(1).strip()).decode("utf-8", "replace")
    m = re.search(rb'filename\s*=\s*"?([^";]+)"?', raw)
    if not m:
        return None
    value = m.group(1).strip()
    if b"%" in value:
        value = unquote_to_bytes(value)
    for enc in ("utf-8", "gb18030"):
        try:
            return value.decode(enc)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")
