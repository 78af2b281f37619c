"""Sites whose lists only a script builds: a hash-route single-page app (every path the same shell, JSON by XHR),
a list in a same-origin `<iframe>`, or an empty `<ul id="list">` filled from a JSON or XML endpoint with its own
next-page button."""

from __future__ import annotations

import random
import re
from typing import Any

from ..families.base import Entry, Req, Resp, chunks, esc, json_resp
from ..families.spa import _SPA_JS, _SPA_SHELL, SpaFamily
from .base import Listing, ListPage, VariantFamily, pick

_FILL_JS = r"""(function () {
  var box = document.getElementById('list'), more = document.getElementById('more'), page = 1;
  var src = box.getAttribute('data-src'), kind = box.getAttribute('data-kind');
  function load() {
    fetch(src.replace('{page}', page)).then(function (r) { return r.text(); }).then(function (t) {
      var rows = [];
      if (kind === 'json') { rows = JSON.parse(t).rows.map(function (x) { return [x.title, x.url]; }); }
      else { var d = new DOMParser().parseFromString(t, 'text/xml');
        rows = [].map.call(d.querySelectorAll('item'), function (i) {
          return [i.querySelector('title').textContent, i.querySelector('link').textContent]; }); }
      rows.forEach(function (x) { var li = document.createElement('li'), a = document.createElement('a');
        a.href = x[1]; a.textContent = x[0]; li.appendChild(a); box.appendChild(li); });
      more.style.display = rows.length ? '' : 'none'; page += 1;
    });
  }
  more.onclick = load; load();
})();
"""


