"""Shared test helpers: the ../shared material, skips that CI turns into failures, the CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.config import env

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """../shared beside this checkout; for a clone made elsewhere, beside the repository it was cloned from
    ($NIANBAO_SHARED overrides both)."""
    shared = env("NIANBAO_SHARED")
    if shared:
        return Path(shared)
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    origin = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if origin and "://" not in origin and Path(origin).is_dir():
        return Path(origin).resolve().parent / "shared"
    return beside


SHARED = _shared()
REQUIRE_ALL = env("NIANBAO_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip with a visible reason, or fail when CI requires every component (NIANBAO_REQUIRE_ALL=1)."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required for CI but missing: {reason}")
    pytest.skip(reason)


# commands that run no crawl (no Twisted reactor, which starts once per process) run in the test's process:
# the same main() and the same exit codes and output, without a Python start-up per call
IN_PROCESS = {"parse", "export", "dump", "coverage", "feed", "events", "health", "sites"}


def run_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`nianbao ARGS…` in the test's process (main() as the entry point runs it): for commands that run no
    crawl, and for any command whose arguments are refused before it starts."""
    import contextlib
    import io

    from crawler.cli import main

    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(cwd)
    return subprocess.CompletedProcess(["nianbao", *args], code, out.getvalue(), err.getvalue())


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`nianbao ARGS…` as a user runs it: exit status, stdout and stderr."""
    if args and args[0] in IN_PROCESS:
        return run_in_process(*args)
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def diff(got: object, want: object, path: str = "") -> list[str]:
    """Every key of `want` compared with `got`; ints and floats compared by value and type family."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: got {got!r}, want an object"]
        out: list[str] = []
        for key, value in want.items():
            if key not in got:
                out.append(f"{path}.{key}: missing")
            else:
                out += diff(got[key], value, f"{path}.{key}")
        return out
    if got != want or isinstance(got, bool) != isinstance(want, bool) or (got is None) != (want is None):
        return [f"{path}: got {got!r}, want {want!r}"]
    return []


def read_sqlite(db: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of `query` on a SQLite file a crawl may be writing (read-only); none before the file or its tables exist."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    except sqlite3.OperationalError:
        return []
    try:
        return con.execute(query, params).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        con.close()


FIXTURES = ROOT / "tests" / "fixtures"


def file_response(path: Path, url: str | None = None, **meta: object) -> object:
    """A saved page as the Scrapy response a spider callback gets (like city-scrapers-core's file_response):
    its URL from a `URL` file beside it unless given."""
    from scrapy.http import HtmlResponse, Request

    url = url or (path.parent / "URL").read_text(encoding="utf-8").strip()
    return HtmlResponse(url=url, body=path.read_bytes(), request=Request(url, meta=dict(meta)))


class Crawled:
    """One real crawl of the default imitation web (seed 0) into SQLite, shared by the modules that read a
    crawled store: each takes its own `copy()` before it changes anything."""

    def __init__(self, web: object, db: Path, proc: subprocess.CompletedProcess[str], requests: list) -> None:
        self.web, self.db, self.proc, self.requests = web, db, proc, requests

    def copy(self, into: Path) -> str:
        import shutil

        into.mkdir(parents=True, exist_ok=True)
        for path in self.db.parent.iterdir():
            if path.name.startswith(self.db.name):  # the file, its -wal/-shm, and its .docs blob directory
                (shutil.copytree if path.is_dir() else shutil.copy2)(path, into / path.name)
        return str(into / self.db.name)


@pytest.fixture(scope="session")
def imitation_crawl(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.web.web import build_web

    with build_web(seed=0, scans=False) as web:  # its scans are crawled by tests/test_scanned_web.py
        db = tmp_path_factory.mktemp("imitation-crawl") / "nianbao.db"
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--allow-private", "--delay", "0.01",
             "--no-progress", "--start-url", *[s.start_url for s in web.sites]],
            capture_output=True, text=True, timeout=600, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield Crawled(web, db, proc, list(web.requests))


# the suite runs on several processes (pytest-xdist, `--dist loadgroup`, see scripts/test.sh): a module's tests stay
# on one worker (its module fixtures are built once), the modules that read the shared imitation crawl stay together
# (it is crawled once), and the longest go first so the workers end together (`--no-loadscope-reorder`: xdist
# would otherwise run the groups with the most tests first, and a one-test crawl of 100 sites last)
LONGEST_FIRST = ("test_distributed", "test_discovery", "test_recrawl", "test_scanned_web", "imitation", "test_faults",
                 "test_ocr", "test_forms_family", "test_watch", "test_fuzz", "test_traps", "test_random_web",
                 "test_storage", "test_rendered_lists", "test_doc_converter", "test_cli_parse", "test_dump")


@pytest.hookimpl(wrapper=True)  # around xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    def module(item: pytest.Item) -> str:
        return item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) is not None else item.nodeid

    shared = {module(i) for i in items if "imitation_crawl" in getattr(i, "fixturenames", ())}

    def group(item: pytest.Item) -> str:
        return "imitation" if module(item) in shared else module(item)

    def rank(item: pytest.Item) -> int:
        name = group(item)
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    for item in items:
        item.add_marker(pytest.mark.xdist_group(group(item)))
    items.sort(key=rank)
    return (yield)


def reply(handler: object, body: bytes, content_type: str, status: int = 200, **headers: str) -> None:
    """Answer a loopback test server's request (an http.server handler) with `body`."""
    h: Any = handler
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)
