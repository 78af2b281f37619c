"""Images and scanned pages, read by OCR (parsers/ocr.py) into the rows every other form gives.

The OCR's text boxes become positioned words, in PDF points, and go through the same line and row
building as the words of an unruled PDF page (pdf.feed_words). A number the OCR was unsure of carries
the DOUBT mark: it stays a value cell (the row keeps its shape) but stands only where the form's
arithmetic confirms it (report.settle_doubts).
"""

from __future__ import annotations

import re
from io import BytesIO
from statistics import mean
from typing import Any

from ..limits import TooLarge, allow_ocr_page, check_time, current
from ..ocr import ENGINE, Box, OcrUnavailable, pages, read, reread
from ..rows import Extract, RowBuilder
from ..rulings import grid
from ..text import DOUBT, FAIR, is_value, squash
from . import Unreadable

NOISE_BELOW = 0.3  # a reading of one or two characters this unsure, not a number, is noise
DOUBT_BELOW = 0.7  # a number read with less confidence than this is doubtful
SURE_FROM = 0.9  # a number read with less than this (its least sure character) is only fair: it stands where the
# form's arithmetic covers it and is null where none does (the active-disclosure table), since nothing would catch
# its misreading there; what that leaves null is in bench/ocr.py's null column
A4_WIDTH_PT = 595.0  # an image of unknown size is taken to be an A4 page wide
MAX_PIXELS = 80_000_000  # per image: a decompression bomb is refused before it is decoded
PDF_DPI = (100, 220)  # scanned PDF pages are rendered at their images' own resolution, within these bounds (OCR reads at ~170)


# letters the OCR gives for digits, and specks it reads beside them (a few after it: 0... where dust trails a
# speckled 0), alone in a box: read as the number, but unsure (the arithmetic decides)
_LOOKALIKE = re.compile(r"[.,·:;'`\"_-]?(?P<digits>[0-9oOlI|CD]{1,9})[.,·:;'`\"_]{0,3}")
_SPECK = re.compile(r"[\s.,·:;'`\"_、。，：；·•°]*")
_DIGITS = str.maketrans("oOlI|CD", "0011100")


class Reader:
    """Collects the OCR's boxes of the pages it reads and says how sure it was."""

    def __init__(self) -> None:
        self.pages = 0
        self.scores: list[float] = []
        self.doubtful = 0
        self.reread = 0  # cells read again from their tight crop (rulings.grid)
        self.resolved = 0  # of which the second reading settled the cell

    def page(self, image: Any, page_width_pt: float) -> tuple[list[dict[str, Any]], list[tuple[Any, Any]]]:
        """One page image → words outside its ruled tables, in points (as pdfplumber gives them), and its
        tables as (bbox, grid) like pdfplumber's; unsure numbers marked."""
        check_time()
        allow_ocr_page()
        page = read(image)
        self.pages += 1
        self.scores.extend(b.score for b in page.boxes)
        boxes: list[Box] = []
        for b in page.boxes:
            if _SPECK.fullmatch(b.text) or (b.score < NOISE_BELOW and len(b.text) <= 2 and not _LOOKALIKE.fullmatch(b.text)):
                continue  # dust read as a dot, a comma or a stray glyph: nothing (a dash or a slash is a printed zero)
            for w in _split(b):
                if not is_value(w.text) and (m := _LOOKALIKE.fullmatch(w.text)):
                    # a number read with a letter for a digit, or a speck beside it: unsure
                    w.text, w.score = m["digits"].translate(_DIGITS), 0.0
                if is_value(w.text) and w.score < DOUBT_BELOW:
                    w.text += DOUBT
                    self.doubtful += 1
                elif is_value(w.text) and w.score < SURE_FROM:
                    w.text += FAIR
                boxes.append(w)
        scale = page_width_pt / max(1, image.width)
        grids = []
        for table in page.tables:
            cells, boxes = grid(table, boxes, lambda x0, y0, x1, y1, text: self._again(page.gray, x0, y0, x1, y1, text))
            grids.append((tuple(v * scale for v in table.bbox), cells))
        words = [{"x0": w.x0 * scale, "x1": w.x1 * scale, "top": w.top * scale, "bottom": w.bottom * scale,
                  "text": w.text} for w in boxes]
        return words, grids

    def _again(self, gray: Any, x0: int, y0: int, x1: int, y1: int, text: str) -> str | None:
        """A cell of numbers read again from its tight crop (ocr.reread), at each of its margins. The number
        stands sure when the second readings all give the number the first reading gave, one of them surely;
        or, where the first reading gave no number (ink the detector missed, a stray glyph), when they all
        give one number surely. Second readings all surely of another number make the first doubtful.
        Otherwise the cell stays as it was."""
        self.reread += 1
        readings = reread(gray, x0, y0, x1, y1)
        texts = {squash(t) for t, _ in readings}
        if len(texts) != 1:
            return None
        again = texts.pop()
        if again == "" or not is_value(again):
            return None
        scores = [score for _, score in readings]
        first = squash(text).replace(DOUBT, "").replace(FAIR, "")
        if is_value(text) and first:
            if again == first and max(scores) >= SURE_FROM:
                self.resolved += 1
                return again  # read alike from the detector's box and twice from the tight crop, once surely
            if again != first and min(scores) >= SURE_FROM:
                return text if DOUBT in text else first + DOUBT
            return None
        if min(scores) < SURE_FROM:
            return None
        self.resolved += 1
        return again

    def summary(self) -> dict[str, Any]:
        return {
            "engine": ENGINE,
            "pages": self.pages,
            "boxes": len(self.scores),
            "mean_confidence": round(mean(self.scores), 4) if self.scores else None,
            "min_confidence": round(min(self.scores), 4) if self.scores else None,
            "doubtful_numbers": self.doubtful,
            "cells_read_again": self.reread,
            "settled_by_reading_again": self.resolved,
        }


