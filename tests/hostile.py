"""Hostile and damaged documents built in a test's tmp_path (shared by the hardening tests and bench/fuzz.py)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path


def pdf(pages: int = 1, content: bytes = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET", flate: bool = True) -> bytes:
    """A valid PDF of `pages` pages sharing one content stream (Flate-compressed when `flate`)."""
    body = zlib.compress(content, 9) if flate else content
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(body), b" /Filter /FlateDecode" if flate else b"") + body + b"\nendstream",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zip_bomb_docx(path: Path, docx: bytes, inflated_mb: int) -> Path:
    """A real DOCX with one more part that inflates to `inflated_mb` MB of zeros (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        with zipfile.ZipFile(__import__("io").BytesIO(docx)) as src:
            for info in src.infolist():
                out.writestr(info.filename, src.read(info.filename))
        with out.open("word/media/image1.png", "w") as part:
            chunk = bytes(1 << 20)
            for _ in range(inflated_mb):
                part.write(chunk)
    return path


def nested_tables(depth: int, copies: int = 1) -> bytes:
    unit = "<table><tr><td>行政许可 1" * depth + "</td></tr></table>" * depth
    return ("<html><body>" + unit * copies + "</body></html>").encode()
