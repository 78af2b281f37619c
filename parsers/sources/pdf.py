"""PDF with a text layer (pdfminer.six through pdfplumber).

Ruled tables come from pdfplumber's table finder (cells from the rule lines, so wrapped labels and
vertically merged cells stay whole); everything else, unruled tables included, comes as text lines
rebuilt from word positions, a wide gap between words marking a cell boundary. Tables and lines of a
page are fed in reading order, and pages one after the other, so a table split across pages (even a
row label split by the page break) reads as one.
"""

from __future__ import annotations

import logging
from io import BytesIO
from typing import Any

from ..rows import Extract, RowBuilder
from ..text import normalize
from . import Unreadable

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _open(data: bytes) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        pdf = pdfplumber.open(BytesIO(data))
        _ = pdf.pages  # parse the page tree now, so a broken file fails here
    except Exception as exc:  # pdfplumber wraps pdfminer's many kinds of error
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect | PDFEncryptionError) or "encrypt" in str(inner).lower():
            raise Unreadable("encrypted PDF (a password is needed to open it)") from None
        if isinstance(inner, PDFSyntaxError | PSException):
            raise Unreadable(f"corrupt PDF: {inner or type(inner).__name__}") from None
        raise Unreadable(f"corrupt PDF: {type(inner).__name__}: {inner}") from None
    if not pdf.pages:
        raise Unreadable("PDF without pages")
    return pdf


def _lines(words: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """Words → (top, line) with a tab where the gap between two words is wider than a character."""
    words = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict[str, Any]]] = []
    for w in words:
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= max(2.0, 0.35 * (w["bottom"] - w["top"])):
            lines[-1].append(w)
        else:
            lines.append([w])
    out = []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        text = line[0]["text"]
        for prev, w in zip(line, line[1:], strict=False):
            size = max(1.0, w["bottom"] - w["top"])
            gap = w["x0"] - prev["x1"]
            text += ("\t" if gap > 0.9 * size else " " if gap > 0.2 * size else "") + w["text"]
        out.append((line[0]["top"], text))
    return out


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def extract_pdf(data: bytes) -> Extract:
    pdf = _open(data)
    builder = RowBuilder()
    text_lines: list[str] = []
    chars = 0
    try:
        for page in pdf.pages:
            try:
                chars += len(page.chars)
                tables = page.find_tables()
                grids = [(t.bbox, t.extract()) for t in tables]
                grids = [(b, g) for b, g in grids if g and max(len(r) for r in g) >= 2]
                boxes = [b for b, _ in grids]
                words = [w for w in page.extract_words(keep_blank_chars=False) if not _inside(w, boxes)]
            except Exception as exc:  # a damaged content stream on one page
                raise Unreadable(f"corrupt PDF page {page.page_number}: {type(exc).__name__}") from None
            items: list[tuple[float, int, Any]] = [(top, 0, line) for top, line in _lines(words)]
            items += [(bbox[1], 1, grid) for bbox, grid in grids]
            for _, kind, payload in sorted(items, key=lambda it: (it[0], it[1])):
                if kind == 0:
                    line = normalize(payload)
                    text_lines.append(line)
                    builder.feed_line(line)
                else:
                    grid = [[normalize(c) if c is not None else None for c in row] for row in payload]
                    text_lines.extend(" ".join(c for c in row if c) for row in grid)
                    builder.feed_grid(grid)
            page.flush_cache()
    finally:
        pdf.close()
    return Extract(text="\n".join(text_lines), rows=builder.finish(), form="pdf", text_layer=chars > 0)
