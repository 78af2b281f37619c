"""Plain text in any of the layouts text extraction produces: space-separated rows, tab-separated rows,
or one cell per line."""

from __future__ import annotations

from ..encoding import decode
from ..rows import Extract, RowBuilder
from ..text import normalize


def extract_text(data: bytes) -> Extract:
    text = normalize(decode(data)).replace("\r\n", "\n").replace("\r", "\n")
    builder = RowBuilder()
    builder.feed_text(text)
    return Extract(text=text, rows=builder.finish(), form="text")
