"""The CLI's argument types, in one place: each turns one option's text into its value or raises
`argparse.ArgumentTypeError` with a message naming the bad value, so every user mistake ends as one line and
exit 2 (the parser's `error`, crawler.cli) before anything runs, never as "internal error" halfway through."""

from __future__ import annotations

import argparse
import math
from dataclasses import fields
from datetime import date, datetime, timedelta

FIRST_YEAR = 2008  # the disclosure regulations took effect on 1 May 2008: the first year a report covers
LAST_YEAR = 2100
MAX_DELAY = 3600.0  # seconds between two requests to one host: beyond an hour, a crawl never ends


def shown(text: str) -> str:
    """A value or file name on one terminal line: control characters escaped (\\n, \\t, \\x1b), bytes that are
    not UTF-8 (surrogate escapes) shown as \\xNN; Chinese stays as it is."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(repr(ch)[1:-1] if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def _bad(what: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{what}: {shown(text) if text.strip() else repr(text)}")


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _bad(f"not {what}", text) from None


def year(text: str) -> int:
    """A report year (`coverage --year`)."""
    value = _int(text, "a year")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise _bad(f"not a year from {FIRST_YEAR} (the first year of reports) to {LAST_YEAR}", text)
    return value


def count(text: str) -> int:
    """A whole number of at least 1 (`watch --runs`, `feed --limit`)."""
    value = _int(text, "a whole number")
    if value < 1:
        raise _bad("must be at least 1", text)
    return value


def delay(text: str) -> float:
    """Seconds between requests to one host (`--delay`): finite, 0 to MAX_DELAY."""
    try:
        value = float(text)
    except ValueError:
        raise _bad("not a number of seconds", text) from None
    if not math.isfinite(value) or not 0 <= value <= MAX_DELAY:
        raise _bad(f"not a number of seconds from 0 to {MAX_DELAY:g}", text)
    return value


def every(text: str) -> timedelta:
    """A schedule's interval (`watch --every`): 6h, 30m, 1d, 1h30m (crawler.watch.parse_every)."""
    from crawler.watch import parse_every

    try:
        return parse_every(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(shown(str(exc))) from None


def http_url(text: str) -> str:
    """An http(s) URL with a host (`--start-url`)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError as exc:
        raise _bad(f"not a valid URL ({exc})", text) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad("not an http(s) URL with a host", text)
    return text


def database(text: str) -> str:
    """A SQLAlchemy URL of a backend nianbao can open, or a SQLite file path (`--db`)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from storage.session import resolve_url

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad("a database path must be UTF-8 text", text) from None
    if "://" not in text:
        return text
    try:
        make_url(resolve_url(text)).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise _bad("not a database URL (e.g. sqlite:///nianbao.db, postgresql://host/db) or SQLite file path",
                   text) from None
    return text


def out_file(text: str) -> str:
    """A file to write (`--out` of export, feed, coverage): a new path, a regular file or a symlink to one."""
    from crawler.outputs.files import NotAFile, target

    try:
        target(text)
    except NotAFile as exc:
        raise argparse.ArgumentTypeError(shown(str(exc))) from None
    return text


def day(text: str) -> date:
    """A calendar day, YYYY-MM-DD (`coverage --as-of`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad("not a date (YYYY-MM-DD)", text) from None


def moment(text: str) -> datetime:
    """An ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00Z (`--since`)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad("not an ISO 8601 date or time", text) from None


def setting_pair(text: str) -> str:
    """`NAME=VALUE` for one of the crawl's settings (`crawl --set`): the name must be one `Config` declares
    (crawler/config.py, the README's Settings table); the value is checked by Config with the others."""
    from crawler.config import Config

    name, sep, value = text.partition("=")
    known = {f.metadata["setting"] for f in fields(Config)}
    if not sep or name.strip() not in known:
        raise _bad("not NAME=VALUE for a setting the README's Settings table lists", text)
    return f"{name.strip()}={value}"
