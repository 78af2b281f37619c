"""Events (a report new, revised or removed) and the delivery ledger of `--notify` targets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage.kinds import EventKind
from storage.models import Delivery, Event, Report, Site, as_utc, iso_z, provenance, report_status
from storage.session import Database


def record(conn: Connection, kind: EventKind, at: datetime, *, report_id: int, run_id: int | None = None,
           site_id: int | None = None, previous_report_id: int | None = None, detail: str | None = None) -> int:
    """Write an event in the caller's transaction (the one that changed the report); returns its id."""
    return conn.scalar(insert(Event).values(
        kind=EventKind(kind).value, at=at, run_id=run_id, report_id=report_id, site_id=site_id,
        previous_report_id=previous_report_id, detail=detail).returning(Event.id))


def target(url: str) -> str:
    """How a --notify URL is named in the database: a hash (the URL may hold a password or a token)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


class Events:
    def __init__(self, db: Database) -> None:
        self.db = db

    def iter(self, since: str | datetime | None = None, kinds: Iterable[str] | None = None,
             ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
        """Events in order, each with its report (schema object, provenance, id, status) and, for a
        revision, the previous version's id, sha256 and URLs."""
        ev, r, p = Event.__table__, Report.__table__.alias("r"), Report.__table__.alias("p")
        wanted = [EventKind(k).value for k in (kinds or EventKind)]
        stmt = (select(ev.c.id.label("event_id"), ev.c.kind, ev.c.at, ev.c.detail, Site.name.label("site"), r,
                       p.c.id.label("p_id"), p.c.document_sha256.label("p_sha256"), p.c.page_url.label("p_page_url"),
                       p.c.document_url.label("p_document_url"), p.c.fetched_at.label("p_fetched_at"))
                .join(r, r.c.id == ev.c.report_id).outerjoin(p, p.c.id == ev.c.previous_report_id)
                .outerjoin(Site, Site.id == ev.c.site_id)
                .where(ev.c.kind.in_(wanted)).order_by(ev.c.id))
        if ids is not None:
            stmt = stmt.where(ev.c.id.in_(list(ids)))
        if since is not None:
            stmt = stmt.where(ev.c.at >= as_utc(since))
        with self.db.engine.connect() as conn:
            for e in conn.execution_options(yield_per=500).execute(stmt):
                previous = None if e.p_id is None else {
                    "id": e.p_id, "sha256": e.p_sha256, "page_url": e.p_page_url, "document_url": e.p_document_url,
                    "fetched_at": iso_z(e.p_fetched_at)}
                report = {**e.data, "provenance": provenance(e), "id": e.id,
                          "status": report_status(e.removed_at, e.superseded_by)}
                yield {"id": e.event_id, "kind": e.kind, "at": iso_z(e.at), "site": e.site, "detail": e.detail,
                       "report": report, "previous": previous}

    # ------------------------------------------------------------------ deliveries
    def queue(self, event_ids: Iterable[int], urls: Iterable[str]) -> None:
        """Write down that these events are to be sent to these URLs (before sending them)."""
        rows = [{"event_id": e, "target": target(u), "queued_at": datetime.now(UTC)} for e in event_ids for u in urls]
        if rows:
            with self.db.engine.begin() as conn:
                conn.execute(self.db.insert(Delivery).values(rows).on_conflict_do_nothing(
                    index_elements=["event_id", "target"]))

    def mark_delivered(self, event_id: int, url: str) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(update(Delivery).where(Delivery.event_id == event_id, Delivery.target == target(url))
                         .values(delivered_at=datetime.now(UTC)))

    def undelivered(self, url: str, days: float = 7) -> list[int]:
        """Events queued for this URL in the last `days` days that never arrived, oldest first."""
        since = datetime.now(UTC) - timedelta(days=days)
        with self.db.engine.connect() as conn:
            return list(conn.scalars(select(Delivery.event_id).where(
                Delivery.target == target(url), Delivery.delivered_at.is_(None), Delivery.queued_at >= since,
            ).order_by(Delivery.event_id)))
