"""Per-document limits: a county site can serve anything, and one document must never take the machine.

Real reports are under 30 MB and 200 pages, their tables nest a few levels deep and they parse in seconds;
the defaults leave room above that. Each limit has an environment override (read when a document is
parsed): NIANBAO_MAX_DOC_MB, NIANBAO_MAX_UNZIPPED_MB, NIANBAO_MAX_PAGES, NIANBAO_MAX_DEPTH,
NIANBAO_MAX_SECONDS, NIANBAO_OCR_PAGE_SECONDS (time added per page read by OCR). A document over a limit raises `TooLarge`, an `Unreadable` ("too large: …", exit 2).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields

from .sources import Unreadable

MB = 1 << 20


class TooLarge(Unreadable):
    """The document is over one of the `Limits`."""

    def __init__(self, what: str) -> None:
        super().__init__(f"too large: {what}")


@dataclass(frozen=True)
class Limits:
    max_doc_mb: float = 50  # the document's own bytes
    max_unzipped_mb: float = 40  # decompressed: DOCX parts beyond the file's own size, PDF page content streams
    max_pages: int = 500  # PDF pages
    max_depth: int = 32  # tables nested in tables (HTML)
    max_seconds: float = 60  # wall time of one parse
    ocr_page_seconds: float = 60  # added to max_seconds for each page read by OCR (a scan takes seconds a page)

    _ENV = {
        "max_doc_mb": "NIANBAO_MAX_DOC_MB",
        "max_unzipped_mb": "NIANBAO_MAX_UNZIPPED_MB",
        "max_pages": "NIANBAO_MAX_PAGES",
        "max_depth": "NIANBAO_MAX_DEPTH",
        "max_seconds": "NIANBAO_MAX_SECONDS",
        "ocr_page_seconds": "NIANBAO_OCR_PAGE_SECONDS",
    }

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, each replaced by its environment variable when that is set to a positive number."""
        values: dict[str, float | int] = {}
        for f in fields(cls):
            raw = os.environ.get(cls._ENV[f.name], "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                raise Unreadable(f"{cls._ENV[f.name]}={raw!r} is not a number") from None
            if not value > 0 or value == float("inf"):
                raise Unreadable(f"{cls._ENV[f.name]}={raw!r} must be a positive number")
            values[f.name] = int(value) if f.type in (int, "int") else value
        return cls(**values)  # type: ignore[arg-type]

    @property
    def max_bytes(self) -> int:
        return int(self.max_doc_mb * MB)

    @property
    def max_unzipped(self) -> int:
        return int(self.max_unzipped_mb * MB)

    def check_size(self, size: int, what: str = "") -> None:
        """Refuse a document (or `what`: its page images) of more than `max_doc_mb` before reading it."""
        if size > self.max_bytes:
            raise TooLarge(f"{size / MB:.1f} MB{what}, the limit is {self.max_doc_mb:g} MB (NIANBAO_MAX_DOC_MB)")


# the limits in force, the parse's deadline (monotonic) and whether an alarm backs it (main thread)
_CURRENT: ContextVar[tuple[Limits, float, bool] | None] = ContextVar("nianbao_limits", default=None)


def current() -> Limits:
    """The limits of the parse under way (the environment's outside one)."""
    active = _CURRENT.get()
    return active[0] if active else Limits.from_env()


class _Expired(BaseException):
    """The alarm of a parse's time limit: no `except Exception` of a parser or a library (a damaged page, a broken
    picture) takes it for a broken file; `enforced` turns it into TooLarge."""


# once the time is up the alarm fires again every AGAIN seconds: an exception raised from a signal handler while the
# interpreter runs a callback (a weakref's, the garbage collector's) is reported as unraisable and lost, and the
# parse would go on past its limit
AGAIN = 0.25


def check_time() -> None:
    """Raise TooLarge when the parse under way has used its time (called between pages, tables…)."""
    active = _CURRENT.get()
    if active and time.monotonic() > active[1]:
        raise TooLarge(f"parsing took more than {active[0].max_seconds:g} s (NIANBAO_MAX_SECONDS; "
                       f"NIANBAO_OCR_PAGE_SECONDS more for each page read by OCR)")


def allow_ocr_page() -> None:
    """A page is about to be read by OCR: the parse under way gets `ocr_page_seconds` more."""
    active = _CURRENT.get()
    if active is None:
        return
    limits, deadline, alarm = active
    deadline += limits.ocr_page_seconds
    _CURRENT.set((limits, deadline, alarm))
    if alarm:
        signal.setitimer(signal.ITIMER_REAL, max(0.001, deadline - time.monotonic()), AGAIN)


@contextmanager
def enforced(limits: Limits) -> Iterator[None]:
    """Apply `limits` to the parse inside. In the main thread an alarm also stops work that never
    reaches a `check_time` (a long call inside a library); elsewhere the checks between steps do."""
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    token = _CURRENT.set((limits, time.monotonic() + limits.max_seconds, alarm))
    if alarm:
        def _expired(signum: int, frame: object) -> None:
            raise _Expired

        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, limits.max_seconds, AGAIN)
    try:
        yield
    except _Expired:
        raise TooLarge(f"parsing took more than {limits.max_seconds:g} s (NIANBAO_MAX_SECONDS; "
                       f"NIANBAO_OCR_PAGE_SECONDS more for each page read by OCR)") from None
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _CURRENT.reset(token)
