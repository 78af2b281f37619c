"""Ruled tables in a page image: rule lines found by morphology, cells (merged cells too) from them.

A scanned table's rule lines say which cell each piece of text is in, far more surely than gaps between
words do: the OCR's boxes are put into the cells found here and the table goes to the row builder as a grid,
like pdfplumber's tables of a text PDF. The image must be upright (ocr.read deskews it first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .text import DOUBT, doubtful, fair, is_value

RULE_GREY = 150  # darker than this (paper is 255 after ocr.clean) is a horizontal rule's ink, however close text is:
# a blurred rule is grey, and beside a line of text the adaptive threshold loses it (a row of labels merged)
MIN_CELLS = 4  # fewer cells than this in a ruled frame: a box or a rule, not a table


@dataclass
class Table:
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels
    xs: list[int]  # vertical rule positions, left to right
    ys: list[int]  # horizontal rule positions, top to bottom
    cells: list[tuple[int, int, int, int]]  # (row, col, rowspan, colspan) of each cell, in reading order
    inked: list[bool]  # per cell: something is printed inside it (a cell with ink and no text was misread)


def _positions(profile: Any, min_run: int) -> list[int]:
    """Centres of the runs of True in a 1-D mask (a rule a few pixels thick is one position)."""
    out, start = [], None
    for i, on in enumerate([*profile.tolist(), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            if i - start >= 1:
                out.append((start + i - 1) // 2)
            start = None
    merged: list[int] = []
    for p in out:
        if merged and p - merged[-1] < min_run:
            merged[-1] = (merged[-1] + p) // 2
        else:
            merged.append(p)
    return merged


def find_tables(gray: Any, boxes: Sequence[Any] = ()) -> list[Table]:
    """The ruled tables of an upright greyscale page image (uint8 array, ink dark). `boxes` (the OCR's text
    boxes, upright, same pixels) tell text strokes from rules: see _through_text."""
    import cv2

    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    hk = max(20, w // 25)
    vk = max(15, int(min(h, w * 1.42)) // 60)  # a page's height, also in one long image of many pages
    # a light speck on a thin rule cuts it: bridge such cuts along the rule before keeping only long runs
    bridged_h = cv2.morphologyEx(ink | ((gray < RULE_GREY) * 255).astype(ink.dtype), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1)))
    horiz = cv2.morphologyEx(bridged_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    # close small breaks (JPEG, speckle, a faint scan) along each rule
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    frame = cv2.bitwise_or(horiz, vert)
    # what is printed apart from the rules, specks gone: tells a blank cell from one whose text went unread
    marks = cv2.morphologyEx(cv2.bitwise_and(ink, cv2.bitwise_not(frame)), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(frame, connectivity=8)
    tables = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < w // 4 or bh < 3 * vk:
            continue
        mine = labels[y : y + bh, x : x + bw] == i
        hm = (horiz[y : y + bh, x : x + bw] > 0) & mine
        vm = (vert[y : y + bh, x : x + bw] > 0) & mine
        ys = [y + p for p in _positions(hm.sum(axis=1) > bw * 0.15, 6)]
        xs = [x + p for p in _positions(vm.sum(axis=0) > bh * 0.05, 6)]
        ys = [p for p in ys if not _through_text(horiz, p, xs, boxes, across=True)]
        xs = [p for p in xs if not _through_text(vert, p, ys, boxes, across=False)]
        if boxes:
            inner = [b for b in boxes if x <= (b.x0 + b.x1) / 2 <= x + bw and y <= (b.top + b.bottom) / 2 <= y + bh]
            xs = _without_empty_bands(xs, inner, across=False)
            ys = _without_empty_bands(ys, inner, across=True)
        if len(xs) < 2 or len(ys) < 2:
            continue
        cells = _cells(horiz > 0, vert > 0, xs, ys)
        if len(cells) >= MIN_CELLS:
            inked = [_inked(marks, xs[c], ys[r], xs[c + cs], ys[r + rs]) for r, c, rs, cs in cells]
            # a band of text outside the frame dropped (see _without_empty_bands): the table ends at its rule
            top, bottom = max(y, ys[0] - EDGE), min(y + bh, ys[-1] + EDGE)
            tables.append(Table((float(x), float(top), float(x + bw), float(bottom)), xs, ys, cells, inked))
    return sorted(tables, key=lambda t: t.bbox[1])


def _in_text(boxes: Sequence[Any], at: float, lo: float, hi: float, across: bool) -> bool:
    """Some text box between `lo` and `hi` runs across position `at`: a rule there would cut a line of text,
    so what looks like one is the text's strokes (blurred, stacked row above row). A box may touch a rule: its
    edges, a fifth of its height deep, do not count. `across`: `at` is a y, `lo`/`hi` are xs; else the reverse."""
    for b in boxes:
        m = max(3.0, 0.2 * (b.bottom - b.top))
        a0, a1, c0, c1 = (b.top, b.bottom, b.x0, b.x1) if across else (b.x0, b.x1, b.top, b.bottom)
        if a0 + m < at < a1 - m and lo <= (c0 + c1) / 2 <= hi:
            return True
    return False


def _through_text(mask: Any, at: int, others: list[int], boxes: Sequence[Any], across: bool) -> bool:
    """A rule candidate that, in most cells it crosses, is there only where text boxes run across it (or in
    none) is no rule. `across`: the candidate is horizontal at y=`at`, crossing the columns between the
    `others` (x positions); else vertical at x=`at`, crossing the rows between the `others` (y positions)."""
    if not boxes:
        return False
    present = clear = 0
    for lo, hi in zip(others, others[1:], strict=False):
        if hi - lo < 4:
            continue
        mid_lo, mid_hi = lo + (hi - lo) // 4, hi - (hi - lo) // 4
        seg = (mask[max(0, at - 2) : at + 3, mid_lo:mid_hi].any(axis=0) if across else
               mask[mid_lo:mid_hi, max(0, at - 2) : at + 3].any(axis=1))
        if seg.size and seg.mean() >= 0.6:
            present += 1
            clear += not _in_text(boxes, at, lo, hi, across)
    return clear * 2 < present or present == 0  # a candidate in no cell is a smudge of the profile


def _without_empty_bands(rules: list[int], boxes: list[Any], across: bool) -> list[int]:
    """Rule positions without those that bound a column (`across`: a row) no text box sits in, across the
    whole table: every column and row of the national forms has at least its heading, so an empty band is
    the gap between a real rule and a false one (strokes of blurred text). A box sits in a band when its
    centre is in it and it does not run over the band's rules by more than half its height (a merged cell's
    text runs over the rules it spans). Of the band's two rules, the one text runs over more goes (never the
    frame's outer rules): deeper than a box's edge, for the detector's box of a number beside a rule takes in
    the rule. First, an outer band whose text all runs out over the frame's edge goes, with its
    outer rule: a line printed just under (or over) the table, joined to its frame by blur."""
    spans = [((b.top, b.bottom) if across else (b.x0, b.x1), 0.5 * (b.bottom - b.top)) for b in boxes]
    rules = list(rules)

    def sits(k: int) -> bool:
        lo, hi = rules[k], rules[k + 1]
        return any(lo <= (a + b) / 2 <= hi and a > lo - tol and b < hi + tol for (a, b), tol in spans)

    def outside(k: int) -> bool:
        """The first or last band holds only text that runs out over the frame's outer rule (more than a
        fifth of its height): a line printed just outside the table, its strokes blurred into a rule."""
        lo, hi = rules[k], rules[k + 1]
        inside = [(a, b, tol) for (a, b), tol in spans if lo <= (a + b) / 2 <= hi]
        if not inside or not across:
            return False
        if k == 0:
            return all(a < lo - max(3.0, 0.4 * tol) for a, _, tol in inside)
        return all(b > hi + max(3.0, 0.4 * tol) for _, b, tol in inside)

    while len(rules) > 2:
        if outside(len(rules) - 2):
            rules.pop()
        elif outside(0):
            rules.pop(0)
        else:
            break

    def over(at: int) -> float:  # how deep text runs over a rule at `at`: a box's edges (see _in_text) do not count
        return sum(max(0.0, min(at - a, b - at) - max(3.0, 0.4 * tol)) for (a, b), tol in spans)

    while len(rules) > 2:
        empty = next((k for k in range(len(rules) - 1) if not sits(k)), None)
        if empty is None:
            break
        candidates = [k for k in (empty, empty + 1) if 0 < k < len(rules) - 1]
        rules.pop(max(candidates, key=lambda k: over(rules[k])))
    return rules


MIN_MARK = 12  # ink pixels (specks gone) that make a cell printed: a "1" at 100 dpi has about 25
EDGE = 4  # pixels of a cell's border left out (a rule's blur)


def _inked(marks: Any, x0: int, y0: int, x1: int, y1: int) -> bool:
    inner = marks[y0 + EDGE : max(y0 + EDGE, y1 - EDGE), x0 + EDGE : max(x0 + EDGE, x1 - EDGE)]
    return int((inner > 0).sum()) >= MIN_MARK


def _cells(horiz: Any, vert: Any, xs: list[int], ys: list[int]) -> list[tuple[int, int, int, int]]:
    """Cells of the grid of rule positions: a boundary between two grid squares whose rule is mostly
    missing joins them (a merged cell)."""
    nr, nc = len(ys) - 1, len(xs) - 1

    def vline(c: int, r: int) -> bool:  # the rule left of column c in row r is there
        x, y0, y1 = xs[c], ys[r], ys[r + 1]
        seg = vert[y0 + 2 : max(y0 + 3, y1 - 1), max(0, x - 2) : x + 3].any(axis=1)
        return bool(seg.size) and seg.mean() > 0.6

    def hline(r: int, c: int) -> bool:  # the rule above row r in column c is there
        y, x0, x1 = ys[r], xs[c], xs[c + 1]
        seg = horiz[max(0, y - 2) : y + 3, x0 + 2 : max(x0 + 3, x1 - 1)].any(axis=0)
        return bool(seg.size) and seg.mean() > 0.6

    owner = [[-1] * nc for _ in range(nr)]
    cells: list[tuple[int, int, int, int]] = []
    for r in range(nr):
        for c in range(nc):
            if owner[r][c] >= 0:
                continue
            cs = 1
            while c + cs < nc and owner[r][c + cs] < 0 and not vline(c + cs, r):
                cs += 1
            rs = 1
            while r + rs < nr and all(owner[r + rs][c + k] < 0 and not hline(r + rs, c + k) for k in range(cs)):
                rs += 1
            for dr in range(rs):
                for dc in range(cs):
                    owner[r + dr][c + dc] = len(cells)
            cells.append((r, c, rs, cs))
    return cells


Reread = Callable[[int, int, int, int, str], str | None]  # a cell's bounds and text → its text read again, or None


def grid(table: Table, boxes: list[Any], reread: Reread | None = None) -> tuple[list[list[str | None]], list[Any]]:
    """The table as rows of cell texts (None where a merged cell covers the square), and the boxes not in it.

    A box goes to the cell its centre falls in; a cell's boxes are joined line by line, top to bottom.
    `reread`: called for the cells of a column of numbers whose reading is unsure (a doubtful or fair number,
    ink with no reading, a short reading that is no number); what it returns replaces the cell's text."""
    nr, nc = len(table.ys) - 1, len(table.xs) - 1
    out: list[list[str | None]] = [[None] * nc for _ in range(nr)]
    inside: dict[int, list[Any]] = {}
    rest = []
    x0, top, x1, bottom = table.bbox
    for b in boxes:
        cx, cy = (b.x0 + b.x1) / 2, (b.top + b.bottom) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            rest.append(b)
            continue
        for k, (r, c, rs, cs) in enumerate(table.cells):
            if table.xs[c] <= cx <= table.xs[c + cs] and table.ys[r] <= cy <= table.ys[r + rs]:
                spill = 0.5 * (b.bottom - b.top)
                if is_value(b.text) and not doubtful(b.text) and (
                        b.x0 < table.xs[c] - spill or b.x1 > table.xs[c + cs] + spill):
                    b.text += DOUBT  # a number running out of its cell may be two cells' numbers read as one
                inside.setdefault(k, []).append(b)
                break
    for k, (r, c, _, _) in enumerate(table.cells):
        mine = sorted(inside.get(k, []), key=lambda b: (b.top, b.x0))
        if not mine:
            # ink without text: the OCR missed what is printed there, so the blank (0) it leaves is unsure
            out[r][c] = DOUBT if table.inked[k] else ""
            continue
        lines: list[list[Any]] = []
        for b in mine:
            if lines and abs(lines[-1][-1].top - b.top) < 0.5 * (b.bottom - b.top):
                lines[-1].append(b)
            else:
                lines.append([b])
        out[r][c] = "\n".join(_join(sorted(ln, key=lambda b: b.x0)) for ln in lines)
    if reread is not None:
        numeric = _numeric(table, out, 1)
        numeric_rows = _numeric(table, out, 0)
        for r, c, rs, cs in table.cells:
            text = out[r][c] or ""
            if cs == 1 and (c in numeric or (rs == 1 and r in numeric_rows)) and _unsure(text):
                again = reread(table.xs[c], table.ys[r], table.xs[c + 1], table.ys[r + rs], text)
                if again is not None:
                    out[r][c] = again
    return out, rest


