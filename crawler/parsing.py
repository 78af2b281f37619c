"""Parsing off the crawl's reactor: a small pool of worker processes that turn document bytes into reports.

Parsing is CPU-bound pure Python; in the crawler's own process it would hold the GIL and stall every download.
A worker that dies (a hostile document, the OOM killer) costs that one document: the pool is replaced and
the next document goes to a fresh worker. Workers die with the crawler (no orphan left after a SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from crawler import classify
from parsers import parse_bytes, parse_pages, validate_report

log = logging.getLogger(__name__)


class WorkerDied(Exception):
    """The parse worker died on this document (it is skipped and counted, the crawl goes on)."""


def _die_with_parent() -> None:
    """In each worker: be killed when the crawler process dies, however it dies (Linux prctl PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
    # Ctrl-C (the terminal sends it to the whole process group) is the crawler's to handle: it stops the pool
    # itself. It was blocked while this process started (see `_quiet`): ignored from now on. (SIGTERM stays: the
    # executor ends a broken pool's workers with it.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _QUIET)


_QUIET = (signal.SIGINT,)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """SIGINT held back while workers may be spawned: a spawned worker inherits the blocked mask, so
    a Ctrl-C while it imports cannot end it with a KeyboardInterrupt traceback; the crawler gets the signal as
    soon as the mask is restored. (Only the main thread, where the reactor submits, can change it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _QUIET)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@dataclass
class Parsed:
    """A parsed report, its identity confirmed against the list's title, and the ways it breaks the schema
    (checked in the worker too: validation is pure Python that would otherwise run on the reactor)."""

    report: dict[str, Any]
    problems: list[str]


def unpack(outcome: Parsed | Exception) -> tuple[dict[str, Any] | Exception, list[str] | None]:
    """(the report or why there is none, its schema problems or None): what an item carries."""
    return (outcome.report, outcome.problems) if isinstance(outcome, Parsed) else (outcome, None)


def _checked(report: dict[str, Any], list_title: str | None) -> Parsed:
    confirm_identity(report, list_title)
    return Parsed(report, validate_report(report))


def _parse(body: bytes, name: str, list_title: str | None = None) -> Parsed | Exception:
    try:
        return _checked(parse_bytes(body, name), list_title)
    except Exception as exc:  # noqa: BLE001 - every failure is a counted, logged result
        return exc


def confirm_identity(report: dict[str, Any], list_title: str | None) -> None:
    """The list's title names organ and year; the document confirms them, or a check says it does not."""
    link = classify.report_link(list_title or "")
    if link is None:
        return
    problems = []
    if report.get("year") is not None and report["year"] != link.year:
        problems.append(f"the list says {link.year}, the document {report['year']}")
    if report.get("organ") and link.organ and not link.cut and link.organ != report["organ"]:
        problems.append(f"the list says {link.organ}, the document {report['organ']}")
    if report.get("year") is None:
        report["year"] = link.year
    if not report.get("organ") and link.organ:
        report["organ"], report["region"] = link.organ, link.region
    if report.get("title") is None and not link.cut:
        report["title"] = link.title
    report.setdefault("checks", []).append(
        {"rule": "identity.list_title", "ok": not problems, "detail": "; ".join(problems) or f"list title: {link.title}"}
    )
    if link.organ and not link.cut and link.organ == report.get("organ"):  # a second reading of an OCR'd name
        for check in report["checks"]:
            if check["rule"] == "identity.ocr" and not check["ok"]:
                check.update(ok=True, detail=f"{link.organ}: read by OCR and named by the list's title too")


def _parse_pages(pages: list[bytes], hints: list[str], list_title: str | None, urls: list[str]) -> Parsed | Exception:
    try:
        report = parse_pages(pages, hints)
        report.setdefault("document", {})["images"] = list(urls)
        return _checked(report, list_title)
    except Exception as exc:  # noqa: BLE001 - every failure is a counted, logged result
        return exc


_POOL: ProcessPoolExecutor | None = None


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # spawn, not fork: the crawler has threads (reactor, database, browser) that a fork would copy mid-flight
        _POOL = ProcessPoolExecutor(max_workers=max(1, min(2, (os.cpu_count() or 2) - 1)),
                                    mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent)
    return _POOL


async def parse_elsewhere(body: bytes, name: str, list_title: str | None = None) -> Parsed | Exception:
    """The report parsed from `body` in a worker process, or the exception that says why not."""
    return await _elsewhere(name, _parse, body, name, list_title)


async def parse_pages_elsewhere(pages: list[bytes], name: str, hints: list[str], list_title: str | None,
                                urls: list[str]) -> Parsed | Exception:
    """The report read by OCR from page images (`parsers.parse_pages`; `urls` where they came from, kept as
    `document.images`) in a worker process, or why not."""
    return await _elsewhere(name, _parse_pages, pages, hints, list_title, urls)


async def _elsewhere(name: str, fn: Any, *args: Any) -> Parsed | Exception:
    global _POOL
    for attempt in (1, 2):  # a dying worker breaks the whole pool: the documents it was not parsing go again
        pool = _pool()
        try:
            with _quiet():  # the executor spawns its workers when a document is submitted
                future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            return await future
        except BrokenProcessPool:
            if _POOL is pool:
                log.warning("a parse worker died (parsing %s or a document beside it): starting a new one", name)
                pool.shutdown(wait=False, cancel_futures=True)
                _POOL = None
            if attempt == 2:
                return WorkerDied(f"the parse worker died on this document: {name}")
        except Exception as exc:  # noqa: BLE001 - a failed parse, not a failed crawl
            return exc
    raise AssertionError("unreachable")


def shutdown() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None
