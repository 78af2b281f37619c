"""Quick tests of the fixture generators in tests/web/render.py (not of the parser).

The LibreOffice round trip takes a few seconds; deselect it with `-k "not libreoffice"`.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.render import (
    APPEAL_BLOCKS,
    APPEAL_PARTS,
    COLS,
    KANGXI_TABLE,
    LAYOUTS,
    convert_with_libreoffice,
    expected,
    random_report,
    request_keys,
    to_docx,
    to_html,
    to_text,
)

KEYS = ["schema", "title", "year", "region", "organ", "template", "active", "requests", "appeals"]
ACTIVE_KEYS = {
    "2021": {"rules": {"issued", "repealed", "in_force"}, "normative_documents": {"issued", "repealed", "in_force"},
             "licensing": {"decisions"}, "penalties": {"decisions"}, "coercion": {"decisions"},
             "fees": {"amount_10k_yuan"}},
    "2019": {**{k: {"new_made", "new_published", "total_published"} for k in ("rules", "normative_documents")},
             **{k: {"last_year_items", "change", "decisions"}
                for k in ("licensing", "other_services", "penalties", "coercion")},
             "fees": {"last_year_items", "change"}, "procurement": {"items", "amount", "amount_unit"}},
}
_NUM = re.compile(r"-?\d+(?:\.\d+)?")
_UNRADICAL = str.maketrans({v: chr(k) for k, v in KANGXI_TABLE.items()})


def check_arithmetic(r: dict[str, Any]) -> None:
    """The form's own arithmetic, as the schema's checks state it."""
    req = r["requests"]
    results = request_keys(r["template"])[2:-2]
    for row in req.values():
        assert row["total"] == sum(row[c] for c in COLS)
    for c in [*COLS, "total"]:
        assert req["new"][c] + req["carried_over"][c] == req["handled_total"][c] + req["carried_forward"][c]
        assert req["handled_total"][c] == sum(req[k][c] for k in results if k != "handled_total")
    for b in APPEAL_BLOCKS:
        assert r["appeals"][b]["total"] == sum(r["appeals"][b][p] for p in APPEAL_PARTS)


def values(r: dict[str, Any]) -> Counter[str]:
    """Every number the tables must print, as printed without quirks."""
    nums: list[int | float] = [v for sec in r["active"].values() for k, v in sec.items() if k != "amount_unit"]
    nums += [v for row in r["requests"].values() for v in row.values()]
    nums += [v for b in r["appeals"].values() for v in b.values()]
    return Counter(repr(v) if isinstance(v, float) else str(v) for v in nums)


def numbers_in(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text).translate(_UNRADICAL)
    return Counter(_NUM.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text)))


@settings(max_examples=150, deadline=None, database=None)
@given(st.integers(0, 2**32), st.sampled_from(["2021", "2019"]), st.booleans())
def test_random_report_shape_and_arithmetic(seed: int, template: str, single_other: bool) -> None:
    r = random_report(random.Random(seed), template, single_other=single_other)
    assert list(r) == KEYS and r["schema"] == "nianbao.report/1" and r["template"] == template
    assert r["year"] in (range(2021, 2026) if template == "2021" else range(2019, 2021))
    assert r["title"] in (f"{r['organ']}{r['year']}年政府信息公开工作年度报告",
                          f"{r['organ']}{r['year']}年度政府信息公开工作年度报告")
    assert r["region"] in r["organ"] and r["region"][-1] in "县区市旗"
    assert {k: set(v) for k, v in r["active"].items()} == ACTIVE_KEYS[template]
    assert list(r["requests"]) == request_keys(template)
    assert ("other_no_correction" in r["requests"]) == (template == "2021")
    check_arithmetic(r)
    if single_other and template == "2021":
        assert not any(r["requests"]["other_no_correction"].values())
        assert not any(r["requests"]["other_unpaid_fee"].values())


def test_organs_are_varied() -> None:
    rng = random.Random(1)
    reports = [random_report(rng, rng.choice(["2021", "2019"])) for _ in range(400)]
    organs = {r["organ"] for r in reports}
    assert len(organs) > 300
    assert any(r["organ"] == r["region"] and r["organ"].endswith("县") for r in reports)  # bare 宁县
    for pattern in [r"县人民政府$", r"市.+区人民政府$", r"县.+局$", r"县.+(镇|乡)$", r"^[^县区]+市人民政府$", r"旗人民政府$"]:
        assert any(re.search(pattern, o) for o in organs), pattern
    assert any(r["title"].endswith("年度政府信息公开工作年度报告") for r in reports)
    assert any(r["requests"]["new"]["total"] >= 1000 for r in reports)
    assert any(isinstance(r["active"]["fees"].get("amount_10k_yuan"), float) for r in reports)


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_contains_every_value(template: str, layout: str) -> None:
    for seed in range(15):
        r = random_report(random.Random(seed), template)
        text = to_text(r, layout)
        assert r["title"] in text and f"统计期限自{r['year']}年1月1日起至{r['year']}年12月31日止" in text
        assert "申请人情况" in text and "法人或其他组织" in text and "未经复议直接起诉" in text
        missing = values(r) - numbers_in(text)
        assert not missing, (layout, seed, missing)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_quirks_keep_values(layout: str) -> None:
    quirks = frozenset({"typos", "numbering_variants", "spaced_words", "thousands", "fullwidth", "units",
                        "kangxi", "page_numbers", "title_decoration"})
    for seed in range(10):
        r = random_report(random.Random(seed), "2021" if seed % 2 else "2019")
        text = to_text(r, layout, quirks)
        assert not values(r) - numbers_in(text)
        assert "⼈" in text or "⼀" in text
        assert re.search(r"^(- \d+ -|第 \d+ 页|—\d+—)$", text.translate(_UNRADICAL), re.M)


def test_kangxi_normalises_back() -> None:
    r = random_report(random.Random(4))
    for layout in LAYOUTS:
        plain = to_text(r, layout)
        odd = to_text(r, layout, frozenset({"kangxi"}))
        assert odd != plain
        assert unicodedata.normalize("NFKC", odd).translate(_UNRADICAL) == unicodedata.normalize("NFKC", plain)


def test_single_other() -> None:
    r = random_report(random.Random(2), "2021", single_other=True)
    q = frozenset({"single_other"})
    text = to_text(r, "tab", q)
    assert "3.其他" not in text and "（六）其他处理" in text
    exp = expected(r, q)
    assert exp["requests"]["other_no_correction"] == dict.fromkeys([*COLS, "total"])
    assert exp["requests"]["other"] == r["requests"]["other"]
    assert expected(r) == r
    r["requests"]["other_unpaid_fee"]["natural_person"] = 1
    with pytest.raises(ValueError):
        to_text(r, "tab", q)


@pytest.mark.parametrize(("template", "rows", "results"), [("2021", 28, 22), ("2019", 26, 20)])
def test_docx_has_three_merged_tables(tmp_path: Path, template: str, rows: int, results: int) -> None:
    r = random_report(random.Random(9), template)
    path = tmp_path / "r.docx"
    path.write_bytes(to_docx(r, frozenset({"wrapped_labels"})))
    d = docx.Document(str(path))
    assert d.paragraphs[0].text.replace("\n", "") == r["title"]
    assert len(d.tables) == 3
    active, req, appeals = d.tables
    assert (len(req.rows), len(req.columns)) == (rows, 10) and (len(appeals.rows), len(appeals.columns)) == (4, 15)
    assert req.cell(5, 0)._tc is req.cell(5 + results - 1, 0)._tc  # 三、本年度办理结果 spans the result rows
    assert req.cell(7, 1)._tc is req.cell(14, 1)._tc  # （三）不予公开 spans its 8 sub-rows
    assert req.cell(0, 0)._tc is req.cell(2, 2)._tc and req.cell(3, 0)._tc is req.cell(3, 2)._tc
    assert appeals.cell(1, 0)._tc is appeals.cell(2, 0)._tc and appeals.cell(0, 5)._tc is appeals.cell(0, 14)._tc
    assert active.cell(0, 0)._tc is active.cell(0, 3)._tc
    assert req.cell(3, 3).text == str(r["requests"]["new"]["natural_person"])


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb2312", "gb18030"])
def test_html_encoding_round_trip(encoding: str) -> None:
    r = random_report(random.Random(21))
    raw = to_html(r, encoding, frozenset({"dash_zeros", "wrapped_labels"}))
    text = raw.decode("gbk" if encoding == "gb2312" else encoding)  # gb2312 pages are GBK bytes
    assert re.search(rf'<meta[^>]+charset="?{encoding}', text)
    soup = BeautifulSoup(text, "html.parser")
    assert soup.find("meta", attrs={"name": "ArticleTitle"})["content"] == r["title"]
    body = soup.select_one("div.TRS_Editor, div#zoom")
    assert body is not None and len(body.find_all("table")) == 3
    assert body.find("td", rowspan="22").get_text() == "三、本年度办理结果"
    assert body.find("td", rowspan="8").get_text().startswith("（三）")
    assert soup.find("div", class_="footer") is not None and soup.find("ul", class_="nav").find("a")
    bare = to_html(r, encoding, frozenset({"no_meta_charset"}), chrome=False)
    assert b"charset" not in bare and b"footer" not in bare


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_docx_to_pdf(tmp_path: Path) -> None:
    r = random_report(random.Random(5), "2019")
    src = tmp_path / "report.docx"
    src.write_bytes(to_docx(r))
    (pdf,) = convert_with_libreoffice([src], "pdf", tmp_path / "out")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert r["title"] in re.sub(r"\s", "", text)
    assert "申请人情况" in text and "政府集中采购" in text
    assert not values(r) - numbers_in(text)
