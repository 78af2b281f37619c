"""龙讯 Lonsun: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urljoin

from scrapy import Request
from scrapy.http import TextResponse

from .base import PAGE, Platform, paged


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
