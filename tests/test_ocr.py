"""Scans read offline by OCR: generated from random consistent forms, checked field by field.

One report (seeded, the seed printed on failure) is rendered to DOCX, turned into PDF by LibreOffice and
rasterised at 150 dpi; its first page becomes the scanned page of a mixed PDF (the others keep their text
layer), its first page, turned and stamped with a red seal, a JPEG file, and its pages of tables
pictures pasted in a DOCX and the page images of an HTML page a crawl meets. OCR runs with the network
unreachable. Each scan is read once; accuracy across dpi and degradations is measured by bench/ocr.py, not here.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_bytes, validate_report
from parsers.report import build
from parsers.sources.plain import extract_text
from parsers.text import DOUBT, FAIR
from tests.conftest import need, run_cli
from tests.web import render as R
from tests.web import scans as S

SEED = int(os.environ.get("NIANBAO_SCAN_SEED") or random.randrange(10**6))
DPI = 150
TARGET = 0.99  # of fields exact at 150 dpi (issue 10); the rest null with a check saying why, never wrong


def _ocr_installed() -> bool:
    try:
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every connection to an address outside 127.0.0.0/8 fails (and is recorded)."""
    tried: list[Any] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith("127."):
            tried.append(address)
            raise OSError(f"network unreachable in this test: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setenv("NIANBAO_OCR_THREADS", "1")
    return tried


def misread_names(got: dict[str, Any], want: dict[str, Any]) -> int:
    """How many identity fields OCR misread; each only with a failing check that says the name was read by OCR
    alone (OCR can take a rare character for a common one, 淅 for 浙, with full confidence)."""
    wrong = [k for k in S.IDENTITY if got[k] != want[k]]
    if wrong:
        named = {c["rule"] for c in got["checks"] if not c["ok"]}
        assert "identity.ocr" in named, f"seed {SEED}: {wrong} misread and no check says so"
    return len(wrong)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need(_ocr_installed(), "the OCR stack (rapidocr_onnxruntime, pypdfium2) to read scans")
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) to make the scans' PDF")
    from pypdf import PdfReader, PdfWriter

    out = tmp_path_factory.mktemp("scans")
    report = R.random_report(random.Random(SEED), "2021")
    (out / "r.docx").write_bytes(R.to_docx(report))
    (pdf,) = R.convert_with_libreoffice([out / "r.docx"], "pdf", out)
    pages = S.rasterise(pdf, DPI)
    # the pages up to the one where section 五 follows the last table: the rest is prose
    text_pdf = PdfReader(str(pdf))
    texts = [page.extract_text() or "" for page in text_pdf.pages]
    tables = pages[: next(i for i, t in enumerate(texts) if "存在的主要问题" in t) + 1]
    assert len(tables) < len(pages), f"seed {SEED}: the rendering has no page of prose after its tables"
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(S.image_pdf(pages[:1], DPI))).pages[0])
    for page in text_pdf.pages[1:]:
        writer.add_page(page)
    mixed = io.BytesIO()
    writer.write(mixed)
    rng = random.Random(SEED)
    first = S.degrade(pages[0], ("rotate", "seal"), rng)
    jpg = io.BytesIO()
    first.save(jpg, "JPEG", quality=85)
    import docx
    from docx.shared import Cm

    d = docx.Document()  # a title as text, then the pages with tables pasted as pictures
    d.add_paragraph(report["title"])
    for page in tables:
        picture = io.BytesIO()
        page.save(picture, "PNG")
        picture.seek(0)
        d.add_paragraph().add_run().add_picture(picture, width=Cm(16))
    pasted = io.BytesIO()
    d.save(pasted)
    return {"want": R.expected(report), "mixed": mixed.getvalue(), "jpg": jpg.getvalue(), "docx": pasted.getvalue(),
            "pages": tables}


