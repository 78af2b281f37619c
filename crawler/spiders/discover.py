"""One discovery spider for every county site: homepage → 政府信息公开 → 年报 column(s) → every list page → reports.

Pages are judged by what they hold (`crawler.listing`): a page that lists reports is a list, whatever led to it.
Inside a 年报 column the walk follows the column's own structure — sub-columns by year or organ, tabs beside the
column's own link, folders whose path extends the column's, every page of each list — not a word list; a CMS
family's API pages come from `crawler.platforms` (fast paths), and a list that only a script builds is read in
Chromium. A per-site page budget and depth bound the walk; each site ends with a status and a reason.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler import browser, classify, leads, listing, platforms
from crawler.config import Config
from crawler.leads import Lead
from crawler.spiders.reports import ReportPages
from crawler.spiders.site import Site, Tally, host_of
from parsers import decode
from storage.kinds import SiteStatus

WAF_MARKS = re.compile(r"\$_ts|_\$[a-z]{2}|waf|安全狗|云锁|访问被拦截|拦截|yunsuo|seraph|acw_sc", re.I)
# pages that lead to more pages go first: the walk's long chains (menu → column → sub-column → page) set the
# crawl's length under a per-host pace, and reports and attachments fill the gaps
PRIORITY = {"list": 20, "report": 10}


@dataclass(frozen=True)
class Place:
    """Where a page sits in the walk: menu depth from the homepage; inside a 年报 column or not, how many levels
    below its root, and the list it continues (its pages and API pages are one list)."""

    nav_depth: int = 0
    column_depth: int | None = None  # None: not inside a 年报 column
    list_root: str | None = None  # the first page of the list this page is part of

    @classmethod
    def of(cls, meta: dict[str, Any]) -> Place:
        return cls(meta.get("nav_depth", 0), meta.get("column_depth"), meta.get("list_root"))

    @property
    def in_column(self) -> bool:
        return self.column_depth is not None

    def meta(self) -> dict[str, Any]:
        return {"nav_depth": self.nav_depth, "column_depth": self.column_depth, "list_root": self.list_root}

    def column(self, url: str) -> Place:
        """A 年报 column's root (a new list)."""
        return Place(self.nav_depth + 1, 0 if self.column_depth is None else self.column_depth + 1, url)

    def sub(self, url: str) -> Place:
        """A sub-column or folder of this column (a list of its own)."""
        return Place(self.nav_depth + 1, (self.column_depth or 0) + 1, url)

    def menu(self) -> Place:
        return Place(self.nav_depth + 1, None, None)

    def after(self, lead: Lead, url: str) -> Place:
        """Where a page that `lead` leads to sits."""
        if lead is Lead.COLUMN:
            return self.column(url)
        if lead is Lead.SUB:
            return self.sub(url)
        if lead is Lead.MENU:
            return self.menu()
        return self  # a frame of this page, the next page of this list


