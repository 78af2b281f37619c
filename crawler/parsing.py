"""Parsing off the crawl's reactor: a small pool of worker processes that turn document bytes into reports.

Parsing is CPU-bound pure Python; in the crawler's own process it would hold the GIL and stall every download.
A worker that dies (a hostile document, the OOM killer) costs that one document: the pool is replaced and
the next document goes to a fresh worker. Workers die with the crawler (no orphan left after a SIGKILL).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from parsers import parse_bytes, parse_pages

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
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawler's to handle, not a traceback here


def _parse(body: bytes, name: str) -> dict[str, Any] | Exception:
    try:
        return parse_bytes(body, name)
    except Exception as exc:  # noqa: BLE001 - every failure is a counted, logged result
        return exc


def _parse_pages(pages: list[bytes], hints: list[str]) -> dict[str, Any] | Exception:
    try:
        return parse_pages(pages, hints)
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


async def parse_elsewhere(body: bytes, name: str) -> dict[str, Any] | Exception:
    """The report parsed from `body` in a worker process, or the exception that says why not."""
    return await _elsewhere(name, _parse, body, name)


async def parse_pages_elsewhere(pages: list[bytes], name: str, hints: list[str]) -> dict[str, Any] | Exception:
    """The report read by OCR from page images (`parsers.parse_pages`) in a worker process, or why not."""
    return await _elsewhere(name, _parse_pages, pages, hints)


async def _elsewhere(name: str, fn: Any, *args: Any) -> dict[str, Any] | Exception:
    global _POOL
    for attempt in (1, 2):  # a dying worker breaks the whole pool: the documents it was not parsing go again
        pool = _pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
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
