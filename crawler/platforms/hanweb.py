"""大汉 JCMS: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlencode, urljoin

from scrapy import FormRequest, Request
from scrapy.http import TextResponse

from .base import MAX_PAGES, Platform


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
                form[key] = unquote(v.group(1))  # a value from a query string is URL-encoded already
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
