"""The random test web (tests/web/random_web.py): drawn sites serve what their truth says, with plain urllib and
the truth only (not the crawler). The seed comes from NIANBAO_WEB_SEED or is random; failures name it, the site's
index and its drawn variant, so `build_random_web(seed, n, only=[index])` replays the site.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.test_imitation_web import fetch
from tests.web.random_web import RANDOM_FAMILIES, build_random_web, draw_variant
from tests.web.variants import VARIANTS
from tests.web.variants.base import GK_TEXTS, HREF_STYLES, LINK_FORMS, NB_TEXTS, ROWS
from tests.web.web import ImitationWeb, SiteTruth

SEED = int(os.environ.get("NIANBAO_WEB_SEED") or random.randrange(10**6))
N_SITES = 60
MAGIC = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0"}


def where(s: SiteTruth) -> str:
    """What a failure message needs to replay the site."""
    return (f"NIANBAO_WEB_SEED={SEED} site {s.variant['index']} ({s.family}, {s.start_url}): "
            f"build_random_web({SEED}, {N_SITES}, only=[{s.variant['index']}]); variant {s.variant}")


@pytest.fixture(scope="module")
def web() -> Iterator[ImitationWeb]:
    w = build_random_web(SEED, N_SITES)
    with w:
        yield w


def article_url(s: SiteTruth, page_url: str) -> str:
    """Hash routes of the single-page app: the JSON that the shell's script fetches."""
    if "#/article/" in page_url:
        return urljoin(s.start_url, "/api/article/" + page_url.rsplit("/", 1)[1])
    return page_url


def test_web_exposes_its_seed(web: ImitationWeb) -> None:
    assert web.seed == SEED and len(web.sites) == N_SITES
    assert {s.family for s in web.sites} == set(RANDOM_FAMILIES)
    assert all(s.status == "ok" and s.reports and s.variant for s in web.sites)


def test_every_report_page_and_document_answers(web: ImitationWeb) -> None:
    for s in web.sites:
        for r in s.reports:
            status, _, body, _ = fetch(article_url(s, r.page_url), headers={"Referer": s.start_url})  # bare documents
            assert status == 200, f"{r.page_url} → {status}; {where(s)}"
            if r.form == "html":
                assert b"<table" in body, f"{r.page_url} holds no report; {where(s)}"
                continue
            status, headers, body, final = fetch(r.document_url, headers={"Referer": r.page_url})
            assert status == 200 and final == r.document_url, f"{r.document_url} → {status} {final}; {where(s)}"
            assert body.startswith(MAGIC[r.form]), f"{r.document_url} is no {r.form}; {where(s)}"


def links(body: bytes, kind: str, base: str) -> set[str]:
    """Every URL an HTML page, XML datastore or JSON answer links, made absolute against `base`."""
    text = body.decode("utf-8", "replace") if kind != "html" else body.decode("gb18030", "replace")
    found: list[str] = []
    if kind == "json":
        def walk(x: Any) -> None:
            if isinstance(x, dict):
                for y in x.values():
                    walk(y)
            elif isinstance(x, list):
                for y in x:
                    walk(y)
            elif isinstance(x, str):
                found.extend(re.findall(r'href="([^"]+)"', x) if "<" in x else [x])
        walk(json.loads(text))
    else:
        found = re.findall(r'(?:href|src|value)="([^"]+)"', text) + re.findall(r"<link>([^<]+)</link>", text)
    return {urljoin(base, html.unescape(u)) for u in found}


def test_announced_list_pages_exist_and_link_every_entry(web: ImitationWeb) -> None:
    for s in web.sites:
        fam = web.families[s.slug]
        reached: set[str] = set()
        assert s.lists, where(s)
        for lp in s.lists:
            status, _, body, _ = fetch(lp.url, data=lp.data, headers=lp.headers)
            assert status == 200, f"{lp.method} {lp.url} → {status}; {where(s)}"
            reached |= links(body, lp.kind, lp.base)
        for e in fam.entries:
            assert fam.page_urls[e.id] in reached, f"{e.title} ({fam.page_urls[e.id]}) is on no list page; {where(s)}"


