"""The imitation of a script-only single-page app (crawler/platforms/spa.py reads the real family)."""

from __future__ import annotations

import re
from typing import ClassVar

from ..render import to_html
from .base import Entry, Family, Req, Resp, esc, json_resp

_SPA_SHELL = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><noscript>请开启浏览器的JavaScript功能后访问本网站。</noscript><div id="app"></div>
<script src="/static/js/app.js"></script></body></html>
"""

_SPA_JS = r"""(function () {
  var app = document.getElementById('app');
  function get(u) { return fetch(u, {headers: {'Accept': 'application/json'}}).then(function (r) { return r.json(); }); }
  function esc(s) { var d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
  var site = null;
  function frame(inner) {
    var nav = site.nav.map(function (n) { return '<li><a href="#' + n.route + '">' + esc(n.title) + '</a></li>'; }).join('');
    app.innerHTML = '<div class="header"><div class="logo">' + esc(site.name) + '</div><ul class="nav">' + nav +
      '</ul></div><div class="main">' + inner + '</div>';
  }
  function route() {
    var h = location.hash.replace(/^#/, '') || '/', m;
    if (h === '/') {
      frame('<div class="news"><h2>要闻动态</h2><ul>' + site.news.map(function (t) {
        return '<li>' + esc(t) + '</li>'; }).join('') + '</ul></div>');
    } else if (h === '/zwgk') {
      get('/api/channels').then(function (cs) {
        frame('<div class="gk-menu"><h2>政府信息公开</h2><ul>' + cs.map(function (c) {
          return '<li><a href="#/channel/' + c.code + '">' + esc(c.name) + '</a></li>'; }).join('') + '</ul></div>');
      });
    } else if ((m = h.match(/^\/channel\/(\w+)(?:\?page=(\d+))?$/))) {
      var page = +(m[2] || 1);
      get('/api/channel/' + m[1] + '?page=' + page).then(function (d) {
        var items = d.items.map(function (it) {
          return '<li><a href="#/article/' + it.id + '">' + esc(it.title) + '</a><span>' + it.date + '</span></li>'; });
        var pager = '';
        for (var i = 1; i <= d.pages; i++) { pager += '<a href="#/channel/' + m[1] + '?page=' + i + '">' + i + '</a> '; }
        frame('<div class="list"><h2>' + esc(d.name) + '</h2><ul>' + (items.join('') || '<li>暂无信息</li>') +
              '</ul><div class="page">' + pager + '</div></div>');
      });
    } else if ((m = h.match(/^\/article\/(\d+)$/))) {
      get('/api/article/' + m[1]).then(function (a) {
        document.title = a.title;
        frame('<div class="detail">' + a.html + '</div>');
      });
    } else {
      frame('<p>页面不存在</p>');
    }
  }
  get('/api/site').then(function (s) { site = s; window.addEventListener('hashchange', route); route(); });
})();
"""


class SpaFamily(Family):
    """A JavaScript-only site: every path answers the same shell; nav, lists and articles come by fetch()."""

    name = "spa"
    id_range = (10000, 99999)
    channels: ClassVar[list[tuple[str, str]]] = [
        ("gkzn", "政府信息公开指南"), ("gkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"), ("ysqgk", "依申请公开")]

    @property
    def column_url(self) -> str:
        return "/#/channel/xxgknb"

    def list_target(self, page: int) -> str:
        return f"/api/channel/xxgknb?page={page}"

    def build(self) -> None:
        shell = _SPA_SHELL.format(title=self.site).encode()
        self.files["/"] = Resp(body=shell)
        self.files["/static/js/app.js"] = Resp(body=_SPA_JS.encode(), ctype="application/javascript")
        self.files["/static/css/app.css"] = Resp(body=b".nav li{display:inline;margin:0 1em}", ctype="text/css")
        chans = [*self.channels, *([("xxgknb", self.spec.nb_label)] if self.spec.column else [])]
        self.files["/api/site"] = json_resp({
            "name": self.site, "news": self.news_titles(),
            "nav": [{"title": "首页", "route": "/"}, {"title": self.spec.gk_label, "route": "/zwgk"}]})
        self.files["/api/channels"] = json_resp([{"code": c, "name": n} for c, n in chans])
        self.names = dict(chans)
        for e in self.entries:
            self.page_urls[e.id] = self.doc_urls[e.id] = f"{self.origin}/#/article/{e.id}"
            body = (self.fragment(e) if e.report is not None else
                    f'<div class="article"><h1>{esc(e.title)}</h1>{self.prose(e)}</div>')
            self.files[f"/api/article/{e.id}"] = json_resp({
                "id": e.id, "title": e.title, "date": str(e.date), "html": body})

    @staticmethod
    def fragment(e: Entry) -> str:
        assert e.report is not None
        page = to_html(e.report, "utf-8", e.quirks, chrome=False).decode()
        return page[page.index("<body>") + 6:page.rindex("</body>")].strip()

    def dynamic(self, req: Req) -> Resp | None:
        m = re.fullmatch(r"/api/channel/(\w+)", req.path)
        if m and m[1] in self.names:
            items = self.entries if m[1] == "xxgknb" else []
            try:
                page = max(1, int(req.query.get("page", 1)))
            except ValueError:
                page = 1
            size = self.spec.page_size
            return json_resp({
                "name": self.names[m[1]], "total": len(items), "page": page, "pages": max(1, -(-len(items) // size)),
                "items": [{"id": e.id, "title": e.title, "date": str(e.date)}
                          for e in items[(page - 1) * size:page * size]]})
        if req.path.startswith(("/api/", "/static/")) or req.method not in ("GET", "HEAD"):
            return None
        return self.files["/"]
