"""Henan county sites (西峡, 社旗, 潢川): `/YYYY/MM-DD/{id}.html`, `/ifile/…` attachments, `index_N.html` lists."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ..families.base import Entry
from .base import pick
from .static import StaticVariant


class HenanVariant(StaticVariant):
    name = "henan"
    wrapper = '<div id="zoom">'
    styles = ("index_1", "index_0", "list")

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        v = super().draw(rng)
        v["column_dir"] = pick(rng, ("/zwgk/zfxxgknb/", "/zfxxgk/xxgknb/", "/xxgk/zfxxgknb/", "/zwgk/xxgk/nb/"))
        v["article"] = pick(rng, ("/{y}/{m}-{d}/{id}.html", "/{y}/{m}-{d}/{id}.html", "/m/{y}/{m}-{d}/{id}.html"))
        return v

    def attachment_path(self, e: Entry) -> str:
        r = random.Random(e.id)
        ms = int(dt.datetime(e.date.year, e.date.month, e.date.day, r.randint(8, 18)).timestamp() * 1000)
        return f"/ifile/{e.date:%Y%m%d}/{ms + r.randint(0, 3_599_999)}{r.randint(1000, 9999)}.{e.ext}"
