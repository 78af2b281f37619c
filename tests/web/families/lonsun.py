"""The imitation of Lonsun (crawler/platforms/lonsun.py reads the real family)."""

from __future__ import annotations

import random

from .base import Entry, Family, Req, Resp, SiteSpec, esc


class LonsunFamily(Family):
    """Anhui Lonsun: `/public/column/{organId}?type=4&catId=…&action=list`, list by AJAX `/site/label/8888`."""

    name = "lonsun"
    id_range = (1000, 9999)
    wrapper = '<div class="j-fontContent">'
    server = "Lonsun"

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.organ_id, self.site_id, self.cat = r.randint(6000000, 6999999), r.randint(10000, 99999), r.randint(100, 999)
        self.col_path = f"/public/column/{self.organ_id}"
        self.gk_path = f"{self.col_path}?type=4&action=index"
        self.extra_paths = {t: f"{self.col_path}?type=4&catId={self.cat + i}&action=list"
                            for i, t in enumerate(Family.extra_paths, start=1)}

    @property
    def column_url(self) -> str:
        return f"{self.col_path}?type=4&catId={self.cat}&action=list"

    def list_target(self, page: int) -> str:
        return self.column_url

    def build_column(self) -> None:
        file = f"/c1/{self.spec.slug}/publicInfoList"
        script = (f'<div id="public_info_list"></div><div id="page_public_info"></div>\n<script>\n'
                  f"function loadList(pageIndex) {{\n"
                  f"  var url = '/site/label/8888?IsAjax=1&dataType=html&_=' + Date.now() + '&labelName=publicInfoList"
                  f"&siteId={self.site_id}&pageSize={self.spec.page_size}&pageIndex=' + pageIndex + '&action=list&isDate=true"
                  f"&dateFormat=yyyy-MM-dd&length=50&organId={self.organ_id}&type=4&catId={self.cat}&cId=&result='"
                  f" + encodeURIComponent('暂无相关信息') + '&file=' + encodeURIComponent('{file}');\n"
                  "  fetch(url).then(function (r) { return r.text(); }).then(function (h) {\n"
                  "    document.getElementById('public_info_list').innerHTML = h;\n"
                  "    var n = +(document.querySelector('[data-pagecount]') || {getAttribute: function () { return 1; }})"
                  ".getAttribute('data-pagecount');\n"
                  "    var p = document.getElementById('page_public_info'); p.innerHTML = '';\n"
                  "    for (var i = 1; i <= n; i++) { var a = document.createElement('a'); a.href = 'javascript:;';\n"
                  "      a.textContent = i; a.onclick = (function (k) { return function () { loadList(k); }; })(i);\n"
                  "      p.appendChild(a); }\n  });\n}\nloadList(1);\n</script>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + script)

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == self.col_path:  # the same page whatever the order of the query's fields
            cat = req.query.get("catId")
            return self.files.get(f"{self.col_path}?type=4&catId={cat}&action=list" if cat else self.gk_path)
        if req.path != "/site/label/8888":
            return None
        q = req.query
        if q.get("labelName") != "publicInfoList" or q.get("organId") != str(self.organ_id):
            return Resp(body="<p>标签不存在</p>".encode())
        items = self.entries if q.get("catId") == str(self.cat) else []
        try:
            size, page = min(int(q.get("pageSize", 15)), 50), max(1, int(q.get("pageIndex", 1)))
        except ValueError:
            size, page = 15, 1
        pages = max(1, -(-len(items) // size))
        chunk = items[(page - 1) * size:page * size]
        lis = "".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk)) or \
            f"<li>{esc(q.get('result', '暂无相关信息'))}</li>"
        body = (f'<ul class="clearfix xxgk_nav_list">{lis}</ul>\n<div class="pagination" data-pagecount="{pages}"></div>\n'
                f'<script>Ls.pagination("#page_public_info", function (pageIndex) {{ loadList(pageIndex); }}, '
                f"{{currPage: {page}, pageCount: {pages}, pageSize: {size}}});</script>")
        return Resp(body=body.encode(), ctype="text/html;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        if e.report is not None:
            return f"/XxgkAnnualReport/show/{e.id}.html"
        return f"/public/{self.organ_id}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/public/resources/upload/{e.date:%Y%m}/{e.id}{random.Random(e.id).randint(100, 999)}.{e.ext}"
