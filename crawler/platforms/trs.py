"""TRS WCM: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import TextResponse

from . import config
from .base import MAX_PAGES, Platform


class TRS(Platform):
    """TRS WCM: page links are written by script — `createPageHTML(count, current, "index", "html")` in its
    variants, or a loop over `var countPage = N` with the page's name and extension in variables."""

    name = "trs"
    marker = re.compile(r"createPageHTML\s*\(|countPage\s*=")
    call = re.compile(
        r"createPageHTML\s*\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
    )

    def pages(self, response: TextResponse) -> Iterator[Request]:
        found = config.values(response.text)
        m = self.call.search(response.text)
        own = re.search(r"/([\w-]+?)(?:_\d+)?\.(s?html?)$", response.url.split("?")[0])
        count_var = config.first(found, "countPage", "pageCount")
        count = int(count_var) if count_var and count_var.isdigit() else int(m.group(1)) if m else 0
        stem = m.group(3) if m else config.first(found, "pageName") or (own.group(1) if own else "index")
        ext = m.group(4) if m else config.first(found, "pageExt") or (own.group(2) if own else "html")
        for i in range(min(count, MAX_PAGES)):
            name = f"{stem}.{ext}" if i == 0 else f"{stem}_{i}.{ext}"
            yield Request(urljoin(response.url, name))