@pytest.mark.parametrize("seed, n, families, only", [
    (None, 12, ["gkmlpt"], None),  # this run's SEED (not in the test's id: every xdist worker draws its own)
    (551207, 200, None, [158]),  # hash-routed, organ × year tabs: the years were named nowhere
], ids=["drawn", "551207-158"])
def test_gkmlpt_pages_name_every_category_they_list(seed: int | None, n: int, families: list[str] | None,
                                                    only: list[int] | None) -> None:
    """A gkmlpt list page's script asks the API for a category it finds on the page: every category a site's API
    lists is named on one of its HTML list pages (a hash-routed site's one page names them all)."""
    seed = SEED if seed is None else seed
    with build_random_web(seed, n, families=families, only=only) as gk:
        for s in gk.sites:
            pages = [fetch(lp.url)[2].decode("utf-8", "replace") for lp in s.lists if lp.kind == "html"]
            for cat in {m[1] for lp in s.lists if lp.kind == "json" and (m := re.search(r"/api/all/(\d+)", lp.url))}:
                assert any(re.search(rf"\b{cat}\b", p) for p in pages), (
                    f"category {cat} on no page; build_random_web({seed}, {n}, families={families}, "
                    f"only=[{s.variant['index']}]); {s.variant}")


def test_menus_lead_to_the_column_in_the_drawn_number_of_clicks(web: ImitationWeb) -> None:
    """Home → (政务公开 →) 政府信息公开 → (法定主动公开内容 →) the column: found after exactly `depth` clicks."""
    for s in web.sites:
        if s.variant.get("mode") == "hash":  # the app's menus exist only in its script
            continue
        fam = web.families[s.slug]
        column, netloc = fam.origin + fam.column_url, urlsplit(s.start_url).netloc
        level, seen, found = [s.start_url], {s.start_url}, None
        for clicks in range(4):
            hrefs: set[str] = set()
            for url in level:
                status, _, body, _ = fetch(url)
                assert status == 200, f"{url} → {status}; {where(s)}"
                hrefs |= links(body, "html", url)
            if column in hrefs:
                found = clicks
                break
            level = sorted(u for u in hrefs - seen if urlsplit(u).netloc == netloc and "/xwzx/" not in u
                           and not u.endswith((".png", ".js", ".css")))
            seen |= set(level)
        assert found == s.variant["depth"], f"column {column} after {found} clicks; {where(s)}"


def test_decoys_are_served(web: ImitationWeb) -> None:
    for s in web.sites:
        fam = web.families[s.slug]
        decoys = [e for e in fam.entries if e.report is None]
        assert {e.title for e in decoys} == set(s.decoy_titles) and len(decoys) >= 6, where(s)
        assert not {r.title for r in s.reports} & set(s.decoy_titles), where(s)
        for e in decoys:
            status, _, body, _ = fetch(article_url(s, fam.page_urls[e.id]))
            assert status == 200, f"decoy {fam.page_urls[e.id]} → {status}; {where(s)}"
            if "/api/article/" in article_url(s, fam.page_urls[e.id]):
                assert json.loads(body)["title"] == e.title, where(s)
            else:
                assert e.title in html.unescape(body.decode(fam.codec, "replace")), where(s)


def test_etag_and_304(web: ImitationWeb) -> None:
    s = next(s for s in web.sites if s.family == "trs")
    status, headers, _, _ = fetch(s.reports[0].page_url)
    assert status == 200 and headers["ETag"], where(s)
    assert fetch(s.reports[0].page_url, headers={"If-None-Match": headers["ETag"]})[0] == 304, where(s)


