"""Epoint (国泰新点 WebBuilder): the list from `POST {project}/rest/lightfrontaction/getgovinfolist` (a JSON body
of `params`) or a GET variant, answered as `{custom: {data: [{title, infourl, infodate}], count}}`; category
numbers are hierarchical codes (`003001004`, its sub-columns `003001004001`…); pages 0- or 1-based."""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlencode

from ..families.base import Entry, Req, Resp, json_resp
from .base import Listing, ListPage, VariantFamily, pick


class EpointVariant(VariantFamily):
    name = "epoint"
    id_range = (100000, 999999)
    wrapper = '<div class="ewb-article-info">'
    server = "Epoint WebBuilder"

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        return {"project": pick(rng, ("", "/EWB-FRONT", "/epointwebbuilder")), "method": pick(rng, ("POST", "POST", "GET")),
                "base0": rng.random() < 0.5, "category": f"00{rng.randint(1, 9)}00{rng.randint(1, 9)}00{rng.randint(1, 9)}",
                "site_guid": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-{rng.getrandbits(16):04x}-"
                             f"{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}",
                "gk_path": pick(rng, ("/xxgk/index.html", "/zwgk/index.html")), "config": pick(rng, ("var", "data"))}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api = self.v["project"] + "/rest/lightfrontaction/getgovinfolist"
        root = self.v["gk_path"].rsplit("/", 1)[0]
        self.extra_paths = {t: f"{root}/{p}/index.html" for t, p in zip(
            VariantFamily.extra_paths, ("gkzn", "gkzd", "fdzdgknr", "ysqgk"), strict=True)}

    def catnum(self, lst: Listing) -> str:
        if lst.parent is None:
            return self.v["category"]
        sibling = lst.parent.children.index(lst) + 1
        return f"{self.catnum(lst.parent)}{sibling:03d}"

    @property
    def column_url(self) -> str:
        return f"/xxgk/{self.v['category']}/govinfolist.html"

    def listing_path(self, lst: Listing) -> str:
        return f"/xxgk/{self.catnum(lst)}/govinfolist.html"

    def api_request(self, lst: Listing, page: int) -> ListPage:
        v = self.v
        index = page - 1 if v["base0"] else page
        params = {"siteGuid": v["site_guid"], "categoryNum": self.catnum(lst), "pageIndex": index, "pageSize": v["page_size"]}
        if v["method"] == "POST":
            return ListPage("POST", self.origin + self.api, json.dumps({"params": params}).encode(),
                            {"Content-Type": "application/json;charset=UTF-8"}, self.origin + lst.path, "json")
        return ListPage("GET", f"{self.origin}{self.api}?{urlencode(params)}", base=self.origin + lst.path, kind="json")

    def render_listing(self, lst: Listing) -> None:
        v = self.v
        cfg = (f"<script>var categoryNum = '{self.catnum(lst)}', siteGuid = '{v['site_guid']}', pageSize = {v['page_size']};"
               "</script>\n" if v["config"] == "var" else
               f'<div id="ewb-list" data-categorynum="{self.catnum(lst)}" data-siteguid="{v["site_guid"]}" '
               f'data-pagesize="{v["page_size"]}"></div>\n')
        script = (f'<ul class="ewb-list" id="infolist"></ul><div id="pager"></div>\n{cfg}'
                  f'<script src="{v["project"]}/js/govinfolist.js" data-api="{self.api}" data-method="{v["method"]}" '
                  f'data-firstpage="{0 if v["base0"] else 1}"></script>\n')
        self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, lst.path) + script
                                         + (self.hz_link(lst.path) if lst.index == 0 else ""))
        self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
        pages = max(1, -(-len(lst.entries) // v["page_size"]))
        self.list_pages += [self.api_request(lst, p) for p in range(1, pages + 1)]

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != self.api:
            return None
        v = self.v
        if req.method != v["method"]:
            return Resp(405, b'{"status":{"code":405,"text":"Method Not Allowed"}}', "application/json")
        try:
            params = json.loads(req.raw or b"{}").get("params", {}) if v["method"] == "POST" else req.query
            cat, index, size = str(params.get("categoryNum", "")), int(params.get("pageIndex", 0)), int(params.get("pageSize", 10))
        except (ValueError, AttributeError):
            return json_resp({"custom": {"data": [], "count": 0}, "status": {"code": 400}})
        lst = next((x for x in self.listings if self.catnum(x) == cat), None)
        items = lst.entries if lst else []
        page = index + 1 if v["base0"] else max(index, 1)
        chunk = items[(page - 1) * size:page * size]
        return json_resp({"custom": {"count": len(items), "data": [
            {"title": e.title, "infourl": self.link_of(e), "infodate": str(e.date), "infoid": str(e.id)} for e in chunk]},
            "status": {"code": 200, "text": ""}})

    def article_path(self, e: Entry) -> str:
        return f"/xxgk/{self.v['category']}/{e.date:%Y%m%d}/{random.Random(e.id).getrandbits(64):016x}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/EpointWebBuilder/WebbuilderMIS/attach/downloadZtbAttach.jspx/{random.Random(e.id).getrandbits(64):016x}.{e.ext}"