class DiscoverSpider(ReportPages, scrapy.Spider):
    name = "discover"
    custom_settings: dict[str, Any] = {}

    def __init__(self, sites: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites: dict[str, Site] = {}
        for name, url in sites or []:
            self.sites[name] = Site.start(name, url)
        self.start_hosts = {urlsplit(s.start_url).hostname or "" for s in self.sites.values()}

    @property
    def config(self) -> Config:
        return Config.from_crawler(self.crawler)

    def _req(self, url: str, callback: Any, site: Site, path: list[str], dont_filter: bool = False,
             **meta: Any) -> scrapy.Request:
        if listing.is_route(url.partition("#")[2]):
            # a hash route: Scrapy's duplicate filter ignores fragments, so the spider tells routes apart
            dont_filter = dont_filter or url not in site.walk.routes
            site.walk.routes.add(url)
        if site.walk.script_only and not classify.is_document_url(url) and callback in (self.parse_page, self.parse_article):
            meta.update(playwright=True, rendered=True)  # a script-only site: straight to the browser
        if meta.get("playwright"):
            meta.setdefault("playwright_page_methods", [PageMethod("wait_for_load_state", "networkidle")])
            site.walk.renders += 1
        headers = self._conditional(site, url) if callback == self.parse_article and not meta.get("playwright") else {}
        priority = PRIORITY["list"] if callback == self.parse_page else PRIORITY["report"] if callback == self.parse_article else 0
        return scrapy.Request(
            url, callback=callback, errback=self.failed, dont_filter=dont_filter, headers=headers, priority=priority,
            meta={"site": site.name, "path": path, "download_slot": host_of(url), **meta},
        )

    def _list_request(self, site: Site, url: str, path: list[str], place: Place, **meta: Any) -> scrapy.Request | None:
        """A menu, column or list page, within the site's page budget and the column depth; None when not."""
        key = listing.canonical(url)
        if key in site.walk.listed:
            return None
        if place.in_column and (place.column_depth or 0) > self.config.column_depth:
            return None
        if len(site.walk.listed) >= self.config.page_budget:
            site.walk.over_budget += 1
            return None
        site.walk.listed.add(key)
        return self._req(url, self.parse_page, site, path, **place.meta(), **meta)

    async def start(self) -> Any:
        self._load_known()
        self.crawler.signals.connect(self._idle, signal=scrapy.signals.spider_idle)
        for site in self.sites.values():
            # every site's homepage before any deeper page: each host keeps its own pace from the start
            site.walk.listed.add(listing.canonical(site.start_url))
            yield self._req(site.start_url, self.parse_page, site, [], **Place().meta(), root=True).replace(priority=100)

    # -- pages ------------------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        """A menu, column or list page: follow what leads to reports, and ask for the list's further pages."""
        site = self.sites[response.meta["site"]]
        site.walk.pages += 1
        if not self._usable(response, site):
            return
        if not response.meta.get("base_url") and self._needs_browser(response):  # (an API's answer is data: read it)
            site.walk.script_only = site.walk.script_only or bool(response.meta.get("root"))
            yield self._again_in_browser(response, site, self.parse_page)
            return
        yield from self._read_page(response, site)

    def _read_page(self, response: TextResponse, site: Site, body: str | None = None) -> Iterator[Any]:
        """What the page holds, and where it leads."""
        asked = response.request.url if response.request is not None else response.url
        if listing.is_route(asked.partition("#")[2]) and "#" not in response.url:
            response = response.replace(url=asked)  # a route is the page's own (HTTP never sends the fragment)
        place = Place.of(response.meta)
        body = body if body is not None else _text_of(response)
        # an API's answer is HTML or JSON for the list page's script: its relative links are the page's, as in a browser
        page = listing.read(body, response.meta.get("base_url") or response.url, about_reports=place.in_column)
        if page.cut:
            site.walk.cut.add(response.url)
        if page.entries and not place.in_column:
            place = Place(place.nav_depth, 0, response.url)  # it lists reports: a 年报 list, whatever led here
        key = listing.canonical(response.url)
        rows = {e.url for e in page.entries} | {e.url for e in page.candidates} | page.row_urls
        tally = site.walk.tally(listing.canonical(place.list_root or response.url)) if place.in_column else Tally()
        before = set().union(*(site.walk.rows.get(u, set()) for u in tally.pages))
        site.walk.rows.setdefault(key, set()).update(rows)
        tally.add(key, page)
        more = bool(rows - before)  # the page brought entries (of any kind) its list had not shown yet
        path = [*response.meta["path"], response.url]
        taken: set[str] = set()
        for entry in page.entries:
            taken.add(entry.url)
            if entry.url not in site.walk.reports:
                yield self._report(site, entry, path)
        for entry in page.candidates:
            taken.add(entry.url)
            if entry.url not in site.walk.candidates and entry.url not in site.walk.reports:
                yield self._candidate(site, entry, path, {**replace(place, column_depth=(place.column_depth or 0) + 1,
                                                                   list_root=entry.url).meta()})
        yield from filter(None, self._navigate(response, site, page, place, taken, path, tally))
        fast: list[scrapy.Request] = []  # what a known family's fast path asks for (asked before or not)
        yield from self._platform_pages(response, site, place, more, fast)
        if (place.in_column and not page.entries and not page.candidates and page.scripted and not fast
                and not response.meta.get("rendered") and not response.meta.get("base_url")):
            yield self._render_list(response, site, place)

    def _navigate(self, response: TextResponse, site: Site, page: listing.ListPage, place: Place, taken: set[str],
                  path: list[str], tally: Tally) -> Iterator[scrapy.Request | None]:
        """Where the page's links lead (`crawler.leads`): columns, the 政府信息公开 area, and inside a column its own
        structure; and every further page of this list."""
        here = listing.canonical(response.url)
        own_blocks = {link.block for link in page.links if link.block and listing.canonical(link.url) == here}
        root_dir = leads.directory(place.list_root or response.url)
        menus_left = place.nav_depth < self.config.menu_depth
        for link in page.links:
            url = link.url
            if url in taken or classify.is_document_url(url) or not site.walk.in_site(url) or listing.canonical(url) == here:
                continue
            kind = leads.lead(link, in_column=place.in_column, menus_left=menus_left, root_dir=root_dir,
                              own_blocks=own_blocks)
            if kind is None:
                continue
            if kind is Lead.COLUMN:
                site.walk.columns.add(url)
            if kind is Lead.NEXT:
                tally.pages.add(listing.canonical(url))
            same = kind in (Lead.FRAME, Lead.NEXT)  # part of this page, or of this list
            yield self._list_request(site, url, response.meta["path"] if same else path, place.after(kind, url))
        if place.in_column:
            for url in listing.same_list_pages(response.url, page.links, page.page_count, platforms.MAX_PAGES):
                tally.pages.add(listing.canonical(url))
                yield self._list_request(site, url, response.meta["path"], place)

    def _platform_pages(self, response: TextResponse, site: Site, place: Place, more: bool,
                        fast: list[scrapy.Request]) -> Iterator[scrapy.Request]:
        """The further pages a CMS family's list has beyond plain links; a paged API's next page while the
        last one still brought new entries."""
        if not (place.in_column or place.nav_depth):
            return
        if not place.in_column:
            place = Place(place.nav_depth, 0, response.url)
        meta = {"site": site.name, "path": response.meta["path"], **place.meta(),
                "base_url": response.meta.get("base_url") or response.url}
        for platform in platforms.detect(response.text):
            for req in platform.pages(response):
                fast.append(req)
                key = listing.canonical(req.url)
                if req.method == "POST" or key not in site.walk.listed:
                    site.walk.listed.add(key)
                    yield req.replace(callback=self.parse_page, errback=self.failed, priority=PRIORITY["list"],
                                      meta={**req.meta, **meta, "download_slot": host_of(req.url), "platform": platform.name})
        nxt = platforms.next_page(response) if more else None
        if nxt is not None:
            yield nxt.replace(callback=self.parse_page, errback=self.failed, priority=PRIORITY["list"],
                              meta={**nxt.meta, **meta, "download_slot": host_of(nxt.url)})

    # -- lists that only a script builds ----------------------------------------------------------
    def _render_list(self, response: TextResponse, site: Site, place: Place) -> scrapy.Request:
        self.crawler.stats.inc_value("nianbao/list_renders")
        return self._req(response.url, self.parse_rendered, site, response.meta["path"], **place.meta(),
                         playwright=True, playwright_include_page=True, rendered=True, dont_filter=True,
                         playwright_page_methods=[PageMethod("wait_for_load_state", "networkidle")])

    async def parse_rendered(self, response: Response) -> AsyncIterator[Any]:
        """The list as Chromium shows it, page after page; the data requests it made, asked again over plain
        HTTP for the pages after the ones clicked through."""
        site = self.sites[response.meta["site"]]
        site.walk.pages += 1
        page = response.meta["playwright_page"]
        try:
            rendered = await browser.read_list(page, platforms.MAX_PAGES)
        finally:
            await page.close()
        place = Place.of(response.meta)
        shown = 0
        for html in rendered.pages:
            for out in self._read_page(response.replace(body=html.encode("utf-8"), encoding="utf-8"), site, html):
                shown += 1
                yield out
        for exchange in reversed(rendered.exchanges):  # the last data request: the page after it comes next
            template = browser.page_template(exchange)
            if template is not None:
                url, body = template
                site.walk.listed.add(listing.canonical(exchange.url))
                req = platforms.paged(url, _replayable(exchange.headers), len(rendered.pages) + 1, body)
                yield req.replace(callback=self.parse_page, errback=self.failed,
                                  meta={**req.meta, "site": site.name, "path": response.meta["path"],
                                        "download_slot": host_of(exchange.url), "base_url": response.url, **place.meta()})
                break
        if not shown:
            site.walk.errors.append(f"rendered list showed nothing: {response.url}")

    # -- what a response is -----------------------------------------------------------------------
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
        keep = {k: meta[k] for k in ("nav_depth", "column_depth", "list_root", "list_title", "root", "candidate",
                                     "base_url") if k in meta}
        return self._req(response.request.url, callback, site, meta["path"], **keep, playwright=True, rendered=True,
                         dont_filter=True)

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
        # counted by XPath first, not by a Selector per node: a page of text would make thousands
        if float(response.xpath("count(//script)").get()) == 0 or float(response.xpath("count(//a[@href])").get()) >= 3:
            return False
        body = response.xpath("//body")
        return not body or _visible_chars(body[0].root, 200) < 200

    def failed(self, failure: Failure) -> Any:
        request = failure.request
        page = request.meta.get("playwright_page")
        if page is not None:
            return self._close_page(page)
        site = self.sites.get(request.meta.get("site", ""))
        if site is None:
            return None
        reason = failure.getErrorMessage() or failure.type.__name__
        if request.meta.get("playwright") and request.meta.get("render_try", 0) < 1:
            # a browser under load times out: once more, then the page counts as failed
            self.crawler.engine.crawl(request.replace(dont_filter=True, meta={**request.meta, "render_try": 1}))
            return None
        site.walk.errors.append(f"{request.url}: {reason}")
        if request.meta.get("root"):
            if "robots" in reason.lower() or "Forbidden by robots.txt" in reason:
                site.end(SiteStatus.ROBOTS, "robots.txt forbids the homepage")
            elif site.status is None:
                site.end(SiteStatus.DEAD, f"homepage unreachable: {reason}")
        self.crawler.stats.inc_value("nianbao/failed_requests")
        return None

    @staticmethod
    async def _close_page(page: Any) -> None:
        await page.close()

    def _idle(self) -> None:
        if self.config.job:  # a distributed job (crawler.distributed)
            return  # the job's scheduler asks for the recheck once the whole job, not this worker, is idle
        if self.recheck_unlisted():
            raise DontCloseSpider

    def closed(self, reason: str) -> None:
        for site in self.sites.values():
            if reason != "finished" and site.status is None:  # stopped (a signal, storage failing) before it was done
                site.end(SiteStatus.INTERRUPTED, f"the crawl was stopped ({reason}) before the site was done")
            site.conclude(self.crawler.stats.get_stats(), self.config.page_budget)
            self.crawler.stats.set_value(f"nianbao/site/{site.name}/status", str(site.status))
            if site.status in UNREAD:  # one calm line per site that could not be read, saying why
                self.logger.warning("%s: %s, %s", site.name, site.status, site.reason)


UNREAD = (SiteStatus.DEAD, SiteStatus.ROBOTS, SiteStatus.BLOCKED)


def _replayable(headers: dict[str, str]) -> dict[str, str]:
    """The headers of a browser's data request worth sending again over plain HTTP."""
    keep = ("x-requested-with", "content-type", "accept", "referer")
    return {k: v for k, v in headers.items() if k.lower() in keep}


def _text_of(response: TextResponse) -> str:
    """The page's text, decoded by what its bytes are when the header or meta says otherwise (GBK sent as UTF-8)."""
    ctype = response.headers.get("Content-Type", b"").decode("latin-1")
    m = re.search(r"charset=([\w-]+)", ctype, re.I)
    return decode(response.body, m.group(1) if m else None)


def _visible_chars(root: Any, enough: int) -> int:
    """Characters other than spaces in the text of `root` outside scripts and styles, counted up to `enough`."""
    n = 0
    for el in root.iter():
        if el.text and isinstance(el.tag, str) and el.tag not in ("script", "style"):
            n += len("".join(el.text.split()))
        if el.tail and el is not root:
            n += len("".join(el.tail.split()))
        if n >= enough:
            break
    return n