def _shape(s: SiteTruth) -> tuple[Any, ...]:
    def path(u: str) -> str:
        p = urlsplit(u)
        return p.path + ("?" + p.query if p.query else "") + ("#" + p.fragment if p.fragment else "")
    return (s.name, s.family, s.variant, [(r.title, r.form, path(r.page_url), path(r.document_url)) for r in s.reports],
            s.decoy_titles, [(lp.method, path(lp.url), lp.data) for lp in s.lists])


def test_a_site_replays_from_seed_and_index(web: ImitationWeb) -> None:
    picks = random.Random(SEED).sample(range(N_SITES), 3)
    again = build_random_web(SEED, N_SITES, only=picks)
    try:
        for s in again.sites:
            first = web.sites[s.variant["index"]]
            assert _shape(s) == _shape(first), where(first)
    finally:
        again.stop()


def test_vocabularies_really_vary() -> None:
    drawn = [draw_variant(SEED, i, RANDOM_FAMILIES[i % len(RANDOM_FAMILIES)]) for i in range(200)]
    msg = f"NIANBAO_WEB_SEED={SEED}"
    assert len({v["nb_text"] for v in drawn}) >= 8, msg
    assert len({v["gk_text"] for v in drawn}) >= 6, msg
    assert {v["nb_link"] for v in drawn} == set(LINK_FORMS), msg
    assert {v["depth"] for v in drawn} == {0, 1, 2, 3}, msg
    assert {v["subcols"] for v in drawn} == {"none", "organ", "year", "organ_year"}, msg
    assert {v["subcol_ui"] for v in drawn} == {"tabs", "tree", "select"}, msg
    assert {v["row"] for v in drawn} == set(ROWS) and {v["href"] for v in drawn} == set(HREF_STYLES), msg
    assert {v["charset_in"] for v in drawn} == {"both", "header", "meta", "neither"}, msg
    assert {v["link_text"] for v in drawn} == {"title", "generic"}, msg
    assert set(GK_TEXTS) >= {v["gk_text"] for v in drawn} and set(NB_TEXTS) >= {v["nb_text"] for v in drawn}


# every pagination / API style of each family, as (variant key, all its values)
STYLES: dict[str, list[tuple[str, set[Any]]]] = {
    "static": [("style", set(VARIANTS["static"].styles)), ("announce", {"records", "pages", "both", "none"})],
    "trs": [("style", set(VARIANTS["trs"].styles)), ("ext", {"html", "shtml", "htm"})],
    "henan": [("style", set(VARIANTS["henan"].styles))],
    "aspnet": [("page_param", {"page", "p", "pageindex"})],
    "vsb": [("style", set(VARIANTS["vsb"].styles))],
    "hanweb": [("paging", {"records", "page"}), ("params_in", {"script", "query"}), ("perpage_cap", {0, 45, 300}),
               ("proxy", {"/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp"})],
    "jpaas": [("quote", {"single", "double"}), ("param_attr", {True, False})],
    "gkmlpt": [("config", {"window_config", "var", "data", "json", "script_query"}), ("page_param", {"page", "pageNo"}),
               ("answer", {"articles", "data"}), ("route", {"hash", "page"})],
    "lonsun": [("ids_in", {"url", "data", "var"}), ("column_form", set(range(3)))],
    "epoint": [("method", {"POST", "GET"}), ("base0", {True, False})],
    "spa": [("mode", {"hash", "iframe", "script_json", "script_xml"})],
}


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
def test_every_style_of_a_family_is_drawn(family: str) -> None:
    drawn = [draw_variant(SEED, i, family) for i in range(200)]
    if family == "lonsun":
        forms = sorted({v["column_form"] for v in drawn})
        for v in drawn:
            v["column_form"] = forms.index(v["column_form"])
    for key, values in STYLES[family]:
        assert {v[key] for v in drawn} == values, f"NIANBAO_WEB_SEED={SEED}: {family} {key}"
