"""What a county site can serve to hold a crawl (issue 11, items 3-5): an endless 下一页 calendar, a 年报 column that
contains itself, lists of 10,000 links, report documents that are a zip bomb, 3,000 PDF pages or tables nested 200
deep. Each crawl ends within its page budget and depth, finds the real report beside the trap, keeps its memory
bounded; each hostile document costs only itself; and each site's result says what stopped it."""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED, reply

BUDGET = 30
SEED = random.SystemRandom().randrange(1, 10**6)


def _page(links: str, title: str = "示例县人民政府") -> bytes:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{links}</body></html>'.encode()


REPORT = '<li><a href="/doc/report.txt">{county}2021年政府信息公开工作年度报告</a> <span>2022-01-20</span></li>'


def calendar(path: str, rng: random.Random) -> bytes:
    """Every month of an events calendar links the next one, forever, each with new entries."""
    month = int(path.split("month=")[1]) if "month=" in path else 0
    events = "".join(f'<li><a href="/event/{month}-{i}.html">{rng.choice(["活动", "会议", "值班"])}安排 {month}-{i}</a></li>'
                     for i in range(3))
    head = REPORT.format(county="甲县") if month == 0 else ""
    return _page(f'<ul>{head}{events}</ul><a href="/nb/?month={month + 1}">下一页</a>', "政府信息公开年报")


def nested(path: str, rng: random.Random) -> bytes:
    """The 年报 column holds itself one level deeper, on and on, listing the same report at every level."""
    return _page(f'<ul>{REPORT.format(county="乙县")}</ul><div class="sub"><a href="{path}nb/">年报</a>'
                 f'<a href="{path}nb{rng.randint(1, 9)}/">政府信息公开年报</a></div>', "政府信息公开年报")


def ten_thousand(path: str, rng: random.Random) -> bytes:
    """A list page of 10,000 links, the report among the first, and a next page that is the same again."""
    n = int(path.split("p=")[1]) if "p=" in path else 0
    items = "".join(f'<li><a href="/item/{n}-{i}.html">通知公告 {n}-{i}</a></li>' for i in range(10_000))
    return _page(f'<ul>{REPORT.format(county="丙县") if n == 0 else ""}{items}</ul>'
                 f'<a href="/nb/?p={n + 1}">下一页</a>', "政府信息公开年报")


def hostile(path: str, rng: random.Random) -> bytes:
    """A list of reports whose documents are a zip bomb, a PDF of 3,000 pages and tables nested 200 deep, beside the
    real one (in a shuffled order)."""
    rows = [REPORT.format(county="丁县")] + [
        f'<li><a href="/doc/{name}">丁县{year}年政府信息公开工作年度报告</a></li>'
        for name, year in (("bomb.docx", 2022), ("pages.pdf", 2023), ("nested.html", 2020))]
    rng.shuffle(rows)
    return _page(f"<ul>{''.join(rows)}</ul>", "政府信息公开年报")


