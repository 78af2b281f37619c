"""Notifications: JSON webhooks and Apprise services (JSON, e-mail) received by real servers on 127.0.0.1."""

from __future__ import annotations

import copy
import email
import email.policy
import json
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crawler.outputs.notify import Notifier
from crawler.outputs.texts import event_title
from parsers import parse_file
from tests.conftest import ROOT

REPORT = parse_file(str(ROOT / "samples" / "ningxian-2021.txt"))


def make_event(i: int, kind: str = "new") -> dict[str, Any]:
    """An event of the shape `store.events.iter()` yields."""
    sha = f"{i:064x}"
    return {
        "id": i, "kind": kind, "at": f"2026-11-21T08:{i % 60:02d}:00Z", "site": "宁县", "detail": None,
        "report": {**copy.deepcopy(REPORT), "id": 100 + i, "status": "current", "provenance": {
            "page_url": f"http://127.0.0.1/ningxian/{i}.html", "document_url": f"http://127.0.0.1/ningxian/{i}.pdf",
            "fetched_at": "2026-11-21T07:59:00Z", "sha256": sha, "content_type": "application/pdf",
            "http_status": 200, "discovery_path": ["http://127.0.0.1/"]}},
        "previous": None if kind != "revised" else {
            "id": 99, "sha256": "ab" * 32, "page_url": "http://127.0.0.1/ningxian/old.html",
            "document_url": "http://127.0.0.1/ningxian/old.pdf", "fetched_at": "2025-11-21T07:59:00Z"},
    }


class Receiver(ThreadingHTTPServer):
    """Records every POST; `/flaky` answers 500 twice, then 200; `/missing` answers 404; `/down` always 503;
    `/blip` 503 four times, then 200."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(body) for p, _, body in self.hits if p == path]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.hits.append((self.path, dict(self.headers), body))
            seen = sum(1 for p, _, _ in self.server.hits if p == self.path)
        status = (404 if self.path == "/missing" else 500 if self.path == "/flaky" and seen <= 2 else
                  503 if self.path == "/down" or self.path == "/blip" and seen <= 4 else 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_gets_each_event_as_json(receiver: Receiver) -> None:
    events = [make_event(1), make_event(2, "revised"), make_event(3, "removed")]
    notifier = Notifier([receiver.url("/hook")])
    for event in events:
        notifier.send(event)
    assert notifier.close(wait=10) == {"delivered": 3, "failed": 0, "abandoned": 0}
    assert receiver.bodies("/hook") == events
    headers = receiver.hits[0][1]
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["User-Agent"].startswith("nianbao/")


def test_several_urls_each_get_every_event(receiver: Receiver) -> None:
    notifier = Notifier([receiver.url("/a"), receiver.url("/b")])
    notifier.send(make_event(1))
    notifier.send(make_event(2))
    assert notifier.close(wait=10)["delivered"] == 4
    assert [e["id"] for e in receiver.bodies("/a")] == [1, 2] == [e["id"] for e in receiver.bodies("/b")]


def test_5xx_is_retried_until_delivered(receiver: Receiver) -> None:
    notifier = Notifier([receiver.url("/flaky")], retries=3, backoff=0.01)
    notifier.send(make_event(7))
    assert notifier.close(wait=10) == {"delivered": 1, "failed": 0, "abandoned": 0}
    assert len(receiver.bodies("/flaky")) == 3  # 500, 500, 200
    assert receiver.bodies("/flaky")[-1] == make_event(7)


def test_an_endpoint_that_failed_after_every_retry_gets_one_try_per_event_until_it_answers(receiver: Receiver) -> None:
    """A webhook that is down costs one round of retries, not one per event (what it misses waits in the ledger
    for the next crawl); once it answers, every event has its retries again."""
    down = Notifier([receiver.url("/down")], retries=2, backoff=0.01)
    for i in range(6):
        down.send(make_event(i))
    assert down.close(wait=10) == {"delivered": 0, "failed": 6, "abandoned": 0}
    assert len(receiver.bodies("/down")) == 3 + 5
    blip = Notifier([receiver.url("/blip")], retries=2, backoff=0.01)
    for i in range(4):
        blip.send(make_event(i))
    assert blip.close(wait=10) == {"delivered": 2, "failed": 2, "abandoned": 0}
    assert [e["id"] for e in receiver.bodies("/blip")] == [0, 0, 0, 1, 2, 3]


def test_4xx_is_not_retried_and_logged_once_per_endpoint(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier([receiver.url("/missing")], retries=3, backoff=0.01)
    notifier.send(make_event(1))
    notifier.send(make_event(2))
    with caplog.at_level(logging.WARNING, logger="crawler.outputs.notify"):
        assert notifier.close(wait=10) == {"delivered": 0, "failed": 2, "abandoned": 0}
    assert len(receiver.bodies("/missing")) == 2  # one request per event, no retries
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.outputs.notify"]
    assert len(lines) == 1 and "HTTP 404" in lines[0] and "2 of 2" in lines[0], lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_port_fails_without_blocking_send() -> None:
    notifier = Notifier([f"http://127.0.0.1:{_free_port()}/hook"], retries=1, backoff=0.01)
    started = time.monotonic()
    for i in range(50):
        notifier.send(make_event(i))
    assert time.monotonic() - started < 2.0  # a generous bound on a non-blocking call, not a speed test
    counts = notifier.close(wait=10)
    assert counts["delivered"] == 0 and counts["failed"] + counts["abandoned"] == 50


def test_hanging_endpoint_blocks_neither_send_nor_close(receiver: Receiver,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A server that accepts connections and never answers (its backlog holds them; nothing reads)."""
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(128)
    try:
        notifier = Notifier([f"http://127.0.0.1:{hang.getsockname()[1]}/hook", receiver.url("/ok")], timeout=30)
        started = time.monotonic()
        for i in range(50):
            notifier.send(make_event(i))
        # generous bounds on non-blocking calls (a blocked one would take the 30 s timeout), not speed tests
        assert time.monotonic() - started < 2.0
        deadline = time.monotonic() + 60  # the healthy endpoint gets everything although the other one hangs
        while len(receiver.bodies("/ok")) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="crawler.outputs.notify"):
            counts = notifier.close(wait=2)
        assert time.monotonic() - started < 5.0
    finally:
        hang.close()
    assert len(receiver.bodies("/ok")) == 50
    assert counts == {"delivered": 50, "failed": 0, "abandoned": 50}
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.outputs.notify"]
    assert len(lines) == 1 and "50 abandoned" in lines[0], lines


