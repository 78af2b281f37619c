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
    column's URL (`#catId`, `/…/catId`); a category's sub-categories (organs, years) from the tree, which
    `/gkmlpt/index` carries for its script (`TREE` in `window._CONFIG`), the one page that shows them all."""

    name = "gkmlpt"
    marker = re.compile(r"gkmlpt")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        found = config.values(response.text)
        sid = config.first(found, "sid", "siteid")
        if sid is None:
            return
        # the route names the category shown (one page, `index#catId`, for every category)
        in_url = re.search(r"#/?(\d+)$|/(\d+)/?(?:index\.html?)?$", response.url)
        shown = [next(g for g in in_url.groups() if g)] if in_url else []
        # the 年报 categories by their names in the page's tree, the one shown, and every category below them
        cats = config.report_categories(config.categories(response.text), also=shown)
        if not cats:
            numeric = {k: [v for v in vs if v.isdigit()] for k, vs in found.items()}  # a category id is a number
            cat = config.first(numeric, "catId", "categoryId", "category", "columnId", "id")
            cats = [cat] if cat else []
        base = config.first(found, "api", "apibase", "apiurl") or "/gkmlpt/api"
        for cat in cats:
            # the page parameter is `page` on some servers, `pageNo` on others: both are sent
            yield paged(urljoin(response.url, f"{base.rstrip('/')}/all/{cat}?page={PAGE}&pageNo={PAGE}&sid={sid}"))
