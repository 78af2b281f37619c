"""The JSON Schema of nianbao.report/1: shipped with the package, true to the forms, met by every parse output,
and a broken report fails with a line naming its key."""

from __future__ import annotations

import copy
import fnmatch
import json
import random
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_bytes, parse_file, validate_report
from parsers.forms import APPEAL_BLOCKS, APPEAL_COLUMNS, REQUEST_COLUMNS, TEMPLATES
from parsers.schema import SCHEMA_FILE, report_schema
from tests.conftest import ROOT, SHARED, diff, need
from tests.web import render as R

DOCUMENTS = sorted(
    [*SHARED.glob("seeds/*.txt"), *SHARED.glob("real/*.pdf"),
     *(p for p in SHARED.glob("real/pingtan/*.html") if p.with_suffix(".expected.json").exists())], key=str
)  # (the pingtan list page is a list, not a report: tests/test_parse_hardening.py)
EXPECTED = sorted([*SHARED.glob("seeds/*.expected.json"), *SHARED.glob("real/**/*.expected.json")], key=str)


def test_the_schema_is_draft_2020_12_and_ships_with_the_package() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": "nianbao.report/1"}
    assert resources.files("parsers.schema").joinpath(SCHEMA_FILE).is_file()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    from setuptools import find_packages

    assert "parsers.schema" in find_packages(str(ROOT), include=setuptools["packages"]["find"]["include"])
    assert any(fnmatch.fnmatch(SCHEMA_FILE, pattern) for pattern in setuptools["package-data"]["parsers.schema"])


