"""The imitation of Hanweb JPaaS (crawler/platforms/jpaas.py reads the real family)."""

from __future__ import annotations

import json
import random

from .base import Entry, Family, Req, Resp, SiteSpec, json_resp

_UNITBUILD_JS = r"""(function () {
  var me = document.currentScript;
  var q = JSON.parse(me.getAttribute('queryData').replace(/'/g, '"'));
  var param = JSON.parse(me.getAttribute('paramJson') || '{"pageNo":1,"pageSize":"15"}');
  var box = document.createElement('div');
  box.className = 'jpaas-unit';
  me.parentNode.insertBefore(box, me);
  function load(pageNo) {
    param.pageNo = pageNo;
    var url = '/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=' + q.webId +
      '&tplSetId=' + q.tplSetId + '&pageType=' + q.pageType + '&tagId=' + encodeURIComponent(q.tagId) +
      '&editType=null&pageId=' + q.pageId + '&paramJson=' + encodeURIComponent(JSON.stringify(param));
    fetch(url).then(function (r) { return r.json(); }).then(function (d) {
      box.innerHTML = d.data.html;
      box.querySelectorAll('a[data-page]').forEach(function (a) {
        a.onclick = function (ev) { ev.preventDefault(); load(+a.getAttribute('data-page')); };
      });
    });
  }
  load(param.pageNo || 1);
})();
"""


class JpaasFamily(Family):
    """Hanweb JPaaS: the column page's unitbuild.js fetches the list as JSON from the api-gateway."""

    name = "jpaas"
    id_range = (10_000_000, 99_999_999)
    wrapper = '<div id="zoom">'
    server = "JSP3/2.0.14"
    api = "/api-gateway/jpaas-publish-server/front/page/build/unit"

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.web_id = f"{r.getrandbits(128):032x}"
        self.tpl = f"{r.getrandbits(128):032x}"
        gk = r.randint(1229000000, 1229900000)
        self.page_id = gk + r.randint(10, 99999)  # clear of the sub-columns gk+1…
        self.gk_path = f"/col/col{gk}/index.html"
        self.extra_paths = {t: f"/col/col{gk + i}/index.html" for i, t in
                            enumerate(Family.extra_paths, start=1)}

    @property
    def column_url(self) -> str:
        return f"/col/col{self.page_id}/index.html"

    def list_target(self, page: int) -> str:
        return self.column_url

    def build_column(self) -> None:
        q = (f"{{'webId':'{self.web_id}','pageId':'{self.page_id}','tplSetId':'{self.tpl}','pageType':'column',"
             f"'tagId':'当前栏目list','editType':'null'}}")
        unit = (f'<div class="xxgk-list"><script type="text/javascript" src="/module/jpaas/unitbuild.js" '
                f'queryData="{q}" paramJson=\'{{"pageNo":1,"pageSize":"{self.spec.page_size}"}}\'></script></div>\n')
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + unit)
        self.files["/module/jpaas/unitbuild.js"] = Resp(body=_UNITBUILD_JS.encode(), ctype="application/javascript")

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != self.api:
            return None
        q = req.query
        if q.get("parseType") != "bulidstatic" or q.get("webId") != self.web_id or q.get("pageId") != str(self.page_id):
            return json_resp({"success": False, "message": "参数错误", "code": "500", "data": None})
        try:
            param = json.loads(q.get("paramJson") or "{}")
            page, size = int(param.get("pageNo", 1)), min(int(param.get("pageSize", 15)), 50)
        except (ValueError, TypeError, AttributeError):
            return json_resp({"success": False, "message": "paramJson格式错误", "code": "500", "data": None})
        pages = max(1, -(-len(self.entries) // size))
        chunk = self.entries[(page - 1) * size:page * size] if page >= 1 else []
        lis = "".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
        pager = "".join(f'<a href="javascript:;" data-page="{i}">{i}</a>' for i in range(1, pages + 1))
        if page < pages:
            pager += f'<a href="javascript:;" data-page="{page + 1}">下一页</a>'
        html_text = (f'<ul class="list">{lis}</ul><div class="pagination">{pager}'
                     f"<span>共{len(self.entries)}条 {pages}页</span></div>")
        return json_resp({"success": True, "message": "", "code": "200", "data": {"html": html_text}})

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.page_id}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/-1/{random.Random(e.id).getrandbits(64):016x}.{e.ext}"
