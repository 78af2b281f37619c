"""The imitation of Guangdong gkmlpt (crawler/platforms/gkmlpt.py reads the real family)."""

from __future__ import annotations

import datetime as dt
import random
import re

from .base import Entry, Family, Req, Resp, SiteSpec, json_resp


class GkmlptFamily(Family):
    """Guangdong gkmlpt: the list from `/gkmlpt/api/all/{catId}?page=N&sid=SID`, SID written in the page."""

    name = "gkmlpt"
    id_range = (2_000_000, 4_999_999)
    wrapper = '<div class="article-content">'
    gk_path = "/gkmlpt/index"
    extra_paths: dict[str, str] = {
        "政府信息公开指南": "/gkmlpt/guide", "政府信息公开制度": "/gkmlpt/policy",
        "法定主动公开内容": "/gkmlpt/fdzdgknr", "依申请公开": "/gkmlpt/ysqgk"}

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        self.sid = str(self.rng.randint(700000, 799999))
        self.cat = self.rng.randint(2000, 9999)

    @property
    def column_url(self) -> str:
        return "/gkmlpt/annualreport"

    def list_target(self, page: int) -> str:
        return f"/gkmlpt/api/all/{self.cat}?page={page}&sid={self.sid}"

    def gk_head(self) -> str:
        return (f"<script>window._CONFIG = {{\n  SID: '{self.sid}',\n  SITE_NAME: '{self.site}',\n"
                f"  ANNUAL_REPORT_CATEGORY: {self.cat},\n  API_BASE: '/gkmlpt/api'\n}};</script>\n")

    def build_column(self) -> None:
        script = ("<div id=\"list\"></div><div id=\"pager\"></div>\n<script>\n(function () {\n"
                  "  var c = window._CONFIG;\n  function load(page) {\n"
                  "    fetch(c.API_BASE + '/all/' + c.ANNUAL_REPORT_CATEGORY + '?page=' + page + '&sid=' + c.SID)\n"
                  "      .then(function (r) { return r.json(); }).then(function (d) {\n"
                  "        document.getElementById('list').innerHTML = '<ul>' + d.articles.map(function (a) {\n"
                  "          return '<li><a href=\"' + a.url + '\">' + a.title + '</a></li>'; }).join('') + '</ul>';\n"
                  "        var n = Math.ceil(d.total / d.page_size), p = document.getElementById('pager'); p.innerHTML = '';\n"
                  "        for (var i = 1; i <= n; i++) { var a = document.createElement('a'); a.href = '#page=' + i;\n"
                  "          a.textContent = i; a.onclick = (function (k) { return function () { load(k); }; })(i);\n"
                  "          p.appendChild(a); }\n      });\n  }\n  load(1);\n})();\n</script>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + script, self.gk_head())

    def dynamic(self, req: Req) -> Resp | None:
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", req.path)
        if not m:
            return None
        if req.query.get("sid") != self.sid:
            return Resp(403, b'{"error":"invalid sid"}', "application/json;charset=UTF-8")
        items = self.entries if m[1] == str(self.cat) else []
        try:
            page = max(1, int(req.query.get("page", 1)))
        except ValueError:
            page = 1
        size = self.spec.page_size
        arts = [{"id": e.id, "title": e.title, "url": self.origin + self.article_path(e),
                 "date": int(dt.datetime(e.date.year, e.date.month, e.date.day, 9, 30).timestamp()),
                 "publisher": e.report["organ"] if e.report else self.site,
                 "identifier": f"11441{self.sid}/{e.date.year}-{e.id % 100000:05d}"}
                for e in items[(page - 1) * size:page * size]]
        return json_resp({"total": len(items), "page": page, "page_size": size, "articles": arts})

    def article_path(self, e: Entry) -> str:
        return f"/gkmlpt/content/{e.id // 1_000_000}/{e.id // 1000}/post_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attachment/0/{e.id // 1000}/{e.id}/{random.Random(e.id).randint(10**6, 10**7)}.{e.ext}"
