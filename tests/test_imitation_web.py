"""Quick tests of the imitation web (tests/web/web.py): it starts, each family's endpoints behave as
real sites do, and its truth data is consistent. Plain urllib against 127.0.0.1 only.

The first run converts ~12 documents with LibreOffice (~10 s); later runs reuse the cache (< 1 s).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from urllib.parse import quote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

import tests.web.web as webmod
from tests.conftest import need
from tests.web.render import LibreOfficeError
from tests.web.web import ImitationWeb, SiteTruth, build_web

DECOY_MARKS = ("通知", "法治政府", "工作要点", "指南", "预算", "统计公报")
MAGIC = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0", "jpg": b"\xff\xd8\xff"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPEN = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_OPEN_NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          redirect: bool = True) -> tuple[int, Message, bytes, str]:
    """(status, headers, body, final URL); HTTP errors are answers too."""
    assert urlsplit(url).hostname == "127.0.0.1"
    req = urllib.request.Request(url.split("#")[0], data=data, headers=headers or {})
    try:
        with (_OPEN if redirect else _OPEN_NO_REDIRECT).open(req, timeout=15) as r:
            return r.status, r.headers, r.read(), r.url
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read(), url


def soup(url: str) -> BeautifulSoup:
    status, _, body, _ = fetch(url)
    assert status == 200, url
    return BeautifulSoup(body, "lxml")


def link(url: str, text: str) -> str:
    """The absolute URL of the first link on the page at `url` whose text is `text`."""
    a = soup(url).find("a", string=text)
    assert a is not None, f"no link {text!r} on {url}"
    return urljoin(url, a["href"])


def ok_site(web: ImitationWeb, family: str) -> SiteTruth:
    return next(s for s in web.sites if s.family == family and s.status == "ok")


def column_url(web: ImitationWeb, s: SiteTruth) -> str:
    """Follow the menus: homepage → 政府信息公开 page → 年报 column."""
    spec = next(x for x in webmod.SITES if x.slug == s.slug)
    return link(link(s.start_url, spec.gk_label), spec.nb_label)


@pytest.fixture(scope="module")
def web() -> Iterator[ImitationWeb]:
    try:
        w = build_web(0)
    except LibreOfficeError as e:
        need(False, f"LibreOffice is needed to build the imitation web's PDF/DOC documents: {e}")
        raise
    with w:
        yield w


# ---------------------------------------------------------------- truth
def test_sites_cover_every_family_and_status(web: ImitationWeb) -> None:
    ok = [s for s in web.sites if s.status == "ok"]
    assert {s.family for s in ok} == set(webmod.OK_FAMILIES)
    assert {s.status for s in web.sites} == {"ok", "blocked", "dead", "no_column", "robots"}
    assert len({s.name for s in web.sites}) == len(web.sites)
    assert len({urlsplit(s.start_url).netloc for s in web.sites}) == len(web.sites)
    assert {"宁县", "社旗县", "西峡县", "潢川县"} <= {s.name for s in ok}
    assert {r.form for s in ok for r in s.reports} == {"html", "pdf", "doc", "docx", "scan", "mixed", "longimg", "imgpage"}
    assert all(len(s.reports) >= 8 for s in ok)
    assert not any(s.reports for s in web.sites if s.status != "ok")


def test_truth_is_consistent(web: ImitationWeb) -> None:
    titles = {r.title for s in web.sites for r in s.reports}
    decoys = {t for s in web.sites for t in s.decoy_titles}
    assert decoys and not titles & decoys
    assert not [t for t in titles if any(m in t for m in DECOY_MARKS)]
    assert any("关于做好2023年政府信息公开工作年度报告编制工作的通知" == t for t in decoys)
    for s in web.sites:
        organs = {r.organ for r in s.reports}
        assert not s.reports or any(o.startswith(s.name) and o.endswith(("镇", "乡", "街道办事处")) for o in organs)
        assert not s.reports or any(o.endswith(("局", "委员会")) for o in organs)
        for r in s.reports:
            assert (r.title, r.organ, r.year) == (r.report["title"], r.report["organ"], r.report["year"])
            assert r.report["region"] == s.name and r.organ.startswith(s.name)
            assert r.report["template"] == ("2021" if r.year >= 2021 else "2019")
            assert "checks" not in r.report
            assert urlsplit(r.page_url).netloc == urlsplit(s.start_url).netloc
            assert (r.document_url == r.page_url) == (r.form in ("html", "imgpage"))
        if s.reports:
            assert {r.year for r in s.reports if r.organ in (f"{s.name}人民政府", s.name)} == set(range(2019, 2025))


def test_every_document_url_serves_its_document(web: ImitationWeb) -> None:
    for s in web.sites:
        for r in s.reports:
            if s.family == "spa":  # hash routes: the shell, the report through the JSON API
                status, _, body, _ = fetch(r.page_url)
                assert status == 200 and b'<div id="app">' in body
                body = json.loads(fetch(urljoin(s.start_url, "/api/article/" + r.page_url.rsplit("/", 1)[1]))[2])["html"]
                assert "<table" in body
                continue
            status, headers, body, _ = fetch(r.page_url)
            assert status == 200, r.page_url
            if r.form == "html":
                assert b"<table" in body
            elif r.form == "imgpage":  # the page shows its page images
                assert b"<table" not in body and r.images
                for url in r.images:
                    assert urlsplit(url).path.encode() in body, url
                    status, _, image, _ = fetch(url, headers={"Referer": r.page_url})
                    assert status == 200 and image.startswith(MAGIC["jpg"]), url
            else:
                status, headers, body, final = fetch(r.document_url, headers={"Referer": r.page_url})
                assert status == 200 and final == r.document_url, r.document_url
                assert body.startswith(MAGIC[r.ext]), r.document_url
                assert "filename" in headers["Content-Disposition"]


def test_lists_reach_every_entry_from_the_homepage(web: ImitationWeb) -> None:
    """Static-list families: menus lead to the column; its list pages (and sub-columns) link every entry."""
    for family in ("static", "henan", "aspnet", "pdfviewer", "trs"):
        s = ok_site(web, family)
        todo, seen, found = [column_url(web, s)], set(), set()
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            status, _, body, _ = fetch(url)
            if status == 500:  # the 500-once page
                status, _, body, _ = fetch(url)
            page = BeautifulSoup(body, "lxml")
            if family == "trs":  # page links exist only as createPageHTML(n, cur, "index", "html")
                n, cur = map(int, re.search(r'createPageHTML\((\d+), (\d+), "index", "html"\)', body.decode())
                             .groups())
                todo += [urljoin(url, f"index_{cur + 1}.html")] if cur + 1 < n else []
                assert not page.find("a", string="下一页")
            for a in page.select(".list li a"):
                found.add(urljoin(url, a["href"]))
            for a in page.select(".page a, .pages a, .tabs a"):
                todo.append(urljoin(url, a["href"]))
        assert {r.page_url for r in s.reports} <= found, family
        assert len(found) == len(s.reports) + len(s.decoy_titles), family


def test_list_titles_vary(web: ImitationWeb) -> None:
    s = ok_site(web, "static")
    page = soup(column_url(web, s))
    texts = [a.get_text() for a in page.select(".list li a")]
    assert any(t.endswith("…") for t in texts)
    assert any(a.get("title") is None for a in page.select(".list li a"))
    aspnet = soup(column_url(web, ok_site(web, "aspnet")))
    assert all(a["title"].startswith("标题：") and "发表时间：" in a["title"] for a in aspnet.select(".list li a"))
    shown = [a.get_text() for site in web.sites if site.family == "henan" for a in soup(
        column_url(web, site)).select(".list li a")]
    assert any("（图片版）" in t for t in shown)


# ---------------------------------------------------------------- family endpoints
def test_trs_attachment_needs_referer_and_oldsrc_404s(web: ImitationWeb) -> None:
    s = ok_site(web, "trs")
    r = next(r for r in s.reports if r.form == "pdf")
    a = soup(r.page_url).find("a", attrs={"appendix": "true"})
    assert a["href"].startswith("./P0") and urljoin(r.page_url, a["href"]) == r.document_url
    assert fetch(r.document_url)[0] == 403
    assert fetch(r.document_url, headers={"Referer": r.page_url})[0] == 200
    assert fetch(urljoin(r.page_url, a["oldsrc"]))[0] == 404
    assert soup(r.page_url).find("meta", attrs={"name": "ArticleTitle"})["content"] == r.title
    assert re.search(r"/\d{6}/t\d{8}_\d+\.html$", r.page_url)


def _hanweb_unit(web: ImitationWeb) -> tuple[SiteTruth, str, dict[str, str], list[str]]:
    s = ok_site(web, "hanweb")
    url = column_url(web, s)
    text = fetch(url)[2].decode()
    param = dict((k, v) for k, _, v in re.findall(r"(\w+):('?)([^,'}]*)\2", re.search(r"var param_\d+ = \{(.*?)\};", text)[1]))
    xml = re.search(r'<script type="text/xml">(.*?)</script>', text, re.S)[1]
    return s, url, param, re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml, re.S)


def _dataproxy(s: SiteTruth, query: str, form: dict[str, str], xhr: bool = True) -> tuple[int, bytes]:
    body = "&".join(f"{k}={quote(v)}" for k, v in form.items()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **({"X-Requested-With": "XMLHttpRequest"} if xhr else {})}
    status, _, data, _ = fetch(urljoin(s.start_url, "/module/web/jpage/dataproxy.jsp?" + query), body, headers)
    return status, data


def test_hanweb_datastore_and_dataproxy_paging(web: ImitationWeb) -> None:
    s, url, param, inline = _hanweb_unit(web)
    assert re.search(r"/col/col\d+/index\.html$", url)
    assert {"col", "appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype"} <= set(param)
    total = len(s.reports) + len(s.decoy_titles)
    assert 0 < len(inline) < total
    status, data = _dataproxy(s, f"startrecord={len(inline) + 1}&endrecord={total}&perpage=4", param)
    assert status == 200 and f"<totalrecord>{total}</totalrecord>".encode() in data
    rest = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", data.decode(), re.S)
    assert len(rest) == total - len(inline)
    hrefs = [urljoin(url, re.search(r'href="([^"]+)"', r)[1]) for r in inline + rest]
    assert len(set(hrefs)) == total and {r.page_url for r in s.reports} <= set(hrefs)
    status, data = _dataproxy(s, "startrecord=2&endrecord=3&perpage=4", param)
    assert re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", data.decode(), re.S) == inline[1:3]
    assert _dataproxy(s, "startrecord=1&endrecord=4&perpage=4", param, xhr=False)[0] == 403
    assert fetch(urljoin(s.start_url, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=4"))[0] == 405


def test_hanweb_downfile_redirects_to_attach(web: ImitationWeb) -> None:
    s = ok_site(web, "hanweb")
    r = next(r for r in s.reports if r.form == "pdf")
    href = urljoin(r.page_url, soup(r.page_url).find("a", href=re.compile("downfile.jsp"))["href"])
    assert "classid=0&filename=" in href
    status, headers, _, _ = fetch(href, redirect=False)
    assert status == 302 and urljoin(href, headers["Location"]) == r.document_url
    assert "/attach/0/" in r.document_url and fetch(href)[3] == r.document_url


def test_jpaas_unit_api(web: ImitationWeb) -> None:
    s = ok_site(web, "jpaas")
    script = soup(column_url(web, s)).find("script", src=re.compile("unitbuild.js"))
    q = json.loads(script["querydata"].replace("'", '"'))
    base = (urljoin(s.start_url, "/api-gateway/jpaas-publish-server/front/page/build/unit") +
            f"?parseType=bulidstatic&webId={q['webId']}&tplSetId={q['tplSetId']}&pageType=column"
            f"&tagId={quote(q['tagId'])}&editType=null&pageId={q['pageId']}&paramJson=")
    found: set[str] = set()
    for page in (1, 2, 3):
        answer = json.loads(fetch(base + quote(json.dumps({"pageNo": page, "pageSize": "15"})))[2])
        assert answer["success"] is True
        found |= {urljoin(s.start_url, h) for h in re.findall(r'<li><a href="([^"]+)"', answer["data"]["html"])}
    assert {r.page_url for r in s.reports} <= found
    assert json.loads(fetch(base.replace(q["webId"], "0" * 32) + "{}")[2])["success"] is False


def test_gkmlpt_api_needs_the_page_sid(web: ImitationWeb) -> None:
    s = ok_site(web, "gkmlpt")
    text = fetch(column_url(web, s))[2].decode()
    sid, cat = re.search(r"SID: '(\d+)'", text)[1], re.search(r"ANNUAL_REPORT_CATEGORY: (\d+)", text)[1]
    first = json.loads(fetch(urljoin(s.start_url, f"/gkmlpt/api/all/{cat}?page=1&sid={sid}"))[2])
    assert first["total"] == len(s.reports) + len(s.decoy_titles)
    urls = {a["url"] for p in range(1, 4)
            for a in json.loads(fetch(urljoin(s.start_url, f"/gkmlpt/api/all/{cat}?page={p}&sid={sid}"))[2])["articles"]}
    assert {r.page_url for r in s.reports} <= urls
    assert all(re.search(r"/gkmlpt/content/\d+/\d+/post_\d+\.html$", u) for u in urls)
    assert fetch(urljoin(s.start_url, f"/gkmlpt/api/all/{cat}?page=1&sid=1"))[0] == 403


def test_lonsun_label_ajax(web: ImitationWeb) -> None:
    s = ok_site(web, "lonsun")
    url = column_url(web, s)
    assert "type=4" in url and "action=list" in url
    text = fetch(url)[2].decode()
    label = re.search(r"'(&labelName=publicInfoList[^']*pageIndex=)' \+ pageIndex \+ '([^']*)'", text)
    found: set[str] = set()
    for page in (1, 2):
        answer = fetch(urljoin(s.start_url, f"/site/label/8888?IsAjax=1{label[1]}{page}{label[2]}"))[2].decode()
        assert f"currPage: {page}, pageCount: 2" in answer
        found |= {urljoin(s.start_url, h) for h in re.findall(r'href="([^"]+)"', answer)}
    assert {r.page_url for r in s.reports} <= found
    assert all("/XxgkAnnualReport/show/" in r.page_url for r in s.reports)


def test_aspnet_gbk_and_the_500_once_page(web: ImitationWeb) -> None:
    w = build_web(0)  # its own web: the 500 is spent on first use
    with w:
        s = ok_site(w, "aspnet")
        status, headers, body, _ = fetch(s.start_url)
        assert "gbk" in headers["Content-Type"] and "宁县人民政府".encode("gbk") in body
        page2 = column_url(w, s) + "?page=2"
        assert [fetch(page2)[0] for _ in range(3)] == [500, 200, 200]
        assert all(re.search(r"/zwgk/fdzdgknr/\w+/content_\d{5}$", r.page_url) for r in s.reports)
        r = next(r for r in s.reports if r.form == "doc")
        cd = fetch(r.document_url)[1]["Content-Disposition"]
        assert cd.encode("latin-1").decode("gbk").endswith(f'{r.report["title"]}.doc"')


def test_henan_attachment_host_and_slow_page(web: ImitationWeb) -> None:
    s = ok_site(web, "henan")
    assert s.attachment_host and all(re.search(r"/\d{4}/\d{2}-\d{2}/\d+\.html$", r.page_url) for r in s.reports)
    files = [r for r in s.reports if r.form != "html"]
    assert {urlsplit(r.document_url).netloc for r in files} == {s.attachment_host, urlsplit(s.start_url).netloc}
    assert all(re.search(r"/ifile/\d{8}/\d{13}\d+\.(pdf|doc)$", r.document_url) for r in files)
    assert b'<div id="zoom">' in fetch(next(r for r in s.reports[1:] if r.form == "html").page_url)[2]
    t = time.monotonic()
    assert fetch(s.reports[0].page_url)[0] == 200  # the newest report's page is the slow one
    assert time.monotonic() - t >= 1.9


def test_pdf_viewer_page(web: ImitationWeb) -> None:
    s = ok_site(web, "pdfviewer")
    r = next(r for r in s.reports if r.form == "pdf")
    img = soup(r.page_url).find("img", attrs={"data-uitype": "pdf"})
    assert urljoin(r.page_url, img["data-powerurl"]) == r.document_url and "/Upload/" in r.document_url


def test_spa_is_script_only(web: ImitationWeb) -> None:
    s = ok_site(web, "spa")
    shell = fetch(s.start_url)[2]
    assert fetch(urljoin(s.start_url, "/zwgk/xxgknb/index.html"))[2] == shell == fetch(urljoin(s.start_url, "/robots.txt"))[2]
    assert b"<a " not in shell
    chans = json.loads(fetch(urljoin(s.start_url, "/api/channels"))[2])
    code = next(c["code"] for c in chans if "年报" in c["name"])
    first = json.loads(fetch(urljoin(s.start_url, f"/api/channel/{code}?page=1"))[2])
    ids = {i["id"] for p in range(1, first["pages"] + 1)
           for i in json.loads(fetch(urljoin(s.start_url, f"/api/channel/{code}?page={p}"))[2])["items"]}
    assert {r.page_url for r in s.reports} <= {f"{s.start_url}#/article/{i}" for i in ids}


# ---------------------------------------------------------------- problem sites and quirks
def test_waf_answers_412_everywhere(web: ImitationWeb) -> None:
    s = next(s for s in web.sites if s.status == "blocked")
    for path in ("/", "/robots.txt", "/zwgk/index.html"):
        status, headers, body, _ = fetch(urljoin(s.start_url, path))
        assert status == 412 and b"$_ts" in body and "Set-Cookie" in headers


def test_dead_sites(web: ImitationWeb) -> None:
    dead = [s for s in web.sites if s.status == "dead"]
    assert len(dead) == 2
    refused = next(s for s in dead if s.family == "refused")
    with pytest.raises(urllib.error.URLError):
        fetch(refused.start_url)
    down = next(s for s in dead if s.family != "refused")
    assert fetch(down.start_url)[0] == 503 and fetch(urljoin(down.start_url, "/zwgk/"))[0] == 503


def test_robots_and_no_column(web: ImitationWeb) -> None:
    robots = next(s for s in web.sites if s.status == "robots")
    assert fetch(urljoin(robots.start_url, "/robots.txt"))[2].decode().splitlines() == ["User-agent: *", "Disallow: /"]
    assert fetch(robots.start_url)[0] == 200  # it is up: only robots.txt keeps crawlers out
    ok = ok_site(web, "trs")
    assert "Disallow: /\n" not in fetch(urljoin(ok.start_url, "/robots.txt"))[2].decode()
    none = next(s for s in web.sites if s.status == "no_column")
    gk = link(none.start_url, "政务公开")
    assert soup(gk).find("a", string="依申请公开") is not None
    assert not [a for a in soup(gk).find_all("a") if "年报" in a.get_text() or "年度报告" in a.get_text()]


def test_soft_404_only_where_configured(web: ImitationWeb) -> None:
    soft = next(s for s in web.sites if next(x for x in webmod.SITES if x.slug == s.slug).soft404)
    status, _, body, _ = fetch(urljoin(soft.start_url, "/no/such/page.html"))
    assert status == 200 and body == fetch(soft.start_url)[2]
    assert fetch(urljoin(ok_site(web, "trs").start_url, "/no/such/page.html"))[0] == 404


def test_request_log_and_latency() -> None:
    w = build_web(0, latency=0.3)
    with w:
        s = ok_site(w, "static")
        t = time.monotonic()
        fetch(s.start_url + "index.html?x=1")
        assert time.monotonic() - t >= 0.3
        host = urlsplit(s.start_url).netloc
        assert [(h, m, p) for _, h, m, p in w.requests] == [(host, "GET", "/index.html?x=1")]


def test_second_build_reuses_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    build_web(0).stop()  # the cache exists (built by now in any order of tests)

    def no_office(*args: object, **kwargs: object) -> None:
        raise AssertionError("LibreOffice must not run when the cache is warm")

    monkeypatch.setattr(webmod, "convert_with_libreoffice", no_office)
    monkeypatch.setattr(webmod, "_MEMO", {})  # read the disk cache, not this process's memory
    t = time.monotonic()
    w = build_web(0)
    with w:
        assert fetch(w.sites[0].start_url)[0] == 200
    assert time.monotonic() - t < 2


def test_extra_sites() -> None:
    w = build_web(0, n_extra=12)
    try:
        extra = w.sites[len(webmod.SITES):]
        assert len(extra) == 12 and {s.family for s in extra} == set(webmod.OK_FAMILIES)
        assert len({s.name for s in w.sites}) == len(w.sites)
        assert all(s.status == "ok" and s.reports for s in extra)
        assert {r.form for s in extra for r in s.reports} == {"html", "docx"}
    finally:
        w.stop()