def _shape(defs: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A table's keys → its row's column names, following $refs."""
    rows = {}
    for key, sub in node["properties"].items():
        sub = defs[sub["$ref"].rsplit("/", 1)[1]] if "$ref" in sub else sub
        rows[key] = tuple(sub["properties"])
    return rows


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_schema_has_exactly_the_forms_rows_and_columns(template: str) -> None:
    defs = report_schema()["$defs"]
    form = TEMPLATES[template]
    active = {s.key: s.columns + (("amount_unit",) if s.key == "procurement" else ()) for s in form.active}
    assert _shape(defs, defs[f"active_{template}"]) == active
    assert _shape(defs, defs[f"requests_{template}"]) == {s.key: REQUEST_COLUMNS for s in form.requests}
    assert _shape(defs, defs["appeals"]) == dict.fromkeys(APPEAL_BLOCKS, APPEAL_COLUMNS)


def test_shared_material_present() -> None:
    need(len(DOCUMENTS) >= 10 and len(EXPECTED) >= 10, f"../shared seeds, real PDF and pingtan pages (in {SHARED})")


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_every_shared_document_parses_to_a_valid_report(path: Path) -> None:
    report = parse_file(path)
    assert validate_report(report) == []
    want = path.with_suffix(".expected.json")
    if want.exists():
        assert diff(report, json.loads(want.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", EXPECTED, ids=[p.name for p in EXPECTED])
def test_every_expected_file_is_valid(path: Path) -> None:
    want = json.loads(path.read_text(encoding="utf-8"))
    # the expected files leave `checks` out (they hold the numbers only); all else is the schema's
    assert "checks" not in want
    assert validate_report({**want, "checks": []}) == []


def _generated(seed: int, template: str) -> dict[str, Any]:
    return R.random_report(random.Random(seed), template, single_other=template == "2021" and seed % 3 == 0)


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("form", ["space", "tab", "cell", "html", "docx"])
def test_generated_documents_parse_to_valid_reports(template: str, form: str) -> None:
    for seed in range(6):
        report = _generated(seed, template)
        if form == "html":
            data, name = R.to_html(report, "gbk"), "page.html"
        elif form == "docx":
            data, name = R.to_docx(report), "report.docx"
        else:
            data, name = R.to_text(report, form).encode(), "report.txt"
        got = parse_bytes(data, name)
        assert validate_report(got) == [], (form, seed)
        assert got["template"] == template


@pytest.mark.parametrize("drop", ["集中采购", "行政强制", "本年新收", "重复申请"])
def test_a_missing_row_keeps_the_shape(drop: str) -> None:
    """A row the document lacks is a row of nulls (with every column, procurement's unit too), not a gap."""
    text = R.to_text(_generated(4, "2019"), "space")
    got = parse_bytes("\n".join(ln for ln in text.splitlines() if drop not in ln).encode(), "r.txt")
    assert validate_report(got) == []
    assert any(not c["ok"] for c in got["checks"])


def test_reports_without_tables_are_valid() -> None:
    early = parse_bytes("某县2017年政府信息公开工作年度报告\n一、概述\n本县依法公开政府信息。\n".encode(), "r.txt")
    assert early["template"] == "none" and validate_report(early) == []
    no_tables = parse_bytes("某县2022年政府信息公开工作年度报告\n一、概述\n本县依法公开政府信息。\n".encode(), "r.txt")
    assert no_tables["template"] is None and no_tables["requests"] is None
    assert validate_report(no_tables) == []


def _valid() -> dict[str, Any]:
    return parse_bytes(R.to_text(_generated(1, "2021"), "space").encode(), "r.txt")


def _set(report: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = report
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("schema", "nianbao.report/2", 'schema: must be "nianbao.report/1"'),
        ("title", KeyError, "title: missing"),
        ("requests.new.total", KeyError, "requests.new.total: missing"),
        ("requests.new.total", "11", 'requests.new.total: expected integer or null, got string "11"'),
        ("requests.disclosed.research", 1.5, "requests.disclosed.research: expected integer or null, got number 1.5"),
        ("year", "2021", 'year: expected integer or null, got string "2021"'),
        ("template", "2020", 'template: "2020" is not one of "2021", "2019", "none", null'),
        ("template", 2021, 'template: 2021 is not one of'),
        ("active.fees.amount_10k_yuan", "12万元", "active.fees.amount_10k_yuan: expected number or null"),
        ("appeals.review.pending", True, "appeals.review.pending: expected integer or null, got boolean true"),
        ("appeals.review", None, "appeals.review: expected object, got null"),
        ("checks", {}, "checks: expected array, got object"),
        ("requests.other_unpaid_fee", KeyError, "requests.other_unpaid_fee: missing"),
        ("requests.bonus", {}, "requests.bonus: unexpected key"),
        ("provenance", {"sha256": "x"}, "provenance.page_url: missing"),
        ("publisher", "x", "publisher: unexpected key"),
    ],
)
def test_a_corrupted_report_fails_naming_the_key(path: str, value: Any, message: str) -> None:
    report = _valid()
    assert validate_report(report) == []
    _set(report, path, value)
    problems = validate_report(report)
    assert any(p.startswith(message) for p in problems), problems


def test_a_value_the_document_lacks_may_be_null() -> None:
    report = _valid()
    report["requests"]["new"]["total"] = report["active"]["fees"]["amount_10k_yuan"] = report["year"] = None
    assert validate_report(report) == []


def test_tables_must_follow_the_template_they_claim() -> None:
    report = _valid()
    report["template"] = "2019"
    problems = validate_report(report)
    assert "active.rules.new_made: missing" in problems and "requests.other_no_correction: unexpected key" in problems
    report["template"] = "none"
    assert validate_report(report) == [f"{k}: expected null, got object" for k in ("active", "requests", "appeals")]


def test_a_broken_check_is_named_by_its_index() -> None:
    report = _valid()
    report["checks"][2]["ok"] = "yes"
    del report["checks"][0]["detail"]
    assert validate_report(report) == ["checks[0].detail: missing", 'checks[2].ok: expected boolean, got string "yes"']


def test_stored_reports_with_provenance_are_valid() -> None:
    report = _valid()
    report["provenance"] = {"page_url": "http://x.gov.cn/a.html", "document_url": "http://x.gov.cn/a.pdf",
                            "fetched_at": "2026-11-21T08:00:00Z", "sha256": "0" * 64, "content_type": "application/pdf",
                            "http_status": 200, "discovery_path": ["http://x.gov.cn/"]}
    assert validate_report(report) == []
    report["provenance"]["sha256"] = "abc"
    assert validate_report(report) == ['provenance.sha256: "abc" does not match ^[0-9a-f]{64}$']


def test_jsonschema_agrees_where_it_is_installed() -> None:
    """The hand validator implements a subset; where the reference implementation exists, they agree."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    broken = copy.deepcopy(_valid())
    broken["requests"]["new"]["total"] = "11"
    for report in (_valid(), broken):
        assert validator.is_valid(report) == (validate_report(report) == [])
