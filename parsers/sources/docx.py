"""DOCX (python-docx): paragraphs as lines and tables as grids, in body order, merged cells resolved."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

from ..limits import MB, TooLarge, check_time, current
from ..rows import Extract, RowBuilder
from ..text import normalize
from . import Unreadable


def _grid(table: Any) -> list[list[str | None]]:
    grid: list[list[str | None]] = []
    above: list[Any] = []
    for row in table.rows:
        cells = list(row.cells)
        out: list[str | None] = []
        for c, cell in enumerate(cells):
            if c > 0 and cell._tc is cells[c - 1]._tc:
                out.append(None)  # a horizontal span
            elif c < len(above) and cell._tc is above[c]._tc:
                out.append(grid[-1][c] if grid[-1][c] is not None else None)  # a vertical span
            else:
                out.append(normalize(cell.text).strip())
        grid.append(out)
        above = cells
    return grid


def _guard(data: bytes) -> None:
    """Refuse a zip bomb from the central directory's sizes (reading a part never goes past its stated size)."""
    limits = current()
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise Unreadable(f"corrupt DOCX: {exc}") from None
    inflated = sum(i.file_size for i in infos)
    if inflated > len(data) + limits.max_unzipped:
        raise TooLarge(
            f"its parts inflate to {inflated / MB:.0f} MB, over {limits.max_unzipped_mb:g} MB beyond the file's "
            "own size (NIANBAO_MAX_UNZIPPED_MB)"
        )


def extract_docx(data: bytes) -> Extract:
    _guard(data)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable(f"corrupt DOCX: {exc}") from None
    except Unreadable:
        raise
    except Exception as exc:  # lxml and python-docx errors on damaged parts
        raise Unreadable(f"corrupt DOCX: {type(exc).__name__}: {exc}") from None
    builder = RowBuilder()
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        check_time()
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag == "p":
            text = normalize(Paragraph(child, document).text)
            for line in text.splitlines():
                lines.append(line)
                builder.feed_line(line)
        elif tag == "tbl":
            grid = _grid(Table(child, document))
            lines.extend(" ".join(c for c in row if c) for row in grid)
            builder.feed_grid(grid)
    hints = [normalize(document.core_properties.title or "")]
    return Extract(text="\n".join(lines), rows=builder.finish(), title_hints=[h for h in hints if h], form="docx")
