"""What every CMS family shares: reading a list's entries (`links_in`), paged APIs, and the `Platform` base
class whose hooks a family overrides. A plain site (static lists reachable by ordinary links) is `Platform`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urljoin

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse

MAX_PAGES = 60  # a 年报 column never has more; a bound against calendar-like endless paging


def links_in(response: Response) -> Iterator[tuple[str, str]]:
    """(text, absolute url) of every entry a list response carries, whatever it is wrapped in."""
    if not isinstance(response, TextResponse):
        return
    body = response.text
    stripped = body.lstrip()
    if stripped[:1] in "{[":
        try:
            yield from _json_links(json.loads(stripped), response)
            return
        except ValueError:
            pass
    sel = Selector(text=body.replace("<![CDATA[", "").replace("]]>", ""))
    for a in sel.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:")) or (href.startswith("#") and not href.startswith(("#/", "#!/"))):
            continue  # a plain #anchor; a hash route (#/article/1) of a script-only site is a page
        text = " ".join(a.css("::text").getall()).strip() or a.attrib.get("title", "")
        title = a.attrib.get("title", "")
        if title and len(title) > len(text):
            text = title  # lists cut titles short and keep the whole one in title=
        yield text, urljoin(response.url, href)


def _json_links(data: Any, response: Response) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        title = next((data[k] for k in ("title", "name", "Title", "docTitle") if isinstance(data.get(k), str)), None)
        url = next((data[k] for k in ("url", "link", "href", "infourl", "Url", "docUrl") if isinstance(data.get(k), str)), None)
        if title and url:
            yield title, urljoin(response.url, url)
        for value in data.values():
            if isinstance(value, str) and "<a" in value:
                for a in Selector(text=value).css("a[href]"):
                    text = a.attrib.get("title") or " ".join(a.css("::text").getall()).strip()
                    yield text, urljoin(response.url, a.attrib["href"])
            elif isinstance(value, dict | list):
                yield from _json_links(value, response)
    elif isinstance(data, list):
        for value in data:
            yield from _json_links(value, response)


PAGE = 999000999  # stands for the page number in a paged API's URL template


def paged(template: str, headers: dict[str, str] | None = None, page: int = 1, body: str | None = None) -> Request:
    """Page `page` of an API whose pages are asked for one after the other (the spider asks for the next one
    while a page still brings new entries). The page number stands in `template` (or in the form `body` of a
    POST) as PAGE or as `{n}`."""
    template, body = (t.replace("{n}", str(PAGE)) if t is not None else None for t in (template, body))
    url = template.replace(str(PAGE), str(page))
    meta = {"page_template": template, "page_no": page, "page_headers": headers or {}, "page_body": body}
    if body is None:
        return Request(url, headers=headers or {}, meta=meta)
    form_headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", **(headers or {})}
    return Request(url, method="POST", body=body.replace(str(PAGE), str(page)), headers=form_headers, meta=meta,
                   dont_filter=True)


def next_page(response: Response) -> Request | None:
    template = response.meta.get("page_template")
    page = response.meta.get("page_no", 1)
    if not template or page >= MAX_PAGES:
        return None
    return paged(template, response.meta.get("page_headers"), page + 1, response.meta.get("page_body"))


class Platform:
    """A plain site: every page of a list is reachable through ordinary links."""

    name: ClassVar[str] = "static"
    marker: ClassVar[re.Pattern[str] | None] = None

    @classmethod
    def detect(cls, html: str) -> bool:
        return cls.marker is not None and cls.marker.search(html) is not None

    def pages(self, response: TextResponse) -> Iterator[Request]:
        """Requests for the list's further pages that no plain link points to."""
        return iter(())
