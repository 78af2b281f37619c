"""Plain static lists, every page style seen: `index_1.html` or `index_2.html` second, `list_N.html`, `?page=N`,
`&pageIndex=N`, `?pn=N`; link words 下一页 / 下页 / > …; 共N条 / 共N页 announced or not."""

from __future__ import annotations

import random
from typing import Any, ClassVar

from .base import Listing, VariantFamily, draw_pager_words, pick

COLUMN_DIRS = ("/zfxxgk/zfxxgknb/", "/zwgk/xxgknb/", "/zwgk/ndbg/", "/gk/zfxxgknb/", "/xxgk/gknb/", "/zwgk/zfxxgk/zfxxgknb/",
               "/zfxxgk/fdzdgknr/zfxxgknb/", "/govxxgk/nb/", "/zwgk/gknb/")
ARTICLES = ("{col}{ym}/t{ymd}_{id}.html", "/html/{y}/{md}/{id}.html", "{col}{id}.html", "/content/{y}-{m}/{d}/{id}.shtml",
            "/news/{id}.html", "{col}{ym}/{id}.htm")
ATTACHES = ("/uploadfiles/{ym}/{id}.{form}", "{col}{ym}/{p0}.{form}", "/upload/{y}/{m}/{d}/{rnd}.{form}",
            "/files/{hex}.{form}")
STYLES = ("index_0", "index_1", "list", "list_1", "page_q", "pageindex_q", "pn_q")


class StaticVariant(VariantFamily):
    """Static list pages in one of the drawn page styles."""

    name = "static"
    styles: ClassVar[tuple[str, ...]] = STYLES

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        col = pick(rng, COLUMN_DIRS)
        return {"column_dir": col, "style": pick(rng, cls.styles), "article": pick(rng, ARTICLES),
                "attach": pick(rng, ATTACHES), "first_is_dir": rng.random() < 0.5, "cid": rng.randint(10, 999),
                **draw_pager_words(rng)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.column_dir = self.v["column_dir"]

    @property
    def column_url(self) -> str:
        return self.first_page(self.column_dir)

    def first_page(self, folder: str) -> str:
        style = self.v["style"]
        if style == "list":
            return folder + "list.html"
        if style == "list_1":
            return folder + "list_1.html"
        if style == "pageindex_q":
            return folder + f"list.aspx?cid={self.v['cid']}"
        return folder if self.v["first_is_dir"] or style == "pn_q" else folder + "index.html"

    def folder(self, lst: Listing) -> str:
        return self.column_dir if lst.parent is None else self.listing_dir(lst)

    def listing_path(self, lst: Listing) -> str:
        return self.first_page(self.listing_dir(lst))

    def page_path(self, lst: Listing, k: int) -> str:
        folder, style = self.folder(lst), self.v["style"]
        if k == 1:
            return lst.path
        return folder + {"index_0": f"index_{k - 1}.html", "index_1": f"index_{k}.html", "list": f"list_{k}.html",
                         "list_1": f"list_{k}.html", "page_q": f"index.html?page={k}",
                         "pageindex_q": f"list.aspx?cid={self.v['cid']}&pageIndex={k}", "pn_q": f"?pn={k}"}[style]

    def pager(self, lst: Listing, k: int, n: int, total: int, here: str) -> str:
        return self.plain_pager(k, n, total, here, lambda i: self.page_path(lst, i))
