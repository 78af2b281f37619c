"""Guangdong gkmlpt: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import TextResponse

from . import config
from .base import PAGE, Platform, paged


class Gkmlpt(Platform):
    """Guangdong gkmlpt: a JSON list API per category, `/gkmlpt/api/all/{catId}?page=N&sid={SID}`. The SID and
    the category come from the page's configuration in whatever shape, a category tree by its names, or the
    column's URL (`#catId`, `/…/catId`)."""

    name = "gkmlpt"
    marker = re.compile(r"gkmlpt")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        found = config.values(response.text)
        sid = config.first(found, "sid", "siteid")
        if sid is None:
            return
        cats = config.report_categories(config.categories(response.text))
        if not cats:
            cat = config.first(found, "catId", "categoryId", "category", "columnId", "id")
            in_url = re.search(r"#/?(\d+)$|/(\d+)/?(?:index\.html?)?$", response.url)
            cats = [cat] if cat else [next(g for g in in_url.groups() if g)] if in_url else []
        base = config.first(found, "api", "apibase", "apiurl") or "/gkmlpt/api"
        for cat in cats:
            # the page parameter is `page` on some servers, `pageNo` on others: both are sent
            yield paged(urljoin(response.url, f"{base.rstrip('/')}/all/{cat}?page={PAGE}&pageNo={PAGE}&sid={sid}"))
