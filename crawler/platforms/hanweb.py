"""大汉 JCMS: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlencode, urljoin

from scrapy import FormRequest, Request
from scrapy.http import TextResponse

from . import config
from .base import MAX_PAGES, Platform


class HanwebJCMS(Platform):
    """大汉 JCMS: the first records inline in <datastore>, the rest from dataproxy.jsp by POST. The column's fields
    (col, webid, columnid, unitid …) come from the page's configuration in whatever shape (a `param_NNN` object,
    the nextgroup link's query string); each request names its records both ways (startrecord/endrecord and
    page), for servers that honour only one."""

    name = "hanweb"
    marker = re.compile(r"<datastore>|dataproxy\.jsp")
    proxy = re.compile(r"""["']?(/module/(?:web/)?jpage/dataproxy\.jsp)[^"'<>]*""")
    fields = ("col", "appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype", "sourcecontenttype")
    total = re.compile(r"<totalrecord>\s*(\d+)|totalRecord\s*[=:]\s*['\"]?(\d+)", re.I)

    def pages(self, response: TextResponse) -> Iterator[Request]:
        text = response.text
        m = self.proxy.search(text)
        if not m:
            return
        found = config.values(text)
        form = {name: unquote(v) for name in self.fields if (v := config.first(found, name)) is not None}
        per = int(p) if (p := config.first(found, "perpage", "pageSize")) and p.isdigit() and 0 < int(p) <= 100 else 15
        total_m = self.total.search(text)
        total = int(next(g for g in total_m.groups() if g)) if total_m else per * 10
        for page in range(1, min(-(-total // per), MAX_PAGES) + 1):
            query = urlencode({"startrecord": (page - 1) * per + 1, "endrecord": page * per, "perpage": per,
                               "page": page})
            yield FormRequest(
                urljoin(response.url, f"{m.group(1)}?{query}"),
                formdata=form,
                headers={"X-Requested-With": "XMLHttpRequest", "Referer": response.url},
                dont_filter=False,
            )
