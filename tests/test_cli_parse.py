"""`nianbao parse` as a user runs it: output shapes, exit codes, one-line errors on bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from parsers import validate_report
from tests.conftest import SHARED, need, run_cli

SEED = SHARED / "seeds" / "sheqi-2021.txt"
PDF = SHARED / "real" / "huaian-2024.pdf"


def _one_line_error(proc) -> str:
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_one_file_prints_one_schema_object() -> None:
    need(SEED.exists(), "shared seeds")
    proc = run_cli("parse", str(SEED))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert validate_report(report) == []
    assert list(report)[:9] == ["schema", "title", "year", "region", "organ", "template", "active", "requests", "appeals"]
    assert report["schema"] == "nianbao.report/1" and isinstance(report["checks"], list)
    assert proc.stdout.count("\n") == 1


def test_pretty_indents() -> None:
    need(SEED.exists(), "shared seeds")
    proc = run_cli("parse", "--pretty", str(SEED))
    assert proc.returncode == 0
    assert proc.stdout.startswith("{\n  \"schema\"")
    assert json.loads(proc.stdout)["organ"] == "社旗县人民政府"


def test_several_files_give_json_lines() -> None:
    need(SEED.exists() and PDF.exists(), "shared seeds and real PDF")
    proc = run_cli("parse", str(SEED), str(PDF))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [validate_report(json.loads(x)) for x in lines] == [[], []]
    assert [json.loads(x)["organ"] for x in lines] == ["社旗县人民政府", "淮安市人民政府"]


def test_check_flag_exits_3_when_the_arithmetic_fails(tmp_path: Path) -> None:
    need(SEED.exists(), "shared seeds")
    text = SEED.read_text(encoding="utf-8")
    # change one printed value of 本年新收 (natural persons 10 → 13): the row total and the balance now fail
    broken = text.replace("本年新收政府信息公开申请数量 10 0 0 0 1 0 11", "本年新收政府信息公开申请数量 13 0 0 0 1 0 11")
    assert broken != text
    path = tmp_path / "broken.txt"
    path.write_text(broken, encoding="utf-8")
    plain = run_cli("parse", str(path))
    assert plain.returncode == 0
    report = json.loads(plain.stdout)
    assert validate_report(report) == []
    assert report["requests"]["new"]["natural_person"] == 13, "a failed check never changes a number"
    failed = {c["rule"] for c in report["checks"] if not c["ok"]}
    assert {"requests.row_total.new", "requests.balance.natural_person"} <= failed
    assert run_cli("parse", "--check", str(path)).returncode == 3
    assert run_cli("parse", "--check", str(SEED)).returncode == 0


def _encrypted_pdf(tmp_path: Path) -> Path:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(str(PDF)))
    writer.encrypt("secret")
    out = tmp_path / "encrypted.pdf"
    with out.open("wb") as fh:
        writer.write(fh)
    return out


@pytest.mark.parametrize(
    "kind, code, words",
    [
        ("missing", 2, "no such file"),
        ("empty", 2, "empty"),
        ("random.pdf", 2, "unknown form"),
        ("truncated.pdf", 2, "corrupt pdf"),
        ("encrypted.pdf", 2, "encrypted"),
        ("noise.html", 4, "not an annual report"),
        ("fazhi.txt", 4, "not an annual report"),
        ("news.html", 4, "not an annual report"),
    ],
)
def test_bad_input_one_line_and_exit_code(tmp_path: Path, kind: str, code: int, words: str) -> None:
    rng = random.Random(7)
    path = tmp_path / kind
    if kind == "missing":
        path = tmp_path / "nope.pdf"
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "random.pdf":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(20000)))
    elif kind == "truncated.pdf":
        need(PDF.exists(), "shared real PDF")
        path.write_bytes(PDF.read_bytes()[:30000])
    elif kind == "encrypted.pdf":
        need(PDF.exists(), "shared real PDF")
        path = _encrypted_pdf(tmp_path)
    elif kind == "noise.html":
        alphabet = "的一是在不了有和人这中大为上个国我以要他 0123456789<>/pdiv\n—-"
        path.write_text("<html><body>" + "".join(rng.choice(alphabet) for _ in range(3_000_000)) + "</body></html>")
    elif kind == "fazhi.txt":
        path.write_text(
            "宁县2021年法治政府建设年度报告\n一、主要工作\n2021年，宁县深入推进法治政府建设。\n行政复议 12 3 0 1 16\n",
            encoding="utf-8",
        )
    elif kind == "news.html":
        path.write_bytes(
            "<html><head><meta charset='gbk'><title>县长调研春耕生产_宁县人民政府</title></head><body>"
            "<div id='zoom'><p>3月12日，县长一行深入乡镇调研春耕生产。</p><table><tr><td>项目</td><td>数量</td></tr>"
            "<tr><td>化肥</td><td>1200</td></tr></table></div></body></html>".encode("gbk")
        )
    proc = run_cli("parse", str(path))
    assert proc.returncode == code, proc.stderr
    line = _one_line_error(proc)
    assert line.startswith("nianbao: ") and words in line.lower()
