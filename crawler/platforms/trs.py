"""TRS WCM: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import TextResponse

from .base import MAX_PAGES, Platform


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
