"""Hanweb / 大汉 JCMS: `/col/col{id}/index.html` with the first records in an in-page datastore, the rest from
`dataproxy.jsp` (`/module/web/jpage/` or older `/module/jpage/`), by `startrecord/endrecord/perpage` or by `page`
only, the `param_NNN` fields in a script object or in the page's query string, `perpage` cut by some servers."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from ..families.base import NOT_FOUND, Entry, Req, Resp, esc
from ..families.hanweb import _JPAGE_JS
from .base import Listing, ListPage, VariantFamily, pick


class HanwebVariant(VariantFamily):
    name = "hanweb"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div id="zoom">'
    server = "Apache-Coyote/1.1"

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        gk = rng.randint(10000, 90000)
        return {"gk_path": f"/col/col{gk}/index.html", "gkcol": gk, "colid": gk + rng.randint(100, 9999),
                "webid": rng.randint(1, 999), "unitid": rng.randint(100000, 999999),
                "proxy": pick(rng, ("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp")),
                "paging": pick(rng, ("records", "records", "page")), "params_in": pick(rng, ("script", "query")),
                "perpage_cap": pick(rng, (0, 300, 45)), "inline_pages": pick(rng, (1, 2, 3)), "group": pick(rng, (1, 3)),
                "referer_download": rng.random() < 0.3}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gk = self.v["gkcol"]
        self.extra_paths = {t: f"/col/col{gk + i}/index.html" for i, t in enumerate(VariantFamily.extra_paths, start=1)}
        self.by_col: dict[int, Listing] = {}

    def fdzd_sibling(self, i: int) -> str:
        return f"/col/col{self.v['gkcol'] + 50 + i}/index.html"

    @property
    def column_url(self) -> str:
        return f"/col/col{self.v['colid']}/index.html"

    def col_of(self, lst: Listing) -> int:
        return self.v["colid"] + lst.index * 3

    def listing_path(self, lst: Listing) -> str:
        return f"/col/col{self.col_of(lst)}/index.html"

    def params(self, lst: Listing) -> dict[str, str]:
        return {"col": "1", "appid": "1", "webid": str(self.v["webid"]), "path": "/", "columnid": str(self.col_of(lst)),
                "sourceContentType": "1", "unitid": str(self.v["unitid"]), "webname": self.site, "permissiontype": "0"}

    def record(self, e: Entry, i: int, here: str) -> str:
        return f"<record><![CDATA[\n{self.row(e, self.href(self.link_of(e), here), i)}\n]]></record>"

    def render_listing(self, lst: Listing) -> None:
        v, per, here = self.v, self.v["page_size"], lst.path
        self.by_col[self.col_of(lst)] = lst
        inline = lst.entries[:per * v["inline_pages"]]
        recs = "\n".join(self.record(e, i, here) for i, e in enumerate(inline))
        param = self.params(lst)
        nextgroup = f'{v["proxy"]}?page=1&{urlencode(param)}' if v["params_in"] == "query" else f'{v["proxy"]}?page=1'
        script_param = ",".join(f"{k}:{x if x.isdigit() else repr(x)}" for k, x in param.items())
        js = "/module/web/jpage/jpage.js"
        unit = (f'<div id="{v["unitid"]}"><script type="text/xml"><datastore>\n'
                f'<nextgroup><![CDATA[<a href="{esc(nextgroup)}"></a>]]></nextgroup>\n'
                f"<recordset>\n{recs}\n</recordset>\n</datastore></script>\n"
                f'<script language="javascript" src="{js}"></script>\n'
                f"<script>var param_{v['unitid']} = {{{script_param if v['params_in'] == 'script' else ''}}};\n"
                f"jpage.init({{unitid: '{v['unitid']}', totalRecord: {len(lst.entries)}, perPage: {per}, "
                f"param: param_{v['unitid']}}});</script></div>\n")
        self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, here) + unit
                                         + (self.hz_link(here) if lst.index == 0 else ""))
        self.files[js] = Resp(body=_JPAGE_JS.replace("'/module/web/jpage/dataproxy.jsp", "'" + v["proxy"]).encode(),
                              ctype="application/javascript")
        self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
        body = urlencode(param).encode()
        hdr = {"X-Requested-With": "XMLHttpRequest", "Content-Type": "application/x-www-form-urlencoded"}
        step = per if v["paging"] == "page" else per * v["group"]  # page mode: one page of `perpage` a request
        if v["perpage_cap"]:
            step = min(step, v["perpage_cap"])
        for start in range(len(inline) + 1, len(lst.entries) + 1, step):
            if v["paging"] == "page":
                q = f"page={(start - 1) // per + 1}&perpage={per}"
            else:
                q = f"startrecord={start}&endrecord={min(start + step - 1, len(lst.entries))}&perpage={per}"
            self.list_pages.append(ListPage("POST", f"{self.origin}{v['proxy']}?{q}", body, hdr, self.origin + lst.path, "xml"))

    def dynamic(self, req: Req) -> Resp | None:
        v = self.v
        if req.path == v["proxy"]:
            return self.dataproxy(req)
        if req.path == "/module/download/downfile.jsp":
            target = f"/attach/{req.query.get('classid', '0')}/{req.query.get('filename', '')}"
            if target in self.lazy or target in self.files:
                return Resp(302, b"", headers=(("Location", target),))
            return Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")
        return None

    def dataproxy(self, req: Req) -> Resp:
        v = self.v
        if req.method != "POST":
            return Resp(405, b"<html><body>HTTP method GET is not supported by this URL</body></html>")
        if req.headers.get("x-requested-with") != "XMLHttpRequest":
            return Resp(403, b"<html><body>Forbidden</body></html>")
        fields = {**req.query, **req.form}
        try:
            lst = self.by_col[int(fields.get("columnid", "0"))]
        except (ValueError, KeyError):
            return self.datastore([], 0, "")
        if fields.get("unitid") != str(v["unitid"]):
            return self.datastore([], 0, "")
        try:
            per = int(req.query.get("perpage", v["page_size"]))
            if v["paging"] == "page":
                page = max(1, int(req.query.get("page", 1)))
                start, end = (page - 1) * per + 1, page * per
            else:
                start = int(req.query.get("startrecord", 1))
                end = int(req.query.get("endrecord", start + per - 1))
        except ValueError:
            return Resp(400, b"bad request")
        if v["perpage_cap"]:
            end = min(end, start + v["perpage_cap"] - 1)
        return self.datastore(lst.entries[max(start, 1) - 1:max(end, 0)], len(lst.entries), lst.path, max(start, 1) - 1)

    def datastore(self, entries: list[Entry], total: int, here: str, offset: int = 0) -> Resp:
        recs = "".join(self.record(e, offset + i, here) for i, e in enumerate(entries))
        body = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
                f"<recordset>{recs}</recordset></datastore>")
        return Resp(body=body.encode(), ctype="text/xml;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.v['colid']}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/0/{e.date:%y%m%d}{random.Random(e.id).randint(100000, 999999)}.{e.ext}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={apath.rsplit('/', 1)[1]}"
