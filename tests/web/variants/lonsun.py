"""Anhui Lonsun: column pages `/public/column/{organId}?…catId=…&action=list` (fields in any order), the list by
AJAX from `/site/label/8888?IsAjax=1&labelName=publicInfoList&…&pageIndex=N`, organId / catId given in the
script's URL, in `data-*` attributes or in `var`s; reports at `/XxgkAnnualReport/show/{id}.html` or `/public/…`."""

from __future__ import annotations

import random
from typing import Any

from ..families.base import Entry, Req, Resp
from .base import Listing, ListPage, VariantFamily, pick

COLUMN_FORMS = ("?type=4&catId={cat}&action=list", "?catId={cat}&type=4&action=list", "?type=4&action=list&nav=3&catId={cat}")


class LonsunVariant(VariantFamily):
    name = "lonsun"
    id_range = (1000, 99999)
    wrapper = '<div class="j-fontContent">'
    server = "Lonsun"

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        organ = rng.randint(6000000, 6999999)
        return {"organ_id": organ, "site_id": rng.randint(10000, 99999), "cat": rng.randint(100, 999),
                "gk_path": f"/public/column/{organ}?type=4&action=index", "column_form": pick(rng, COLUMN_FORMS),
                "ids_in": pick(rng, ("url", "data", "var")),
                "report_path": pick(rng, ("/XxgkAnnualReport/show/{id}.html", "/public/{organ}/{id}.html"))}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.col_path = f"/public/column/{self.v['organ_id']}"
        self.extra_paths = {t: self.col_url(self.v["cat"] + 100 + i) for i, t in enumerate(VariantFamily.extra_paths, 1)}

    def col_url(self, cat: int) -> str:
        return self.col_path + self.v["column_form"].format(cat=cat)

    def fdzd_sibling(self, i: int) -> str:
        return self.col_url(self.v["cat"] + 200 + i)

    def cat(self, lst: Listing) -> int:
        return self.v["cat"] + lst.index

    @property
    def column_url(self) -> str:
        return self.col_url(self.v["cat"])

    def listing_path(self, lst: Listing) -> str:
        return self.col_url(self.cat(lst))

    def label_url(self, lst: Listing, page: int) -> str:
        v = self.v
        return (f"/site/label/8888?IsAjax=1&dataType=html&labelName=publicInfoList&siteId={v['site_id']}"
                f"&pageSize={v['page_size']}&pageIndex={page}&action=list&isDate=true&dateFormat=yyyy-MM-dd&length=50"
                f"&organId={v['organ_id']}&type=4&catId={self.cat(lst)}&cId=&result=%E6%9A%82%E6%97%A0")

    def render_listing(self, lst: Listing) -> None:
        v = self.v
        cat, organ = self.cat(lst), v["organ_id"]
        fixed = (f"'/site/label/8888?IsAjax=1&dataType=html&labelName=publicInfoList&siteId={v['site_id']}"
                 f"&pageSize={v['page_size']}&pageIndex=' + pageIndex + '&action=list&isDate=true&dateFormat=yyyy-MM-dd"
                 f"&length=50&organId=' + organId + '&type=4&catId=' + catId + '&cId=&result=' + encodeURIComponent('暂无')")
        if v["ids_in"] == "url":
            fixed = fixed.replace("' + organId + '", str(organ)).replace("' + catId + '", str(cat))
            decl, box = "", '<div id="public_info_list"></div>'
        elif v["ids_in"] == "data":
            decl = ("var box = document.getElementById('public_info_list'), organId = box.getAttribute('data-organid'),"
                    " catId = box.getAttribute('data-catid');\n")
            box = f'<div id="public_info_list" data-organid="{organ}" data-catid="{cat}"></div>'
        else:
            decl, box = f'var organId = "{organ}", catId = {cat};\n', '<div id="public_info_list"></div>'
        script = (f'{box}<div id="page_public_info"></div>\n<script>\n{decl}function loadList(pageIndex) {{\n'
                  f"  $.get({fixed}, function (h) {{ $('#public_info_list').html(h); }});\n}}\nloadList(1);\n</script>\n")
        self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, lst.path) + script
                                         + (self.hz_link(lst.path) if lst.index == 0 else ""))
        self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
        pages = max(1, -(-len(lst.entries) // v["page_size"]))
        self.list_pages += [ListPage("GET", self.origin + self.label_url(lst, p), base=self.origin + lst.path)
                            for p in range(1, pages + 1)]

    def dynamic(self, req: Req) -> Resp | None:
        v = self.v
        if req.path == self.col_path:
            cat = req.query.get("catId")
            return self.files.get(self.col_url(int(cat)) if cat and cat.isdigit() else self.gk_path)
        if req.path != "/site/label/8888":
            return None
        q = req.query
        if q.get("labelName") != "publicInfoList" or q.get("organId") != str(v["organ_id"]):
            return Resp(body="<p>标签不存在</p>".encode())
        lst = next((x for x in self.listings if str(self.cat(x)) == q.get("catId")), None)
        items = lst.entries if lst else []
        try:
            size, page = min(int(q.get("pageSize", 15)), 50), max(1, int(q.get("pageIndex", 1)))
        except ValueError:
            size, page = 15, 1
        pages = max(1, -(-len(items) // size))
        here = lst.path if lst else self.column_url
        body = (self.rows(items[(page - 1) * size:page * size], here)
                + f'\n<div class="pagination" data-pagecount="{pages}">共{len(items)}条</div>\n'
                f'<script>Ls.pagination("#page_public_info", function (pageIndex) {{ loadList(pageIndex); }}, '
                f"{{currPage: {page}, pageCount: {pages}, pageSize: {size}}});</script>")
        return Resp(body=body.encode(), ctype="text/html;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        if e.report is not None:
            return self.v["report_path"].format(id=e.id, organ=self.v["organ_id"])
        return f"/public/{self.v['organ_id']}/{e.id + 100000}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/public/resources/upload/{e.date:%Y%m}/{e.id}{random.Random(e.id).randint(100, 999)}.{e.ext}"


