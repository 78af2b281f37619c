"""DOCX (python-docx): paragraphs as lines and tables as grids, in body order, merged cells resolved."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

from ..limits import MB, TooLarge, check_time, current
from ..rows import Extract, RowBuilder
from ..text import normalize
from . import Unreadable
from .image import MAX_PIXELS


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
    except (zipfile.BadZipFile, NotImplementedError, ValueError) as exc:
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
    layer: list[str] = []  # the lines the document holds as text (not read from its pictures)
    body = document.element.body
    reader = None
    for child in body.iterchildren():
        check_time()
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag == "p":
            text = normalize(Paragraph(child, document).text)
            for line in text.splitlines():
                lines.append(line)
                layer.append(line)
                builder.feed_line(line)
            for image in _pictures(child, document):
                from .image import A4_WIDTH_PT, Reader
                from .pdf import feed_words

                reader = reader or Reader()
                feed_words(*reader.page(image, A4_WIDTH_PT), builder, lines, ocr=True)
        elif tag == "tbl":
            grid = _grid(Table(child, document))
            rows = [" ".join(c for c in row if c) for row in grid]
            lines.extend(rows)
            layer.extend(rows)
            builder.feed_grid(grid)
    hints = [normalize(document.core_properties.title or "")]
    return Extract(text="\n".join(lines), rows=builder.finish(), title_hints=[h for h in hints if h], form="docx",
                   ocr=reader.summary() if reader is not None else None, layer_text="\n".join(layer))


MIN_PICTURE = (500, 300)  # pixels: a pasted page or table, not a logo or an icon


def _pictures(paragraph: Any, document: Any) -> list[Any]:
    """The pictures pasted in a paragraph that may be a scanned page or table (PIL images), in order."""
    from docx.oxml.ns import qn

    out = []
    for blip in paragraph.iter(qn("a:blip")):
        rid = blip.get(qn("r:embed"))
        part = document.part.related_parts.get(rid) if rid else None
        if part is None or not str(getattr(part, "content_type", "")).startswith("image/"):
            continue
        from .image import _pil

        Image = _pil()
        try:
            image = Image.open(BytesIO(part.blob))
            if image.width * image.height > MAX_PIXELS:
                raise TooLarge(f"a picture of more than {MAX_PIXELS // 1_000_000} million pixels")
            if image.width >= MIN_PICTURE[0] and image.height >= MIN_PICTURE[1]:
                out.append(image.convert("RGB"))
        except TooLarge:
            raise
        except Exception:  # noqa: BLE001 - a broken picture is no text: the rest of the document stands
            continue
    return out
