"""Document forms. Each source turns bytes into an `Extract`: the text plus rows of (label, cells)."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from ..encoding import best_encoding, decode
from ..rows import Extract


class Unreadable(Exception):
    """The input cannot be read as a document (empty, corrupt, encrypted, unknown binary)."""


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str = "") -> str:
    """The document form from its bytes (magic numbers, then content), the name only as a last hint."""
    head = data[:2048]
    if not data.strip():
        raise Unreadable("empty file")
    if head.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except (zipfile.BadZipFile, NotImplementedError, ValueError) as exc:  # NotImplementedError: a zip version
            raise Unreadable(f"corrupt zip container: {exc}") from None
        if "word/document.xml" in names:
            return "docx"
        raise Unreadable("a zip archive that is not a .docx document")
    if head.startswith(OLE_MAGIC):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "doc"  # LibreOffice reads RTF the same way
    if _is_image(head):
        return "image"
    lower = head.lower()
    if _HTML_MARKS.search(lower):
        return "html"
    enc, q = best_encoding(data[:65536])
    if q >= TEXT_QUALITY:
        if enc.startswith(("utf-16", "utf-32")) and _HTML_MARKS.search(decode(data[:8192]).lower().encode()):
            return "html"  # a page in UTF-16/32: its markup is not in ASCII bytes
        return "text"
    hint = f" (named {name.rsplit('.', 1)[-1]!r} but not that form)" if "." in name else ""
    raise Unreadable(f"not a document nianbao can read: binary data of unknown form{hint}")


def _is_image(head: bytes) -> bool:
    """PNG, JPEG, GIF, TIFF or BMP (its DIB header size confirming the weak two-byte magic)."""
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")):
        return True
    return head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 108, 124)


_HTML_MARKS = re.compile(rb"<html|<!doctype html|<body|<table|<div")
TEXT_QUALITY = 0.8  # share of a text's characters that must read as text (see encoding.quality)


def extract(data: bytes, name: str = "") -> Extract:
    form = sniff(data, name)
    if form == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data)
    if form == "docx":
        from .docx import extract_docx

        return extract_docx(data)
    if form == "doc":
        from .doc import extract_doc

        return extract_doc(data, name)
    if form == "html":
        from .html import extract_html

        return extract_html(data)
    if form == "image":
        from .image import extract_image

        return extract_image(data)
    from .plain import extract_text

    return extract_text(data)
