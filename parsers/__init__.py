"""Pure parsing: bytes of a report document in, the `nianbao.report/1` object out. No Scrapy, no database."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .encoding import decode
from .limits import Limits, TooLarge, enforced
from .report import SCHEMA, NotAReport, build
from .schema import validate_report
from .sources import Unreadable, extract, sniff

__all__ = ["SCHEMA", "Limits", "NotAReport", "TooLarge", "Unreadable", "decode", "parse_bytes", "parse_file",
           "parse_pages", "sniff", "validate_report"]


def parse_bytes(data: bytes, name: str = "", limits: Limits | None = None) -> dict[str, Any]:
    """Parse one document. Raises Unreadable (exit 2; TooLarge over a limit) or NotAReport (exit 4).

    `limits`: default `Limits.from_env()`.
    """
    limits = limits or Limits.from_env()
    limits.check_size(len(data))
    with enforced(limits):
        return build(extract(data, name))


def parse_pages(pages: list[bytes], title_hints: list[str] | None = None,
                limits: Limits | None = None) -> dict[str, Any]:
    """A report published as page images (an HTML page that is a column of <img>s): the images, in page order,
    read by OCR as one document; `title_hints` from the page around them (its <title>, <h1>)."""
    from .sources.image import extract_images

    limits = limits or Limits.from_env()
    limits.check_size(sum(len(p) for p in pages), " of page images")
    with enforced(limits):
        ex = extract_images(pages)
        ex.title_hints = list(title_hints or [])
        return build(ex)


def parse_file(path: str | Path, limits: Limits | None = None) -> dict[str, Any]:
    """Parse a regular file; anything else (a FIFO, a device, a directory) is refused before reading."""
    limits = limits or Limits.from_env()
    p = Path(path)
    try:
        st = os.stat(p)
        if stat.S_ISDIR(st.st_mode):
            raise Unreadable("is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("not a regular file")
        limits.check_size(st.st_size)
        with p.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)  # a file growing while it is read stops at the limit
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory") from None
    except PermissionError:
        raise Unreadable("permission denied") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None
    return parse_bytes(data, p.name, limits)
