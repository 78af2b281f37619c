"""TRS WCM: `./YYYYMM/tYYYYMMDD_ID.html|shtml|htm`, list pages written only by script (`createPageHTML` in its
4- and 6-argument forms, `var countPage`), or `list_N` links; attachments `P0….pdf` with a dead OLDSRC."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from ..families.base import Entry, Resp, esc
from .base import Listing, pick
from .static import COLUMN_DIRS, StaticVariant

_CPH4 = r"""function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  function page(i){ return i == 0 ? _sPageName+"."+_sPageExt : _sPageName+"_"+i+"."+_sPageExt; }
  if(nCurrIndex > 0){ document.write("<a href=\""+page(nCurrIndex-1)+"\">上一页</a> "); }
  for(var i=0;i<_nPageCount;i++){ document.write(i==nCurrIndex ? "<span>"+(i+1)+"</span> " : "<a href=\""+page(i)+"\">"+(i+1)+"</a> "); }
  if(nCurrIndex < _nPageCount-1){ document.write("<a href=\""+page(nCurrIndex+1)+"\">下一页</a>"); }
}"""
_CPH6 = r"""function createPageHTML(divId, pageCount, currentPage, prefix, ext, recordCount){
  var box = document.getElementById(divId), html = "共" + recordCount + "条 ";
  if(!box || pageCount <= 1){ return; }
  function page(i){ return i == 1 ? prefix + "." + ext : prefix + "_" + (i - 1) + "." + ext; }
  if(currentPage > 1){ html += "<a href='" + page(1) + "'>首页</a> <a href='" + page(currentPage - 1) + "'>上一页</a> "; }
  if(currentPage < pageCount){ html += "<a href='" + page(currentPage + 1) + "'>下一页</a> <a href='" + page(pageCount) + "'>尾页</a>"; }
  box.innerHTML = html;
}"""
_COUNTPAGE = r"""(function(){
  if(countPage <= 1){ return; }
  var out = [];
  for(var i = 0; i < countPage; i++){
    var name = i == 0 ? pageName + "." + pageExt : pageName + "_" + i + "." + pageExt;
    out.push(i == currentPage ? "<b>" + (i + 1) + "</b>" : "<a href='" + name + "'>" + (i + 1) + "</a>");
  }
  document.getElementById("pagination").innerHTML = out.join(" ");
})();"""


class TrsVariant(StaticVariant):
    name = "trs"
    wrapper = '<div class="TRS_Editor">'
    server = "Apache"
    styles = ("cph4", "cph6", "countpage", "list_n")

    @classmethod
    def draw(cls, rng: random.Random) -> dict[str, Any]:
        v = super().draw(rng)
        v.update(column_dir=pick(rng, COLUMN_DIRS), ext=pick(rng, ("html", "shtml", "htm")),
                 stem=pick(rng, ("index", "index", "fg", "list")), referer=rng.random() < 0.5,
                 article=pick(rng, ("{col}{ym}/t{ymd}_{id}.{ext}", "{col}{ym}/t{ymd}_{id}.{ext}", "/art/{ym}/t{ymd}_{id}.{ext}")))
        return v

    @property
    def column_url(self) -> str:
        return self.column_dir + ("" if self.v["first_is_dir"] and self.v["stem"] == "index" else self.name_of(1))

    def listing_path(self, lst: Listing) -> str:
        return self.listing_dir(lst) + self.name_of(1)

    def name_of(self, k: int) -> str:
        v = self.v
        if v["style"] == "list_n":
            return f"list_{k}.{v['ext']}"
        return f"{v['stem']}.{v['ext']}" if k == 1 else f"{v['stem']}_{k - 1}.{v['ext']}"

    def page_path(self, lst: Listing, k: int) -> str:
        return lst.path if k == 1 else self.folder(lst) + self.name_of(k)

    def pager(self, lst: Listing, k: int, n: int, total: int, here: str) -> str:
        v = self.v
        if v["style"] == "list_n":
            return self.plain_pager(k, n, total, here, lambda i: self.page_path(lst, i))
        if v["style"] == "cph4":
            return (f'<div class="page"><script type="text/javascript">\n{_CPH4}\n'
                    f'createPageHTML({n}, {k - 1}, "{v["stem"]}", "{v["ext"]}");\n</script></div>\n')
        if v["style"] == "cph6":
            return (f'<div class="page" id="page_div"></div><script type="text/javascript">\n{_CPH6}\n'
                    f"createPageHTML('page_div',{n},{k},'{v['stem']}','{v['ext']}',{total});\n</script>\n")
        return (f'<div id="pagination"></div><script>\nvar countPage = {n};\nvar currentPage = {k - 1};\n'
                f'var pageName = "{v["stem"]}";\nvar pageExt = "{v["ext"]}";\n{_COUNTPAGE}\n</script>\n')

    def attachment_path(self, e: Entry) -> str:
        return self.article_path(e).rsplit("/", 1)[0] + f"/{self._p0(e)}.{e.ext}"

    def _p0(self, e: Entry) -> str:
        return f"P0{e.date:%Y%m%d}{random.Random(e.id).randint(10**11, 10**12 - 1)}"

    def attachment_block(self, e: Entry, href: str) -> str:
        return (f'<p style="text-indent:2em;">附件：<a appendix="true" href="{esc(href)}" '
                f'OLDSRC="/protect/P0{e.date:%Y%m}/{self._p0(e)}.{e.ext}">{esc(e.filename)}</a></p>')

    def attachment_resp(self, e: Entry) -> Resp:
        return replace(super().attachment_resp(e), referer=self.v["referer"])
