"""Any CMS: a list whose script fetches its pages from a URL template the page carries (`data-src=
"/xml/list_{page}.xml"`, `url: '/api/list?page={pageNo}'`)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import TextResponse

from .base import PAGE, Platform, paged

_PLACEHOLDER = r"(?:\{|\[|\$\{|%7B)(?:page|pageNo|pageno|pageIndex|pageindex|pageNum|p|n|index)(?:\}|\]|%7D)"


class Templated(Platform):
    """A URL template with a page placeholder, asked for page after page while pages bring new entries."""

    name = "templated"
    marker = re.compile(_PLACEHOLDER)
    template = re.compile(r"""["']([^"'\s<>]*""" + _PLACEHOLDER + r"""[^"'\s<>]*)["']""")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        seen: set[str] = set()
        for m in self.template.finditer(response.text):
            url = re.sub(_PLACEHOLDER, str(PAGE), html.unescape(m.group(1)))
            if url not in seen and not url.lower().startswith(("javascript:", "data:")):
                seen.add(url)
                yield paged(urljoin(response.url, url))
