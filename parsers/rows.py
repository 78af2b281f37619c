"""Rows of a label and cells: what every document form is turned into.

A source (HTML, PDF, DOCX, text…) feeds either *lines* (lists of cell strings, as text extraction gives
them) or *grids* (real tables, spans resolved) into a `RowBuilder`. The builder emits `Row`s: the label
pieces that lead to a run of value cells, nearest last. Text that carries no values becomes context for
the next row (headers, parent labels, the first half of a wrapped label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .text import is_value, normalize

MAX_CONTEXT = 40  # label pieces kept before a row; enough for a header written one cell per line
APPEALS_WIDTH = 15  # value cells in the appeals table's row: three blocks of five


@dataclass
class Row:
    parts: list[str]  # label pieces, outermost first; the last one is nearest to the values
    cells: list[str]  # value cells in order; "" is a printed blank
    positional: bool  # True when every printed cell is there (a real table); False for text lines
    tail: list[str] = field(default_factory=list)  # text right after the values: maybe the label's wrapped end
    # a tab-separated line's cells after the label, blanks kept: read as a grid row when the document's
    # tab output keeps every column (tried against the form's checks, see report.build)
    grid: list[str] | None = None
    # tab lines: the label's last cell, and that of the line after; a label wrapped inside a table cell
    # continues in the same column of the next line, beside its parent's continuation
    own_cell: str = ""
    tail_cell: str = ""
    ocr: bool = False  # read by OCR from an image: its label may have a character misread (report._fuzzy)

    @property
    def label(self) -> str:
        return " / ".join(self.parts)


@dataclass
class Extract:
    """What a source gives the form model."""

    text: str  # the document's text, normalised, one line per line/paragraph
    rows: list[Row] = field(default_factory=list)
    title_hints: list[str] = field(default_factory=list)  # <title>, <h1>, meta ArticleTitle…
    form: str = ""  # "html", "pdf", "docx", "doc", "text"
    text_layer: bool = True  # False for a scan/image without text
    ocr: dict[str, Any] | None = None  # pages read by OCR: how many, and how sure it was (sources/image.py)
    layer_text: str = ""  # when some pages were read by OCR: the text the document carries as text, not images


# "- 3 -" and "第 3 页 共 9 页" are page numbers wherever they stand; a bare "3/9" only at a page's edge
# (sources that know the page, like PDF, drop those), since "27 / 27" is also a row of values with a blank
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[/,，]?\s*共\s*\d{1,3}\s*页)?)\s*$")
PAGE_EDGE_NUMBER = re.compile(r"^\s*(?:[-—–－]?\s*\d{1,3}\s*[-—–－]?|\d{1,3}\s*/\s*\d{1,3}|第\s*\d{1,3}\s*页.*)\s*$")


def is_page_number(line: str) -> bool:
    return _PAGE_NUMBER.match(normalize(line)) is not None


_SPACES = re.compile(r"[ \u3000\xa0]+")


def split_line(line: str) -> tuple[list[str], bool]:
    """Cells of a text line: tab-separated when the line has tabs, else words. Returns (cells, words)."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")], False
    return [c for c in _SPACES.split(line.strip()) if c], True


class RowBuilder:
    """Turns lines and grids, fed in document order, into rows."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.context: list[str] = []
        self._parts: list[str] | None = None
        self._cells: list[str] = []
        self._positional = False
        self._grid: list[str] | None = None
        self._own_cell = ""
        self._row_line = False  # the last line was a table row (values, or a label with empty cells)
        self._last_cells: list[str] = []  # the last cell of each context piece (tab lines: the label column)
        self._after_text = False  # the last line was a label without values
        self._gap = False  # the last line was empty: a row written one cell per line has ended
        self._blanks = 0  # empty cells seen since, not yet known to be values
        self.ocr = False  # what is fed now was read by OCR (sources set it): rows made from it say so
        self._ocr = False  # the open row was

    # -- rows ----------------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._parts is not None and self._cells and (any(c != "" for c in self._cells) or self._parts[-1:] != [""]):
            self.rows.append(Row(self._parts, self._cells, self._positional, grid=self._grid, own_cell=self._own_cell,
                                 ocr=self._ocr))
        self._parts, self._cells, self._grid = None, [], None

    def _open(self, label: list[str], cells: list[str], positional: bool, grid: list[str] | None = None) -> None:
        self._flush()
        self._set_tail()
        self._parts = [*self.context, *label]
        self._cells = list(cells)
        self._positional = positional
        self._grid = grid
        self._own_cell = ""
        self._ocr = self.ocr
        self.context = []
        self._last_cells = []

    def _remember(self, text: str, last_cell: str = "") -> None:
        self._flush()
        if text:
            self.context.append(text)
            del self.context[:-MAX_CONTEXT]
            self._last_cells.append(last_cell or text)
            del self._last_cells[:-MAX_CONTEXT]

    def _blank_row(self) -> None:
        """Empty cells one per line, as many as the appeals table's row and nothing after them: that row
        printed all blank (blank = 0); its headings stay context."""
        if self._blanks >= APPEALS_WIDTH and self._parts is None:
            self.rows.append(Row(list(self.context), [""] * self._blanks, False, ocr=self.ocr))
            self._blanks = 0

    def finish(self) -> list[Row]:
        self._blank_row()
        self._flush()
        self._set_tail()
        return self.rows

    def _set_tail(self) -> None:
        """Text between the last row with values and the next: perhaps the end of a wrapped label."""
        last = next((r for r in reversed(self.rows) if r.cells), None)
        if last is not None and self.context and not last.tail:
            last.tail = list(self.context[:2])
            last.tail_cell = self._last_cells[0]

    # -- text lines -----------------------------------------------------------------------------
    def feed_text(self, text: str) -> None:
        for line in text.splitlines():
            self.feed_line(line)

    def feed_line(self, line: str) -> None:
        if line.strip(" \r") == "\t":
            # one cell per line: an empty cell in a row's run of values, or right after its label
            if self._parts is not None and not self._gap:
                self._cells.append("")
            elif self._after_text:
                self._open([], [""], False)
            else:
                self._blanks += 1  # a row's leading empty cells if values follow, else a label's spacers
            return
        self._after_text = False
        self._gap = not line.strip()
        if self._gap:
            self._blank_row()
        if self._gap or is_page_number(line):
            return
        raw, words = split_line(line)
        start, end = 0, len(raw)
        while start < end and raw[start] == "":
            start += 1
        while end > start and raw[end - 1] == "":
            end -= 1
        cells = raw[start:end]
        if not cells:
            return
        kinds = [is_value(c) for c in cells]
        if words:
            # 无 and / are words in running text; they are empty cells only in the run of values ending the line
            run = len(kinds)
            while run > 0 and kinds[run - 1]:
                run -= 1
            kinds = [k if i >= run or is_value(c, word=True) else False for i, (c, k) in enumerate(zip(cells, kinds, strict=True))]
        blanks, self._blanks = self._blanks, 0
        if all(kinds):
            if self._parts is None:
                self._open([], [""] * blanks + cells, False, None if words else raw)
            else:
                self._cells.extend(cells)
                self._grid = None
            return
        last_text = max(i for i, k in enumerate(kinds) if not k)
        if any(kinds[:last_text]) and any(k for i, k in enumerate(kinds[:last_text]) if cells[i] != ""):
            # numbers followed by words on one line: running prose, never a table row
            self._flush()
            self.context = []
            return
        label = "".join(c for c in cells[: last_text + 1] if c)
        values = cells[last_text + 1 :]
        while values and values[0] == "":
            values.pop(0)  # blanks between a label and its numbers are spacers in text output
        if values:
            self._open([label], values, False, None if words else raw[start + last_text + 1 :])
            self._own_cell = cells[last_text]
            self._row_line = True
            return
        blank = raw[start + last_text + 1 :]
        if blank and not words and "" not in cells[: last_text + 1]:
            # a label and only empty cells: nothing in a lossy text, a row of blanks in a faithful grid;
            # either way the end of the previous row's wrapped label, never the start of the next one's
            self._flush()
            last = self.rows[-1] if self.rows else None
            if last is not None and not last.tail and self._row_line:
                last.tail, last.tail_cell = [label], cells[last_text]
            self.rows.append(Row([*self.context, label], [], False, grid=blank, ocr=self.ocr))
            self._row_line = True
            return
        self._row_line = False
        self._remember(label, cells[last_text])
        self._after_text = True

    # -- grids ---------------------------------------------------------------------------------
    def feed_grid(self, grid: list[list[str | None]]) -> None:
        """A table: `None` marks a cell covered by a span; text copied down for row spans is fine."""
        above: list[str | None] = []
        for raw in grid:
            row = [_split_numbers(c) for c in raw]
            flat: list[str | None] = []
            for c in row:
                flat.extend(c if isinstance(c, list) else [c])
            resolved: list[str | None] = []
            for c, cell in enumerate(flat):
                if cell is None and (c == 0 or flat[c - 1] is None) and c < len(above):
                    cell = above[c]  # a vertical span: the parent label above applies to this row
                resolved.append(cell)
            above = resolved
            text_idx = [i for i, cell in enumerate(flat) if cell is not None and cell.strip() and not is_value(cell)]
            last_text = max(text_idx) if text_idx else -1
            values = [c for c in flat[last_text + 1 :] if c is not None]
            label: list[str] = []
            for cell in resolved[: last_text + 1]:
                if cell and cell.strip() and not is_value(cell) and (not label or label[-1] != cell.strip()):
                    label.append(cell.strip())
            if values and (label or any(v.strip() for v in values)):
                self._open(label, [v.strip() for v in values], True)
                if not any(v.strip() for v in values) and len(self.rows) and not self.rows[-1].tail:
                    self.rows[-1].tail = [label[-1]]  # perhaps a label wrapped into a row of its own
            elif label:
                self._remember(" ".join(label))
            elif len(values) >= APPEALS_WIDTH:
                # the appeals table's one row of values has no label (its labels are the headings above):
                # printed all blank it is still that row, blank = 0; the headings stay context
                self._flush()
                self.rows.append(Row(list(self.context), [v.strip() for v in values], True, ocr=self.ocr))
        self._flush()


def _split_numbers(cell: str | None) -> str | None | list[str]:
    """A cell holding several numbers (a missing rule line merged cells) becomes several cells."""
    if cell is None:
        return None
    if "\n" in cell and _WRAPPED_NUMBER.fullmatch(cell):
        return cell.replace("\n", "")  # a number wrapped in a narrow cell: 103 / 0 is 1030
    words = cell.split(" ")
    if len(words) > 1 and all(is_value(w, word=True) for w in words):
        return words
    return cell


_WRAPPED_NUMBER = re.compile(r"[+\-]?[\d,.]+(?:\n[\d,.]+)+(?:万元|元|件|条|项|个)?")
