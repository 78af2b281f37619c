"""The report end of the walk: a report's page, its attachment, and what earlier crawls stored of them
(conditional GETs, unchanged bytes, removals). A mixin of the discovery spider, which calls `_report` for every
report entry a list shows and `_candidate` for every link that only the document can judge."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin

import scrapy
from scrapy.http import Response, TextResponse

from crawler import classify
from crawler.items import DocumentItem, RemovedItem, SeenItem
from crawler.listing import Entry
from crawler.parsing import parse_elsewhere, parse_pages_elsewhere, unpack
from crawler.spiders.site import Site, host_of
from parsers import NotAReport


class ReportPages:
    """Fetching reports. Needs from the spider: `sites`, `config`, `crawler`, `logger`, `_req`, `_blocked`,
    `_needs_browser`, `_again_in_browser`, `failed`, `_read_page`."""

    sites: dict[str, Site]
    config: Any
    crawler: Any
    logger: Any

    # -- what a list shows ------------------------------------------------------------------------
    def _report(self, site: Site, entry: Entry, path: list[str]) -> Any:
        """A report entry of a list: its page asked for (conditionally), or known unchanged."""
        link = classify.report_link(entry.title or "")
        site.walk.reports[entry.url] = {"title": entry.title, "organ": link.organ if link else None,
                                        "year": link.year if link else None, "path": path}
        if self._fresh(site, entry.url):
            return self._unchanged_page(site, entry.url, path, entry.title)
        return self._req(entry.url, self.parse_article, site, path, list_title=entry.title)

    def _candidate(self, site: Site, entry: Entry, path: list[str], place: dict[str, Any]) -> Any:
        """A link that says nothing (查看, 下载, a file name) in a list about reports: the document decides."""
        site.walk.candidates.add(entry.url)
        if self._fresh(site, entry.url):
            return self._unchanged_page(site, entry.url, path, None)
        return self._req(entry.url, self.parse_article, site, path, candidate=True, **place)

    # -- recrawl memory ---------------------------------------------------------------------------
    def _load_known(self) -> None:
        """What earlier crawls stored for these sites: conditional GETs and removals are checked against it."""
        from storage.db import Store

        if not self.config.db or not self.config.incremental:
            return
        with Store(self.config.db) as store:
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
        if datetime.now(UTC) - fetched < timedelta(hours=self.config.revalidate_hours):
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

    def _unchanged_page(self, site: Site, page_url: str, path: list[str], list_title: str | None) -> Any:
        """The page is as before; its attachment may not be: ask for that too (conditionally when it can be)."""
        doc = site.known.documents.get(page_url)
        if doc and not self._fresh(site, doc):
            return self._document_request(site, doc, page_url, path, list_title, referer=page_url)
        return self._seen(site, site.known.by_page.get(page_url, []))

    def _stored_bytes(self, site: Site, response: Response) -> tuple[int | None, str | None]:
        """The report already stored from exactly these bytes (a server without validators sent them again):
        they are not parsed again. Also the bytes' sha256 when it was computed (none when nothing is stored
        yet: no hashing on the reactor thread)."""
        if not site.known.by_sha:
            return None, None
        sha = hashlib.sha256(response.body).hexdigest()
        known = site.known.by_sha.get(sha)
        if known is not None:
            self.crawler.stats.inc_value("nianbao/unchanged_documents")
        return known, sha

    def _seen(self, site: Site, ids: list[int]) -> SeenItem:
        return SeenItem(site.name, list(ids))

    def _removed(self, site: Site, ids: list[int], detail: str) -> RemovedItem:
        self.crawler.stats.inc_value("nianbao/removed")
        self.logger.warning("%s: removed: %s", site.name, detail)
        return RemovedItem(site.name, list(ids), detail)

    def recheck_unlisted(self, listed: dict[str, set[str]] | None = None) -> int:
        """Once the walk is done: known report pages that no list showed any more are asked for again (only a
        page or document that is really gone, 404/410 or no longer a report, counts as removed). A site whose
        lists yielded nothing is not rechecked: it is flagged instead. `listed`: the report links each site's
        lists showed to the other workers of a distributed job. Returns how many pages were asked for."""
        scheduled = 0
        for site in self.sites.values():
            links = set(site.walk.reports) | site.walk.candidates | (listed or {}).get(site.name, set())
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

    # -- a report's page and its attachment -------------------------------------------------------
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
            yield self._item(site, response, page_url=page_url, path=path)
            return
        if self._needs_browser(response):
            yield self._again_in_browser(response, site, self.parse_article)
            return
        known, sha = self._stored_bytes(site, response)
        if known is not None:
            yield self._seen(site, [known])
            return
        page_item = self._item(site, response, page_url=page_url, path=path, sha256=sha)
        # parsing is pure and can take a while: off the reactor thread, so downloads keep flowing
        report, page_item.schema_problems = unpack(
            await parse_elsewhere(response.body, response.url, response.meta.get("list_title")))
        if isinstance(report, NotAReport):
            if page_url in site.known.by_page and page_url not in site.known.documents:
                # a soft 404: the page that held a report now holds something else
                yield self._removed(site, site.known.by_page[page_url], f"report page no longer holds the report: {page_url}")
                return
        page_item.report = report
        if response.meta.get("candidate") and not _has_tables(report):
            # a link that said nothing, to a page without the form's tables: read as a list (更多, a year, a page
            # whose report is an attachment: its document links are candidates there too)
            for out in self._read_page(response, site):
                yield out
            return
        attachments = [] if _has_tables(report) else list(self._attachments(response))
        if attachments:
            # the numbers come from the attachment when the page has none
            for url, _ in attachments:
                yield self._document_request(site, url, response.url, path, response.meta.get("list_title"),
                                             referer=response.url, candidate=response.meta.get("candidate", False))
            return
        images = _page_images(response) if isinstance(report, dict) and report.get("title") and not _has_tables(report) else []
        if images:
            # a report published as a column of page images (图片版): fetched one after another, read as one document
            yield self._image_request(page_item, images, [], _title_hints(response))
            return
        yield page_item

    # -- a report published as page images -----------------------------------------------------------
    def _image_request(self, page_item: DocumentItem, urls: list[str], kept: list[tuple[str, bytes]], hints: list[str],
                       at: int = 0) -> Any:
        url = urls[at]
        return scrapy.Request(
            url, callback=self.parse_page_image, errback=self._page_image_failed, dont_filter=True,
            headers={"Referer": page_item.page_url},
            meta={"site": page_item.site, "path": page_item.discovery_path, "download_slot": host_of(url),
                  "page_item": page_item, "images": urls, "kept": kept, "hints": hints, "at": at},
        )

    async def parse_page_image(self, response: Response) -> AsyncIterator[Any]:
        site = self.sites[response.meta["site"]]
        site.walk.pages += 1
        page_item: DocumentItem = response.meta["page_item"]
        urls: list[str] = response.meta["images"]
        if response.status >= 400 or self._blocked(response, site):
            site.walk.errors.append(f"page image HTTP {response.status}: {response.url}")
            yield page_item  # the page as it reads without its images: tables null, a failing check
            return
        kept: list[tuple[str, bytes]] = response.meta["kept"]
        if _page_sized(response.body):  # an icon or a badge that said nothing of itself by its name is left out here
            kept = [*kept, (response.request.url, response.body)]
        at = response.meta["at"] + 1
        if at < len(urls):
            yield self._image_request(page_item, urls, kept, response.meta["hints"], at)
            return
        if not kept:
            yield page_item
            return
        report, problems = unpack(await parse_pages_elsewhere([b for _, b in kept], page_item.page_url,
                                                              response.meta["hints"], page_item.list_title,
                                                              [u for u, _ in kept]))
        if isinstance(report, Exception):
            site.walk.errors.append(f"page images unreadable ({report}): {page_item.page_url}")
        else:
            page_item.report, page_item.schema_problems = report, problems
        self.crawler.stats.inc_value("nianbao/image_reports")
        yield page_item

    def _page_image_failed(self, failure: Any) -> Any:
        meta = failure.request.meta
        site = self.sites.get(meta.get("site", ""))
        if site is not None:
            site.walk.errors.append(f"page image failed ({failure.getErrorMessage() or failure.type.__name__}): "
                                    f"{failure.request.url}")
        return meta["page_item"]

    def _document_request(self, site: Site, url: str, page_url: str, path: list[str], list_title: str | None,
                          referer: str, candidate: bool = False) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_document, errback=self.failed,
            headers={"Referer": referer, **self._conditional(site, url)},
            meta={"site": site.name, "path": path, "page_url": page_url, "download_slot": host_of(url),
                  "list_title": list_title, "candidate": candidate},
        )

    def _attachments(self, response: TextResponse) -> Iterator[tuple[str, str]]:
        seen: set[str] = set()
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            url = urljoin(response.url, href)
            text = " ".join(a.css("::text").getall())
            # an image is an attachment when its link says so (a file name, a report's title); pictures shown in the
            # page are its page images (_page_images)
            image = bool(_IMAGE_URL.search(url))
            if classify.is_document_url(url) and url not in seen and (
                    not image or _IMAGE_URL.search(text.strip()) or classify.find_report_title(text)):
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
        known, sha = self._stored_bytes(site, response) if response.status == 200 else (None, None)
        if known is not None:
            yield self._seen(site, [known])
            return
        if response.status >= 400 or self._blocked(response, site):
            site.walk.errors.append(f"attachment HTTP {response.status}: {response.url}")
            self.crawler.stats.inc_value("nianbao/attachment_errors")
            return
        yield self._item(site, response, page_url=response.meta["page_url"], path=response.meta["path"],
                         attachment=True, sha256=sha)

    def _item(self, site: Site, response: Response, *, page_url: str, path: list[str],
              attachment: bool = False, sha256: str | None = None) -> DocumentItem:
        return DocumentItem(
            site=site.name, page_url=page_url, document_url=response.url, body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1"), http_status=response.status,
            fetched_at=datetime.now(UTC), discovery_path=path, list_title=response.meta.get("list_title"),
            attachment=attachment, filename=_filename(response), sha256=sha256,
            candidate=bool(response.meta.get("candidate")),
        )


def _has_tables(report: dict[str, Any] | Exception) -> bool:
    return isinstance(report, dict) and bool(report.get("requests")) and any(
        v is not None for row in report["requests"].values() for v in row.values()
    )


_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|gif|bmp|tiff?)(?:[?#].*)?$", re.I)
# words that start a word of an image's file name and say it is the site's chrome, not a page of the report: only
# unambiguous ones (a page image may be named anything); a small icon named otherwise is left out by its size
_NOT_A_PAGE = re.compile(r"^(?:logo|icon|banner|qrcode|ewm|erweima|weixin|wechat|weibo|share|btn|button|arrow|spacer|"
                         r"jiucuo|zfwz|conac|police|beian|gongan|print|close)", re.I)
MIN_PAGE_SIDE = 300  # pixels: an image smaller than this, declared or read, is an icon, not a page


def _page_images(response: TextResponse) -> list[str]:
    """The page's images that may be the report's pages, in page order: pictures of the article (not logos,
    icons, QR codes or the footer's badges), by the words of their file names and their declared size; the
    size they really have is looked at once fetched (_page_sized)."""
    out: list[str] = []
    for img in response.css("img"):
        src = (img.attrib.get("src") or img.attrib.get("data-src") or "").strip()
        url = urljoin(response.url, src) if src and not src.startswith("data:") else ""
        if not url or not _IMAGE_URL.search(url) or url in out:
            continue
        stem = url.split("?", 1)[0].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if any(_NOT_A_PAGE.match(word) for word in re.findall(r"[a-z]+", stem.lower())):
            continue
        sizes = [img.attrib.get(k, "").strip().rstrip("px") for k in ("width", "height")]
        if any(v.isdigit() and int(v) < MIN_PAGE_SIDE for v in sizes):
            continue
        out.append(url)
    return out


def _page_sized(body: bytes) -> bool:
    """An image at least MIN_PAGE_SIDE pixels on each side (read from its header); without Pillow, any image."""
    try:
        from PIL import Image
    except ImportError:
        return True
    try:
        with Image.open(io.BytesIO(body)) as img:
            return min(img.size) >= MIN_PAGE_SIDE
    except Exception:  # not an image Pillow knows: the parser says what it is
        return True


def _title_hints(response: TextResponse) -> list[str]:
    return [t.strip() for t in response.css("title::text, h1::text").getall() if t.strip()]


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
