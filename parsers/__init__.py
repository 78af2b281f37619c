"""Pure parsing: bytes of a report document in, the `nianbao.report/1` object out. No Scrapy, no database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .report import SCHEMA, NotAReport, build
from .schema import validate_report
from .sources import Unreadable, extract, sniff

__all__ = ["SCHEMA", "NotAReport", "Unreadable", "parse_bytes", "parse_file", "sniff", "validate_report"]


def parse_bytes(data: bytes, name: str = "") -> dict[str, Any]:
    """Parse one document. Raises Unreadable (exit 2) or NotAReport (exit 4)."""
    return build(extract(data, name))


def parse_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory") from None
    except PermissionError:
        raise Unreadable("permission denied") from None
    return parse_bytes(data, p.name)