def test_a_mixed_pdf_reads_its_scanned_pages_by_ocr_offline(scanned: dict[str, Any], offline: list[Any]) -> None:
    got = parse_bytes(scanned["mixed"], "scan.pdf")
    assert offline == [], "OCR tried to reach the network"
    assert validate_report(got) == []
    score = S.score(got, scanned["want"])
    assert score["silent_wrong"] == 0, f"seed {SEED}: wrong numbers in a report whose checks pass"
    assert S.unsaid(got, scanned["want"]) == [], f"seed {SEED}: {score}"
    assert score["exact"] >= TARGET * score["fields"] - misread_names(got, scanned["want"]), (
        f"seed {SEED}: {score}, failing checks: " + "; ".join(c["rule"] for c in got["checks"] if not c["ok"]))
    assert got["document"]["ocr"]["pages"] == 1  # the text pages are read from their text layer
    assert any(c["rule"] == "document.ocr" and c["ok"] for c in got["checks"])


def test_a_turned_and_stamped_jpeg_gives_identity_and_numbers_or_named_nulls(
        scanned: dict[str, Any], offline: list[Any]) -> None:
    got = parse_bytes(scanned["jpg"], "scan.jpg")
    want = scanned["want"]
    assert validate_report(got) == []
    misread_names(got, want)
    named = " ".join(f"{c['rule']} {c['detail']}" for c in got["checks"] if not c["ok"])
    for key, row in want["active"].items():
        for col, value in row.items():
            have = got["active"][key][col]
            assert have == value or (have is None and key in named), f"seed {SEED}: active.{key}.{col} {have} ≠ {value}"
    assert got["document"]["ocr"]["pages"] == 1 and got["document"]["ocr"]["boxes"] > 20


def test_a_docx_of_pasted_pages_reads_the_pictures(scanned: dict[str, Any], offline: list[Any]) -> None:
    got = parse_bytes(scanned["docx"], "pasted.docx")
    assert validate_report(got) == []
    score = S.score(got, scanned["want"])
    assert S.unsaid(got, scanned["want"]) == [], f"seed {SEED}: {score}"
    assert score["exact"] >= TARGET * score["fields"], f"seed {SEED}: {score}"  # the title is a paragraph of text here
    assert got["document"]["ocr"]["pages"] == len(scanned["pages"])


