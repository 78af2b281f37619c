"""Ctrl-C and SIGTERM during a crawl: the first stops it gracefully, the second at once.

The first signal asks Scrapy to close the spider (downloads in flight end, every item already fetched is parsed
and stored, the spider's sites end `interrupted`), after which `nianbao crawl` records the run as interrupted,
prints the results and exits 128 + the signal's number. A graceful stop still going after `GRACE` seconds (a
download from a site that never answers holds it for DOWNLOAD_TIMEOUT) is cut short: the reactor is stopped
where it is, what was in flight is abandoned, and the results are written all the same. A second signal, or
results not written `LAST` seconds later, ends the process at once (`os._exit`): what is stored stays stored
(every write is one transaction), the parse workers die with it (PDEATHSIG), and the next crawl marks the run,
left `running`, dead. Scrapy's own handlers are not used: a second Ctrl-C there waits for the same graceful stop
again, and a third is ignored.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

GRACE = 10.0  # seconds a graceful stop may take before what is in flight is abandoned
LAST = 20.0  # seconds after that to write the results before the process ends at once
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupt:
    """The crawl's SIGINT / SIGTERM handling, from before the crawl is set up to when its results are written.

    A signal before the reactor runs (the store opening, Scrapy loading its components) is kept, and the crawl
    stops as soon as it starts; no KeyboardInterrupt is ever raised inside Scrapy or Twisted code."""

    def __init__(self, grace: float = GRACE, last: float = LAST) -> None:
        self.grace, self.last = grace, last
        self.signum: int | None = None
        self.process: Any = None
        self.running = False
        self.abandoned = False  # the graceful stop was cut short (threads of what was in flight may linger)
        self._previous: dict[int, Any] = {}

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 0)

    def install(self) -> None:
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        logging.getLogger("asyncio").addFilter(self._driver_gone)

    def attach(self, process: Any) -> None:
        """The CrawlerProcess to stop (its reactor is installed by now)."""
        from twisted.internet import reactor

        self.process = process
        reactor.callWhenRunning(self._started)

    def restore(self) -> None:
        """The handlers before the crawl; a signal that comes now (the results are being written) is a second one."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler if self.signum is None else self._handle)

    def _driver_gone(self, record: logging.LogRecord) -> bool:
        """A terminal's Ctrl-C reaches Playwright's driver too (the whole process group gets it): once stopping,
        its dying is expected, not an error to log."""
        return self.signum is None or "closed while reading from the driver" not in record.getMessage()

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is not None:
            self._now(f"{signal.Signals(signum).name} again: stopped at once")
            return
        self.signum = signum
        _say(f"nianbao: {self.name}: stopping; what is stored stays stored ({self.name} again: stop at once)\n")
        if self.running:
            from twisted.internet import reactor

            reactor.callFromThread(self._stop)
        for after, then, args in ((self.grace, self._abandon, ()),
                                  (self.grace + self.last, self._now, (f"not stopped within {self.grace + self.last:g} "
                                                                       "s: stopped at once",))):
            timer = threading.Timer(after, then, args=args)
            timer.daemon = True
            timer.start()

    def _abandon(self) -> None:
        if self.running:
            from twisted.internet import reactor

            reactor.callFromThread(self._crash)

    def _crash(self) -> None:
        from twisted.internet import reactor

        if reactor.running:
            self.abandoned = True
            _say(f"nianbao: not stopped within {self.grace:g} s: what is still in flight is abandoned\n")
            reactor.crash()  # (reactor.stop() would wait for the same graceful stop)

    def _started(self) -> None:
        self.running = True
        if self.signum is not None:
            self._stop()

    def _stop(self) -> None:
        from twisted.internet import reactor

        def stop_reactor(_: Any) -> None:
            if reactor.running:
                reactor.stop()

        self.process.stop().addBoth(stop_reactor)

    def _now(self, why: str) -> None:
        _say(f"nianbao: {why} (the run stays `running` until the next crawl marks it dead)\n")
        os._exit(self.exit_code)


def _say(text: str) -> None:
    """One line on stderr from a signal handler or a timer thread (no buffered stream: it may be mid-write)."""
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass
