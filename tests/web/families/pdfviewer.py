"""The imitation of an embedded PDF viewer (crawler/platforms/pdfviewer.py reads the real family)."""

from __future__ import annotations

import random

from .base import Entry, Family, Resp, chunks, esc

_VIEWER_SWAP = """<script>
document.querySelectorAll('img[data-uitype="pdf"]').forEach(function (img) {
  var f = document.createElement('iframe');
  f.src = '/pdfjs/web/viewer.html?file=' + encodeURIComponent(img.getAttribute('data-powerurl'));
  f.width = '100%'; f.height = '900'; f.frameBorder = '0';
  img.parentNode.replaceChild(f, img);
});
</script>
"""


class ViewerFamily(Family):
    """Reports as PDFs behind an embedded viewer: `<img data-uitype="pdf" data-powerurl=…>` swapped by a script."""

    name = "pdfviewer"
    id_range = (100000, 999999)
    wrapper = '<div class="content">'
    gk_path = "/xxgk/index.html"
    root = "/xxgk/xxgknb/"

    @property
    def column_url(self) -> str:
        return self.root + "list_1.html"

    def list_target(self, page: int) -> str:
        return f"{self.root}list_{page}.html"

    def build(self) -> None:
        super().build()
        self.files["/pdfjs/web/viewer.html"] = Resp(body=(
            b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>PDF.js viewer</title></head><body>"
            b"<div id=\"viewerContainer\"></div><script>var f = new URLSearchParams(location.search).get('file');"
            b"document.getElementById('viewerContainer').innerHTML = '<embed src=\"' + f + '\" width=\"100%\" "
            b"height=\"900\" type=\"application/pdf\">';</script></body></html>"))

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, f"./{e.id}.html", i) for i, e in enumerate(chunk))
            nav = [f'<a href="list_{k - 1}.html">上一页</a>'] if k > 1 else []
            nav += [f'<a href="list_{k + 1}.html">下一页</a>'] if k < len(pages) else []
            self.files[self.list_target(k)] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, f'<div class="page">第{k}/{len(pages)}页 {" ".join(nav)}</div>'))

    def article_path(self, e: Entry) -> str:
        return f"{self.root}{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/Upload/{e.date:%Y/%m}/{random.Random(e.id).getrandbits(128):032x}.{e.ext}"

    def attachment_block(self, e: Entry, href: str) -> str:
        if e.ext != "pdf":
            return super().attachment_block(e, href)
        return (f'<p><img data-uitype="pdf" data-powerurl="{esc(href)}" src="/Content/images/pdf.png" alt="{esc(e.title)}"></p>\n'
                + _VIEWER_SWAP)
