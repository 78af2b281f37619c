"""CMS families, one small class each: how a family pages its 年报 list beyond plain links.

Every family's list entries are read the same way (`links_in`: anchors in HTML, in CDATA records, in HTML
inside JSON, and title/url pairs in JSON); a platform only says how to ask for the next pages. A family is
detected from the page itself, so a county is a row in the registry, not code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urljoin

from parsel import Selector
from scrapy import FormRequest, Request
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


def paged(template: str, headers: dict[str, str] | None = None, page: int = 1) -> Request:
    """Page `page` of an API whose pages are asked for one after the other (the spider asks for the
    next one while a page still brings new entries)."""
    url = template.replace(str(PAGE), str(page))
    return Request(url, headers=headers or {}, meta={"page_template": template, "page_no": page, "page_headers": headers or {}})


def next_page(response: Response) -> Request | None:
    template = response.meta.get("page_template")
    page = response.meta.get("page_no", 1)
    if not template or page >= MAX_PAGES:
        return None
    return paged(template, response.meta.get("page_headers"), page + 1)


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


class TRS(Platform):
    """TRS WCM: page links are written by `createPageHTML(count, current, "index", "html")`."""

    name = "trs"
    marker = re.compile(r"createPageHTML\s*\(")
    call = re.compile(
        r"createPageHTML\s*\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
    )
    count_var = re.compile(r"var\s+countPage\s*=\s*(\d+)")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        m = self.call.search(response.text)
        if not m:
            return
        count, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        v = self.count_var.search(response.text)
        count = int(v.group(1)) if v else count
        for i in range(min(count, MAX_PAGES)):
            name = f"{stem}.{ext}" if i == 0 else f"{stem}_{i}.{ext}"
            yield Request(urljoin(response.url, name))


class HanwebJCMS(Platform):
    """大汉 JCMS: the first records inline in <datastore>, the rest from dataproxy.jsp by POST."""

    name = "hanweb"
    marker = re.compile(r"<datastore>|dataproxy\.jsp")
    proxy = re.compile(r"""["']?(/module/(?:web/)?jpage/dataproxy\.jsp)[^"'<>]*""")
    fields = ("col", "appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype")
    total = re.compile(r"<totalrecord>\s*(\d+)|totalRecord\s*[=:]\s*['\"]?(\d+)", re.I)
    per_page = 45

    def pages(self, response: TextResponse) -> Iterator[Request]:
        text = response.text
        m = self.proxy.search(text)
        if not m:
            return
        form: dict[str, str] = {}
        for key in self.fields:
            v = re.search(rf"""(?:param_\d+|\b{key})\s*[=:]\s*['"]?([^'"&,}}\s<]*)['"]?""", text)
            if key == "col" or v is None:
                v = re.search(rf"""[?&"'\s]{key}=["']?([^'"&\s<>]+)""", text) or v
            if v:
                form[key] = v.group(1)
        total_m = self.total.search(text)
        total = int(next(g for g in total_m.groups() if g)) if total_m else self.per_page * MAX_PAGES
        start = 1
        while start <= total and start <= self.per_page * MAX_PAGES:
            end = start + self.per_page - 1
            query = urlencode({"startrecord": start, "endrecord": end, "perpage": 15})
            yield FormRequest(
                urljoin(response.url, f"{m.group(1)}?{query}"),
                formdata=form,
                headers={"X-Requested-With": "XMLHttpRequest", "Referer": response.url},
                dont_filter=False,
            )
            start = end + 1


class JPaaS(Platform):
    """大汉 JPaaS: the list comes from the unit build API, one pageNo at a time."""

    name = "jpaas"
    marker = re.compile(r"unitbuild\.js")
    query = re.compile(r"""queryData\s*=\s*(?:"([^"]+)"|'([^']+)')""")
    api = "/api-gateway/jpaas-publish-server/front/page/build/unit"

    def pages(self, response: TextResponse) -> Iterator[Request]:
        m = self.query.search(response.text)
        if not m:
            return
        try:
            params = json.loads((m.group(1) or m.group(2)).replace("'", '"'))
        except ValueError:
            return
        base = {k: str(v) for k, v in params.items() if not isinstance(v, dict | list)}
        q = {**base, "parseType": "bulidstatic", "paramJson": json.dumps({"pageNo": PAGE, "pageSize": "15"})}
        yield paged(urljoin(response.url, f"{self.api}?{urlencode(q)}"))


class Gkmlpt(Platform):
    """Guangdong gkmlpt: JSON list API keyed by the page's SID and the column's catId."""

    name = "gkmlpt"
    marker = re.compile(r"gkmlpt")
    sid = re.compile(r"""SID\s*[:=]\s*['"]([^'"]+)['"]""")
    cat = re.compile(r"""(?:catId|CATEGORY|category_id|cat_id)\s*[:=]\s*['"]?(\d+)""", re.I)

    def pages(self, response: TextResponse) -> Iterator[Request]:
        sid, cat = self.sid.search(response.text), self.cat.search(response.text)
        if not (sid and cat):
            cat_in_url = re.search(r"#(\d+)$|/(\d+)/?$", response.url)
            if not (sid and cat_in_url):
                return
            cat_id = next(g for g in cat_in_url.groups() if g)
        else:
            cat_id = cat.group(1)
        yield paged(urljoin(response.url, f"/gkmlpt/api/all/{cat_id}?page={PAGE}&sid={sid.group(1)}"))


class Lonsun(Platform):
    """龙讯 Lonsun: list pages come by AJAX from /site/label/8888?IsAjax=1&labelName=publicInfoList…"""

    name = "lonsun"
    marker = re.compile(r"/site/label/\d+\?")
    label = re.compile(r"""['"](/site/label/\d+\?[^;]*?);""", re.S)
    literal = re.compile(r"(encodeURIComponent\(\s*)?'([^']*)'|(encodeURIComponent\(\s*)?\"([^\"]*)\"")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        m = self.label.search(response.text)
        if not m or "publicInfoList" not in m.group(1):
            return
        # the URL is glued together in script: keep its string literals, drop the expressions between
        url = m.group(1).split("'", 1)[0].split('"', 1)[0]
        for enc1, lit1, enc2, lit2 in self.literal.findall(m.group(1)[len(url) + 1 :]):
            lit = lit1 or lit2
            url += quote(lit) if (enc1 or enc2) else lit
        url = re.sub(r"&(?:pageIndex|_)=(?=&|$)", "", url.replace("&amp;", "&"))
        yield paged(urljoin(response.url, f"{url}&pageIndex={PAGE}"), {"X-Requested-With": "XMLHttpRequest"})


PLATFORMS: tuple[type[Platform], ...] = (TRS, HanwebJCMS, JPaaS, Gkmlpt, Lonsun)


def detect(html: str) -> list[Platform]:
    """Every family whose marks the page carries (a page may mix a TRS list with a Hanweb sidebar)."""
    return [cls() for cls in PLATFORMS if cls.detect(html)]
