"""Epoint (新点): how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urljoin

from scrapy import Request
from scrapy.http import TextResponse

from . import config
from .base import PAGE, Platform, paged


class Epoint(Platform):
    """Epoint: the list comes from `{project}/rest/lightfrontaction/getgovinfolist` (POST with a JSON `params`
    body, or GET with a query string), keyed by the page's siteGuid and categoryNum; the answer is JSON
    (`custom.data[].infourl/title` or similar, read by shape)."""

    name = "epoint"
    marker = re.compile(r"lightfrontaction|getgovinfolist|categorynum", re.I)
    api = re.compile(r"""["']([^"'\s]*/rest/lightfrontaction/getgovinfolist)["']""", re.I)
    project = re.compile(r"""["'](/[\w-]+)/(?:rest|js|frontpage|jsp)/""")

    def pages(self, response: TextResponse) -> Iterator[Request]:
        found = config.values(response.text)
        category = config.first(found, "categoryNum", "categoryNo", "cateNum", "catNum")
        site = config.first(found, "siteGuid", "siteId")
        if category is None:
            return
        m = self.api.search(response.text)
        if m:
            endpoint = m.group(1)
        else:
            project = self.project.search(response.text)
            endpoint = f"{project.group(1) if project else '/EWB-FRONT'}/rest/lightfrontaction/getgovinfolist"
        size = config.first(found, "pageSize") or "15"
        method = (config.first(found, "method") or "POST").upper()
        first = config.first(found, "firstPage", "pageStart")
        starts = [int(first)] if first and first.isdigit() else [0, 1]  # 0- or 1-based: both when the page won't say
        params = {"siteGuid": site or "", "categoryNum": category, "pageIndex": PAGE, "pageSize": size}
        for start in starts:
            if method == "GET":
                yield paged(urljoin(response.url, f"{endpoint}?{urlencode(params)}"), page=start)
            else:
                yield paged(urljoin(response.url, endpoint), {"Content-Type": "application/json;charset=UTF-8"},
                            page=start, body=json.dumps({"params": params}).replace(f'"{PAGE}"', str(PAGE)))