def _doubted(text: str, label: str, change: int = 0, mark: str = DOUBT) -> str:
    """The text with the first number of `label`'s row marked unsure by OCR (and `change` added to it)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if label in cells[0]:
            at = next(j for j, c in enumerate(cells) if j and c.strip().isdigit())
            cells[at] = f"{int(cells[at]) + change}{mark}"
            lines[i] = "\t".join(cells)
            return "\n".join(lines)
    raise AssertionError(f"no row {label}")


SUMMARY = {"engine": "test", "pages": 1, "boxes": 1, "mean_confidence": 0.9, "min_confidence": 0.5, "doubtful_numbers": 0}


@pytest.mark.parametrize("seed", [3, 11, 42])
def test_an_unsure_number_stands_only_where_the_arithmetic_confirms_it(seed: int) -> None:
    report = R.random_report(random.Random(seed), "2021")
    text = R.to_text(report, "tab")
    right = extract_text(_doubted(text, "本年新收政府信息公开申请数量").encode())
    right.ocr = dict(SUMMARY)
    got = build(right)
    assert got["requests"]["new"]["natural_person"] == report["requests"]["new"]["natural_person"]
    assert got["document"]["ocr"]["confirmed_by_arithmetic"] == 1

    wrong = extract_text(_doubted(text, "本年新收政府信息公开申请数量", change=1).encode())
    wrong.ocr = dict(SUMMARY)
    got = build(wrong)
    assert got["requests"]["new"]["natural_person"] is None
    assert any(c["rule"] == "requests.new.ocr" and not c["ok"] and "natural_person" in c["detail"] for c in got["checks"])
    assert validate_report(got) == []


def test_an_unsure_number_in_a_table_without_arithmetic_is_null() -> None:
    report = R.random_report(random.Random(5), "2021")
    text = R.to_text(report, "tab")
    label = next(line.split("\t")[0] for line in text.splitlines() if line.startswith("规章"))
    ex = extract_text(_doubted(text, label).encode())
    ex.ocr = dict(SUMMARY)
    got = build(ex)
    assert got["active"]["rules"]["issued"] is None
    assert got["active"]["rules"]["in_force"] == report["active"]["rules"]["in_force"]
    assert any(c["rule"] == "active.rules.ocr" and not c["ok"] for c in got["checks"])


def test_without_the_ocr_stack_an_image_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    import parsers.ocr as ocr

    monkeypatch.setitem(__import__("sys").modules, "rapidocr_onnxruntime", None)
    ocr._engine.cache_clear()
    png = tmp_path / "scan.png"
    Image.new("RGB", (400, 560), "white").save(png)
    try:
        proc = run_cli("parse", str(png))
    finally:
        ocr._engine.cache_clear()
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "OCR" in proc.stderr and "rapidocr_onnxruntime" in proc.stderr


def test_a_fairly_sure_number_stands_under_arithmetic_and_is_null_without() -> None:
    """A number read fairly but not surely (text.FAIR): in the requests table a misreading of it would fail the
    arithmetic, so it stands; in the active table nothing would catch one, so it is null with a check naming it."""
    report = R.random_report(random.Random(8), "2021")
    text = R.to_text(report, "tab")
    label = next(line.split("\t")[0] for line in text.splitlines() if line.startswith("规章"))
    text = _doubted(_doubted(text, label, mark=FAIR), "本年新收政府信息公开申请数量", mark=FAIR)
    ex = extract_text(text.encode())
    ex.ocr = dict(SUMMARY)
    got = build(ex)
    assert got["requests"]["new"]["natural_person"] == report["requests"]["new"]["natural_person"]
    assert got["active"]["rules"]["issued"] is None
    assert got["active"]["rules"]["in_force"] == report["active"]["rules"]["in_force"]
    named = [c for c in got["checks"] if not c["ok"] and c["rule"].endswith(".ocr") and c["rule"] != "identity.ocr"]
    assert [c["rule"] for c in named] == ["active.rules.ocr"] and "issued" in named[0]["detail"]
    assert got["document"]["ocr"]["left_null"] == 1
    assert validate_report(got) == []


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "GIF"])
def test_an_image_without_text_gives_nulls_and_a_failing_check(fmt: str, offline: list[Any]) -> None:
    need(_ocr_installed(), "the OCR stack (rapidocr_onnxruntime, pypdfium2) to read scans")
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(buf, fmt)
    got = parse_bytes(buf.getvalue(), "blank")
    assert validate_report(got) == []
    assert got["requests"] is None and got["active"] is None
    assert got["document"]["ocr"]["pages"] == 1
    assert any(c["rule"] == "document.text_layer" and not c["ok"] for c in got["checks"])


def test_a_broken_image_is_one_line_exit_2(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(buf, "PNG")
    broken = tmp_path / "broken.png"
    broken.write_bytes(buf.getvalue()[:60])
    proc = run_cli("parse", str(broken))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and "image" in proc.stderr


def test_a_name_read_by_ocr_alone_is_said_so_until_a_text_or_the_list_names_it() -> None:
    """No arithmetic checks a name: one read from images only has a failing identity.ocr check; the document's
    own text, or the crawl's list title, naming the same organ confirms it; a list naming another does not."""
    from crawler.parsing import confirm_identity

    report = R.random_report(random.Random(13), "2021")
    text = R.to_text(report, "tab")

    def parsed(layer: str = "") -> dict[str, Any]:
        ex = extract_text(text.encode())
        ex.ocr, ex.layer_text = dict(SUMMARY), layer
        return build(ex)

    def identity_ocr(got: dict[str, Any]) -> bool:
        (check,) = [c for c in got["checks"] if c["rule"] == "identity.ocr"]
        return check["ok"]

    alone = parsed()
    assert alone["organ"] == report["organ"] and not identity_ocr(alone)
    assert identity_ocr(parsed(layer=f"本报告由{report['organ']}办公室编制"))
    listed = parsed()
    confirm_identity(listed, report["title"])
    assert identity_ocr(listed)
    other = parsed()
    confirm_identity(other, report["title"].replace(report["region"], "某某县"))
    assert not identity_ocr(other)
    assert any(c["rule"] == "identity.list_title" and not c["ok"] for c in other["checks"])
    assert validate_report(alone) == []


