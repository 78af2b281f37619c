"""The imitation of Henan county sites (crawler/platforms/henan.py reads the real family)."""

from __future__ import annotations

import datetime as dt
import random

from .base import Entry, Family, chunks


class HenanFamily(Family):
    """Henan county sites (社旗): articles `/YYYY/MM-DD/{id}.html`, `div#zoom`, `/ifile/…` attachments, `index_N.html`."""

    name = "henan"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div id="zoom">'
    gk_path = "/zwgk/index.html"
    root = "/zwgk/zfxxgknb/"

    @property
    def column_url(self) -> str:
        return self.root + "index.html"

    def list_target(self, page: int) -> str:
        return self.root + ("index.html" if page == 1 else f"index_{page}.html")

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
            name = "index.html" if k == 1 else f"index_{k}.html"
            links = [f'<a href="{"index.html" if i == 1 else f"index_{i}.html"}">{i}</a>' for i in range(1, len(pages) + 1)]
            if k < len(pages):
                links.append(f'<a href="index_{k + 1}.html">下一页</a>')
            self.files[self.root + name] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, f'<div class="page">{" ".join(links)}</div>'))

    def article_path(self, e: Entry) -> str:
        return f"/{e.date.year}/{e.date:%m-%d}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        r = random.Random(e.id)
        ms = int(dt.datetime(e.date.year, e.date.month, e.date.day, r.randint(8, 18)).timestamp() * 1000)
        ms += r.randint(0, 3_599_999)
        return f"/ifile/{e.date:%Y%m%d}/{ms}{r.randint(1000, 9999)}.{e.ext}"
