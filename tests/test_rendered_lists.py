"""A 年报 list that only a script builds, from an endpoint no known CMS family uses and that the page never spells
out: the crawl renders the list in Chromium, follows its own next-page control, and reuses the data request
it saw for the pages after (tests/conftest.py's `need` skips visibly without Chromium)."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.conftest import ROOT, need, reply
from tests.web.render import random_report, to_html

COUNTY = "云岭县"
ORGANS = ["云岭县人民政府", "云岭县教育局", "云岭县财政局", "云岭县民政局", "云岭县城关镇"]
PER_PAGE = 4

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报_云岭县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/gk/">政府信息公开</a></div>
<h2>政府信息公开年报</h2><ul id="box"></ul><div class="pager"><a href="javascript:;" id="nx">下一页</a></div>
<script>
(function () {
  var n = 1, parts = ['da', 'ta', 'fe', 'ed'];
  function load() {
    fetch('/' + parts.join('') + '?pn=' + n + '&r=' + (7 * 6)).then(function (r) { return r.json(); }).then(function (d) {
      var box = document.getElementById('box'); box.innerHTML = '';
      d.rows.forEach(function (x) { var li = document.createElement('li'); li.innerHTML =
        '<a href="' + x.u + '">' + x.t + '</a><span>' + x.d + '</span>'; box.appendChild(li); });
      document.getElementById('nx').style.display = d.more ? '' : 'none';
    });
  }
  document.getElementById('nx').addEventListener('click', function () { n += 1; load(); });
  load();
})();
</script></body></html>"""


def _site() -> tuple[dict[str, bytes], list[dict[str, str]]]:
    rng = random.Random(5)
    files: dict[str, bytes] = {
        "/": '<html><body><a href="/gk/">政府信息公开</a></body></html>'.encode(),
        "/gk/": '<html><body><a href="/gk/nb/">政府信息公开年报</a> <a href="/gk/zn/">政府信息公开指南</a></body></html>'.encode(),
        "/gk/nb/": PAGE.encode(),
    }
    rows = []
    for i, (organ, year) in enumerate((o, y) for y in (2024, 2023, 2022) for o in ORGANS):
        report = random_report(rng, "2021", organ=organ, region=COUNTY, year=year)
        path = f"/c/{year}/{i}.html"
        files[path] = to_html(report, "utf-8", frozenset(), chrome=True)
        rows.append({"t": f"{organ}{year}年政府信息公开工作年度报告", "u": path, "d": f"{year + 1}-01-2{i % 9}"})
    rows.insert(3, {"t": "关于做好2023年政府信息公开工作年度报告编制工作的通知", "u": "/c/notice.html", "d": "2023-12-01"})
    files["/c/notice.html"] = "<html><body><h1>关于做好2023年政府信息公开工作年度报告编制工作的通知</h1><p>各单位：</p></body></html>".encode()
    return files, rows


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    rows: list[dict[str, str]] = []
    log: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        self.log.append((self.path, self.headers.get("X-Requested-With", "")))
        if url.path == "/datafeed":
            n = int(parse_qs(url.query).get("pn", ["1"])[0])
            chunk = self.rows[(n - 1) * PER_PAGE:n * PER_PAGE]
            body = json.dumps({"rows": chunk, "more": n * PER_PAGE < len(self.rows)}, ensure_ascii=False).encode()
            ctype = "application/json; charset=utf-8"
        elif url.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif url.path in self.files:
            body, ctype = self.files[url.path], "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        reply(self, body, ctype)

    def log_message(self, *args: object) -> None:
        pass


def test_a_list_only_a_script_builds_is_rendered_and_paged(tmp_path: Path) -> None:
    need(Path("/usr/bin/chromium").exists(), "Debian's /usr/bin/chromium (scrapy-playwright renders with it)")
    files, rows = _site()
    handler = type("H", (_Handler,), {"files": files, "rows": rows, "log": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        db = tmp_path / "r.db"
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--allow-private", "--delay", "0.01",
             "--no-progress", "--start-url", f"http://127.0.0.1:{server.server_port}/"],
            capture_output=True, text=True, timeout=300, cwd=ROOT)
    finally:
        server.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        stored = {urlsplit(u).path for (u,) in conn.execute("SELECT page_url FROM reports")}
    want = {r["u"] for r in rows if "通知" not in r["t"]}
    assert stored == want, (sorted(want - stored), sorted(stored - want), proc.stdout)
    assert " ok: " in proc.stdout and "rendered" in proc.stdout, proc.stdout
    feeds = [(p, agent) for p, agent in handler.log if p.startswith("/datafeed")]
    pages = {parse_qs(urlsplit(p).query)["pn"][0] for p, _ in feeds}
    assert pages == {str(n) for n in range(1, -(-len(rows) // PER_PAGE) + 2)}, feeds  # to its end, and one past it
    first = [p for p, _ in feeds if p.startswith("/datafeed?pn=1&")]
    assert len(first) == 1, feeds  # read once, by the browser; the rest asked for over plain HTTP
