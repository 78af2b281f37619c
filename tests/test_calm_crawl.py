"""A crawl start stays offline (the Public Suffix List is tldextract's bundled snapshot, not a download) and
tells expected conditions calmly: a dead site and a site whose robots.txt forbids it end with one line each
saying why, not Scrapy's ERROR lines or a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import ROOT, reply

# the crawl, in a process of its own (a Twisted reactor starts once per process), with every name resolution
# and connection to a non-loopback address recorded
RUN = r"""
import ipaddress, json, socket, sys

attempts = []

def _outside(host):
    if host in (None, "", "localhost") or isinstance(host, bytes):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True

_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if _outside(host):
        attempts.append(f"resolve {host}")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo

for name in ("connect", "connect_ex"):
    def wrap(real):
        def connect(self, address):
            if isinstance(address, tuple) and _outside(address[0]):
                attempts.append(f"connect {address[0]}")
            return real(self, address)
        return connect
    setattr(socket.socket, name, wrap(getattr(socket.socket, name)))

from crawler.cli import print_results, run_crawl

sites = json.loads(sys.argv[2])
results = run_crawl(sites, sys.argv[1], settings={"LOG_LEVEL": "WARNING", "NIANBAO_PROGRESS": False,
                                                  "NIANBAO_RETRY_BACKOFF": 0, "DOWNLOAD_DELAY": 0.01})
print_results(results.results)
print("ATTEMPTS " + json.dumps(attempts))
"""


class _Forbidding(BaseHTTPRequestHandler):
    """A site whose robots.txt forbids everything, and which sets a cookie for its domain on every answer
    (Scrapy's cookie middleware asks the Public Suffix List about the cookie's domain)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"User-agent: *\nDisallow: /\n" if self.path == "/robots.txt" else b"<a href='/gk/'>gk</a>"
        reply(self, body, "text/plain" if self.path == "/robots.txt" else "text/html",
              Set_Cookie="sid=1; Domain=localhost.localdomain; Path=/")

    def log_message(self, *args: object) -> None:
        pass


def test_a_dead_and_a_forbidding_site_end_with_one_calm_line_each_and_no_network(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidding)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    sites = [["forbidding", f"http://127.0.0.1:{server.server_port}/"], ["gone", f"http://127.0.0.1:{dead_port}/"]]
    cache = tmp_path / "psl-cache"
    script = tmp_path / "run.py"
    script.write_text(RUN)
    try:
        proc = subprocess.run([sys.executable, str(script), str(tmp_path / "c.db"), json.dumps(sites)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT,
                              env={**_env(), "TLDEXTRACT_CACHE": str(cache), "PYTHONPATH": str(ROOT)})
    finally:
        server.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    attempts = json.loads(proc.stdout.split("ATTEMPTS ", 1)[1])
    assert attempts == [], attempts  # the Public Suffix List was not fetched; nothing else left the machine
    assert list(cache.rglob("*.json")), "the cookie's domain was never split: this test tests nothing"
    assert "forbidding" in proc.stdout and " robots: " in proc.stdout and " dead: " in proc.stdout, proc.stdout
    log = proc.stderr.splitlines()
    assert not [line for line in log if "ERROR" in line or "Traceback" in line or "Warning" in line], proc.stderr
    assert [line.split("WARNING: ", 1)[1] for line in log if "forbidding" in line] == \
        ["forbidding: robots, robots.txt forbids the homepage"], proc.stderr
    dead = [line for line in log if "gone" in line]
    assert len(dead) == 1 and "gone: dead, homepage unreachable: " in dead[0] and "refused" in dead[0], proc.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("TLDEXTRACT_")}
