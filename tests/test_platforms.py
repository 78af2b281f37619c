"""Each CMS family's platform class on saved list pages (tests/fixtures/lists/<family>/), in-process."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler import classify, platforms
from crawler.platforms import config
from tests.conftest import FIXTURES, SHARED, file_response

LISTS = FIXTURES / "lists"


def column(family: str) -> TextResponse:
    return file_response(LISTS / family / "column.html")


def test_every_platform_module_is_found_and_named_once() -> None:
    names = [p.name for p in platforms.PLATFORMS]
    assert sorted(names) == ["epoint", "gkmlpt", "hanweb", "jpaas", "lonsun", "templated", "trs"]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("family, detected", [
    ("static", []), ("trs", ["trs"]), ("hanweb", ["hanweb"]), ("jpaas", ["jpaas"]), ("gkmlpt", ["gkmlpt"]),
    ("lonsun", ["lonsun"]), ("aspnet", []), ("henan", []), ("pdfviewer", []),
])
def test_family_detected_from_the_page_itself(family: str, detected: list[str]) -> None:
    assert [p.name for p in platforms.detect(column(family).text)] == detected


@pytest.mark.parametrize("family, reports", [("static", 2), ("trs", 3), ("aspnet", 3), ("henan", 3), ("pdfviewer", 3)])
def test_inline_lists_show_their_reports(family: str, reports: int) -> None:
    response = column(family)
    links = [(t, u) for t, u in platforms.links_in(response) if classify.report_link(t)]
    assert len(links) == reports
    assert all(u.startswith("http://www.example.gov.cn/") for _, u in links)  # relative links resolved


def test_gbk_list_decoded() -> None:
    response = column("aspnet")  # GBK page, charset in its meta only
    titles = [classify.report_link(t) for t, _ in platforms.links_in(response)]
    assert any(t and "宁县" in t.title for t in titles)


def test_trs_pages_from_create_page_html() -> None:
    urls = [r.url for r in platforms.detect(column("trs").text)[0].pages(column("trs"))]
    assert urls == [f"http://www.example.gov.cn/zfxxgk/zfxxgknb/{n}" for n in ("index.html", "index_1.html", "index_2.html")]


@pytest.mark.parametrize("call, count, stem, ext", [
    ('createPageHTML(9, 0, "index", "html")', 9, "index", "html"),
    ("createPageHTML('page_div',5,1,'fg','shtml',89)", 5, "fg", "shtml"),
])
def test_trs_create_page_html_variants(call: str, count: int, stem: str, ext: str) -> None:
    body = f"<html><body><ul></ul><script>{call};</script></body></html>".encode()
    response = HtmlResponse("http://x.gov.cn/col/", body=body)
    urls = [r.url for r in platforms.detect(response.text)[0].pages(response)]
    assert len(urls) == count and urls[0].endswith(f"/{stem}.{ext}") and urls[-1].endswith(f"/{stem}_{count - 1}.{ext}")


def test_hanweb_dataproxy_posts_the_pages_own_fields() -> None:
    response = column("hanweb")
    requests = list(platforms.detect(response.text)[0].pages(response))
    assert requests and all(r.method == "POST" and r.headers.get("X-Requested-With") == b"XMLHttpRequest" for r in requests)
    form = {k: v[0] for k, v in parse_qs(requests[0].body.decode()).items()}
    assert form["columnid"] == "78934" and form["webid"] == "13" and form["unitid"] == "915418"
    assert form["path"] == "/" and form["webname"].endswith("人民政府")  # decoded once, not twice
    query = parse_qs(urlsplit(requests[0].url).query)
    assert query["startrecord"] == ["1"] and urlsplit(requests[0].url).path == "/module/web/jpage/dataproxy.jsp"


def test_jpaas_unit_api_paged_one_after_the_other() -> None:
    response = column("jpaas")
    first = next(iter(platforms.detect(response.text)[0].pages(response)))
    query = parse_qs(urlsplit(first.url).query)
    assert query["parseType"] == ["bulidstatic"] and json.loads(query["paramJson"][0])["pageNo"] == 1
    answer = TextResponse(first.url, body=json.dumps({"success": True, "data": {"html": "<ul></ul>"}}).encode(),
                          encoding="utf-8", request=Request(first.url, meta=first.meta))
    second = platforms.next_page(answer)
    assert second is not None and json.loads(parse_qs(urlsplit(second.url).query)["paramJson"][0])["pageNo"] == 2


def test_gkmlpt_api_from_sid_and_category() -> None:
    response = column("gkmlpt")
    first = next(iter(platforms.detect(response.text)[0].pages(response)))
    parts = urlsplit(first.url)
    assert parts.path == "/gkmlpt/api/all/6783" and parse_qs(parts.query) == {"page": ["1"], "pageNo": ["1"], "sid": ["793021"]}


# the 年报 category of tests/fixtures/lists/gkmlpt/index.html, its three organs and their years
GKMLPT_REPORT_CATS = {"2538", "2539", "2540", "2541", "2542", "2545", "2546", "2547", "2548", "2549", "2550"}


@pytest.mark.parametrize("route", ["", "#2538", "#2545"])
def test_gkmlpt_tree_gives_every_category_below_the_reports(route: str) -> None:
    """`/gkmlpt/index` shows every category from one page (`#catId`), so it carries them all for its script: a
    `TREE` nested in `children` inside `window._CONFIG` (the real page's shape). Every category below the 年报 one
    is asked for (its organs hold no reports themselves, their years do), and no other category."""
    response = file_response(LISTS / "gkmlpt" / "index.html", url="http://www.example.gov.cn/gkmlpt/index" + route)
    requests = list(platforms.detect(response.text)[0].pages(response))
    assert {urlsplit(r.url).path.rsplit("/", 1)[1] for r in requests} == GKMLPT_REPORT_CATS
    assert all(parse_qs(urlsplit(r.url).query)["sid"] == ["755031"] for r in requests)


@pytest.mark.parametrize("literal", ["var TREE = {};", "window.CATS = {}\n", "app.init({{tree: {}, sid: 1}});"])
def test_category_tree_read_from_any_script_literal(literal: str) -> None:
    tree = [{"catId": 1, "name": "政府信息公开年报", "sub": [{"catId": 2, "name": "2024年", "sub": []}]},
            {"catId": 3, "name": "政策文件", "sub": []}]
    page = f"<html><script>{literal.format(json.dumps(tree, ensure_ascii=False))}</script></html>"
    assert config.report_categories(config.categories(page)) == ["1", "2"]


def test_lonsun_ajax_url_glued_from_script_literals() -> None:
    response = column("lonsun")
    first = next(iter(platforms.detect(response.text)[0].pages(response)))
    query = parse_qs(urlsplit(first.url).query)
    assert query["labelName"] == ["publicInfoList"] and query["catId"] == ["755"] and query["pageIndex"] == ["1"]
    assert query["result"] == ["暂无相关信息"] and first.headers.get("X-Requested-With") == b"XMLHttpRequest"


@pytest.mark.parametrize("answer", [
    {"total": 2, "articles": [{"title": "甲县2023年政府信息公开工作年度报告", "url": "/gkmlpt/content/1/1/post_1.html"},
                              {"title": "甲县教育局2023年政府信息公开工作年度报告", "url": "/gkmlpt/content/1/1/post_2.html"}]},
    {"custom": {"data": [{"title": "甲县2023年政府信息公开工作年度报告", "infourl": "/a/1.html"},
                         {"title": "甲县教育局2023年政府信息公开工作年度报告", "infourl": "/a/2.html"}]}},
    {"success": True, "data": {"html": '<ul><li><a href="/art/1.html">甲县2023年政府信息公开工作年度报告</a></li>'
                                       '<li><a href="/art/2.html" title="甲县教育局2023年政府信息公开工作年度报告">甲县…</a></li></ul>'}},
])
def test_json_answers_read_by_shape(answer: dict) -> None:
    response = TextResponse("http://x.gov.cn/api", body=json.dumps(answer, ensure_ascii=False).encode(), encoding="utf-8")
    reports = [classify.report_link(t) for t, u in platforms.links_in(response)]
    assert [r.organ for r in reports if r] == ["甲县", "甲县教育局"]


def test_hanweb_datastore_records_read() -> None:
    body = ("<datastore><totalrecord>2</totalrecord><recordset>"
            "<record><![CDATA[<li><a href='/art/2024/1/5/art_1_1.html'>乙县2023年政府信息公开工作年度报告</a></li>]]></record>"
            "<record><![CDATA[<li><a href='/art/2024/1/5/art_1_2.html'>关于做好2023年政府信息公开工作年度报告编制工作的通知</a></li>]]></record>"
            "</recordset></datastore>")
    response = TextResponse("http://x.gov.cn/module/web/jpage/dataproxy.jsp", body=body.encode(), encoding="utf-8")
    links = list(platforms.links_in(response))
    assert len(links) == 2 and [bool(classify.report_link(t)) for t, _ in links] == [True, False]


def test_real_county_portal_list_page() -> None:
    """The real 年报 list page of a county-level portal (../shared/real/pingtan/list-index.html)."""
    path = SHARED / "real" / "pingtan" / "list-index.html"
    response = file_response(path, url="http://www.pingtan.gov.cn/zfxxgk/zfxxgknb/index.html")
    links = list(platforms.links_in(response))
    reports = [r for r in (classify.report_link(t) for t, _ in links) if r]
    assert [r.year for r in reports] == list(range(2025, 2015, -1))  # its first 10 entries, as its notes say
    assert {r.organ for r in reports} == {"平潭综合实验区"}
    assert any(classify.is_column(t) and u.endswith("/zfxxgknb/nlist.htm") for t, u in links)  # the left menu
