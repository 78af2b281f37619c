"""PDF with a text layer (pdfminer.six through pdfplumber).

Ruled tables come from pdfplumber's table finder (cells from the rule lines, so wrapped labels and
vertically merged cells stay whole); everything else, unruled tables included, comes as text lines
rebuilt from word positions, a wide gap between words marking a cell boundary. Tables and lines of a
page are fed in reading order, and pages one after the other, so a table split across pages (even a
row label split by the page break) reads as one.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from ..limits import TooLarge, check_time, current
from ..rows import PAGE_EDGE_NUMBER, Extract, RowBuilder
from ..text import is_value, normalize
from . import Unreadable

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _open(data: bytes) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        pdf = pdfplumber.open(BytesIO(data))
        _guard(pdf.doc)
        _ = pdf.pages  # parse the page tree now, so a broken file fails here
    except Unreadable:
        raise
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


def _guard(doc: Any) -> None:
    """Refuse, before any page is interpreted, a PDF over the page limit or whose page content streams
    inflate past the decompressed limit (counted with a bounded inflater, never inflating a bomb whole)."""
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import PDFStream, resolve1

    limits = current()
    left = limits.max_unzipped
    for n, page in enumerate(PDFPage.create_pages(doc), start=1):
        if n > limits.max_pages:
            raise TooLarge(f"more than {limits.max_pages} pages (NIANBAO_MAX_PAGES)")
        if n % 50 == 0:
            check_time()
        for stream in page.contents:
            stream = resolve1(stream)
            if isinstance(stream, PDFStream):
                left -= _inflated_size(stream, left + 1)
                if left < 0:
                    raise TooLarge(
                        f"page content streams inflate past {limits.max_unzipped_mb:g} MB (NIANBAO_MAX_UNZIPPED_MB)"
                    )


def _inflated_size(stream: Any, cap: int) -> int:
    """Decoded size of a content stream, counted up to `cap` (only Flate can inflate much)."""
    raw = stream.rawdata if stream.rawdata is not None else stream.data or b""
    filters = [str(getattr(f, "name", f)) for f, _ in stream.get_filters()] if stream.rawdata is not None else []
    if not filters or filters[0] not in ("FlateDecode", "Fl"):
        return len(raw)
    inflater = zlib.decompressobj()
    size, chunk = 0, raw
    try:
        while chunk and size < cap:
            size += len(inflater.decompress(chunk, cap - size))
            chunk = inflater.unconsumed_tail
    except zlib.error:
        pass  # a damaged stream: pdfminer decides what to make of it
    return size


@dataclass
class _Line:
    top: float
    bottom: float
    cells: list[tuple[float, str]]  # (x0, text) of each cell, a wide gap between words closing a cell

    @property
    def values(self) -> int:
        """Length of the run of value cells ending the line, 0 when words follow a number."""
        kinds = [is_value(t) for _, t in self.cells]
        run = len(kinds)
        while run and kinds[run - 1]:
            run -= 1
        return 0 if any(kinds[:run]) else len(kinds) - run

    def text(self, cells: list[tuple[float, str]] | None = None) -> str:
        return "\t".join(t for _, t in (self.cells if cells is None else cells))


def _lines(words: list[dict[str, Any]]) -> list[_Line]:
    """Words → lines of cells; a gap wider than a character between two words ends a cell."""
    words = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    groups: list[list[dict[str, Any]]] = []
    for w in words:
        if groups and abs(groups[-1][0]["top"] - w["top"]) <= max(2.0, 0.35 * (w["bottom"] - w["top"])):
            groups[-1].append(w)
        else:
            groups.append([w])
    out = []
    for group in groups:
        group.sort(key=lambda w: w["x0"])
        cells = [(group[0]["x0"], group[0]["text"])]
        for prev, w in zip(group, group[1:], strict=False):
            size = max(1.0, w["bottom"] - w["top"])
            gap = w["x0"] - prev["x1"]
            if gap > 0.45 * size or (gap > 0.1 * size and is_value(prev["text"]) and is_value(w["text"])):
                cells.append((w["x0"], w["text"]))
            else:
                cells[-1] = (cells[-1][0], cells[-1][1] + (" " if gap > 0.2 * size else "") + w["text"])
        out.append(_Line(group[0]["top"], max(w["bottom"] for w in group), cells))
    return out


def _regroup(lines: list[_Line]) -> list[str]:
    """An unruled table: label fragments wrapped above and below a row's numbers join that row.

    Each short text-only line goes to the nearest line of numbers (within two and a half line heights);
    a row's fragments are split into its own label (the rightmost label column) and its parents (columns
    left of it), so a row comes out as a line of its parents and a line of its label and values.
    """
    rows = [i for i, ln in enumerate(lines) if ln.values]
    if not rows:
        return [ln.text() for ln in lines]
    attached: dict[int, list[int]] = {i: [] for i in rows}
    taken: set[int] = set()
    for j, ln in enumerate(lines):
        if ln.values or len(ln.text()) > 24:
            continue
        mid = (ln.top + ln.bottom) / 2
        best = min(rows, key=lambda i: abs((lines[i].top + lines[i].bottom) / 2 - mid))
        height = max(1.0, lines[best].bottom - lines[best].top)
        if abs((lines[best].top + lines[best].bottom) / 2 - mid) <= 2.5 * height:
            attached[best].append(j)
            taken.add(j)
    out: list[str] = []
    for i, ln in enumerate(lines):
        if i in taken:
            continue
        if i not in attached:
            out.append(ln.text())
            continue
        n = ln.values
        pieces = sorted(
            [(lines[j].top, c) for j in attached[i] for c in lines[j].cells] + [(ln.top, c) for c in ln.cells[: len(ln.cells) - n]]
        )
        own_x = max((x for _, (x, _) in pieces), default=0.0)
        parent = "".join(t for _, (x, t) in pieces if x < own_x - 3)
        own = "".join(t for _, (x, t) in pieces if x >= own_x - 3)
        if parent:
            out.append(parent)
        out.append("\t".join([own, *(t for _, t in ln.cells[len(ln.cells) - n :])]) if own else ln.text(ln.cells[-n:]))
    return out


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def feed_words(words: list[dict[str, Any]], grids: list[tuple[Any, Any]], builder: RowBuilder,
               text_lines: list[str], ocr: bool = False) -> None:
    """One page's positioned words (outside its ruled tables) and tables → text lines and rows, in reading order.
    Also the way OCR boxes become rows (sources/image.py): `ocr` marks the rows (Row.ocr)."""
    builder.ocr = ocr
    lines = _lines(words)
    while lines and PAGE_EDGE_NUMBER.match(normalize(lines[-1].text())):
        lines.pop()  # the page number in the footer
    if lines and PAGE_EDGE_NUMBER.match(normalize(lines[0].text())):
        lines.pop(0)
    texts = _regroup(lines) if not grids else [ln.text() for ln in lines]
    items: list[tuple[float, int, Any]] = [(0.0, 0, "\n".join(texts))] if not grids else []
    items += [(ln.top, 0, t) for ln, t in zip(lines, texts, strict=True)] if grids else []
    items += [(bbox[1], 1, grid) for bbox, grid in grids]
    for _, kind, payload in sorted(items, key=lambda it: (it[0], it[1])):
        if kind == 0:
            for line in normalize(payload).split("\n"):
                text_lines.append(line)
                builder.feed_line(line)
        else:
            grid = [[normalize(c) if c is not None else None for c in row] for row in payload]
            text_lines.extend(" ".join(c for c in row if c) for row in grid)
            builder.feed_grid(grid)


def extract_pdf(data: bytes) -> Extract:
    """Pages with a text layer are read from it; a page without one (a scan) by OCR of its rendered image."""
    pdf = _open(data)
    builder = RowBuilder()
    text_lines: list[str] = []
    layer: list[str] = []  # the lines of the pages read from their text layer
    chars = 0
    scans = None
    try:
        for page in pdf.pages:
            check_time()
            grids: list[tuple[Any, Any]] = []
            try:
                chars += len(page.chars)
                if not page.chars and page.images:
                    words = None
                else:
                    tables = page.find_tables()
                    grids = [(t.bbox, t.extract()) for t in tables]
                    grids = [(b, g) for b, g in grids if g and max(len(r) for r in g) >= 2]
                    boxes = [b for b, _ in grids]
                    words = [w for w in page.extract_words(keep_blank_chars=False) if not _inside(w, boxes)]
            except Unreadable:
                raise
            except Exception as exc:  # a damaged content stream on one page
                raise Unreadable(f"corrupt PDF page {page.page_number}: {type(exc).__name__}") from None
            if words is None:
                from .image import PdfScans

                scans = scans or PdfScans(data)
                words, grids = scans.read_page(page.page_number - 1, float(page.width), page.images)
            before = len(text_lines)
            feed_words(words, grids, builder, text_lines, ocr=not page.chars)
            if page.chars:
                layer.extend(text_lines[before:])
            page.flush_cache()
    finally:
        pdf.close()
        if scans is not None:
            scans.close()
    ocr = scans.summary() if scans is not None else None
    return Extract(text="\n".join(text_lines), rows=builder.finish(), form="pdf",
                   text_layer=chars > 0 or bool(ocr and ocr["boxes"]), ocr=ocr, layer_text="\n".join(layer))
