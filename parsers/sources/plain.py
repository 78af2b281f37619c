"""Plain text in any of the layouts text extraction produces: space-separated rows, tab-separated rows,
or one cell per line."""

from __future__ import annotations

from ..rows import Extract, RowBuilder
from ..text import normalize


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: BOM, the declared charset, UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    candidates = [declared] if declared else []
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        enc = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(enc.lower(), enc) if enc else enc
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no text encoding fits")
    return str(best)


def extract_text(data: bytes) -> Extract:
    text = normalize(decode(data)).replace("\r\n", "\n").replace("\r", "\n")
    builder = RowBuilder()
    builder.feed_text(text)
    return Extract(text=text, rows=builder.finish(), form="text")