def test_send_after_close_and_unserialisable_event_do_not_raise(receiver: Receiver) -> None:
    notifier = Notifier([receiver.url("/hook")])
    notifier.send({"id": 1, "bad": object()})  # made JSON-able with str(); never an exception for the caller
    notifier.close(wait=10)
    notifier.send(make_event(2))
    assert [e["id"] for e in receiver.bodies("/hook")] == [1]


@pytest.mark.parametrize("url, words", [
    ("bogus://x", "bogus://"),
    ("tgram://bottoken/chatid", "tgram://"),
    ("mailto://user:secret@smtp.example.org?to=team@example.org&mode=bogus", "mailto://"),
    ("just-words", "not a URL"),
    ("https:///no-host", "https://"),
])
def test_invalid_url_is_one_line_error_at_construction(url: str, words: str) -> None:
    with pytest.raises(ValueError) as info:
        Notifier([url])
    message = str(info.value)
    assert words in message and "\n" not in message
    assert "secret" not in message


def test_apprise_json_service(receiver: Receiver) -> None:
    """Apprise's own JSON plugin (json://) posts {title, message, type} to the server."""
    event = make_event(5, "revised")
    notifier = Notifier([receiver.url("/apprise", scheme="json")])
    notifier.send(event)
    assert notifier.close(wait=10) == {"delivered": 1, "failed": 0, "abandoned": 0}
    [payload] = receiver.bodies("/apprise")
    assert payload["title"] == event_title(event) == "nianbao: revised report — 宁县2021年政府信息公开工作年度报告"
    message = payload["message"]
    for text in (REPORT["organ"], "2021", "revised", event["report"]["provenance"]["page_url"],
                 f"new {REPORT['requests']['new']['total']}", event["previous"]["sha256"]):
        assert str(text) in message, (text, message)


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[bytes] = []
        self.envelopes: list[tuple[bytes, list[bytes]]] = []
        self.auth: list[bytes] = []


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    server: _SMTPServer

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 127.0.0.1 test SMTP")
        sender, rcpts = b"", []
        while line := self.rfile.readline():
            verb = line.split(None, 1)[0].upper() if line.strip() else b""
            arg = line[len(verb):].strip()
            if verb == b"EHLO":
                self.wfile.write(b"250-127.0.0.1\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH":
                self.server.auth.append(arg)
                self._say("235 2.7.0 Authentication successful")
            elif verb == b"MAIL":
                sender, rcpts = arg, []
                self._say("250 OK")
            elif verb == b"RCPT":
                rcpts.append(arg)
                self._say("250 OK")
            elif verb == b"DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append(b"".join(body))
                self.server.envelopes.append((sender, rcpts))
                self._say("250 OK queued")
            elif verb == b"QUIT":
                self._say("221 Bye")
                return
            elif verb in (b"HELO", b"RSET", b"NOOP"):
                self._say("250 OK")
            else:
                self._say("502 Command not implemented")


def test_apprise_email_to_local_smtp_server() -> None:
    server = _SMTPServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    try:
        event = make_event(3)
        notifier = Notifier([f"mailto://user:pass@127.0.0.1:{port}?smtp=127.0.0.1&mode=insecure"
                             "&from=nianbao@example.org&to=team@example.org"], retries=0)
        notifier.send(event)
        assert notifier.close(wait=20) == {"delivered": 1, "failed": 0, "abandoned": 0}
    finally:
        server.shutdown()
        server.server_close()
    [raw] = server.messages
    [(sender, rcpts)] = server.envelopes
    assert b"nianbao@example.org" in sender and any(b"team@example.org" in r for r in rcpts)
    assert server.auth and server.auth[0].startswith(b"PLAIN")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == event_title(event)
    assert "team@example.org" in msg["To"]
    text = msg.get_body(preferencelist=("plain", "html")).get_content()
    for value in (REPORT["organ"], event["report"]["provenance"]["page_url"], event["report"]["provenance"]["sha256"]):
        assert value in text, (value, text)


def test_check_urls_fails_fast_without_starting_anything() -> None:
    from crawler.outputs.notify import check_urls

    check_urls(["https://hooks.example.org/nianbao", "json://127.0.0.1:9/x"])
    with pytest.raises(ValueError, match="bogus://"):
        check_urls(["https://hooks.example.org/nianbao", "bogus://x"])
