"""The parse worker pool (crawler/parsing.py): a dead worker is replaced, workers die with the crawler."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

from crawler import parsing
from tests.conftest import ROOT, SHARED


def test_a_dead_worker_is_replaced_and_the_crawl_goes_on(caplog) -> None:  # type: ignore[no-untyped-def]
    body = (SHARED / "seeds" / "ningxian-2021.txt").read_bytes()

    async def story() -> tuple[object, object]:
        first = await parsing.parse_elsewhere(body, "ningxian-2021.txt")
        assert parsing._POOL is not None
        for process in list(parsing._POOL._processes.values()):  # the OOM killer, say
            process.kill()
        time.sleep(0.5)
        second = await parsing.parse_elsewhere(body, "ningxian-2021.txt")
        return first, second

    try:
        first, second = asyncio.run(story())
    finally:
        parsing.shutdown()
    assert isinstance(first, parsing.Parsed) and first.report["year"] == 2021 and first.problems == []
    assert isinstance(second, parsing.Parsed) and second == first
    assert "a parse worker died" in caplog.text  # the pool really broke, and a new one parsed it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead too
        return fh.read().split(")")[-1].split()[0] != "Z"


def test_workers_die_with_a_killed_crawler() -> None:
    code = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(ROOT)!r})
        from crawler import parsing
        asyncio.run(parsing.parse_elsewhere(b"x", "x.txt"))
        print(*parsing._POOL._processes, flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert pids and all(_alive(p) for p in pids)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "parse workers outlived the crawler"


def test_ctrl_c_while_workers_start_is_no_traceback() -> None:
    """A terminal's Ctrl-C reaches the whole process group, workers included, also while they are still
    importing: they must neither die of it nor print a KeyboardInterrupt traceback (the crawler handles it)."""
    body = (SHARED / "seeds" / "ningxian-2021.txt").read_bytes()
    code = textwrap.dedent(f"""
        import asyncio, os, signal, sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        signal.signal(signal.SIGINT, lambda *_: None)  # the crawler's own handler
        from crawler import parsing

        def ctrl_c() -> None:
            for _ in range(30):
                time.sleep(0.05)
                os.killpg(0, signal.SIGINT)

        threading.Thread(target=ctrl_c, daemon=True).start()
        report = asyncio.run(parsing.parse_elsewhere(sys.stdin.buffer.read(), "ningxian-2021.txt"))
        print(type(report).__name__, report.report.get("year") if isinstance(report, parsing.Parsed) else report)
        parsing.shutdown()
    """)
    proc = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True, timeout=120,
                          start_new_session=True)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-2000:]
    assert proc.stdout.decode().split() == ["Parsed", "2021"], (proc.stdout, err[-2000:])
