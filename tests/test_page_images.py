"""Which pictures of a report page are its pages (图片版), and which image links are its attachment: the pure
rules of crawler/spiders/reports.py, on pages as county CMSs write them."""

from __future__ import annotations

import io

import pytest
from scrapy.http import HtmlResponse

from crawler.spiders.discover import DiscoverSpider
from crawler.spiders.reports import _page_images, _page_sized

BASE = "http://127.0.0.1:8000/zfxxgk/nb/202401/t20240119_123.html"


def page(body: str) -> HtmlResponse:
    return HtmlResponse(BASE, body=f"<html><body>{body}</body></html>".encode(), encoding="utf-8")


@pytest.mark.parametrize(("markup", "pages"), [
    # TRS editor pictures, a lazy one, beside the chrome: logo, QR code, badges, a share icon, an inline data: image
    ('<img src="/images/logo.png"><img src="./W020240119563741234567.jpg" width="800">'
     '<img data-src="./W020240119563741234568.jpg"><img src="/images/ewm_wx.jpg"><img src="/img/jiucuo.png">'
     '<img src="data:image/png;base64,iVBORw0KGgo="><img src="/img/share-weibo.png">',
     ["./W020240119563741234567.jpg", "./W020240119563741234568.jpg"]),
    # plain upload names, with a query; declared small pictures are not pages
    ('<p><img src="/uploadfile/2024/0119/20240119093512345.png?v=1"></p><img src="/u/1.gif" width="24" height="24">'
     '<img src="/uploadfile/2024/0119/20240119093512346.png" style="width:100%">',
     ["/uploadfile/2024/0119/20240119093512345.png?v=1", "/uploadfile/2024/0119/20240119093512346.png"]),
    # names that merely contain a chrome word inside another word, and one image twice
    ('<img src="/p/online_p1.jpg"><img src="/p/jcgk_2023_2.jpeg"><img src="/p/online_p1.jpg"><a href="/x.pdf">x</a>',
     ["/p/online_p1.jpg", "/p/jcgk_2023_2.jpeg"]),
])
def test_the_pictures_that_may_be_pages_in_order(markup: str, pages: list[str]) -> None:
    from urllib.parse import urljoin

    assert _page_images(page(markup)) == [urljoin(BASE, p) for p in pages]


def _image(width: int, height: int, fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(("size", "fmt", "page_sized"), [
    ((48, 48), "PNG", False), ((800, 90), "JPEG", False), ((827, 1169), "JPEG", True), ((1240, 6000), "PNG", True),
])
def test_a_fetched_image_is_a_page_by_its_size(size: tuple[int, int], fmt: str, page_sized: bool) -> None:
    assert _page_sized(_image(*size, fmt)) is page_sized


def test_bytes_that_are_no_image_are_left_to_the_parser() -> None:
    assert _page_sized(b"<html>not an image</html>")


@pytest.mark.parametrize(("link", "attachment"), [
    ('<a href="/up/8756933.jpg">太和县司法局2022年政府信息公开工作年度报告.jpg</a>', True),
    ('附件：<a href="/up/abc.png">附件1.png</a>', True),
    ('<a href="/up/abc.jpg">宁县2023年政府信息公开工作年度报告</a>', True),
    ('<a href="/up/abc.jpg">点击查看原图</a>', False),
    ('<a href="/up/abc.jpg"><img src="/up/abc_s.jpg"></a>', False),
    ('<a href="/up/report.pdf">点击下载</a>', True),
])
def test_an_image_link_is_an_attachment_when_it_names_a_file_or_a_report(link: str, attachment: bool) -> None:
    spider = DiscoverSpider(sites=[("a", "http://127.0.0.1:8000/")])
    found = [url for url, _ in spider._attachments(page(link))]
    assert bool(found) is attachment, found
