"""The database (SQLite or PostgreSQL) and the content-addressed document store beside it.

Every write is one short transaction. Duplicates are prevented by unique constraints and
`INSERT ... ON CONFLICT` (both SQLite and PostgreSQL have it), so several crawler processes may write the
same database at once. A document's file is renamed into place complete before any row refers to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from storage import env
from storage.models import (
    EVENT_KINDS,
    RUN_STATUSES,
    CrawlRun,
    Delivery,
    Document,
    Event,
    Report,
    Resource,
    Site,
    SiteResult,
)

DEFAULT_URL = env.DB_URL_DEFAULT
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
COUNTS = ("pages_fetched", "reports_found", "reports_new", "reports_parsed", "checks_failing")
_PG_MIGRATION_LOCK = 0x6E69616E  # pg_advisory_xact_lock key: one migrating process at a time
# what makes two versions of a report "the same content" (an HTML page's chrome may change; its report not)
CONTENT_KEYS = ("title", "year", "organ", "template", "active", "requests", "appeals")


class Stored(NamedTuple):
    """What storing a report did: its row id and the event it caused (`new`, `revised` or None: known)."""

    id: int
    event: str | None
    event_id: int | None = None


def resolve_url(value: str | None) -> str:
    """A SQLAlchemy URL from a URL, a file path, $NIANBAO_DB, or the default `sqlite:///nianbao.db`."""
    value = value or env.db_url()
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 60000")
    cur.execute("PRAGMA foreign_keys = ON")
    # switching to WAL (once per database file) ignores busy_timeout: retry while another process holds a lock
    deadline = time.monotonic() + 60
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    cur.close()


def _as_utc(value: str | datetime | None) -> datetime | None:
    """A datetime from an ISO 8601 string or datetime; naive values are taken as UTC."""
    if value is None:
        return None
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, e.g. `2024-03-01T08:00:00Z`."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}")
    try:
        with tmp.open("xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in CONTENT_KEYS}


def report_status(removed_at: datetime | None, superseded_by: int | None) -> str:
    """A report version's status, the rule of the `report_summary` view: removed, superseded or current."""
    return "removed" if removed_at is not None else "superseded" if superseded_by is not None else "current"


def _provenance(r: Any) -> dict[str, Any]:
    """The `provenance` object of a reports row."""
    return {"page_url": r.page_url, "document_url": r.document_url, "fetched_at": iso_z(r.fetched_at),
            "sha256": r.document_sha256, "content_type": r.content_type, "http_status": r.http_status,
            "discovery_path": r.discovery_path or []}


