"""Send each event (a report new, revised or removed) to webhooks and, through Apprise, to e-mail, chat and more.

    notifier = Notifier(["https://hooks.example.org/nianbao", "mailto://user:pass@smtp.example.org?to=team@example.org"])
    notifier.send(event)          # never blocks, never raises
    counts = notifier.close()     # flush for at most 15 s: {"delivered": …, "failed": …, "abandoned": …}

`http://` and `https://` URLs get the event itself POSTed as JSON; every other URL is an Apprise URL
(https://appriseit.com/services/) and gets a title and a few readable lines. Each URL has its own worker thread
and queue, so a dead or hanging endpoint slows neither the caller nor the other endpoints. Failures are counted
and reported by `close()` in one log line per endpoint, not one per event.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import apprise
from apprise.manager_plugins import NotificationManager

from crawler.config import Config
from crawler.outputs.texts import event_lines, event_title

log = logging.getLogger(__name__)

USER_AGENT = "nianbao/0.1 (event notifications; +https://github.com/nianbao/nianbao)"
_STOP = object()


class _Retry(Exception):
    """A failure worth another try (no connection, timeout, 5xx, 429)."""


class _GiveUp(Exception):
    """A failure another try will not fix (4xx, a bad payload)."""


# Apprise logs each failure as it happens; in our worker threads those lines are kept for the endpoint's summary
# instead of going to the log once per event.
_CAPTURED: dict[int, list[str]] = {}


class _KeepAppriseMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        sink = _CAPTURED.get(threading.get_ident())
        if sink is None:
            return True
        if record.levelno >= logging.WARNING:
            sink.append(record.getMessage())
        return False


logging.getLogger("apprise").addFilter(_KeepAppriseMessages())


@contextmanager
def _apprise_messages() -> Iterator[list[str]]:
    sink: list[str] = []
    _CAPTURED[threading.get_ident()] = sink
    try:
        yield sink
    finally:
        _CAPTURED.pop(threading.get_ident(), None)


def _hide_urls(text: str) -> str:
    """Apprise messages quote the URL, which may hold a password or token."""
    return re.sub(r"\S+://\S+", "", text).strip(" :")


class _Webhook:
    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"--notify: {parts.scheme}:// URL without a host")
        self.url, self.timeout = url, timeout
        self.name = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"  # no credentials, no token in the path

    def deliver(self, data: bytes) -> None:
        req = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            msg = f"HTTP {exc.code} {exc.reason}"
            raise (_Retry(msg) if exc.code >= 500 or exc.code == 429 else _GiveUp(msg)) from None
        except (OSError, ValueError) as exc:  # URLError, refused, reset, timeout (socket.timeout is an OSError)
            reason = getattr(exc, "reason", exc)
            raise _Retry(f"{type(reason).__name__}: {reason}") from None


class _AppriseService:
    def __init__(self, url: str, timeout: float) -> None:
        scheme = urlsplit(url).scheme.lower()
        if not scheme or "://" not in url:
            raise ValueError("--notify: not a URL (want https://… for a JSON webhook, or an Apprise URL such as "
                             "mailto://… or tgram://…)")
        if scheme not in NotificationManager():
            raise ValueError(f"--notify: unknown URL scheme {scheme}:// (neither http(s) nor an Apprise service; "
                             "see https://appriseit.com/services/)")
        with _apprise_messages() as messages:
            plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            why = _hide_urls(messages[0]) if messages else "Apprise cannot use it"
            raise ValueError(f"--notify: invalid {scheme}:// URL: {why}")
        query = parse_qs(urlsplit(url).query)
        if "cto" not in query:
            plugin.socket_connect_timeout = timeout
        if "rto" not in query:
            plugin.socket_read_timeout = timeout
        self.plugin = plugin
        self.name = plugin.url(privacy=True).split("?", 1)[0]

    def deliver(self, data: bytes) -> None:
        event = json.loads(data)
        with _apprise_messages() as messages:
            ok = self.plugin.notify(title=event_title(event), body="\n".join(event_lines(event)))
        if not ok:
            raise _Retry(_hide_urls(messages[-1]) if messages else "Apprise reported a failure")


class _Endpoint:
    """One URL: its queue, its worker thread and its counts."""

    def __init__(self, url: str, service: _Webhook | _AppriseService, retries: int, backoff: float,
                 abort: threading.Event, on_delivered: Callable[[int, str], None] | None) -> None:
        self.url, self.service, self.retries, self.backoff, self.abort = url, service, retries, backoff, abort
        self.on_delivered = on_delivered
        self.queue: queue.Queue[Any] = queue.Queue()
        self.lock = threading.Lock()
        self.queued = self.delivered = self.failed = 0
        self.last_error: str | None = None
        self.down = False  # the last event failed after every retry
        self.reported = False
        self.thread = threading.Thread(target=self._run, name=f"notify {service.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.abort.is_set():
            item = self.queue.get()
            if item is _STOP:
                return
            event_id, data = item
            ok = self._deliver(data)
            if ok and self.on_delivered is not None and event_id is not None:
                try:
                    self.on_delivered(event_id, self.url)
                except Exception as exc:  # noqa: BLE001 - a ledger that cannot be written must not stop delivery
                    log.warning("notify: delivery of event %s not recorded: %s", event_id, exc)
            with self.lock:
                if self.abort.is_set():
                    return  # close() has given up and counted this event as abandoned
                if ok:
                    self.delivered += 1
                else:
                    self.failed += 1

    def _deliver(self, data: bytes) -> bool:
        # an endpoint that failed an event after every retry gets one try per event until one goes through: the
        # events it misses wait in the delivery ledger for the next crawl, not in growing waits at this one's end
        tries = 1 if self.down else self.retries + 1
        for attempt in range(tries):
            try:
                self.service.deliver(data)
                self.down = False
                return True
            except _GiveUp as exc:
                self.last_error = str(exc)
                return False
            except _Retry as exc:
                self.last_error = str(exc)
            except Exception as exc:  # a bug or an Apprise plugin's surprise: count it, keep the worker alive
                self.last_error = f"{type(exc).__name__}: {exc}"
                return False
            if attempt < tries - 1 and self.abort.wait(self.backoff * 2 ** attempt):
                return False
        self.down = True
        return False


def _service(url: str, timeout: float) -> _Webhook | _AppriseService:
    if urlsplit(url).scheme.lower() in ("http", "https"):
        return _Webhook(url, timeout)
    return _AppriseService(url, timeout)


def check_urls(urls: list[str]) -> None:
    """Raise the one-line `ValueError` a Notifier would, without starting anything (to fail before a crawl)."""
    for url in urls:
        _service(url, 10)


class Notifier:
    """Deliver events to several URLs in the background; see the module docstring.

    An invalid URL raises `ValueError` (one line, naming the URL's scheme, never its secrets) here, at
    construction, so a command can fail before it starts crawling.
    """

    def __init__(self, urls: list[str], *, timeout: float = 10, retries: int = 3, backoff: float = 1.0,
                 on_delivered: Callable[[int, str], None] | None = None) -> None:
        """`on_delivered(event id, url)` is called (in a worker thread) for each event that arrived."""
        services = [(u, _service(u, timeout)) for u in urls]
        self._abort = threading.Event()
        self._closed = False
        self._endpoints = [_Endpoint(u, s, retries, backoff, self._abort, on_delivered) for u, s in services]

    def send(self, event: dict[str, Any], urls: Iterable[str] | None = None) -> None:
        """Queue the event for every URL (or only `urls`) and return at once; never raises."""
        if self._closed or not self._endpoints:
            return
        try:
            data = json.dumps(event, ensure_ascii=False, default=str).encode("utf-8")
        except Exception as exc:
            log.warning("notify: event %r not sent: %s", event.get("id") if isinstance(event, dict) else event, exc)
            return
        only = set(urls) if urls is not None else None
        for ep in self._endpoints:
            if only is not None and ep.url not in only:
                continue
            with ep.lock:
                ep.queued += 1
            ep.queue.put((event.get("id"), data))

    def close(self, wait: float = Config.notify_wait) -> dict[str, int]:
        """Deliver what is queued for at most `wait` seconds, then give up; return the counts over all URLs.

        Logs one line per URL that missed events. Events still queued or in flight at the deadline count as
        abandoned; a worker blocked in a request is a daemon thread and ends with its timeout.
        """
        if not self._closed:
            self._closed = True
            for ep in self._endpoints:
                ep.queue.put(_STOP)
            deadline = time.monotonic() + wait
            for ep in self._endpoints:
                ep.thread.join(max(0.0, deadline - time.monotonic()))
            self._abort.set()
        counts = {"delivered": 0, "failed": 0, "abandoned": 0}
        for ep in self._endpoints:
            with ep.lock:
                delivered, failed = ep.delivered, ep.failed
                abandoned = ep.queued - delivered - failed
            counts["delivered"] += delivered
            counts["failed"] += failed
            counts["abandoned"] += abandoned
            if (failed or abandoned) and not ep.reported:
                ep.reported = True
                log.warning("notify: %s: %d of %d events not delivered (%d failed, %d abandoned); last error: %s",
                            ep.service.name, failed + abandoned, ep.queued, failed, abandoned,
                            ep.last_error or "none (still waiting for an answer)")
        return counts

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
