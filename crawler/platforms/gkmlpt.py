"""Guangdong gkmlpt: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import TextResponse

from .base import PAGE, Platform, paged


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
