"""`nianbao watch`: crawls on a schedule, in the foreground, with APScheduler.

Each run is a separate `nianbao crawl` process: a crawl's reactor cannot be restarted in one process, and a
run that fails (a dead site, a full disk, a crash) must not take the watcher down with it.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_EVERY = timedelta(days=366)


def parse_every(text: str) -> timedelta:
    """`6h`, `30m`, `1d`, `90s`, `1h30m` → a timedelta (at least one second, at most MAX_EVERY); ValueError
    naming the text otherwise."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text.strip().lower()):
        raise ValueError(f"not a duration like 6h, 30m, 1d or 1h30m: {text!r}")
    seconds = sum(float(n) * UNITS[u] for n, u in parts)
    if seconds < 1:
        raise ValueError(f"at least 1s, not {text!r}")
    if seconds > MAX_EVERY.total_seconds():
        raise ValueError(f"at most {MAX_EVERY.days}d, not {text!r}")
    return timedelta(seconds=seconds)


def crawl_argv(args: argparse.Namespace, options: argparse.ArgumentParser) -> list[str]:
    """The `nianbao crawl` arguments equal to the crawl options given to `watch`."""
    argv: list[str] = []
    for action in options._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value = getattr(args, action.dest, None)
        if value is None or value == action.default or value is False:
            continue
        flag = action.option_strings[-1]
        if value is True:
            argv.append(flag)
        elif isinstance(value, list) and isinstance(action, argparse._AppendAction):
            for v in value:
                argv += [flag, str(v)]
        elif isinstance(value, list):
            argv += [flag, *map(str, value)]
        else:
            argv += [flag, str(value)]
    return argv


STOPPED = (128 + signal.SIGINT, 128 + signal.SIGTERM)  # a crawl's exit status when a signal stopped it


class Watch:
    """Runs `nianbao crawl ARGV` now and then every `every`; counts runs and failures."""

    def __init__(self, argv: list[str], every: timedelta, runs: int | None = None) -> None:
        self.argv, self.every, self.max_runs = argv, every, runs
        self.runs = self.failures = 0
        self.scheduler: Any = None
        self.child: subprocess.Popen[bytes] | None = None

    def run_once(self) -> None:
        self.runs += 1
        started = time.monotonic()
        print(f"[{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z] watch: run {self.runs} starts: nianbao crawl "
              + " ".join(self.argv), file=sys.stderr, flush=True)
        try:
            self.child = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", *self.argv])
            code = self.child.wait()
            self.child = None
        except OSError as exc:  # could not even start: still only this run fails
            code = -1
            print(f"watch: run {self.runs} could not start: {exc}", file=sys.stderr)
        took = time.monotonic() - started
        if code == 0:
            print(f"watch: run {self.runs} done in {took:.0f}s", file=sys.stderr, flush=True)
        elif code in STOPPED:  # stopped by Ctrl-C / SIGTERM (the watch's own stop): recorded as interrupted
            print(f"watch: run {self.runs} interrupted after {took:.0f}s", file=sys.stderr, flush=True)
        else:
            self.failures += 1
            print(f"watch: run {self.runs} FAILED (exit {code}) after {took:.0f}s; next run as scheduled",
                  file=sys.stderr, flush=True)
        if self.max_runs is not None and self.runs >= self.max_runs and self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        elif self.scheduler is not None:
            job = self.scheduler.get_job("crawl")
            if job is not None and job.next_run_time is not None:
                print(f"watch: next run at {job.next_run_time.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z",
                      file=sys.stderr, flush=True)

    def start(self) -> int:
        """Block until Ctrl-C / SIGTERM (or `runs` runs); the exit code is 0 unless every run failed."""
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self.scheduler = BlockingScheduler(timezone=UTC)
        # one run at a time; a run that overran its interval is not queued up twice (coalesce)
        self.scheduler.add_job(self.run_once, IntervalTrigger(seconds=self.every.total_seconds(), timezone=UTC),
                               id="crawl", next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
                               misfire_grace_time=None)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        signal.signal(signal.SIGTERM, self._terminate)
        try:
            self.scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        print(f"watch: {self.runs} run(s), {self.failures} failed", file=sys.stderr)
        return 1 if self.runs and self.failures == self.runs else 0

    def _terminate(self, signum: int, frame: Any) -> None:
        """SIGTERM (systemd, docker stop, kill): stop the running crawl as Ctrl-C would, then stop watching."""
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(0)
