"""VSB (博达): articles `/info/{colid}/{id}.htm`; lists `{name}.htm` then `{name}/N.htm` counting down, or
`list.htm`, `list2.htm`…; the pager in `span.p_next` etc.; attachments through `download.jsp`."""

from __future__ import annotations

import random
from typing import Any

from ..families.base import Entry, esc
from .base import Listing, pick
from .static import StaticVariant


class VsbVariant(StaticVariant):
    name = "vsb"
    wrapper = '<div class="v_news_content">'
    server = "VisualSiteBuilder"
    styles = ("countdown", "listn")

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        v = super().draw(rng)
        v.update(stem=pick(rng, ("/xxgk/zfxxgknb", "/zwgk/xxgknb", "/xxgk/gknb", "/zfxxgk/ndbg")),
                 colid=rng.randint(1000, 9999), owner=rng.randint(10**9, 2 * 10**9))
        return v

    def stem(self, lst: Listing) -> str:
        if lst.parent is None:
            return self.v["stem"]
        key = lst.key.rsplit("-", 1)[-1]
        if self.v["subcol_paths"] == "separate" and lst.parent.parent is None:
            return f"/xxgk/{key}nb"
        return self.stem(lst.parent) + "/" + key

    @property
    def column_url(self) -> str:
        return self.v["stem"] + (".htm" if self.v["style"] == "countdown" else "/list.htm")

    def listing_path(self, lst: Listing) -> str:
        return self.stem(lst) + (".htm" if self.v["style"] == "countdown" else "/list.htm")

    def page_path(self, lst: Listing, k: int) -> str:
        if k == 1:
            return lst.path
        n = max(1, -(-len(lst.entries) // self.v["page_size"]))
        return f"{self.stem(lst)}/{n - k + 1}.htm" if self.v["style"] == "countdown" else f"{self.stem(lst)}/list{k}.htm"

    def pager(self, lst: Listing, k: int, n: int, total: int, here: str) -> str:
        def a(i: int, word: str, cls: str) -> str:
            return f'<span class="{cls} p_fun"><a href="{esc(self.href(self.page_path(lst, i), here))}">{word}</a></span>'
        parts = [f'<span class="p_t">共{total}条</span>', f'<span class="p_t">{k}/{n}</span>']
        if k > 1:
            parts += [a(1, "首页", "p_first"), a(k - 1, "上页", "p_prev")]
        if k < n:
            parts += [a(k + 1, "下页", "p_next"), a(n, "尾页", "p_last")]
        return f'<div class="pb_sys_common pb_sys_normal pb_sys_style1">{" ".join(parts)}</div>\n' if n > 1 else ""

    def article_path(self, e: Entry) -> str:
        return f"/info/{self.v['colid']}/{e.id}.htm"

    def attachment_path(self, e: Entry) -> str:
        fid = random.Random(e.id).randint(10**6, 10**7)
        return f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner={self.v['owner']}&wbfileid={fid}"
