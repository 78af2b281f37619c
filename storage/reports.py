"""Sites, and the reports found on them with their versions.

Every write is one short transaction. Duplicates are prevented by unique constraints and
`INSERT ... ON CONFLICT` (both SQLite and PostgreSQL have it), so several crawler processes may write the
same database at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, func, select, update

from storage import events
from storage.documents import Documents
from storage.kinds import EventKind
from storage.models import Report, Site, as_utc, provenance
from storage.session import Database

# what makes two versions of a report "the same content" (an HTML page's chrome may change; its report not)
CONTENT_KEYS = ("title", "year", "organ", "template", "active", "requests", "appeals")


class Stored(NamedTuple):
    """What storing a report did: its row id and the event it caused (`new`, `revised` or None: known)."""

    id: int
    event: EventKind | None
    event_id: int | None = None


def site_id(db: Database, conn: Connection, name: str, **fields: Any) -> int:
    """Insert or update a site by name (only the fields given as not None) and return its id."""
    fields = {k: v for k, v in fields.items() if v is not None}
    stmt = db.insert(Site).values(name=name, **fields)
    if fields:
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_=fields)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["name"])
    conn.execute(stmt)
    return conn.scalar(select(Site.id).where(Site.name == name))


def current_count(conn: Connection, site: int) -> int:
    """How many current, not removed, reports the site has."""
    return conn.scalar(select(func.count()).select_from(Report).where(
        Report.site_id == site, Report.superseded_by.is_(None), Report.removed_at.is_(None)))


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in CONTENT_KEYS}


def _seen(conn: Connection, ids: Iterable[int], at: datetime) -> None:
    conn.execute(update(Report).where(Report.id.in_(list(ids))).values(last_seen_at=at, removed_at=None))


def _current_version(conn: Connection, site: int, row: dict[str, Any]) -> Any:
    """The site's current version of the same report: same organ and year, else the same page and document."""
    if row["organ"] and row["year"]:
        same = (Report.organ == row["organ"], Report.year == row["year"])
    elif row["page_url"] or row["document_url"]:
        same = (Report.page_url == row["page_url"], Report.document_url == row["document_url"])
    else:
        return None
    return conn.execute(select(Report.id, Report.data, Report.document_sha256)
                        .where(Report.site_id == site, Report.superseded_by.is_(None), *same)
                        .order_by(Report.id.desc()).limit(1)).first()


