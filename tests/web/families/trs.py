"""The imitation of TRS WCM (crawler/platforms/trs.py reads the real family)."""

from __future__ import annotations

import random
from dataclasses import replace

from .base import Entry, Resp, chunks, esc
from .static import StaticFamily

_CREATE_PAGE_HTML = r"""function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  function page(i){ return i == 0 ? _sPageName+"."+_sPageExt : _sPageName+"_"+i+"."+_sPageExt; }
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else { document.write("<a href=\""+page(0)+"\">首页</a>&nbsp;<a href=\""+page(nCurrIndex-1)+"\">上一页</a>&nbsp;"); }
  if(nCurrIndex == _nPageCount-1){ document.write("下一页&nbsp;尾页"); }
  else { document.write("<a href=\""+page(nCurrIndex+1)+"\">下一页</a>&nbsp;<a href=\""+page(_nPageCount-1)+"\">尾页</a>"); }
}"""


class TrsFamily(StaticFamily):
    """TRS WCM: `./YYYYMM/tYYYYMMDD_ID.html`, pages only via createPageHTML, attachments needing a Referer."""

    name = "trs"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div class="TRS_Editor">'
    server = "Apache"

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages):
            lis = "\n".join(self.li(e, "./" + self.article_path(e)[len(self.root):], i) for i, e in enumerate(chunk))
            script = (f'<div class="page"><script type="text/javascript">\nvar currentPage = {k};\n'
                      f"var countPage = {len(pages)};\n{_CREATE_PAGE_HTML}\n"
                      f'createPageHTML({len(pages)}, {k}, "index", "html");\n</script></div>\n')
            self.files[self.list_target(k + 1)] = self.page(self.spec.nb_label, self.list_block(self.spec.nb_label, lis, script))

    def article_path(self, e: Entry) -> str:
        return f"{self.root}{e.date:%Y%m}/t{e.date:%Y%m%d}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"{self.root}{e.date:%Y%m}/{self._p0(e)}.{e.ext}"

    hotlink = True

    def image_path(self, e: Entry, n: int) -> str:  # a TRS editor's picture: W0 and a long number
        return f"{self.root}{e.date:%Y%m}/W0{e.date:%Y%m%d}{random.Random(e.id * 100 + n).randint(10**11, 10**12 - 1)}.jpg"

    def _p0(self, e: Entry) -> str:
        return f"P0{e.date:%Y%m%d}{random.Random(e.id).randint(10**11, 10**12 - 1)}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return "./" + apath.rsplit("/", 1)[1]

    def attachment_block(self, e: Entry, href: str) -> str:
        oldsrc = f"/protect/P0{e.date:%Y%m}/{self._p0(e)}.{e.ext}"
        return (f'<p style="text-indent:2em;">附件：<a appendix="true" href="{esc(href)}" OLDSRC="{oldsrc}">'
                f"{esc(e.filename)}</a></p>")

    def attachment_resp(self, e: Entry) -> Resp:
        return replace(super().attachment_resp(e), referer=True)
