"""ASP.NET `content_NNNNN` sites (the Qingyang / 宁县 family): GBK, rows titled `标题：… 发表时间：…`, `?page=N`,
search at `/s?sid=0&wd=…&p=N`."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

from ..families.base import Entry, Req, Resp
from .base import Listing, pick
from .static import StaticVariant


class AspnetVariant(StaticVariant):
    name = "aspnet"
    validators = False
    server = "Microsoft-IIS/8.5"
    wrapper = '<div id="content" class="article-content">'
    styles = ("page_q",)

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        v = super().draw(rng)
        v["column_dir"] = pick(rng, ("/zwgk/fdzdgknr/zfxxgknb", "/zwgk/fdzdgknr/xxgknb", "/xxgk/zfxxgknb", "/zwgk/gknb"))
        v["page_param"] = pick(rng, ("page", "p", "pageindex"))
        v["aspnet_title"] = rng.random() < 0.8
        return v

    @property
    def column_url(self) -> str:
        return self.column_dir

    def listing_path(self, lst: Listing) -> str:
        return self.listing_dir(lst).rstrip("/")

    def listing_dir(self, lst: Listing) -> str:
        assert lst.parent is not None
        base = self.column_dir if lst.parent.parent is None else self.listing_dir(lst.parent)
        key = lst.key.rsplit("-", 1)[-1]
        if self.v["subcol_paths"] == "separate" and lst.parent.parent is None:
            return f"/zwgk/{key}nb/"
        return base.rstrip("/") + "/" + key + "/"

    def page_path(self, lst: Listing, k: int) -> str:
        return lst.path if k == 1 else f"{lst.path}?{self.v['page_param']}={k}"

    def article_path(self, e: Entry) -> str:
        return f"{self.column_dir}/content_{e.id}"

    def attachment_path(self, e: Entry) -> str:
        return f"/upload/{e.date:%Y/%m/%d}/{e.id}{random.Random(e.id).randint(10**5, 10**6)}.{e.ext}"

    def title_attr(self, e: Entry, title: str) -> str:
        if self.v["aspnet_title"]:
            return f' title="标题：{title}&#10;发表时间：{e.date}"'
        return super().title_attr(e, title)

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != "/s":
            return None
        wd = req.query.get("wd", "")
        hits = [e for e in self.entries if wd and wd in e.title]
        try:
            p = max(1, int(req.query.get("p", 1)))
        except ValueError:
            p = 1
        n = max(1, -(-len(hits) // 10))
        body = self.rows(hits[(p - 1) * 10:p * 10], "/s") + self.plain_pager(
            p, n, len(hits), "/s", lambda i: f"/s?sid=0&wd={quote(wd)}&p={i}")
        return self.page("搜索结果", self.list_block(f"搜索“{wd}”的结果", body))
