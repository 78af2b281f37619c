"""One discovery spider for every county site: homepage → 政府信息公开 → 年报 column → every page → reports.

Per-site differences live in the registry (start URL, hints) and in `crawler.platforms` (how a CMS family
pages its lists); this spider only walks and classifies links. Each site ends with a status and a reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler import classify, platforms
from crawler.items import DocumentItem, RemovedItem, SeenItem
from crawler.parsing import parse_elsewhere
from crawler.spiders.site import Site, host_of
from parsers import NotAReport
from storage.kinds import SiteStatus

MAX_NAV_DEPTH = 3  # homepage → 政府信息公开 → (sub-menu) → 年报 column
WAF_MARKS = re.compile(r"\$_ts|_\$[a-z]{2}|waf|安全狗|云锁|访问被拦截|拦截|yunsuo|seraph|acw_sc", re.I)


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    custom_settings: dict[str, Any] = {}

    def __init__(self, sites: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites: dict[str, Site] = {}
        for name, url in sites or []:
            self.sites[name] = Site.start(name, url)
        self.start_hosts = {urlsplit(s.start_url).hostname or "" for s in self.sites.values()}

    def _req(self, url: str, callback: Any, site: Site, path: list[str], dont_filter: bool = False,
             **meta: Any) -> scrapy.Request:
        if "#/" in url or "#!/" in url:
            # a hash route: Scrapy's duplicate filter ignores fragments, so the spider tells routes apart
            dont_filter = dont_filter or url not in site.walk.routes
            site.walk.routes.add(url)
        if site.walk.script_only and not classify.is_document_url(url) and callback in (self.parse_page, self.parse_article):
            meta.update(playwright=True, rendered=True)  # a script-only site: straight to the browser
        if meta.get("playwright"):
            meta.setdefault("playwright_page_methods", [PageMethod("wait_for_load_state", "networkidle")])
        headers = self._conditional(site, url) if callback == self.parse_article and not meta.get("playwright") else {}
        return scrapy.Request(
            url, callback=callback, errback=self.failed, dont_filter=dont_filter, headers=headers,
            meta={"site": site.name, "path": path, "download_slot": host_of(url), **meta},
        )

    def _load_known(self) -> None:
        """What earlier crawls stored for these sites: conditional GETs and removals are checked against it."""
        from storage.db import Store

        db = self.settings.get("NIANBAO_DB")
        if not db or not self.settings.getbool("NIANBAO_INCREMENTAL", True):
            return
        with Store(db) as store:
            for site in self.sites.values():
                known = store.reports.known(site.name)
                # a removed report is fetched whole: only its own bytes, not a 304, can bring it back
                urls = [u for r in known if not r["removed"] for u in (r["page_url"], r["document_url"]) if u]
                site.known.load(known, store.runs.fetch_history(urls))
        n = sum(len(s.known.by_sha) for s in self.sites.values())
        if n:
            self.logger.info("recrawl: %d reports known from earlier crawls", n)

    def _fresh(self, site: Site, url: str) -> bool:
        """A known report page or document that cannot be asked for conditionally (no ETag, no Last-Modified:
        dynamic pages, pages rendered in the browser) is fetched again only once NIANBAO_REVALIDATE_HOURS have
        passed. (`history` holds the URLs of known reports only.)"""
        if url not in site.known.history:
            return False
        etag, modified, fetched = site.known.history[url]
        rendered = site.walk.script_only or "#" in url  # a rendered page's validators are its script shell's
        if (etag or modified) and not rendered:
            return False  # a conditional GET costs a few hundred bytes: ask
        hours = self.settings.getfloat("NIANBAO_REVALIDATE_HOURS", 72)
        if datetime.now(UTC) - fetched < timedelta(hours=hours):
            self.crawler.stats.inc_value("nianbao/not_refetched")
            return True
        return False

    def _conditional(self, site: Site, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a report page or document fetched before."""
        etag, modified, _ = site.known.history.get(url, (None, None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    async def start(self) -> Any:
        self._load_known()
        self.crawler.signals.connect(self._idle, signal=scrapy.signals.spider_idle)
        for site in self.sites.values():
            # every site's homepage before any deeper page: each host keeps its own pace from the start
            yield self._req(site.start_url, self.parse_page, site, [], nav_depth=0, root=True).replace(priority=100)

    # -- pages ------------------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        """A menu, column or list page: follow what leads to reports, and ask for the list's further pages."""
        site = self.sites[response.meta["site"]]
        site.walk.pages += 1
        if not self._usable(response, site):
            return
        if self._needs_browser(response):
            site.walk.script_only = site.walk.script_only or bool(response.meta.get("root"))
            yield self._again_in_browser(response, site, self.parse_page)
            return
        before = len(site.walk.reports)
        yield from self._follow_links(response, site)
        if response.meta.get("in_column") or response.meta.get("nav_depth", 0):
            yield from self._platform_pages(response, site, new_entries=len(site.walk.reports) - before)

    def _usable(self, response: Response, site: Site) -> bool:
        """A page with links to read: not a block, not an error; the homepage's answer makes the site reached."""
        if self._blocked(response, site):
            return False
        if response.status >= 400:
            if response.meta.get("root"):
                site.walk.errors.append(f"homepage answered HTTP {response.status}")
            return False
        if response.meta.get("root"):
            site.walk.root_ok = True
            for url in [*response.meta.get("redirect_urls", []), response.url]:
                site.walk.hosts.add(host_of(url))
        return isinstance(response, TextResponse)

    def _again_in_browser(self, response: Response, site: Site, callback: Any) -> scrapy.Request:
        meta = response.meta
        return self._req(response.request.url, callback, site, meta["path"], nav_depth=meta.get("nav_depth", 0),
                         in_column=meta.get("in_column", False), list_title=meta.get("list_title"),
                         root=meta.get("root", False), playwright=True, rendered=True, dont_filter=True)

    def _follow_links(self, response: TextResponse, site: Site) -> Iterator[Any]:
        """Each link of the page by what it is: a report, a 年报 column or year folder, the 政府信息公开 menu, a
        next page of the list."""
        depth = response.meta.get("nav_depth", 0)
        in_column = response.meta.get("in_column", False)
        path = [*response.meta["path"], response.url]
        for text, url in platforms.links_in(response):
            if not site.walk.in_site(url) and not classify.is_document_url(url):
                continue
            link = classify.report_link(text)
            if link is not None:
                if url in site.walk.reports:
                    continue
                site.walk.reports[url] = {"title": link.title, "organ": link.organ, "year": link.year, "path": path}
                if in_column or depth:
                    site.walk.columns.add(response.url)
                if self._fresh(site, url):
                    yield self._unchanged_page(site, url, path, link.title)
                else:
                    yield self._req(url, self.parse_article, site, path, list_title=link.title)
            elif classify.is_column(text) or (in_column and classify.is_year_folder(text) and site.walk.in_site(url)):
                site.walk.columns.add(url)
                yield self._req(url, self.parse_page, site, path, nav_depth=depth + 1, in_column=True)
            elif depth < MAX_NAV_DEPTH and classify.is_menu(text):
                yield self._req(url, self.parse_page, site, path, nav_depth=depth + 1)
            elif in_column and classify.is_next_page(text) and site.walk.in_site(url):
                yield self._req(url, self.parse_page, site, response.meta["path"], nav_depth=depth, in_column=True)

    def _platform_pages(self, response: TextResponse, site: Site, new_entries: int) -> Iterator[scrapy.Request]:
        """The further pages a CMS family's list has beyond plain links; a paged API's next page while the
        last one still brought new entries."""
        meta = {"site": site.name, "path": response.meta["path"], "nav_depth": response.meta.get("nav_depth", 0),
                "in_column": True}
        for platform in platforms.detect(response.text):
            for req in platform.pages(response):
                yield req.replace(callback=self.parse_page, errback=self.failed,
                                  meta={**req.meta, **meta, "download_slot": host_of(req.url), "platform": platform.name})
        nxt = platforms.next_page(response) if new_entries else None
        if nxt is not None:
            yield nxt.replace(callback=self.parse_page, errback=self.failed,
                              meta={**nxt.meta, **meta, "download_slot": host_of(nxt.url)})

    def _blocked(self, response: Response, site: Site) -> bool:
        """A WAF's answer (412 with a script, 521 handshake, 403 challenge) is a block, not an empty site."""
        if response.status in (412, 521) or (
            response.status in (403, 202, 200)
            and isinstance(response, TextResponse)
            and len(response.body) < 20000
            and WAF_MARKS.search(response.text[:20000])
            and not response.css("a[href]")
        ):
            if response.meta.get("root") or not site.walk.root_ok:
                site.end(SiteStatus.BLOCKED, f"WAF answer HTTP {response.status} at {response.url}")
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
        site.walk.pages += 1
        page_url = response.request.url
        if response.status == 304:
            self.crawler.stats.inc_value("nianbao/not_modified")
            yield self._unchanged_page(site, page_url, response.meta["path"], response.meta.get("list_title"))
            return
        if response.status in (404, 410) and page_url in site.known.by_page:
            yield self._removed(site, site.known.by_page[page_url], f"report page answered HTTP {response.status}: {page_url}")
            return
        if self._blocked(response, site) or response.status >= 400:
            site.walk.errors.append(f"report page HTTP {response.status}: {response.url}")
            self.crawler.stats.inc_value("nianbao/report_page_errors")
            return
        path = response.meta["path"]
        if not isinstance(response, TextResponse) or classify.is_document_url(response.url) and not _is_html(response):
            yield self._item(site, response, page_url=response.request.url, path=path)
            return
        if self._needs_browser(response):
            yield self._again_in_browser(response, site, self.parse_article)
            return
        if (known := self._stored_bytes(site, response)) is not None:
            yield self._seen(site, [known])
            return
        page_item = self._item(site, response, page_url=response.request.url, path=path)
        # parsing is pure and can take a while: off the reactor thread, so downloads keep flowing
        report = await parse_elsewhere(response.body, response.url)
        if isinstance(report, NotAReport) and page_url in site.known.by_page and page_url not in site.known.documents:
            # a soft 404: the page that held a report now holds something else
            yield self._removed(site, site.known.by_page[page_url], f"report page no longer holds the report: {page_url}")
            return
        page_item.report = report
        attachments = [] if _has_tables(report) else list(self._attachments(response))
        if attachments:
            # the numbers come from the attachment when the page has none
            for url, _ in attachments:
                yield self._document_request(site, url, response.url, path, response.meta.get("list_title"),
                                             referer=response.url)
            return
        yield page_item

    def _document_request(self, site: Site, url: str, page_url: str, path: list[str], list_title: str | None,
                          referer: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_document, errback=self.failed,
            headers={"Referer": referer, **self._conditional(site, url)},
            meta={"site": site.name, "path": path, "page_url": page_url, "download_slot": host_of(url),
                  "list_title": list_title},
        )

    def _unchanged_page(self, site: Site, page_url: str, path: list[str], list_title: str | None) -> Any:
        """The page is as before; its attachment may not be: ask for that too (conditionally when it can be)."""
        doc = site.known.documents.get(page_url)
        if doc and not self._fresh(site, doc):
            return self._document_request(site, doc, page_url, path, list_title, referer=page_url)
        return self._seen(site, site.known.by_page.get(page_url, []))

    def _stored_bytes(self, site: Site, response: Response) -> int | None:
        """The report already stored from exactly these bytes (a server without validators sent them again):
        they are not parsed again."""
        if not site.known.by_sha:  # nothing stored yet: no hashing on the reactor thread
            return None
        known = site.known.by_sha.get(hashlib.sha256(response.body).hexdigest())
        if known is not None:
            self.crawler.stats.inc_value("nianbao/unchanged_documents")
        return known

    def _seen(self, site: Site, ids: list[int]) -> SeenItem:
        return SeenItem(site.name, list(ids))

    def _removed(self, site: Site, ids: list[int], detail: str) -> RemovedItem:
        self.crawler.stats.inc_value("nianbao/removed")
        self.logger.warning("%s: removed: %s", site.name, detail)
        return RemovedItem(site.name, list(ids), detail)

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
        site.walk.pages += 1
        url = response.request.url
        if response.status == 304:
            self.crawler.stats.inc_value("nianbao/not_modified")
            yield self._seen(site, site.known.by_document.get(url, []) + site.known.by_page.get(response.meta["page_url"], []))
            return
        if response.status in (404, 410) and (url in site.known.by_document or response.url in site.known.by_document):
            ids = site.known.by_document.get(url) or site.known.by_document[response.url]
            yield self._removed(site, ids, f"report document answered HTTP {response.status}: {url}")
            return
        if response.status == 200 and (known := self._stored_bytes(site, response)) is not None:
            yield self._seen(site, [known])
            return
        if response.status >= 400 or self._blocked(response, site):
            site.walk.errors.append(f"attachment HTTP {response.status}: {response.url}")
            self.crawler.stats.inc_value("nianbao/attachment_errors")
            return
        yield self._item(site, response, page_url=response.meta["page_url"], path=response.meta["path"],
                         attachment=True)

    def _item(self, site: Site, response: Response, *, page_url: str, path: list[str],
              attachment: bool = False) -> DocumentItem:
        return DocumentItem(
            site=site.name, page_url=page_url, document_url=response.url, body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1"), http_status=response.status,
            fetched_at=datetime.now(UTC), discovery_path=path, list_title=response.meta.get("list_title"),
            attachment=attachment, filename=_filename(response),
        )

    def failed(self, failure: Failure) -> None:
        request = failure.request
        site = self.sites.get(request.meta.get("site", ""))
        if site is None:
            return
        reason = failure.getErrorMessage() or failure.type.__name__
        site.walk.errors.append(f"{request.url}: {reason}")
        if request.meta.get("root"):
            if "robots" in reason.lower() or "Forbidden by robots.txt" in reason:
                site.end(SiteStatus.ROBOTS, "robots.txt forbids the homepage")
            elif site.status is None:
                site.end(SiteStatus.DEAD, f"homepage unreachable: {reason}")
        self.crawler.stats.inc_value("nianbao/failed_requests")

    def recheck_unlisted(self, listed: dict[str, set[str]] | None = None) -> int:
        """Once the walk is done: known report pages that no list showed any more are asked for again (only a
        page or document that is really gone, 404/410 or no longer a report, counts as removed). A site whose
        lists yielded nothing is not rechecked: it is flagged instead. `listed`: the report links each site's
        lists showed to the other workers of a distributed job. Returns how many pages were asked for."""
        scheduled = 0
        for site in self.sites.values():
            links = set(site.walk.reports) | (listed or {}).get(site.name, set())
            if site.known.rechecked or not links or site.status is not None:
                continue
            site.known.rechecked = True
            for page_url in site.known.by_page:
                if page_url and page_url not in links:
                    self.crawler.engine.crawl(self._req(page_url, self.parse_article, site, [], recheck=True))
                    scheduled += 1
        if scheduled:
            self.logger.info("recrawl: asking again for %d known report pages no list showed", scheduled)
        return scheduled

    def _idle(self) -> None:
        if self.settings.get("NIANBAO_JOB"):  # a distributed job (crawler.distributed)
            return  # the job's scheduler asks for the recheck once the whole job, not this worker, is idle
        if self.recheck_unlisted():
            raise DontCloseSpider

    def closed(self, reason: str) -> None:
        for site in self.sites.values():
            site.conclude()
            self.crawler.stats.set_value(f"nianbao/site/{site.name}/status", str(site.status))


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