class SpaVariant(VariantFamily):
    name = "spa"
    id_range = (10000, 99999)
    column_dir = "/xxgk/nb/"

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        return {"mode": pick(rng, ("hash", "iframe", "script_json", "script_xml")),
                "column_dir": pick(rng, ("/xxgk/nb/", "/zwgk/nianbao/", "/gk/ndbg/"))}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.column_dir = self.v["column_dir"]

    @property
    def column_url(self) -> str:
        return "/#/channel/nb0" if self.v["mode"] == "hash" else self.column_dir + "index.html"

    def listing_path(self, lst: Listing) -> str:
        return f"/#/channel/nb{lst.index}" if self.v["mode"] == "hash" else self.listing_dir(lst) + "index.html"

    # ---------------------------------------------------------------- hash-route app
    def build(self) -> None:
        if self.v["mode"] != "hash":
            super().build()
            return
        self.v = {**self.v, "href": "root", "subcols": "none", "depth": 1}
        self.files["/"] = Resp(body=_SPA_SHELL.format(title=self.site).encode())
        self.files["/static/js/app.js"] = Resp(body=_SPA_JS.encode(), ctype="application/javascript")
        self.files["/static/css/app.css"] = Resp(body=b".nav li{display:inline}", ctype="text/css")
        self.place_documents()
        self.hz = []
        for e in self.entries:
            self.build_entry(e)
        self.build_listings()
        chans = [*SpaFamily.channels, ("nb0", self.v["nb_text"])]
        self.files["/api/site"] = json_resp({"name": self.site, "news": [t for _, t in self.news_items()[:6]],
                                             "nav": [{"title": "首页", "route": "/"}, {"title": self.v["gk_text"], "route": "/zwgk"}]})
        self.files["/api/channels"] = json_resp([{"code": c, "name": n} for c, n in chans])
        self.list_pages.append(ListPage("GET", self.origin + "/api/channels", base=self.origin + "/", kind="json"))

    def build_entry(self, e: Entry) -> None:
        if self.v["mode"] != "hash":
            super().build_entry(e)
            return
        self.bare.discard(e.id)
        super().build_entry(e)
        path = self.article_path(e)
        page = self.lazy.pop(path)
        self.page_urls[e.id] = f"{self.origin}/#/article/{e.id}"
        if e.report is not None and e.form == "html":
            self.doc_urls[e.id] = self.page_urls[e.id]
        inner = ((lambda e=e: SpaFamily.fragment(e)) if e.report is not None and e.form == "html" else
                 (lambda e=e, page=page: self.main_of(page())))
        self.lazy[f"/api/article/{e.id}"] = lambda e=e, inner=inner: json_resp(
            {"id": e.id, "title": e.title, "date": str(e.date), "html": inner()})

    def main_of(self, resp: Resp) -> str:
        text = resp.body.decode(self.codec)
        return text[text.index('<div class="article">'):text.rindex('<div class="footer">')]

    def render_listing(self, lst: Listing) -> None:
        mode = self.v["mode"]
        pages = chunks(lst.entries, self.v["page_size"])
        if mode == "hash":
            self.list_pages += [ListPage("GET", f"{self.origin}/api/channel/nb{lst.index}?page={k}", base=self.origin + "/",
                                         kind="json") for k in range(1, len(pages) + 1)]
            return
        folder = lst.path.rsplit("/", 1)[0] + "/"
        if mode == "iframe":
            frame = folder + "list_frame.html"
            self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, lst.path) + (
                f'<iframe id="listFrame" src="{esc(self.href(frame, lst.path))}" width="100%" height="800" frameborder="0" '
                'scrolling="no"></iframe>\n') + (self.hz_link(lst.path) if lst.index == 0 else ""))
            self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
            for k, chunk in enumerate(pages, start=1):
                path = folder + ("list_frame.html" if k == 1 else f"list_frame_{k}.html")
                nav = f'<a href="list_frame_{k + 1}.html">下一页</a>' if k < len(pages) else ""
                body = (f'<!DOCTYPE html><html><head><meta charset="{self.spec.encoding}"><base target="_top"></head><body>'
                        f'{self.rows(chunk, path)}<div class="page">{nav}</div></body></html>')
                self.files[path] = Resp(body=self.encode(body), ctype=self.ctype)
                self.list_pages.append(ListPage("GET", self.origin + path, base=self.origin + path))
            return
        kind = "json" if mode == "script_json" else "xml"
        src = f"/api/nb/list?cat={lst.index}&page={{page}}" if kind == "json" else f"/xml/nblist_{lst.index}_{{page}}.xml"
        self.files[lst.path] = self.page(lst.label, self.crumbs(lst.label) + self.subnav(lst, lst.path) + (
            f'<ul id="list" data-src="{esc(src)}" data-kind="{kind}"></ul><button id="more" type="button">加载更多</button>\n'
            '<script src="/static/js/fill.js"></script>\n') + (self.hz_link(lst.path) if lst.index == 0 else ""))
        self.files["/static/js/fill.js"] = Resp(body=_FILL_JS.encode(), ctype="application/javascript")
        self.list_pages.append(ListPage("GET", self.origin + lst.path, base=self.origin + lst.path))
        for k, chunk in enumerate(pages, start=1):
            url = src.replace("{page}", str(k))
            if kind == "xml":
                items = "".join(f"<item><title>{esc(e.title)}</title><link>{esc(self.href(self.link_of(e), lst.path))}</link>"
                                f"<pubDate>{e.date}</pubDate></item>" for e in chunk)
                self.files[url] = Resp(body=f'<?xml version="1.0" encoding="UTF-8"?><list total="{len(lst.entries)}">{items}</list>'
                                       .encode(), ctype="text/xml;charset=UTF-8")
            self.list_pages.append(ListPage("GET", self.origin + url, base=self.origin + lst.path, kind=kind))

    def dynamic(self, req: Req) -> Resp | None:
        mode = self.v["mode"]
        if mode == "script_json" and req.path == "/api/nb/list":
            try:
                lst, page = self.listings[int(req.query.get("cat", "0"))], max(1, int(req.query.get("page", "1")))
            except (ValueError, IndexError):
                return json_resp({"total": 0, "rows": []})
            size = self.v["page_size"]
            return json_resp({"total": len(lst.entries), "rows": [
                {"title": e.title, "url": self.href(self.link_of(e), lst.path), "date": str(e.date)}
                for e in lst.entries[(page - 1) * size:page * size]]})
        if mode != "hash":
            return None
        m = re.fullmatch(r"/api/channel/(\w+)", req.path)
        if m:
            names = {f"nb{x.index}": x for x in self.listings}
            lst = names.get(m[1])
            items = lst.entries if lst else []
            try:
                page = max(1, int(req.query.get("page", 1)))
            except ValueError:
                page = 1
            size = self.v["page_size"]
            return json_resp({"name": lst.label if lst else "", "total": len(items), "page": page,
                              "pages": max(1, -(-len(items) // size)),
                              "items": [{"id": e.id, "title": e.title, "date": str(e.date), "href": f"#/article/{e.id}"}
                                        for e in items[(page - 1) * size:page * size]]})
        if req.path.startswith(("/api/", "/static/")) or req.method not in ("GET", "HEAD") or req.path in self.lazy:
            return None
        return self.files["/"]

    def article_path(self, e: Entry) -> str:
        return f"/xxgk/content/{e.date:%Y%m}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/static/upload/{e.date:%Y%m}/{e.id}.{e.ext}"


