"""Crawl runs, each site's result in a run (and so its health), and the resources a run fetched."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from storage.kinds import SiteResult, SiteStatus
from storage.models import RUN_STATUSES, CrawlRun, Document, Resource, Site, as_utc
from storage.models import SiteResult as SiteResultRow
from storage.reports import current_count, site_id
from storage.session import Database


def _process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot, /proc/PID/stat): a pid used again is another process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if fields[0] != "Z" else None  # a zombie has ended too


def owner() -> dict[str, Any]:
    """This process, as a run records who runs it (so a later crawl can tell a dead run from a running one)."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "since": _process_start(pid)}


def _gone(who: dict[str, Any]) -> bool:
    """A run's process on this host that is no longer running (on another host: not known, so not gone)."""
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return False
    since = _process_start(who["pid"])
    return since is None or (who.get("since") is not None and since != who["since"])


class Runs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, args: dict[str, Any]) -> int:
        """A new run, `running`, owned by this process."""
        with self.db.engine.begin() as conn:
            return conn.scalar(insert(CrawlRun).values(status="running", args={**args, "owner": owner()})
                               .returning(CrawlRun.id))

    def mark_dead(self) -> list[int]:
        """Runs left `running` by a process of this host that has ended (SIGKILL, a crash, the machine's power):
        marked `dead`, with why in their stats, so that nobody takes them for crawls still going. Returns
        their ids. Runs of other hosts are left alone (whether their process lives is not known here)."""
        dead = []
        with self.db.engine.begin() as conn:
            for run_id, args, stats in conn.execute(select(CrawlRun.id, CrawlRun.args, CrawlRun.stats)
                                                    .where(CrawlRun.status == "running")):
                who = (args or {}).get("owner") or {}
                if _gone(who):
                    died = f"process {who['pid']} on {who['host']} ended without finishing the run"
                    conn.execute(update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == "running")
                                 .values(status="dead", stats={**(stats or {}), "died": died}))
                    dead.append(run_id)
        return dead

    def finish(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {RUN_STATUSES}, not {status!r}")
        with self.db.engine.begin() as conn:
            conn.execute(update(CrawlRun).where(CrawlRun.id == run_id)
                         .values(status=status, stats=stats, finished_at=datetime.now(UTC)))

    def site_result(self, run_id: int, result: SiteResult, *, finished: bool = True) -> None:
        """Record (or replace) a site's outcome in a run and, for a run that finished, update the site's health.

        A run that did not finish (stopped, its store failing) says nothing about the site: its result is kept
        with the run, but the site's health, flags and failure count are left as they were.
        `consecutive_failures` is recomputed from the recorded results of finished runs (non-"ok" results in
        runs after the last "ok" one), so recording the same run twice does not count twice.
        """
        status, reason, counts = str(result.status), result.reason or None, result.counters()
        now = datetime.now(UTC)
        with self.db.engine.begin() as conn:
            site = site_id(self.db, conn, result.site)
            values = {"status": status, "reason": reason, "recorded_at": now, **counts}
            conn.execute(self.db.insert(SiteResultRow).values(run_id=run_id, site_id=site, **values)
                         .on_conflict_do_update(index_elements=["run_id", "site_id"], set_=values))
            if not finished:
                return
            finished_runs = select(CrawlRun.id).where(CrawlRun.status == "ok")
            of_site = (SiteResultRow.site_id == site) & (
                SiteResultRow.run_id.in_(finished_runs) | (SiteResultRow.run_id == run_id))
            ok = SiteStatus.OK.value
            last_ok = conn.scalar(select(func.max(SiteResultRow.run_id)).where(of_site, SiteResultRow.status == ok))
            failures = conn.scalar(select(func.count()).select_from(SiteResultRow).where(
                of_site, SiteResultRow.status != ok, SiteResultRow.run_id > (last_ok or 0)))
            health: dict[str, Any] = {"last_status": status, "last_reason": reason,
                                      "consecutive_failures": failures}
            if status == ok and result.reports_found:
                health.update(last_success_at=now, flag=None, flag_reason=None, flagged_at=None)
            elif status in (ok, SiteStatus.NO_COLUMN):
                # reached, but no report found where there were some: a redesign or a moved column, not "nothing new"
                had = current_count(conn, site)
                if had:
                    health.update(flag="no_reports", flagged_at=now,
                                  flag_reason=f"{had} reports stored before; this crawl found none ({reason})")
            conn.execute(update(Site).where(Site.id == site).values(**health))

    # ------------------------------------------------------------------ fetched resources
    def record_resource(self, run_id: int, url: str, http_status: int | None, *, etag: str | None = None,
                        last_modified: str | None = None, content_type: str | None = None,
                        sha256: str | None = None, size: int | None = None,
                        fetched_at: str | datetime | None = None) -> None:
        """Record a fetched URL; recording the same URL again in the same run updates its row."""
        values = {"http_status": http_status, "etag": etag, "last_modified": last_modified,
                  "content_type": content_type, "sha256": sha256, "size": size,
                  "fetched_at": as_utc(fetched_at) or datetime.now(UTC)}
        with self.db.engine.begin() as conn:
            conn.execute(self.db.insert(Resource).values(run_id=run_id, url=url, **values)
                         .on_conflict_do_update(index_elements=["run_id", "url"], set_=values))

    def fetch_history(self, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None, datetime]]:
        """For each URL last answered 200 or 304: its newest ETag and Last-Modified (for conditional GETs)
        and when it was last fetched (servers without validators are revalidated only after a while)."""
        urls = list(set(urls))
        out: dict[str, tuple[str | None, str | None, datetime]] = {}
        with self.db.engine.connect() as conn:
            for i in range(0, len(urls), 500):
                stmt = (select(Resource.url, Resource.etag, Resource.last_modified, Resource.fetched_at)
                        .where(Resource.url.in_(urls[i:i + 500]), Resource.http_status.in_((200, 304)))
                        .order_by(Resource.fetched_at.asc(), Resource.id.asc()))
                for r in conn.execute(stmt):
                    etag, modified, _ = out.get(r.url, (None, None, r.fetched_at))
                    out[r.url] = (r.etag or etag, r.last_modified or modified, r.fetched_at)
        return out

    def document_fetches(self) -> list[dict[str, Any]]:
        """Every recorded fetch of a stored document (url, sha256, status, validators, time), oldest first."""
        stmt = (select(Resource.sha256, Resource.url, Resource.http_status, Resource.etag, Resource.last_modified,
                       Resource.content_type, Resource.fetched_at)
                .join(Document, Document.sha256 == Resource.sha256).order_by(Resource.fetched_at, Resource.id))
        with self.db.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