MIN_NUMERIC = 1  # value cells that make a table's column one of numbers (at least half its printed cells: a
# heading over one number in the small tables of active disclosure)
MIN_NUMERIC_ROW = 3  # value cells that make a table's row one of numbers (at least half its printed cells)
MAX_STRAY = 3  # characters of a reading, no number, in a column of numbers: a misread number, read again


def _numeric(table: Table, out: list[list[str | None]], axis: int) -> set[int]:
    """The columns (`axis` 1; rows: 0) of a table that hold numbers: most of their printed one-square cells
    are values (or short readings with a digit: a small table's one number, misread, under its heading). A
    row of numbers says which of its cells are numbers where a column cannot (the appeals table: a heading
    and one number a column, and that number missed)."""
    values: dict[int, int] = {}
    printed: dict[int, int] = {}
    for r, c, rs, cs in table.cells:
        text = out[r][c]
        if cs != 1 or rs != 1 or not text or text == DOUBT:
            continue
        at = (r, c)[axis]
        printed[at] = printed.get(at, 0) + 1
        values[at] = values.get(at, 0) + (is_value(text) or _stray_number(text))
    least = MIN_NUMERIC if axis else MIN_NUMERIC_ROW
    return {at for at, n in values.items() if n >= least and 2 * n >= printed[at]}


def _stray_number(text: str) -> bool:
    """A short reading with a digit in it that is no number ([2, 0|): a number misread, in a column of numbers."""
    return len(text) <= MAX_STRAY and any(ch.isdigit() for ch in text) and "\n" not in text


def _unsure(text: str) -> bool:
    """A cell worth reading again: ink without a reading, an unsure number, a short reading that is no number."""
    if text == DOUBT:
        return True
    if "\n" in text or " " in text:
        return False
    if is_value(text):
        return doubtful(text) or fair(text)
    return 0 < len(text) <= MAX_STRAY


def _join(line: list[Any]) -> str:
    """Boxes on one line of a cell: words run together, numbers stay apart (two numbers in a cell are two cells)."""
    out = line[0].text
    for prev, b in zip(line, line[1:], strict=False):
        out += (" " if is_value(prev.text) and is_value(b.text) else "") + b.text
    return out