@functools.cache
def _hostile_documents() -> dict[str, tuple[bytes, str]]:
    import tempfile

    from tests import hostile as H
    from tests.web.render import random_report, to_docx

    with tempfile.TemporaryDirectory() as tmp:
        bomb = H.zip_bomb_docx(Path(tmp) / "bomb.docx", to_docx(random_report(random.Random(SEED))), inflated_mb=300)
        docx = bomb.read_bytes()
    return {"/doc/bomb.docx": (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "/doc/pages.pdf": (H.pdf(3000), "application/pdf"),
            "/doc/nested.html": (H.nested_tables(200, 20), "text/html; charset=utf-8")}


class _Trap(BaseHTTPRequestHandler):
    column: Callable[[str, random.Random], bytes]
    served: list[str]
    rng: random.Random

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        self.served.append(path)
        ctype = "text/html; charset=utf-8"
        if path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif path == "/":
            body = _page('<a href="/xxgk/">政府信息公开</a>')
        elif path == "/xxgk/":
            body = _page('<a href="/nb/">政府信息公开年报</a>')
        elif path.startswith("/nb"):
            body = type(self).column(path, self.rng)
        elif path in _hostile_documents():
            body, ctype = _hostile_documents()[path]
        elif path == "/doc/report.txt":
            body, ctype = (SHARED / "seeds" / "ningxian-2021.txt").read_bytes(), "text/plain; charset=utf-8"
        else:
            body = _page("<p>通知</p>")
        reply(self, body, ctype)


@pytest.fixture(scope="module")
def traps() -> Iterator[dict[str, tuple[str, list[str]]]]:
    servers, out = [], {}
    for name, column in (("calendar", calendar), ("nested", nested), ("ten_thousand", ten_thousand),
                         ("hostile", hostile)):
        handler = type(f"Trap_{name}", (_Trap,), {"column": staticmethod(column), "served": [],
                                                   "rng": random.Random(f"{SEED}:{name}")})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        out[name] = (f"http://127.0.0.1:{server.server_port}/", handler.served)
    yield out
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def crawl(traps, tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], dict[str, str], int]:
    db = tmp_path_factory.mktemp("traps") / "traps.db"
    out, err = db.with_suffix(".out"), db.with_suffix(".err")
    argv = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--allow-private", "--delay", "0",
            "--no-progress", "--set", f"NIANBAO_PAGE_BUDGET={BUDGET}", "--start-url", *[url for url, _ in traps.values()]]
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(argv, stdout=stdout, stderr=stderr, cwd=ROOT)
        peak, deadline = 0, time.monotonic() + 300  # a trap that holds the crawl fails the test, never hangs it
        try:
            while child.poll() is None and time.monotonic() < deadline:  # memory with the parse workers', as it runs
                peak = max(peak, _tree_rss_kb(child.pid))
                time.sleep(0.05)
        finally:
            child.kill()
            child.wait(timeout=300)
    proc = subprocess.CompletedProcess(argv, child.returncode, out.read_text(), err.read_text())
    lines = {name: next((line for line in proc.stdout.splitlines() if line.startswith(url.split("/")[2])), "")
             for name, (url, _) in traps.items()}
    return proc, lines, peak


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its children now, in KiB (0 for those already gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def _list_pages(served: list[str]) -> int:
    return sum(1 for p in served if p.startswith("/nb"))


@pytest.mark.parametrize("trap", ["calendar", "nested", "ten_thousand", "hostile"])
def test_a_trap_ends_within_the_budget_and_its_report_is_found(trap, traps, crawl) -> None:
    proc, lines, _ = crawl
    why = f"seed {SEED}\n{proc.stdout}\n{proc.stderr[-2000:]}"
    # no site ended ok, each says what stopped it; the hostile site's unreadable reports make the exit status 6
    assert proc.returncode == 6 and "3 report document(s) could not be read" in proc.stderr, why
    line = lines[trap]
    served = traps[trap][1]
    assert _list_pages(served) <= BUDGET, why  # never more menu/list pages than the budget
    if trap != "hostile":
        assert line.split()[2] == "1", line  # reports found: the real one beside the trap
    assert served.count("/doc/report.txt") == 1, served[-5:]
    if trap == "nested":  # the column depth or the budget ends it, whichever comes first
        assert " ok: " in line or ("budget" in line and f"of {BUDGET} list pages" in line), line
    elif trap == "hostile":  # each hostile document costs only itself, within seconds, and is named
        assert line.split()[2] == "4" and "partial: " in line and "3 report document(s) could not be read" in line, line
        assert "too large" in line, line
    elif trap == "ten_thousand":
        # read to its first thousands of links (its 下一页 is past them): partial, and the page named to check
        assert "partial" in line and "links read only that far" in line and "/nb/" in line, line
    else:
        # the trap spent the budget, and the result says so with the numbers
        assert "budget" in line and f"of {BUDGET} list pages" in line, line


def test_a_page_of_ten_thousand_links_keeps_memory_bounded(traps, crawl) -> None:
    _, lines, max_rss_kb = crawl
    assert max_rss_kb < 600 * 1024, f"the crawl reached {max_rss_kb / 1024:.0f} MB"
    items = [p for p in traps["ten_thousand"][1] if p.startswith("/item/")]
    assert items == [], f"links that are no report were fetched: {items[:3]}"