@pytest.mark.parametrize("faults", [(), ("grey", "jpeg"), ("rotate", "speckle")])
def test_a_long_image_is_cut_into_its_pages_between_them(faults: tuple[str, ...]) -> None:
    """Scanned pages one under another (each its own skew): cut in the margins between the pages, whatever the
    paper's grey, the JPEG's noise or the dust, so that each page is deskewed and its tables found on its own."""
    need(_ocr_installed(), "the OCR stack (numpy with rapidocr_onnxruntime) to read images")
    from PIL import Image, ImageDraw

    from parsers.ocr import pages

    rng = random.Random(f"{SEED}:{faults}")
    width = rng.randint(800, 1700)
    sheets = []
    for _ in range(rng.randint(2, 5)):
        height = round(width * rng.choice((1.414, 1.294)))  # A4 or Letter
        sheet = Image.new("RGB", (width, height), "white")
        d = ImageDraw.Draw(sheet)
        y = round(height * rng.uniform(0.06, 0.1))
        while y < height * 0.9:  # lines of "text", with the gaps of paragraphs and tables between them
            line = rng.randint(14, 30)
            d.rectangle((round(width * 0.1), y, round(width * rng.uniform(0.5, 0.9)), y + line), fill="black")
            y += line + rng.choice((8, 12, 20, 40))
        sheets.append(S.degrade(sheet, faults, rng))
    long = S.long_image(sheets)
    got = pages(long)
    assert len(got) == len(sheets), f"seed {SEED}: {len(got)} pages for {len(sheets)}"
    assert all(p.width == width for p in got) and sum(p.height for p in got) == long.height
    import numpy as np

    def lines(sheet: Any) -> Any:  # the pixel rows a line of "text" crosses (specks of dust are no line)
        return np.flatnonzero((np.asarray(sheet.convert("L")) < 128).sum(axis=1) >= 0.02 * width)

    start = cut = 0
    for k, (sheet, page) in enumerate(zip(sheets[:-1], got, strict=False)):
        cut += page.height
        last_ink, next_ink = start + lines(sheet)[-1], start + sheet.height + lines(sheets[k + 1])[0]
        assert last_ink < cut < next_ink, f"seed {SEED}: page {k + 1} cut at {cut}, not in {last_ink}..{next_ink}"
        start += sheet.height


def _relabelled(text: str, old: str, new: str) -> str:
    """The tab text with one row's label misread: `old`, in the one line whose label cell holds it, becomes `new`."""
    lines = text.splitlines()
    (at,) = [i for i, line in enumerate(lines) if any(old in cell for cell in line.split("\t")[:3])]
    lines[at] = lines[at].replace(old, new, 1)
    return "\n".join(lines)


@pytest.mark.parametrize("seed", [4, 17])
def test_a_label_ocr_misread_is_the_missing_row_between_its_neighbours_and_only_in_ocr_rows(seed: int) -> None:
    report = R.random_report(random.Random(seed), "2021")
    text = _relabelled(R.to_text(report, "tab"), "行政处罚", "行改处司")  # two of four characters misread

    def parsed(source: str, ocr: bool) -> dict[str, Any]:
        ex = extract_text(source.encode())
        for row in ex.rows:
            row.ocr = ocr
        ex.ocr = dict(SUMMARY)
        return build(ex)

    got = parsed(text, ocr=True)
    assert got["active"]["penalties"] == report["active"]["penalties"]
    assert any(c["rule"] == "active.penalties.label" and c["ok"] for c in got["checks"])
    # the same text not read by OCR: no label is guessed
    assert parsed(text, ocr=False)["active"]["penalties"]["decisions"] is None
    # a label as near another row of the form (行政强制, found) as the missing one is left alone
    far = _relabelled(R.to_text(report, "tab"), "行政处罚", "行政处制")
    assert parsed(far, ocr=True)["active"]["penalties"]["decisions"] is None
    # a request row misread (重复申请 as 1复申请) is found between 信访举报 and 公开出版物
    repeated = _relabelled(R.to_text(report, "tab"), "重复申请", "1复申请")
    assert parsed(repeated, ocr=True)["requests"]["rejected_repeated"] == report["requests"]["rejected_repeated"]


