"""Bytes → text for every text-bearing form (plain text, HTML pages, list pages of the crawler).

A declared charset (HTTP header, `<meta charset>`) is a hint, not the truth: county sites declare UTF-8
and serve GBK, and a stray byte must not cost the page. So every plausible encoding is tried with
replacement, and the one whose text reads best wins: the share of characters that are printable ASCII,
white space or common Chinese (GB2312) characters, with damaged (U+FFFD), control and unlikely characters
counting for nothing. Ties go to the declared charset, then UTF-8, then GB18030.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from functools import lru_cache

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_FALLBACKS = ("utf-8", "gb18030", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_SAMPLE = 1 << 20  # bytes scored per candidate: enough to see the body of any page, cheap for any file
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_BAD = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_RARE_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]+")  # C0 controls but tab, newlines and form feed
TIE = 0.002  # quality differences below this are noise: the preferred candidate keeps its place


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def quality(text: str) -> float:
    """Share of `text` that reads as text: printable ASCII and white space, common Chinese (GB2312)
    characters; rarer CJK ideographs count half; U+FFFD, controls and anything else count nothing."""
    if not text:
        return 0.0
    non_ascii = Counter("".join(_NON_ASCII.findall(text)))
    score = len(text) - sum(non_ascii.values()) - len(_ASCII_BAD.findall(text))
    for ch, n in non_ascii.items():
        score += n * _weight(ch)
    return score / len(text)


@lru_cache(maxsize=65536)
def _weight(ch: str) -> float:
    try:
        ch.encode("gb2312")
        return 1.0
    except UnicodeEncodeError:
        return 0.5 if _RARE_CJK.match(ch) else 0.0


def _sample(data: bytes) -> bytes:
    """Up to 1 MB from a little before the first non-ASCII byte (heads of pages are ASCII), 4-aligned."""
    m = re.search(rb"[\x80-\xff]", data[: 16 * _SAMPLE])
    start = max(0, (m.start() if m else 0) - 4096) & ~3
    return data[start : start + _SAMPLE]


def best_encoding(data: bytes, declared: str | None = None) -> tuple[str, float]:
    """The encoding the bytes read best in, and how well (see `quality`); a BOM decides by itself."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, 1.0
    order: list[str] = []
    meta = _META_CHARSET.search(data[:8192])
    for name in (declared, meta.group(1).decode("ascii") if meta else None, *_FALLBACKS):
        enc = _canonical(name)
        if enc and enc not in order:
            order.append(enc)
    sample = _sample(data)
    best, best_q = order[0], -1.0
    for enc in order:
        if best_q >= 1.0 - TIE:  # no later candidate can beat it by more than TIE: quality is at most 1
            break
        q = quality(sample.decode(enc, errors="replace"))
        if q > best_q + TIE:
            best, best_q = enc, q
    return best, max(best_q, 0.0)


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of a document or page, whatever its bytes: never raises.

    `declared` is the HTTP header's charset if any (the page's own meta charset is read here too).
    C0 control characters (NUL included) are dropped; undecodable bytes become U+FFFD.
    """
    enc, _ = best_encoding(data, declared)
    bom = next((len(b) for b, name in _BOMS if name == enc and data.startswith(b)), 0)
    return _CONTROLS.sub("", data[bom:].decode(enc, errors="replace"))