class Store:
    """The nianbao database plus its document files. Opening it migrates the schema to the latest revision."""

    def __init__(self, url: str | None = None, blob_dir: str | Path | None = None) -> None:
        self.url = resolve_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine: Engine = create_engine(self.url, json_serializer=_dumps)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, json_serializer=_dumps, pool_pre_ping=True)
        if blob_dir is None:
            if self.is_sqlite and parsed.database not in (None, "", ":memory:"):
                db_file = Path(parsed.database).resolve()
                blob_dir = db_file.with_name(db_file.name + ".docs")
            else:
                blob_dir = env.blob_dir()
        self.blob_dir = Path(blob_dir).resolve()
        self._migrate()

    # ------------------------------------------------------------------ plumbing
    def _migrate(self) -> None:
        """Upgrade to head inside one locked transaction, so concurrent openers migrate once."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn, conn.begin():
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading the version
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _insert(self, model: type) -> Any:
        """The dialect's INSERT, which has `on_conflict_do_nothing/_do_update` on both backends."""
        return (sqlite.insert if self.is_sqlite else postgresql.insert)(model)

    def _site_id(self, conn: Connection, name: str, **fields: Any) -> int:
        """Insert or update a site by name (only the fields given as not None) and return its id."""
        fields = {k: v for k, v in fields.items() if v is not None}
        stmt = self._insert(Site).values(name=name, **fields)
        if fields:
            stmt = stmt.on_conflict_do_update(index_elements=["name"], set_=fields)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["name"])
        conn.execute(stmt)
        return conn.scalar(select(Site.id).where(Site.name == name))

    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256[2:4] / sha256

    # ------------------------------------------------------------------ sites and runs
    def upsert_site(self, name: str, province: str | None = None, division_code: str | None = None,
                    homepage: str | None = None, hints: dict[str, Any] | None = None) -> int:
        """Create the site or update the fields that are given (None leaves a field as it is)."""
        with self.engine.begin() as conn:
            return self._site_id(conn, name, province=province, division_code=division_code,
                                 homepage=homepage, hints=hints)

    def start_run(self, args: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            return conn.scalar(insert(CrawlRun).values(status="running", args=args).returning(CrawlRun.id))

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {RUN_STATUSES}, not {status!r}")
        with self.engine.begin() as conn:
            conn.execute(update(CrawlRun).where(CrawlRun.id == run_id)
                         .values(status=status, stats=stats, finished_at=datetime.now(UTC)))

    def site_result(self, run_id: int, site_name: str, status: str, reason: str | None, **counts: int) -> None:
        """Record (or replace) a site's outcome in a run and update the site's health.

        `consecutive_failures` is recomputed from the recorded results (non-"ok" results in runs after the
        last "ok" one), so recording the same run twice does not count twice.
        """
        unknown = set(counts) - set(COUNTS)
        if unknown:
            raise TypeError(f"unknown counts {sorted(unknown)}; known: {COUNTS}")
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            site_id = self._site_id(conn, site_name)
            values = {"status": status, "reason": reason, "recorded_at": now, **counts}
            conn.execute(self._insert(SiteResult).values(run_id=run_id, site_id=site_id, **values)
                         .on_conflict_do_update(index_elements=["run_id", "site_id"], set_=values))
            of_site = SiteResult.site_id == site_id
            last_ok = conn.scalar(select(func.max(SiteResult.run_id)).where(of_site, SiteResult.status == "ok"))
            failures = conn.scalar(select(func.count()).select_from(SiteResult).where(
                of_site, SiteResult.status != "ok", SiteResult.run_id > (last_ok or 0)))
            health: dict[str, Any] = {"last_status": status, "last_reason": reason,
                                      "consecutive_failures": failures}
            if status == "ok" and counts.get("reports_found", 1):
                health.update(last_success_at=now, flag=None, flag_reason=None, flagged_at=None)
            elif status in ("ok", "no_column"):
                # reached, but no report found where there were some: a redesign or a moved column, not "nothing new"
                had = conn.scalar(select(func.count()).select_from(Report).where(
                    Report.site_id == site_id, Report.superseded_by.is_(None), Report.removed_at.is_(None)))
                if had:
                    health.update(flag="no_reports", flagged_at=now,
                                  flag_reason=f"{had} reports stored before; this crawl found none ({reason})")
            conn.execute(update(Site).where(Site.id == site_id).values(**health))

    def record_resource(self, run_id: int, url: str, http_status: int | None, *, etag: str | None = None,
                        last_modified: str | None = None, content_type: str | None = None,
                        sha256: str | None = None, size: int | None = None,
                        fetched_at: str | datetime | None = None) -> None:
        """Record a fetched URL; recording the same URL again in the same run updates its row."""
        values = {"http_status": http_status, "etag": etag, "last_modified": last_modified,
                  "content_type": content_type, "sha256": sha256, "size": size,
                  "fetched_at": _as_utc(fetched_at) or datetime.now(UTC)}
        with self.engine.begin() as conn:
            conn.execute(self._insert(Resource).values(run_id=run_id, url=url, **values)
                         .on_conflict_do_update(index_elements=["run_id", "url"], set_=values))

    # ------------------------------------------------------------------ documents
    def put_document(self, data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
        """Store bytes under their sha256 (file first, then the row) and return the sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.blob_path(sha)
        if not path.is_file():
            _write_atomically(path, data)
        with self.engine.begin() as conn:
            conn.execute(self._insert(Document)
                         .values(sha256=sha, size=len(data), content_type=content_type, filename=filename)
                         .on_conflict_do_nothing(index_elements=["sha256"]))
        return sha

    def get_document(self, sha256: str) -> bytes:
        return self.blob_path(sha256).read_bytes()

    def known_document(self, sha256: str) -> bool:
        """Whether these bytes are already stored (whether or not a report was parsed from them)."""
        with self.engine.connect() as conn:
            return conn.scalar(select(Document.sha256).where(Document.sha256 == sha256)) is not None

    # ------------------------------------------------------------------ reports
    def add_report(self, site_name: str, report: dict[str, Any], provenance: dict[str, Any]) -> tuple[int, bool]:
        """Store a parsed report once per document; returns (report id, whether it was new)."""
        stored = self.store_report(site_name, report, provenance)
        return stored.id, stored.event is not None

    def store_report(self, site_name: str, report: dict[str, Any], provenance: dict[str, Any],
                     run_id: int | None = None) -> Stored:
        """Store a parsed report once per document and record what that means as an event.

        The document (provenance["sha256"]) must have been stored with put_document first. Bytes already
        stored: nothing new (the report is marked seen, and no longer removed). Otherwise, when the site already
        has a current report of the same organ and year (or, without them, the same URLs): a `revised` version
        that supersedes it, the old one kept; unless the document is an HTML page whose report is unchanged
        (only the page's chrome moved). Else a `new` report.
        """
        sha = provenance["sha256"]
        path = self.blob_path(sha)
        if not path.is_file():
            raise ValueError(f"document {sha} is not in {self.blob_dir}: put_document() it first")
        data = {k: v for k, v in report.items() if k != "provenance"}
        checks = data.get("checks") or []
        now = datetime.now(UTC)
        row = {
            "document_sha256": sha, "organ": data.get("organ"), "region": data.get("region"),
            "year": data.get("year"), "template": data.get("template"), "title": data.get("title"),
            "checks_total": len(checks), "checks_failed": sum(1 for c in checks if not c.get("ok")),
            "data": data, "page_url": provenance.get("page_url"), "document_url": provenance.get("document_url"),
            "fetched_at": _as_utc(provenance.get("fetched_at")), "content_type": provenance.get("content_type"),
            "http_status": provenance.get("http_status"), "discovery_path": list(provenance.get("discovery_path") or []),
            "last_seen_at": now,
        }
        with self.engine.begin() as conn:
            site_id = self._site_id(conn, site_name)
            # the file exists; make sure its row does too (a crash may have come between the two)
            conn.execute(self._insert(Document)
                         .values(sha256=sha, size=path.stat().st_size, content_type=provenance.get("content_type"))
                         .on_conflict_do_nothing(index_elements=["sha256"]))
            known = conn.scalar(select(Report.id).where(Report.document_sha256 == sha))
            if known is not None:
                self._seen(conn, [known], now)
                return Stored(known, None)
            previous = self._current_version(conn, site_id, row)
            if previous is not None and "html" in (row["content_type"] or "").lower() and \
                    _content(previous.data) == _content(data):
                self._seen(conn, [previous.id], now)
                return Stored(previous.id, None)
            new_id = conn.scalar(self._insert(Report).values(site_id=site_id, **row)
                                 .on_conflict_do_nothing(index_elements=["document_sha256"]).returning(Report.id))
            if new_id is None:  # another process stored the same bytes a moment ago
                return Stored(conn.scalar(select(Report.id).where(Report.document_sha256 == sha)), None)
            kind = "new"
            if previous is not None:
                kind = "revised"
                conn.execute(update(Report).where(Report.id == previous.id).values(superseded_by=new_id))
            event_id = conn.scalar(insert(Event).values(
                kind=kind, at=now, run_id=run_id, report_id=new_id, site_id=site_id,
                previous_report_id=previous.id if previous is not None else None,
                detail=None if previous is None else f"supersedes report {previous.id} ({previous.document_sha256[:12]}…)",
            ).returning(Event.id))
            return Stored(new_id, kind, event_id)

    @staticmethod
    def _current_version(conn: Connection, site_id: int, row: dict[str, Any]) -> Any:
        """The site's current version of the same report: same organ and year, else the same page and document."""
        if row["organ"] and row["year"]:
            same = (Report.organ == row["organ"], Report.year == row["year"])
        elif row["page_url"] or row["document_url"]:
            same = (Report.page_url == row["page_url"], Report.document_url == row["document_url"])
        else:
            return None
        return conn.execute(select(Report.id, Report.data, Report.document_sha256)
                            .where(Report.site_id == site_id, Report.superseded_by.is_(None), *same)
                            .order_by(Report.id.desc()).limit(1)).first()

    @staticmethod
    def _seen(conn: Connection, ids: Iterable[int], at: datetime) -> None:
        conn.execute(update(Report).where(Report.id.in_(list(ids))).values(last_seen_at=at, removed_at=None))

    def mark_seen(self, report_ids: Iterable[int]) -> None:
        """These reports' pages or documents answered (maybe 304 Not Modified): present, not removed."""
        ids = list(report_ids)
        if ids:
            with self.engine.begin() as conn:
                self._seen(conn, ids, datetime.now(UTC))

    def mark_removed(self, report_id: int, detail: str, run_id: int | None = None) -> int | None:
        """The report's page or document is gone: keep it, mark it, record a `removed` event (once).
        Returns the event's id, or None when it was already marked."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            done = conn.execute(update(Report).where(Report.id == report_id, Report.removed_at.is_(None))
                                .values(removed_at=now)).rowcount
            if not done:
                return None
            site_id = conn.scalar(select(Report.site_id).where(Report.id == report_id))
            return conn.scalar(insert(Event).values(kind="removed", at=now, run_id=run_id, report_id=report_id,
                                                    site_id=site_id, detail=detail).returning(Event.id))

    def known_reports(self, site_name: str) -> list[dict[str, Any]]:
        """The site's current report versions (removed ones too): what a recrawl checks against."""
        stmt = (select(Report.id, Report.page_url, Report.document_url, Report.document_sha256, Report.removed_at)
                .join(Site, Site.id == Report.site_id)
                .where(Site.name == site_name, Report.superseded_by.is_(None)))
        with self.engine.connect() as conn:
            return [{"id": r.id, "page_url": r.page_url, "document_url": r.document_url, "sha256": r.document_sha256,
                     "removed": r.removed_at is not None} for r in conn.execute(stmt)]

    def fetch_history(self, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None, datetime]]:
        """For each URL last answered 200 or 304: its newest ETag and Last-Modified (for conditional GETs)
        and when it was last fetched (servers without validators are revalidated only after a while)."""
        urls = list(set(urls))
        out: dict[str, tuple[str | None, str | None, datetime]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(urls), 500):
                stmt = (select(Resource.url, Resource.etag, Resource.last_modified, Resource.fetched_at)
                        .where(Resource.url.in_(urls[i:i + 500]), Resource.http_status.in_((200, 304)))
                        .order_by(Resource.fetched_at.asc(), Resource.id.asc()))
                for r in conn.execute(stmt):
                    etag, modified, _ = out.get(r.url, (None, None, r.fetched_at))
                    out[r.url] = (r.etag or etag, r.last_modified or modified, r.fetched_at)
        return out

    # ------------------------------------------------------------------ notifications
    @staticmethod
    def target(url: str) -> str:
        """How a --notify URL is named in the database: a hash (the URL may hold a password or a token)."""
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]

    def queue_deliveries(self, event_ids: Iterable[int], urls: Iterable[str]) -> None:
        rows = [{"event_id": e, "target": self.target(u), "queued_at": datetime.now(UTC)} for e in event_ids for u in urls]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(self._insert(Delivery).values(rows).on_conflict_do_nothing(
                    index_elements=["event_id", "target"]))

    def mark_delivered(self, event_id: int, url: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Delivery).where(Delivery.event_id == event_id, Delivery.target == self.target(url))
                         .values(delivered_at=datetime.now(UTC)))

    def undelivered(self, url: str, days: float = 7) -> list[int]:
        """Events queued for this URL in the last `days` days that never arrived, oldest first."""
        since = datetime.now(UTC) - timedelta(days=days)
        with self.engine.connect() as conn:
            return list(conn.scalars(select(Delivery.event_id).where(
                Delivery.target == self.target(url), Delivery.delivered_at.is_(None), Delivery.queued_at >= since,
            ).order_by(Delivery.event_id)))

    def iter_events(self, since: str | datetime | None = None, kinds: Iterable[str] | None = None,
                    ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
        """Events in order, each with its report (schema object, provenance, id, status) and, for a
        revision, the previous version's id, sha256 and URLs."""
        ev, r, p = Event.__table__, Report.__table__.alias("r"), Report.__table__.alias("p")
        stmt = (select(ev.c.id.label("event_id"), ev.c.kind, ev.c.at, ev.c.detail, Site.name.label("site"), r,
                       p.c.id.label("p_id"), p.c.document_sha256.label("p_sha256"), p.c.page_url.label("p_page_url"),
                       p.c.document_url.label("p_document_url"), p.c.fetched_at.label("p_fetched_at"))
                .join(r, r.c.id == ev.c.report_id).outerjoin(p, p.c.id == ev.c.previous_report_id)
                .outerjoin(Site, Site.id == ev.c.site_id)
                .where(ev.c.kind.in_(list(kinds or EVENT_KINDS))).order_by(ev.c.id))
        if ids is not None:
            stmt = stmt.where(ev.c.id.in_(list(ids)))
        if since is not None:
            stmt = stmt.where(ev.c.at >= _as_utc(since))
        with self.engine.connect() as conn:
            for e in conn.execution_options(yield_per=500).execute(stmt):
                previous = None if e.p_id is None else {
                    "id": e.p_id, "sha256": e.p_sha256, "page_url": e.p_page_url, "document_url": e.p_document_url,
                    "fetched_at": iso_z(e.p_fetched_at)}
                report = {**e.data, "provenance": _provenance(e), "id": e.id,
                          "status": report_status(e.removed_at, e.superseded_by)}
                yield {"id": e.event_id, "kind": e.kind, "at": iso_z(e.at), "site": e.site, "detail": e.detail,
                       "report": report, "previous": previous}

    def iter_reports(self, all_versions: bool = False) -> Iterator[dict[str, Any]]:
        """Every current report (schema object plus `provenance`), ordered by region, organ, year (code point
        order); with `all_versions`, superseded versions of revised reports too."""
        def key(col: Any) -> Any:
            # PostgreSQL's default collation is the locale's; "C" sorts like SQLite's BINARY
            return (col if self.is_sqlite else col.collate("C")).asc().nulls_last()

        stmt = (select(Report.data, Report.page_url, Report.document_url, Report.fetched_at,
                       Report.document_sha256, Report.content_type, Report.http_status, Report.discovery_path)
                .order_by(key(Report.region), key(Report.organ), Report.year.asc().nulls_last(), Report.id))
        if not all_versions:
            stmt = stmt.where(Report.superseded_by.is_(None))
        with self.engine.connect() as conn:
            for r in conn.execution_options(yield_per=500).execute(stmt):
                yield {**r.data, "provenance": _provenance(r)}

    def report_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Report))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