def test_a_line_printed_under_a_table_is_no_row_of_it() -> None:
    from parsers.ocr import Box
    from parsers.rulings import _without_empty_bands

    rows = [Box(10, 2, 60, 18, "行政复议", 0.99), Box(10, 22, 30, 38, "0", 0.99)]
    heading = Box(10, 41, 200, 60, "五、存在的主要问题及改进情况", 0.99)  # its strokes blurred into a rule at 52
    assert _without_empty_bands([0, 20, 40, 52], [*rows, heading], across=True) == [0, 20, 40]
    assert _without_empty_bands([0, 20, 40], rows, across=True) == [0, 20, 40]
    inside = Box(10, 42, 60, 52, "0", 0.99)  # a last row's number, inside the frame: the row stays
    assert _without_empty_bands([0, 20, 40, 52], [*rows, inside], across=True) == [0, 20, 40, 52]


def _cell(text: str, blur: float) -> Any:
    """A ruled cell 19 pixels high (a 100-dpi scan's) with `text` left in it, near its left rule, blurred."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    img = Image.new("L", (60, 40), 255)
    d = ImageDraw.Draw(img)
    d.rectangle((5, 10, 54, 29), outline=0, width=1)
    d.text((10, 12), text, fill=0, font=ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 14))
    return img.filter(ImageFilter.GaussianBlur(blur))


@pytest.mark.parametrize("text", ["7", "10", "36", "2508"])
def test_a_cell_read_again_from_its_tight_crop(text: str) -> None:
    """(This font's 0 is square, read as 口: the scans of bench/ocr.py show a report's 0 read again.)"""
    need(_ocr_installed(), "the OCR stack (rapidocr_onnxruntime, pypdfium2) to read scans")
    import numpy as np

    from parsers.ocr import reread

    for blur in (0.0, 0.9):
        readings = reread(np.asarray(_cell(text, blur)), 5, 10, 54, 29)
        assert readings and all(t == text and score > 0.9 for t, score in readings), (blur, readings)
    assert reread(np.asarray(_cell("", 0.0)), 5, 10, 54, 29) == []  # nothing printed: nothing read


@pytest.mark.parametrize(("read_as", "want"), [("0...", "0" + DOUBT), ("3..", "3" + DOUBT), ("0", "0"),
                                               ("0.....", "0....."), ("属于", "属于")])
def test_a_number_with_dust_trailing_it_is_the_number_unsure(read_as: str, want: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A speckled 0 read with the dust beside it (0...: bench/ocr.py seed 73, 150 dpi, speckle, the appeals table
    lost a row of numbers by it) is a 0 the arithmetic must confirm, like a 0 read with one speck; more dots than
    dust gives are no number."""
    from parsers.ocr import Box, Page
    from parsers.sources import image

    box = Box(10, 10, 40, 30, read_as, 0.99)
    monkeypatch.setattr(image, "read", lambda _image: Page([box], [], None))
    words, grids = image.Reader().page(type("Img", (), {"width": 595})(), 595.0)
    assert [w["text"] for w in words] == [want] and grids == []


@pytest.mark.parametrize("seed", [8, 29])
def test_a_count_read_with_a_point_in_it_is_unsure(seed: int) -> None:
    """Dust read as a point turns 30 into 3.0, which is 3 to the number: in an OCR'd row a count read with a point
    is unsure, null in the active table (no arithmetic there) with a check naming it; a text document's 3.0
    stays 3."""
    report = R.random_report(random.Random(seed), "2021")
    report["active"]["penalties"]["decisions"] = 30
    lines = R.to_text(report, "tab").splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith("行政处罚\t")]
    lines[at] = lines[at].replace("\t30", "\t3.0", 1)
    assert "\t3.0" in lines[at]

    def parsed(ocr: bool) -> dict[str, Any]:
        ex = extract_text("\n".join(lines).encode())
        for row in ex.rows:
            row.ocr = ocr
        ex.ocr = dict(SUMMARY)
        return build(ex)

    got = parsed(ocr=True)
    assert got["active"]["penalties"]["decisions"] is None
    assert any(c["rule"] == "active.penalties.ocr" and not c["ok"] and "decisions" in c["detail"] for c in got["checks"])
    assert parsed(ocr=False)["active"]["penalties"]["decisions"] == 3
