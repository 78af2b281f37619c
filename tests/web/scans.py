"""Synthetic scans: a rendered report's PDF pages as page images, at a resolution, with a scanner's faults.

`rasterise` turns PDF pages into images at a dpi (pypdfium2); `degrade` adds, each by name:

degradation  effect
rotate       the page turned by up to ±3°
blur         a Gaussian blur of about a pixel
jpeg         JPEG compression at quality 35–70
seal         a red seal (ring, star and text) stamped over the tables
speckle      dust: dark and light specks
grey         a grey, low-contrast scan (dark paper, faded ink)

`image_pdf` puts page images into a PDF without a text layer (as a scanner writes one). `publish` makes what a
county puts online for each scanned form of the test web (`draw_scan` draws its resolution and faults).
Every choice comes from the seeded RNG the caller passes.
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path
from typing import Any

DEGRADATIONS = ("rotate", "blur", "jpeg", "seal", "speckle", "grey")


def rasterise(pdf: Path | bytes, dpi: int) -> list[Any]:
    """The PDF's pages as RGB PIL images at `dpi`."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in doc]
    finally:
        doc.close()


def _seal(img: Any, rng: random.Random) -> Any:
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    w, h = img.size
    r = int(w * rng.uniform(0.09, 0.13))
    cx, cy = int(w * rng.uniform(0.45, 0.8)), int(h * rng.uniform(0.25, 0.8))
    layer = Image.new("RGB", img.size, "white")
    d = ImageDraw.Draw(layer)
    red = (rng.randint(200, 235), rng.randint(20, 60), rng.randint(20, 60))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(2, r // 14))
    pts = [(cx + r * 0.35 * math.cos(math.pi / 2 + k * 4 * math.pi / 5), cy - r * 0.35 * math.sin(math.pi / 2 + k * 4 * math.pi / 5))
           for k in range(5)]
    d.polygon(pts, fill=red)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", max(10, r // 4))
    except OSError:
        font = ImageFont.load_default()
    d.text((cx - r * 0.7, cy + r * 0.35), "人民政府办公室", fill=red, font=font)
    # ink on ink: the seal darkens what is under it (black print stays black), faded a little
    return ImageChops.multiply(img, Image.blend(Image.new("RGB", img.size, "white"), layer, rng.uniform(0.75, 0.95)))


def degrade(img: Any, kinds: tuple[str, ...] | list[str], rng: random.Random) -> Any:
    """`img` with the named degradations, in a scanner's order (stamp, scan, compress)."""
    from PIL import Image, ImageEnhance, ImageFilter

    out = img.convert("RGB")
    if "seal" in kinds:
        out = _seal(out, rng)
    if "rotate" in kinds:
        angle = rng.choice((-1, 1)) * rng.uniform(0.8, 3.0)
        out = out.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    if "grey" in kinds:
        out = out.convert("L")
        out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.45, 0.65))
        out = out.point(lambda v: int(v * 0.82 + 10)).convert("RGB")
    if "speckle" in kinds:
        import numpy as np

        a = np.asarray(out).copy()
        n = int(a.shape[0] * a.shape[1] * 0.002)
        ys = np.array([rng.randrange(a.shape[0]) for _ in range(n)])
        xs = np.array([rng.randrange(a.shape[1]) for _ in range(n)])
        a[ys[: n // 2], xs[: n // 2]] = 30
        a[ys[n // 2 :], xs[n // 2 :]] = 255
        out = Image.fromarray(a)
    if "blur" in kinds:
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    if "jpeg" in kinds:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=rng.randint(35, 70))
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out


def image_pdf(images: list[Any], dpi: int) -> bytes:
    """Page images as a PDF without any text (JPEG pages, as most scanners write them)."""
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=dpi, quality=90)
    return buf.getvalue()


def long_image(images: list[Any]) -> Any:
    """The pages one under the other: one long image, as some sites publish a report."""
    from PIL import Image

    w = max(i.width for i in images)
    out = Image.new("RGB", (w, sum(i.height for i in images)), "white")
    y = 0
    for i in images:
        out.paste(i, (0, y))
        y += i.height
    return out


def draw_scan(rng: random.Random) -> tuple[int, tuple[str, ...]]:
    """A scan's resolution and faults, as a county's scanner and office make them."""
    dpi = rng.choice((100, 150, 150, 200, 300))
    return dpi, tuple(sorted(rng.sample(DEGRADATIONS, rng.choice((0, 1, 1, 2)))))


def _jpeg(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def publish(pdf: bytes, form: str, dpi: int, kinds: tuple[str, ...], rng: random.Random) -> tuple[bytes, ...]:
    """The files a county publishes for a report rendered as `pdf`, scanned at `dpi` with `kinds` of faults:

    scan     an image-only PDF of every page
    mixed    the PDF's text pages up to its first table, then the rest as scanned pages (one PDF)
    longimg  one long JPEG of every page
    imgpage  one JPEG per page (the article page shows them in order)
    """
    pages = [degrade(p, kinds, rng) for p in rasterise(pdf, dpi)]
    if form == "scan":
        return (image_pdf(pages, dpi),)
    if form == "longimg":
        return (_jpeg(long_image(pages)),)
    if form == "imgpage":
        return tuple(_jpeg(p) for p in pages)
    if form != "mixed":
        raise ValueError(f"not a scanned form: {form}")
    from pypdf import PdfReader, PdfWriter

    text = PdfReader(io.BytesIO(pdf))
    first = next((i for i, p in enumerate(text.pages) if "主动公开政府信息情况" in (p.extract_text() or "")), 0)
    keep = min(max(first, 1), len(pages) - 1)  # at least one page of text and one scanned
    writer = PdfWriter()
    for page in text.pages[:keep]:
        writer.add_page(page)
    for page in PdfReader(io.BytesIO(image_pdf(pages[keep:], dpi))).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return (out.getvalue(),)


IDENTITY = ("title", "year", "region", "organ")


def score(got: dict[str, Any], want: dict[str, Any]) -> dict[str, int]:
    """How a parsed scan compares with the report it was made from, field by field.

    fields: every number of the three tables plus the identity; exact: equal; null: left null (the parser
    said it could not read it); wrong: a number that differs; silent_wrong: wrong numbers in a report whose
    checks all pass (must always be 0)."""
    counts = {"fields": 0, "exact": 0, "null": 0, "wrong": 0, "silent_wrong": 0}
    pairs = [(got.get(k), want[k]) for k in IDENTITY]
    for section in ("active", "requests", "appeals"):
        for key, row in want[section].items():
            for col, value in row.items():
                if col == "amount_unit":
                    continue
                have = ((got.get(section) or {}).get(key) or {}).get(col)
                pairs.append((have, value))
    for have, value in pairs:
        counts["fields"] += 1
        if have == value and (have is None) == (value is None):
            counts["exact"] += 1
        elif have is None:
            counts["null"] += 1
        else:
            counts["wrong"] += 1
    if all(c["ok"] for c in got.get("checks", [])):
        counts["silent_wrong"] = counts["wrong"]
    return counts


def unsaid(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """What a report read by OCR got otherwise than `want` without saying so (a crawl's or a parse's test: must
    be []): every number exact, or null with a failing check on its table (the scan could not be read there);
    a name misread only with a failing identity.ocr check (no arithmetic checks a name)."""
    failing = [c["rule"] for c in got.get("checks", []) if not c["ok"]]
    out = [f"{k}: {got.get(k)!r} for {want[k]!r}" for k in IDENTITY
           if got.get(k) != want[k] and "identity.ocr" not in failing]
    for section in ("active", "requests", "appeals"):
        for key, row in want[section].items():
            for col, value in row.items():
                have = ((got.get(section) or {}).get(key) or {}).get(col)
                if col == "amount_unit" or have == value and (have is None) == (value is None):
                    continue
                if have is not None or not any(r.startswith(section + ".") for r in failing):
                    out.append(f"{section}.{key}.{col}: {have!r} for {value!r}")
    return out