def _split(box: Box) -> list[Box]:
    """A box holding several space-separated numbers (cells close together) → one box per number, its width
    shared by characters."""
    tokens = box.text.split()
    if len(tokens) < 2 or not all(is_value(t) for t in tokens):
        return [box]
    per = (box.x1 - box.x0) / max(1, len(box.text))
    out, at = [], 0
    for t in tokens:
        start = box.text.index(t, at)
        at = start + len(t)
        out.append(Box(box.x0 + start * per, box.top, box.x0 + at * per, box.bottom, t, box.score))
    return out


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise OcrUnavailable("this document is an image and needs Pillow to be read: pip install pillow") from None
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


def extract_image(data: bytes) -> Extract:
    """A PNG/JPEG/TIFF/GIF/BMP file (every frame of a multi-page TIFF or GIF a page) → rows, by OCR."""
    return extract_images([data])


def extract_images(files: list[bytes]) -> Extract:
    """Image files that are one document's pages, in order (a report published as page images) → rows, by OCR."""
    from .pdf import feed_words

    reader, builder, text_lines = Reader(), RowBuilder(), []
    done = 0
    for data in files:
        for page in _frames(data, current().max_pages - done):
            done += 1
            feed_words(*reader.page(page, A4_WIDTH_PT), builder, text_lines, ocr=True)
    summary = reader.summary()
    return Extract(text="\n".join(text_lines), rows=builder.finish(), form="image",
                   text_layer=summary["boxes"] > 0, ocr=summary)


def _frames(data: bytes, room: int) -> Any:
    """The pages of one image file (RGB PIL images), refusing a bomb or more pages than `room`."""
    Image = _pil()
    try:
        img = Image.open(BytesIO(data))
        w, h = img.size
    except Image.DecompressionBombError:
        raise TooLarge(f"an image of more than {MAX_PIXELS // 1_000_000} million pixels") from None
    except Exception as exc:  # PIL raises many kinds on a broken file
        raise Unreadable(f"corrupt image: {type(exc).__name__}: {exc}") from None
    if w * h > MAX_PIXELS:
        raise TooLarge(f"an image of more than {MAX_PIXELS // 1_000_000} million pixels")
    frames = getattr(img, "n_frames", 1)
    if frames > room:
        raise TooLarge(f"more than {current().max_pages} pages (NIANBAO_MAX_PAGES)")
    for i in range(frames):
        try:
            img.seek(i)
            page = img.convert("RGB")
        except Exception as exc:
            raise Unreadable(f"corrupt image (frame {i + 1}): {type(exc).__name__}: {exc}") from None
        yield from pages(page)


class PdfScans(Reader):
    """The pages of a PDF that have no text layer, rendered with pypdfium2 and read by OCR."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        try:
            import pypdfium2
        except ImportError:
            raise OcrUnavailable("this PDF is a scan and needs pypdfium2 to render it: pip install pypdfium2") from None
        try:
            self.doc = pypdfium2.PdfDocument(data)
        except Exception as exc:
            raise Unreadable(f"corrupt PDF (cannot render its scanned pages): {exc}") from None

    def read_page(self, index: int, page_width_pt: float,
                  images: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[Any, Any]]]:
        dpi = 200.0
        native = [im["srcsize"][0] * 72 / (im["x1"] - im["x0"]) for im in images
                  if im.get("srcsize") and im["x1"] - im["x0"] > page_width_pt / 2]
        if native:
            dpi = min(PDF_DPI[1], max(PDF_DPI[0], max(native)))
        page = self.doc[index]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
        return self.page(image, page_width_pt)

    def close(self) -> None:
        self.doc.close()
