"""A page rendered in Chromium cannot reach private addresses the plain-HTTP guard refuses: its scripts,
frames, fetches and the redirect of a navigation go through crawler.gate (WebRTC's UDP is off), which lets only the start URL's own
host through (no --allow-private here); nothing from another loopback address or 169.254.169.254 is
fetched, let alone stored."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import ROOT, need

SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>云岭县人民政府</title>
<script src="http://127.0.0.2:{inner}/lib.js"></script></head><body><div id="app"></div>
<iframe src="http://127.0.0.2:{inner}/frame.html"></iframe>
<iframe src="http://169.254.169.254/latest/meta-data/"></iframe>
<script>
fetch('http://127.0.0.2:{inner}/secret').catch(function () {{}});
fetch('http://169.254.169.254/latest/api/token', {{method: 'PUT'}}).catch(function () {{}});
function stun(P) {{  // WebRTC: STUN requests over UDP, from this frame and from a fresh blank one
  try {{
    var pc = new P({{iceServers: [{{urls: 'stun:127.0.0.2:{stun}'}}]}});
    pc.createDataChannel('x');
    pc.createOffer().then(function (offer) {{ return pc.setLocalDescription(offer); }});
  }} catch (e) {{}}
}}
stun(window.RTCPeerConnection);
var blank = document.createElement('iframe'); document.body.appendChild(blank);
stun(blank.contentWindow.RTCPeerConnection);
document.getElementById('app').innerHTML = '<a href="/gk/nb/">政府信息公开年报</a>';
</script></body></html>"""

REPORT = ("<html><head><meta charset='utf-8'><title>云岭县2024年政府信息公开工作年度报告</title></head><body>"
          "<h1>云岭县2024年政府信息公开工作年度报告</h1><p>内部页面</p></body></html>")


def test_the_browser_cannot_reach_other_private_addresses(tmp_path: Path) -> None:
    need(Path("/usr/bin/chromium").exists(), "Debian's /usr/bin/chromium (scrapy-playwright renders with it)")
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            host, port = self.server.server_address[:2]
            hits.append(f"{host}:{port}{self.path}")
            if self.server is site and self.path == "/gk/nb/":  # the column moved to an internal address
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{moved.server_port}/gk/nb/")
                self.end_headers()
                return
            if self.server is site and self.path == "/":
                body = SHELL.format(inner=inner.server_port, stun=stun.getsockname()[1]).encode()
            elif self.server is site:
                self.send_error(404)
                return
            else:  # the internal hosts: whatever is asked, a page that would be stored as a report
                body = REPORT.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = _answer  # noqa: N815 - http.server's names

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    inner = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    moved = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    for server in (site, inner, moved):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    stun = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # WebRTC's STUN requests, if any got out
    stun.bind(("127.0.0.2", 0))
    stun.settimeout(0.2)
    datagrams: list[bytes] = []

    def listen() -> None:
        while not stop.is_set():
            try:
                datagrams.append(stun.recv(2048))
            except OSError:
                continue

    stop = threading.Event()
    threading.Thread(target=listen, daemon=True).start()
    db = tmp_path / "g.db"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--delay", "0.01", "--no-progress",
             "--start-url", f"http://127.0.0.1:{site.server_port}/"],
            capture_output=True, text=True, timeout=180, cwd=ROOT)
    finally:
        for server in (site, inner, moved):
            server.shutdown()
        stop.set()
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    site_hits = [h for h in hits if h.startswith("127.0.0.1:")]
    assert f"127.0.0.1:{site.server_port}/gk/nb/" in site_hits, hits  # the page was rendered and its link followed
    assert [h for h in hits if not h.startswith("127.0.0.1:")] == [], hits  # not one request reached them
    assert datagrams == []
    refused = set(re.findall(r"browser: refused a connection to (\S+) ", proc.stderr))
    assert refused == {f"127.0.0.2:{inner.server_port}", f"127.0.0.2:{moved.server_port}", "169.254.169.254:80"}, \
        proc.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (0,)
        (stats,) = conn.execute("SELECT stats FROM crawl_runs").fetchone()
    count = json.loads(stats)["nianbao/refused_private_address/browser"]
    assert count >= len(refused), stats
