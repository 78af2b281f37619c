"""Offline OCR of page images: text boxes with positions and confidences.

The engine is `rapidocr_onnxruntime`, whose wheel carries the PP-OCRv4 Chinese detection and recognition
models; it runs on onnxruntime on the CPU and never downloads anything. One engine per process (the parse
workers each build their own on first use), `NIANBAO_OCR_THREADS` threads (default 1: the parse pool already
runs documents side by side). Images are cleaned before reading (red seals whitened), cut into page-sized
pieces when they are long, and the boxes are turned back by the page's skew, so lines stay lines.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from statistics import median
from typing import Any

from .limits import check_time
from .sources import Unreadable

ENGINE = "rapidocr_onnxruntime (PP-OCRv4 ch)"
KEEP_ABOVE = 0.05  # readings kept (scored by their weakest character, a label with one faint quote mark is low)
MAX_PIECE_RATIO = 1.6  # a piece of a long image is at most this many times as tall as it is wide
REDDISH = 40  # red exceeding both green and blue by this much, in a pixel this bright, is a seal's ink
RED_INK = 140
PAPER = 200  # after stretching ink to 0 and paper to 255, lighter than this is paper
MAX_SIDE = 2000  # pixels: larger images are scaled down before detection (an A4 page to ~170 dpi, ample for OCR)


class OcrUnavailable(Unreadable):
    """The OCR stack (rapidocr_onnxruntime, onnxruntime, numpy, pypdfium2) is not installed."""


@dataclass
class Box:
    """One line of text the OCR found: an upright rectangle in image pixels (after deskew)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float


def _threads() -> int:
    raw = os.environ.get("NIANBAO_OCR_THREADS", "").strip() or "1"
    try:
        n = int(raw)
    except ValueError:
        raise Unreadable(f"NIANBAO_OCR_THREADS={raw!r} is not a whole number") from None
    if n < 1:
        raise Unreadable(f"NIANBAO_OCR_THREADS={raw!r} must be at least 1")
    return n


@lru_cache(maxsize=2)
def _engine(threads: int) -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(
            f"this document is an image and needs OCR, which is not installed ({exc.name or exc}): "
            "pip install rapidocr_onnxruntime pypdfium2"
        ) from None
    engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads, use_cls=False,
                      max_side_len=MAX_SIDE, print_verbose=False, text_score=KEEP_ABOVE)
    # one text line at a time: a batch is padded to its widest line, and most lines are a short number (bench/ocr.py
    # --profile: recognition 13–14 CPU s a 150-dpi page of tables in batches of 6, 8 one by one, the same readings)
    engine.text_rec.rec_batch_num = 1
    _score_by_weakest_character(engine.text_rec.postprocess_op)
    engine.text_rec.session = _LookalikesCount(engine.text_rec.session, engine.text_rec.postprocess_op.character)
    return engine


LOOKALIKES = {"0": "oO〇", "1": "lI|"}  # letters a blurred digit is also taken for, by the recogniser


class _LookalikesCount:
    """The recogniser's session, with a digit's confidence raised by what its lookalike letters got: a blurred
    0 at 100 dpi is 0 (0.6), o (0.17) or O (0.12), all one round glyph, so it is surely a round glyph, and in a
    cell of numbers that is a 0. Only where the digit already wins: what is read is never changed."""

    def __init__(self, session: Any, characters: list[str]) -> None:
        self.session = session
        index = {c: i for i, c in enumerate(characters)}
        self.folds = [(index[d], [index[c] for c in alike if c in index]) for d, alike in LOOKALIKES.items() if d in index]

    def __call__(self, batch: Any) -> Any:
        out = self.session(batch)
        probs = out[0]
        best = probs.argmax(axis=2)
        for digit, alike in self.folds:
            at = best == digit
            if at.any():
                probs[..., digit][at] += probs[..., alike].sum(axis=-1)[at]
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _score_by_weakest_character(decoder: Any) -> None:
    """A reading's score is its least sure character's, not the mean: 426963 with one doubtful 6 is doubtful
    (the mean of six characters hides it). The decoder's per-character confidences come with its word mode."""
    original = decoder.decode

    def decode(text_index: Any, text_prob: Any = None, return_word_box: bool = False,
               is_remove_duplicate: bool = False) -> list[tuple[str, float]]:
        if return_word_box or text_prob is None:
            return original(text_index, text_prob, return_word_box, is_remove_duplicate)
        out = original(text_index, text_prob, True, is_remove_duplicate)
        return [(text, float(min(info[4]))) for text, _, info in out]

    decoder.decode = decode


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:
        raise OcrUnavailable(f"this document is an image and needs OCR, which is not installed ({exc.name}): "
                             "pip install rapidocr_onnxruntime pypdfium2") from None
    return numpy