class Reports:
    def __init__(self, db: Database, documents: Documents) -> None:
        self.db, self.documents = db, documents

    # ------------------------------------------------------------------ sites
    def upsert_site(self, name: str, province: str | None = None, division_code: str | None = None,
                    homepage: str | None = None, hints: dict[str, Any] | None = None) -> int:
        """Create the site or update the fields that are given (None leaves a field as it is)."""
        with self.db.engine.begin() as conn:
            return site_id(self.db, conn, name, province=province, division_code=division_code,
                           homepage=homepage, hints=hints)

    def sites(self) -> list[Row[Any]]:
        """Every site row with its health, by name."""
        with self.db.engine.connect() as conn:
            return list(conn.execute(select(Site.__table__).order_by(Site.name)))

    # ------------------------------------------------------------------ writing reports
    def add(self, site_name: str, report: dict[str, Any], provenance: dict[str, Any]) -> tuple[int, bool]:
        """Store a parsed report once per document; returns (report id, whether it was new)."""
        stored = self.store(site_name, report, provenance)
        return stored.id, stored.event is not None

    def store(self, site_name: str, report: dict[str, Any], provenance: dict[str, Any],
              run_id: int | None = None) -> Stored:
        """Store a parsed report once per document and record what that means as an event.

        The document (provenance["sha256"]) must have been stored with `documents.put` first. Bytes already
        stored: nothing new (the report is marked seen, and no longer removed). Otherwise, when the site already
        has a current report of the same organ and year (or, without them, the same URLs): a `revised` version
        that supersedes it, the old one kept; unless the document is an HTML page whose report is unchanged
        (only the page's chrome moved). Else a `new` report.
        """
        sha = provenance["sha256"]
        path = self.documents.path(sha)
        if not path.is_file():
            raise ValueError(f"document {sha} is not in {self.documents.dir}: store it with documents.put() first")
        data = {k: v for k, v in report.items() if k != "provenance"}
        checks = data.get("checks") or []
        now = datetime.now(UTC)
        row = {
            "document_sha256": sha, "organ": data.get("organ"), "region": data.get("region"),
            "year": data.get("year"), "template": data.get("template"), "title": data.get("title"),
            "checks_total": len(checks), "checks_failed": sum(1 for c in checks if not c.get("ok")),
            "data": data, "page_url": provenance.get("page_url"), "document_url": provenance.get("document_url"),
            "fetched_at": as_utc(provenance.get("fetched_at")), "content_type": provenance.get("content_type"),
            "http_status": provenance.get("http_status"), "discovery_path": list(provenance.get("discovery_path") or []),
            "last_seen_at": now,
        }
        with self.db.engine.begin() as conn:
            site = site_id(self.db, conn, site_name)
            # the file exists; make sure its row does too (a crash may have come between the two)
            self.documents.ensure_row(conn, sha, path.stat().st_size, provenance.get("content_type"))
            known = conn.scalar(select(Report.id).where(Report.document_sha256 == sha))
            if known is not None:
                _seen(conn, [known], now)
                return Stored(known, None)
            previous = _current_version(conn, site, row)
            if previous is not None and "html" in (row["content_type"] or "").lower() and \
                    _content(previous.data) == _content(data):
                _seen(conn, [previous.id], now)
                return Stored(previous.id, None)
            new_id = conn.scalar(self.db.insert(Report).values(site_id=site, **row)
                                 .on_conflict_do_nothing(index_elements=["document_sha256"]).returning(Report.id))
            if new_id is None:  # another process stored the same bytes a moment ago
                return Stored(conn.scalar(select(Report.id).where(Report.document_sha256 == sha)), None)
            if previous is None:
                event_id = events.record(conn, EventKind.NEW, now, run_id=run_id, report_id=new_id, site_id=site)
                return Stored(new_id, EventKind.NEW, event_id)
            conn.execute(update(Report).where(Report.id == previous.id).values(superseded_by=new_id))
            event_id = events.record(
                conn, EventKind.REVISED, now, run_id=run_id, report_id=new_id, site_id=site,
                previous_report_id=previous.id,
                detail=f"supersedes report {previous.id} ({previous.document_sha256[:12]}…)")
            return Stored(new_id, EventKind.REVISED, event_id)

    def mark_seen(self, report_ids: Iterable[int]) -> None:
        """These reports' pages or documents answered (maybe 304 Not Modified): present, not removed."""
        ids = list(report_ids)
        if ids:
            with self.db.engine.begin() as conn:
                _seen(conn, ids, datetime.now(UTC))

    def mark_removed(self, report_id: int, detail: str, run_id: int | None = None) -> int | None:
        """The report's page or document is gone: keep it, mark it, record a `removed` event (once).
        Returns the event's id, or None when it was already marked."""
        now = datetime.now(UTC)
        with self.db.engine.begin() as conn:
            done = conn.execute(update(Report).where(Report.id == report_id, Report.removed_at.is_(None))
                                .values(removed_at=now)).rowcount
            if not done:
                return None
            site = conn.scalar(select(Report.site_id).where(Report.id == report_id))
            return events.record(conn, EventKind.REMOVED, now, run_id=run_id, report_id=report_id, site_id=site,
                                 detail=detail)

    # ------------------------------------------------------------------ reading reports
    def known(self, site_name: str) -> list[dict[str, Any]]:
        """The site's current report versions (removed ones too): what a recrawl checks against."""
        stmt = (select(Report.id, Report.page_url, Report.document_url, Report.document_sha256, Report.removed_at)
                .join(Site, Site.id == Report.site_id)
                .where(Site.name == site_name, Report.superseded_by.is_(None)))
        with self.db.engine.connect() as conn:
            return [{"id": r.id, "page_url": r.page_url, "document_url": r.document_url, "sha256": r.document_sha256,
                     "removed": r.removed_at is not None} for r in conn.execute(stmt)]

    def iter(self, all_versions: bool = False) -> Iterator[dict[str, Any]]:
        """Every current report (schema object plus `provenance`), ordered by region, organ, year (code point
        order); with `all_versions`, superseded versions of revised reports too."""
        def key(col: Any) -> Any:
            # PostgreSQL's default collation is the locale's; "C" sorts like SQLite's BINARY
            return (col if self.db.is_sqlite else col.collate("C")).asc().nulls_last()

        stmt = (select(Report.data, Report.page_url, Report.document_url, Report.fetched_at,
                       Report.document_sha256, Report.content_type, Report.http_status, Report.discovery_path)
                .order_by(key(Report.region), key(Report.organ), Report.year.asc().nulls_last(), Report.id))
        if not all_versions:
            stmt = stmt.where(Report.superseded_by.is_(None))
        with self.db.engine.connect() as conn:
            for r in conn.execution_options(yield_per=500).execute(stmt):
                yield {**r.data, "provenance": provenance(r)}

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Report))

    def current(self) -> list[Row[Any]]:
        """Every current version's key columns and data (removed ones too), by id: what coverage judges."""
        stmt = (select(Report.id, Report.site_id, Report.organ, Report.region, Report.year, Report.checks_failed,
                       Report.removed_at, Report.page_url, Report.title, Report.data)
                .where(Report.superseded_by.is_(None)).order_by(Report.id))
        with self.db.engine.connect() as conn:
            return list(conn.execute(stmt))

    def snapshot(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every report version's record (with its site's name, without `data`) and every document row, read in
        one transaction: on PostgreSQL (REPEATABLE READ) a true snapshot. A report row is committed after its
        document row, so every report's document is among the documents."""
        stmt = (select(Report.id, Report.document_sha256, Site.name.label("site"), Report.superseded_by,
                       Report.removed_at, Report.last_seen_at, Report.organ, Report.region, Report.year,
                       Report.title, Report.page_url, Report.document_url, Report.fetched_at, Report.http_status,
                       Report.content_type, Report.discovery_path)
                .outerjoin(Site, Site.id == Report.site_id).order_by(Report.id))
        with self.db.engine.connect() as conn:
            if not self.db.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                reports = [dict(r._mapping) for r in conn.execute(stmt)]
                docs = self.documents.rows(conn)
        return reports, docs
