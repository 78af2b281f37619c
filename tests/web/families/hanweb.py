"""The imitation of Hanweb / 大汉 JCMS (crawler/platforms/hanweb.py reads the real family)."""

from __future__ import annotations

import random
from urllib.parse import urlencode

from .base import NOT_FOUND, Entry, Family, Req, Resp, SiteSpec, esc

_JPAGE_JS = r"""var jpage = {
  records: function (xml) {
    var out = [], re = /<record><!\[CDATA\[([\s\S]*?)\]\]><\/record>/g, m;
    while ((m = re.exec(xml))) { out.push(m[1]); }
    return out;
  },
  init: function (o) {
    var box = document.getElementById(o.unitid);
    var local = jpage.records(box.querySelector('script[type="text/xml"]').textContent);
    var ul = document.createElement('ul'), pager = document.createElement('div');
    ul.className = 'jpage-list'; pager.className = 'jpage-pager';
    box.appendChild(ul); box.appendChild(pager);
    var pages = Math.max(1, Math.ceil(o.totalRecord / o.perPage));
    function draw(list) {
      ul.innerHTML = list.join('');
      pager.innerHTML = '';
      for (var i = 1; i <= pages; i++) {
        var a = document.createElement('a');
        a.href = 'javascript:void(0)'; a.textContent = i;
        a.onclick = (function (p) { return function () { show(p); }; })(i);
        pager.appendChild(a);
      }
    }
    function show(page) {
      var start = (page - 1) * o.perPage + 1, end = Math.min(page * o.perPage, o.totalRecord);
      if (end <= local.length) { draw(local.slice(start - 1, end)); return; }
      var body = Object.keys(o.param).map(function (k) {
        return encodeURIComponent(k) + '=' + encodeURIComponent(o.param[k]); }).join('&');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/module/web/jpage/dataproxy.jsp?startrecord=' + start + '&endrecord=' + end + '&perpage=' + o.perPage);
      xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      xhr.onload = function () { draw(jpage.records(xhr.responseText)); };
      xhr.send(body);
    }
    show(1);
  }
};
"""


class HanwebFamily(Family):
    """Hanweb JCMS: `/col/col{id}/index.html` with an in-page datastore, the rest via POST dataproxy.jsp."""

    name = "hanweb"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div id="zoom">'
    server = "Apache-Coyote/1.1"
    perpage_cap = 300
    inline_pages = 2  # list pages whose records sit in the column page itself

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.webid, self.gkcol = r.randint(10, 99), r.randint(10000, 90000)
        self.colid = self.gkcol + r.randint(10, 9999)  # clear of the sub-columns gkcol+1…
        self.unitid = str(r.randint(100000, 999999))
        self.gk_path = f"/col/col{self.gkcol}/index.html"
        self.extra_paths = {t: f"/col/col{self.gkcol + i}/index.html" for i, t in
                            enumerate(Family.extra_paths, start=1)}
        self.param = {"col": "1", "appid": "1", "webid": str(self.webid), "path": "/", "columnid": str(self.colid),
                      "sourceContentType": "1", "unitid": self.unitid, "webname": self.site, "permissiontype": "0"}

    @property
    def column_url(self) -> str:
        return f"/col/col{self.colid}/index.html"

    def list_target(self, page: int) -> str:
        return self.column_url

    def record(self, e: Entry) -> str:
        return f"<record><![CDATA[\n{self.li(e, self.article_path(e))}\n]]></record>"

    def build_column(self) -> None:
        n = self.spec.page_size * self.inline_pages
        recs = "\n".join(self.record(e) for e in self.entries[:n])
        nextgroup = f'/module/web/jpage/dataproxy.jsp?page=1&{urlencode(self.param)}'
        param = ",".join(f"{k}:{v if v.isdigit() else repr(v)}" for k, v in self.param.items())
        unit = (f'<div id="{self.unitid}"><script type="text/xml"><datastore>\n'
                f'<nextgroup><![CDATA[<a href="{esc(nextgroup)}"></a>]]></nextgroup>\n'
                f"<recordset>\n{recs}\n</recordset>\n</datastore></script>\n"
                f'<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
                f"<script>var param_{self.unitid} = {{{param}}};\n"
                f"jpage.init({{unitid: '{self.unitid}', totalRecord: {len(self.entries)}, "
                f"perPage: {self.spec.page_size}, param: param_{self.unitid}}});</script></div>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + unit)
        self.files["/module/web/jpage/jpage.js"] = Resp(body=_JPAGE_JS.encode(), ctype="application/javascript")

    def dynamic(self, req: Req) -> Resp | None:
        if req.path in ("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp"):
            return self.dataproxy(req)
        if req.path == "/module/download/downfile.jsp":
            target = f"/attach/{req.query.get('classid', '0')}/{req.query.get('filename', '')}"
            if target in self.files:
                return Resp(302, b"", headers=(("Location", target),))
            return Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")
        return None

    def dataproxy(self, req: Req) -> Resp:
        if req.method != "POST":
            return Resp(405, b"<html><body>HTTP method GET is not supported by this URL</body></html>")
        if req.headers.get("x-requested-with") != "XMLHttpRequest":
            return Resp(403, b"<html><body>Forbidden</body></html>")
        if req.form.get("columnid") != str(self.colid) or req.form.get("unitid") != self.unitid:
            return self.datastore([], 0)
        try:
            per = int(req.query.get("perpage", self.spec.page_size))
            start = int(req.query.get("startrecord", 1))
            end = int(req.query.get("endrecord", start + per - 1))
        except ValueError:
            return Resp(400, b"bad request")
        end = min(end, start + self.perpage_cap - 1)
        return self.datastore(self.entries[max(start, 1) - 1:max(end, 0)], len(self.entries))

    def datastore(self, entries: list[Entry], total: int) -> Resp:
        recs = "".join(self.record(e) for e in entries)
        body = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
                f"<recordset>{recs}</recordset></datastore>")
        return Resp(body=body.encode(), ctype="text/xml;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.colid}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/0/{e.date:%y%m%d}{random.Random(e.id).randint(100000, 999999)}.{e.ext}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={apath.rsplit('/', 1)[1]}"