def clean(image: Any) -> Any:
    """A PIL image → a grey RGB array through the red channel: red and orange ink (seals, red signatures) turns
    white, as if seen through a red filter, while black and blue print stays dark."""
    np = _numpy()
    rgb = np.asarray(image.convert("RGB"))
    red = rgb[..., 0].copy()
    # what is clearly red is paper, however dark JPEG's smeared colour left it in the red channel; but black
    # print under a seal, tinted red by the same smear, stays dark enough in it to be kept
    r = rgb[..., 0].astype(np.int16)
    red[(r - np.maximum(rgb[..., 1], rgb[..., 2]) > REDDISH) & (r > RED_INK)] = 255
    sample = red[:: max(1, red.shape[0] // 200), :: max(1, red.shape[1] // 200)]
    ink, paper = float(np.percentile(sample, 0.5)), float(np.percentile(sample, 90))
    if paper - ink > 40:  # stretch a grey scan to black on white; what is nearly paper (a faded seal) is paper
        level = np.clip((red.astype(np.float32) - ink) * (255.0 / (paper - ink)), 0, 255)
        level[level > PAPER] = 255
        red = level.astype(np.uint8)
    return np.ascontiguousarray(np.repeat(red[..., None], 3, axis=2))


def _cuts(ink: Any, height: int, width: int) -> list[int]:
    """Where to cut a long image: in the middle of the longest run of (nearly) empty pixel rows near each piece's
    end, never through text; between two scanned pages that run is their margins, so each piece is a page."""
    step = int(width * MAX_PIECE_RATIO)
    slack = 255 * max(3, width // 200)  # a few specks of dust in a row still leave it empty
    cuts, at = [0], 0
    while height - at > step:
        lo, hi = at + step // 2, at + step
        window = ink[lo:hi]
        empty = (window <= window.min() + slack).tolist()
        best, run, start = (0, 0), 0, 0
        for i, e in enumerate([*empty, False]):
            if e:
                start, run = (i, 1) if run == 0 else (start, run + 1)
            elif run:
                best, run = max(best, (run, -(start + run // 2))), 0
        cut = lo + -best[1]
        cuts.append(cut)
        at = cut
    cuts.append(height)
    return cuts


def pages(image: Any) -> list[Any]:
    """A long image (scanned pages one under another) → its pages, cut at the margins between them, so that each
    is deskewed and its tables found on its own; an image of one page → itself."""
    np = _numpy()
    if image.height <= image.width * MAX_PIECE_RATIO:
        return [image]
    ink = (255 - clean(image)[..., 0].astype(np.int32)).sum(axis=1)  # grey paper and JPEG noise count as paper
    cuts = _cuts(ink, image.height, image.width)
    return [image.crop((0, top, image.width, bottom)) for top, bottom in zip(cuts, cuts[1:], strict=False)]


@dataclass
class Page:
    """One page image read: its text boxes and ruled tables, both upright, in the image's pixel coordinates."""

    boxes: list[Box]
    tables: list[Any]  # rulings.Table
    gray: Any = None  # the page upright, greyscale (uint8, ink dark): cells are read again from it (reread)


def read(image: Any) -> Page:
    """The text boxes and ruled tables of one page image (PIL), deskewed."""
    np = _numpy()
    rgb = clean(image)
    height, width = rgb.shape[:2]
    ink = (255 - rgb.min(axis=2)).sum(axis=1)
    engine = _engine(_threads())
    quads: list[tuple[Any, str, float]] = []
    pieces = _cuts(ink, height, width)
    for top, bottom in zip(pieces, pieces[1:], strict=False):
        check_time()
        result, _ = engine(np.ascontiguousarray(rgb[top:bottom]))
        for points, text, score in result or []:
            quad = np.asarray(points, dtype=float)
            quad[:, 1] += top
            quads.append((quad, str(text), float(score)))
    angle = _skew(quads)
    import cv2

    from .rulings import find_tables

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if abs(angle) > 0.002:
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), math.degrees(angle), 1.0)
        gray = cv2.warpAffine(gray, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
    check_time()
    boxes = _upright(quads, angle, width / 2, height / 2)
    return Page(boxes, find_tables(gray, boxes), gray)


# (ink below this grey, white margin in ink heights above and below (twice that left and right), scale): a cell's
# two second readings. A lone 0 given more margin is read as 。 (a small circle), under blur even at 0.2; the two
# differ in where ink ends and in scale, so that they are two looks, not one twice
REREADS = ((160, 0.1, 1), (100, 0.1, 2))
MIN_INK_HEIGHT = 5  # pixels: less ink than a digit's height is a speck, not read again


def reread(gray: Any, x0: int, y0: int, x1: int, y1: int, edge: int = 3) -> list[tuple[str, float]]:
    """One ruled cell's print read again, without the detector, once per REREADS: its ink (inside the rules,
    specks and rule remnants left out) cut tight and given a thin white margin. At 100 dpi the detector's box
    around a lone digit is loose (rule pixels in it, or the glyph small in it): a blurred 0 read from it at
    0.5–0.9 reads 0.98 from its tight crop. Fewer readings (none) where the cell holds no ink to read."""
    import cv2

    np = _numpy()
    inner = gray[y0 + edge : max(y0 + edge, y1 - edge + 1), x0 + edge : max(x0 + edge, x1 - edge + 1)]
    if inner.size == 0:
        return []
    crops = []
    for below, margin, scale in REREADS:
        box = _ink(cv2, np, inner, below)
        if box is None:
            continue
        a0, a1, c0, c1 = box
        ink = a1 - a0
        pv, ph = max(1, round(ink * margin)), max(1, round(2 * ink * margin))
        z = cv2.copyMakeBorder(inner[a0:a1, c0:c1], pv, pv, ph, ph, cv2.BORDER_CONSTANT, value=255)
        if scale > 1:
            z = cv2.resize(z, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        crops.append(np.ascontiguousarray(np.repeat(z[..., None], 3, axis=2)))
    if not crops:
        return []
    check_time()
    result, _ = _engine(_threads()).text_rec(crops)
    return [(str(text), float(score)) for text, score in result]


def _ink(cv2: Any, np: Any, inner: Any, below: int) -> tuple[int, int, int, int] | None:
    """The bounds (top, bottom, left, right) of a cell's print darker than `below`: specks and the remnants of
    rules along its edges left out; None when what is left is shorter than a digit."""
    h, w = inner.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats((inner < below).astype(np.uint8), connectivity=8)
    keep = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area < 3:
            continue  # a speck
        if (min(bw, bh) <= 3 and (bw >= 0.6 * w or bh >= 0.6 * h)
                and (x == 0 or y == 0 or x + bw == w or y + bh == h)):
            continue  # a rule's remnant along the cell's edge
        keep.append((x, y, x + bw, y + bh))
    if not keep:
        return None
    top, bottom = min(k[1] for k in keep), max(k[3] for k in keep)
    if bottom - top < MIN_INK_HEIGHT:
        return None
    return top, bottom, min(k[0] for k in keep), max(k[2] for k in keep)


def _skew(quads: list[tuple[Any, str, float]]) -> float:
    """The page's skew (radians, clockwise positive): the median slope of its long text lines."""
    slopes = []
    for quad, _, _ in quads:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        if x1 - x0 > 3 * abs(quad[3][1] - quad[0][1]):
            slopes.append(math.atan2(y1 - y0, x1 - x0))
    return median(slopes) if slopes else 0.0


def _upright(quads: list[tuple[Any, str, float]], angle: float, cx: float, cy: float) -> list[Box]:
    """Every box turned back by the page's skew (as cv2.getRotationMatrix2D turns the image), as a rectangle."""
    cos, sin = math.cos(-angle), math.sin(-angle)
    boxes = []
    for quad, text, score in quads:
        xs = [cx + (x - cx) * cos - (y - cy) * sin for x, y in quad]
        ys = [cy + (x - cx) * sin + (y - cy) * cos for x, y in quad]
        boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text, score))
    return boxes
