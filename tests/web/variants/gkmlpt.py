"""Guangdong gkmlpt: the list from `/gkmlpt/api/all/{catId}` (`page` or `pageNo`, `sid`), answered as
`{total, articles:[{title,url}]}` or `{count, data:[{name,link}]}`; SID and category ids written in the page as
`SID: '…'` in a config object, `var SID='…'`, `data-*` attributes, a JSON `<script>` of named categories or the
query string of a script's URL. A hash-routed site shows every category from one page (`/gkmlpt/index#catId`), so
that page carries the whole category tree, nested in `children` like the real `TREE` of `window._CONFIG`."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from typing import Any

from ..families.base import Entry, Req, Resp, json_resp
from .base import Listing, ListPage, VariantFamily, pick


class GkmlptVariant(VariantFamily):
    name = "gkmlpt"
    id_range = (2_000_000, 4_999_999)
    wrapper = '<div class="article-content">'
    gk_path = "/zwgk/gkml.html"  # the portal page that leads into the platform (/gkmlpt/index holds the lists)
    extra_paths: dict[str, str] = {  # noqa: RUF012
        "政府信息公开指南": "/gkmlpt/guide", "政府信息公开制度": "/gkmlpt/policy",
        "法定主动公开内容": "/gkmlpt/fdzdgknr", "依申请公开": "/gkmlpt/ysqgk"}

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        return {"sid": str(rng.randint(700000, 799999)), "cat": rng.randint(2000, 9999),
                "config": pick(rng, ("window_config", "var", "data", "json", "script_query")), "page_param": pick(rng, ("page", "pageNo")),
                "answer": pick(rng, ("articles", "data")), "cat_key": pick(rng, ("catId", "cat_id", "id")),
                "route": pick(rng, ("hash", "page"))}

    def fdzd_sibling(self, i: int) -> str:
        return f"/gkmlpt/fdzdgknr/{i}"

    def cat(self, lst: Listing) -> int:
        return self.v["cat"] + lst.index

    @property
    def column_url(self) -> str:
        return f"/gkmlpt/index#{self.v['cat']}" if self.v["route"] == "hash" else "/gkmlpt/annualreport"

    def listing_path(self, lst: Listing) -> str:
        return f"/gkmlpt/index#{self.cat(lst)}" if self.v["route"] == "hash" else f"/gkmlpt/annualreport/{self.cat(lst)}"

    def tree(self) -> str:
        """Every category nested in its parent's `children`, as the real `/gkmlpt/index` writes `TREE` in its
        `window._CONFIG`: one hash-routed page shows every category, so its script needs them all."""
        key = self.v["cat_key"]

        def node(x: Listing) -> dict[str, Any]:
            return {key: self.cat(x), "name": x.label, "jump_url": "", "post_count": len(x.entries),
                    "children": [node(c) for c in x.children]}
        return json.dumps([node(self.listings[0])], ensure_ascii=False).replace("</", "<\\/")

    def config(self, lst: Listing) -> str:
        v, key = self.v, self.v["cat_key"]
        cats = [{key: self.cat(x), "name": x.label, "parent": self.cat(x.parent) if x.parent else 0} for x in self.listings]
        hashed = v["route"] == "hash"
        if v["config"] == "window_config":
            return (f"<script>window._CONFIG = {{\n  SID: '{v['sid']}',\n  SITE_NAME: '{self.site}',\n"
                    f"  {key.upper()}: {self.cat(lst)},\n" + (f"  TREE: {self.tree()},\n" if hashed else "")
                    + "  API_BASE: '/gkmlpt/api'\n};</script>\n")
        # the other shapes write the SID and the category shown; a hash-routed page the tree beside them
        tree = f"<script>var TREE = {self.tree()};</script>\n" if hashed else ""
        if v["config"] == "var":
            return f"<script>var SID='{v['sid']}';\nvar {key}={self.cat(lst)};\nvar API_BASE='/gkmlpt/api';</script>\n" + tree
        if v["config"] == "script_query":
            return f'<script src="/gkmlpt/static/js/config.js?sid={v["sid"]}&amp;{key}={self.cat(lst)}&amp;v=2"></script>\n' + tree
        if v["config"] == "data":
            return (f'<div id="gkmlpt-app" data-sid="{v["sid"]}" data-{key.lower()}="{self.cat(lst)}" data-api="/gkmlpt/api">'
                    "</div>\n" + tree)
        return ('<script type="application/json" id="gkmlpt-config">'
                + json.dumps({"sid": v["sid"], "api": "/gkmlpt/api", "categories": cats}, ensure_ascii=False).replace("</", "<\\/")
                + "</script>\n")

    def render_listing(self, lst: Listing) -> None:
        v = self.v
        path = lst.path.split("#")[0]
        pages = max(1, -(-len(lst.entries) // v["page_size"]))
        script = ("<div id=\"list\"></div><div id=\"pager\"></div>\n<script src=\"/gkmlpt/static/js/list.js\"></script>\n")
        # a hash-routed column shows its category menu too (`index#catId` links; the page's script reads the hash)
        nav = self.subnav(lst if v["route"] == "page" else self.listings[0], path)
        if v["route"] == "page" or lst.index == 0:
            top = lst if v["route"] == "page" else self.listings[0]
            self.files[path] = self.page(top.label, self.crumbs(top.label) + nav + self.config(top) + script
                                         + (self.hz_link(path) if lst.index == 0 else ""))
            self.list_pages.append(ListPage("GET", self.origin + path, base=self.origin + path))
        self.list_pages += [ListPage("GET", f"{self.origin}/gkmlpt/api/all/{self.cat(lst)}?{v['page_param']}={p}&sid={v['sid']}",
                                     base=self.origin + path, kind="json") for p in range(1, pages + 1)]
        self.files["/gkmlpt/static/js/config.js"] = Resp(body=b"/* reads sid and the category from its own src */",
                                                          ctype="application/javascript")
        self.files["/gkmlpt/static/js/list.js"] = Resp(body=b"/* fetches /gkmlpt/api/all/{cat} and draws #list */",
                                                        ctype="application/javascript")

    def dynamic(self, req: Req) -> Resp | None:
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", req.path)
        if not m:
            return None
        v = self.v
        if req.query.get("sid") != v["sid"]:
            return Resp(403, b'{"error":"invalid sid"}', "application/json;charset=UTF-8")
        lst = next((x for x in self.listings if self.cat(x) == int(m[1])), None)
        items = lst.entries if lst else []
        try:
            page = max(1, int(req.query.get(v["page_param"], 1)))
        except ValueError:
            page = 1
        size = v["page_size"]
        chunk = items[(page - 1) * size:page * size]
        when = {e.id: int(dt.datetime(e.date.year, e.date.month, e.date.day, 9, 30).timestamp()) for e in chunk}
        if v["answer"] == "articles":
            return json_resp({"total": len(items), "page": page, "page_size": size, "articles": [
                {"id": e.id, "title": e.title, "url": self.origin + self.link_of(e) if not self.link_of(e).startswith("http")
                 else self.link_of(e), "date": when[e.id]} for e in chunk]})
        return json_resp({"count": len(items), "pageNo": page, "data": [
            {"name": e.title, "link": self.link_of(e), "publish_time": str(e.date)} for e in chunk]})

    def article_path(self, e: Entry) -> str:
        return f"/gkmlpt/content/{e.id // 1_000_000}/{e.id // 1000}/post_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attachment/0/{e.id // 1000}/{e.id}/{random.Random(e.id).randint(10**6, 10**7)}.{e.ext}"
