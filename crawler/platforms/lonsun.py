"""龙讯 Lonsun: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from scrapy import Request
from scrapy.http import TextResponse

from . import config
from .base import PAGE, Platform, paged

_TOKEN = re.compile(r"""\s*(?:(?P<enc>encodeURIComponent|escape)\(\s*(?P<arg>'[^']*'|"[^"]*"|[\w.$]+)\s*\)"""
                    r"""|(?P<lit>'[^']*'|"[^"]*")|(?P<name>[A-Za-z_$][\w.$]*(?:\(\))?))\s*(?P<plus>\+)?""")


def glued(text: str, start: int, values: dict[str, list[str]]) -> str:
    """A URL a script glues together (`'…&organId=' + organId + '&catId=' + catId`): literals kept, variables
    replaced by the page's configuration values, a page-index variable by PAGE, anything else left empty."""
    out, pos = "", start
    while True:
        m = _TOKEN.match(text, pos)
        if not m:
            break
        if m["lit"]:
            out += m["lit"][1:-1]
        elif m["enc"]:
            arg = m["arg"]
            out += quote(arg[1:-1] if arg[:1] in "'\"" else _value(arg, values))
        else:
            out += _value(m["name"], values)
        pos = m.end()
        if not m["plus"]:
            break
    return out


def _value(name: str, values: dict[str, list[str]]) -> str:
    k = config.key(name.split(".")[-1].rstrip("()"))
    if k in ("pageindex", "pageno", "page", "pagenum", "curpage"):
        return str(PAGE)
    return values.get(k, [""])[0]


class Lonsun(Platform):
    """龙讯 Lonsun: list pages come by AJAX from `/site/label/NNNN?IsAjax=1&labelName=publicInfoList&…&pageIndex=N`,
    the URL glued together in script from the column's organId / catId (in variables, data-* attributes or the
    column's own URL)."""

    name = "lonsun"
    marker = re.compile(r"/site/label/\d+\?")
    label = re.compile(r"""['"]/site/label/\d+\?""")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        values = config.values(response.text)
        own = urlsplit(response.url)
        for k, v in parse_qsl(own.query):  # the column's URL: /public/column/{organId}?catId=…
            values.setdefault(config.key(k), []).append(v)
        if m := re.search(r"/public/column/(\d+)", own.path):
            values.setdefault("organid", []).append(m.group(1))
        for m in self.label.finditer(response.text):
            url = glued(response.text, m.start(), values)
            if "publicInfoList" not in url:
                continue
            parts = urlsplit(url.replace("&amp;", "&"))
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("_",)]
            filled = [(k, str(PAGE) if config.key(k) == "pageindex" else v or values.get(config.key(k), [""])[0])
                      for k, v in query]
            if not any(config.key(k) == "pageindex" for k, _ in filled):
                filled.append(("pageIndex", str(PAGE)))
            yield paged(urljoin(response.url, f"{parts.path}?{urlencode(filled)}"), {"X-Requested-With": "XMLHttpRequest"})
            return
