"""Hanweb JPaaS: the column page's `unitbuild.js` (its `queryData` in single- or double-quoted JSON, `paramJson`
given or defaulted) fetches the list as JSON `{success, data:{html}}` from the api-gateway (sic `bulidstatic`)."""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

from ..families.base import Entry, Req, Resp, json_resp
from ..families.jpaas import _UNITBUILD_JS
from .base import Listing, ListPage, VariantFamily, pick

API = "/api-gateway/jpaas-publish-server/front/page/build/unit"


class JpaasVariant(VariantFamily):
    name = "jpaas"
    id_range = (10_000_000, 99_999_999)
    wrapper = '<div id="zoom">'
    server = "JSP3/2.0.14"

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        gk = rng.randint(1229000000, 1229900000)
        return {"gk_path": f"/col/col{gk}/index.html", "gkcol": gk, "page_id": gk + rng.randint(100, 99999),
                "web_id": f"{rng.getrandbits(128):032x}", "tpl": f"{rng.getrandbits(128):032x}",
                "quote": pick(rng, ("single", "double")), "param_attr": rng.random() < 0.6,
                "tag": pick(rng, ("当前栏目list", "栏目文章列表", "信息公开列表"))}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gk = self.v["gkcol"]
        self.extra_paths = {t: f"/col/col{gk + i}/index.html" for i, t in enumerate(VariantFamily.extra_paths, start=1)}
        self.by_page: dict[str, Listing] = {}

    def fdzd_sibling(self, i: int) -> str:
        return f"/col/col{self.v['gkcol'] + 50 + i}/index.html"

    @property
    def column_url(self) -> str:
        return f"/col/col{self.v['page_id']}/index.html"

    def pid(self, lst: Listing) -> int:
        return self.v["page_id"] + lst.index * 7

    def listing_path(self, lst: Listing) -> str:
        return f"/col/col{self.pid(lst)}/index.html"

    def api_url(self, lst: Listing, page: int) -> str:
        v = self.v
        param = json.dumps({"pageNo": page, "pageSize": str(v["page_size"])}, separators=(",", ":"))
        return (f"{API}?parseType=bulidstatic&webId={v['web_id']}&tplSetId={v['tpl']}&pageType=column"
                f"&tagId={quote(v['tag'])}&editType=null&pageId={self.pid(lst)}&paramJson={quote(param)}")

    def render_listing(self, lst: Listing) -> None:
        v = self.v
        self.by_page[str(self.pid(lst))] = lst
        q = {"webId": v["web_id"], "pageId": str(self.pid(lst)), "tplSetId": v["tpl"], "pageType": "column",
             "tagId": v["tag"], "editType": "null"}
        qd = json.dumps(q, ensure_ascii=False).replace('"', "'") if v["quote"] == "single" else \
            json.dumps(q, ensure_ascii=False).replace('"', "&quot;")
        pj = f' paramJson=\'{{"pageNo":1,"pageSize":"{v["page_size"]}"}}\'' if v["param_attr"] else ""
        unit = (f'<div class="xxgk-list"><script type="text/javascript" src="/module/jpaas/unitbuild.js" '
                f'queryData="{qd}"{pj}></script></div>\n')
        self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, lst.path) + unit
                                         + (self.hz_link(lst.path) if lst.index == 0 else ""))
        self.files["/module/jpaas/unitbuild.js"] = Resp(body=_UNITBUILD_JS.encode(), ctype="application/javascript")
        self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
        pages = max(1, -(-len(lst.entries) // v["page_size"]))
        self.list_pages += [ListPage("GET", self.origin + self.api_url(lst, p), base=self.origin + lst.path, kind="json")
                            for p in range(1, pages + 1)]

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != API:
            return None
        q = req.query
        lst = self.by_page.get(q.get("pageId", ""))
        if q.get("parseType") != "bulidstatic" or q.get("webId") != self.v["web_id"] or lst is None:
            return json_resp({"success": False, "message": "参数错误", "code": "500", "data": None})
        try:
            param = json.loads(q.get("paramJson") or "{}")
            page, size = int(param.get("pageNo", 1)), min(int(param.get("pageSize", 15)), 50)
        except (ValueError, TypeError, AttributeError):
            return json_resp({"success": False, "message": "paramJson格式错误", "code": "500", "data": None})
        pages = max(1, -(-len(lst.entries) // size))
        chunk = lst.entries[(page - 1) * size:page * size] if page >= 1 else []
        pager = "".join(f'<a href="javascript:;" data-page="{i}">{i}</a>' for i in range(1, pages + 1))
        if page < pages:
            pager += f'<a href="javascript:;" data-page="{page + 1}">下一页</a>'
        html_text = self.rows(chunk, lst.path) + f'<div class="pagination">{pager}<span>共{len(lst.entries)}条 {pages}页</span></div>'
        return json_resp({"success": True, "message": "", "code": "200", "data": {"html": html_text}})

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.v['page_id']}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/-1/{random.Random(e.id).getrandbits(64):016x}.{e.ext}"
