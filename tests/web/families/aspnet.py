"""The imitation of ASP.NET content_NNNNN (crawler/platforms/aspnet.py reads the real family)."""

from __future__ import annotations

import random
from urllib.parse import quote

from .base import Entry, Family, Req, Resp, chunks


class AspnetFamily(Family):
    """The Qingyang ASP.NET sites (宁县): `/zwgk/fdzdgknr/…/content_NNNNN`, `?page=N`, search at `/s`."""

    validators = False  # dynamic .aspx pages: no ETag, no Last-Modified

    name = "aspnet"
    id_range = (10000, 99999)
    wrapper = '<div id="content" class="article-content">'
    server = "Microsoft-IIS/8.5"
    gk_path = "/zwgk"
    news_path = "/xwzx"
    extra_paths: dict[str, str] = {
        "政府信息公开指南": "/zwgk/gkzn", "政府信息公开制度": "/zwgk/gkzd", "法定主动公开内容": "/zwgk/fdzdgknr",
        "依申请公开": "/zwgk/ysqgk"}
    col = "/zwgk/fdzdgknr/zfxxgknb"

    @property
    def column_url(self) -> str:
        return self.col

    def list_target(self, page: int) -> str:
        return self.col if page == 1 else f"{self.col}?page={page}"

    def nav_path(self, label: str) -> str:
        return {"办事服务": "/bsfw", "互动交流": "/hdjl"}[label]

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
            self.files[self.list_target(k)] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, self.pager(k, len(pages), "?page={}")))

    @staticmethod
    def pager(k: int, n: int, href: str) -> str:
        links = [f'<a href="{href.format(i)}">{i}</a>' if i != k else f"<span>{i}</span>" for i in range(1, n + 1)]
        if k < n:
            links.append(f'<a href="{href.format(k + 1)}">下一页</a>')
        return f'<div class="pages">共{n}页 {" ".join(links)}</div>'

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == "/s":
            wd = req.query.get("wd", "")
            hits = [e for e in self.entries if wd and wd in e.title]
            try:
                p = max(1, int(req.query.get("p", 1)))
            except ValueError:
                p = 1
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(hits[(p - 1) * 10:p * 10]))
            n = max(1, -(-len(hits) // 10))
            return self.page("搜索结果", self.list_block(f"搜索“{wd}”的结果", lis, self.pager(
                p, n, f"/s?sid=0&wd={quote(wd)}&p={{}}")))
        return None

    def article_path(self, e: Entry) -> str:
        return f"{self.col}/content_{e.id}"

    def attachment_path(self, e: Entry) -> str:
        return f"/upload/{e.date:%Y/%m/%d}/{e.id}{random.Random(e.id).randint(10**5, 10**6)}.{e.ext}"
