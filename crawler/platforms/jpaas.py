"""大汉 JPaaS: how this CMS family pages its lists beyond plain links."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urljoin

from scrapy import Request
from scrapy.http import TextResponse

from .base import PAGE, Platform, paged


class JPaaS(Platform):
    """大汉 JPaaS: the list comes from the unit build API, one pageNo at a time."""

    name = "jpaas"
    marker = re.compile(r"unitbuild\.js")
    query = re.compile(r"""queryData\s*=\s*(?:"([^"]+)"|'([^']+)')""")
    api = "/api-gateway/jpaas-publish-server/front/page/build/unit"

    def pages(self, response: TextResponse) -> Iterator[Request]:
        m = self.query.search(response.text)
        if not m:
            return
        try:
            params = json.loads(html.unescape(m.group(1) or m.group(2)).replace("'", '"'))
        except ValueError:
            return
        base = {k: str(v) for k, v in params.items() if not isinstance(v, dict | list)}
        size = re.search(r"""pageSize[\"']?\s*[:=]\s*[\"']?(\d{1,3})""", html.unescape(response.text))
        q = {**base, "parseType": "bulidstatic",
             "paramJson": json.dumps({"pageNo": PAGE, "pageSize": size.group(1) if size else "15"})}
        yield paged(urljoin(response.url, f"{self.api}?{urlencode(q)}"))
