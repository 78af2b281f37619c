"""Database tables: sites, crawl runs and their per-site results, fetched resources, documents, reports,
events and deliveries; and how their timestamps and report rows read back.

Plain SQLAlchemy 2 declarative models using only types that exist on both SQLite and PostgreSQL.
The schema itself is created by the Alembic revisions in `storage/migrations/`, not by `create_all`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.kinds import EventKind

RUN_STATUSES = ("running", "ok", "failed", "interrupted", "dead")
EVENT_KINDS = tuple(k.value for k in EventKind)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: str | datetime | None) -> datetime | None:
    """A datetime from an ISO 8601 string or datetime; naive values are taken as UTC."""
    if value is None:
        return None
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, e.g. `2024-03-01T08:00:00Z`."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite itself keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# named constraints keep later (batch) migrations able to refer to them on every backend
NAMING = {"ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """A county (or other) government website and how healthy crawling it has been."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str | None] = mapped_column(String(100))
    division_code: Mapped[str | None] = mapped_column(String(20))
    homepage: Mapped[str | None] = mapped_column(Text)
    hints: Mapped[dict[str, Any] | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_status: Mapped[str | None] = mapped_column(String(40))
    last_reason: Mapped[str | None] = mapped_column(Text)
    # set when a site that had reports suddenly yields none (a redesign, a moved column): not "nothing new"
    flag: Mapped[str | None] = mapped_column(String(40))
    flag_reason: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime | None]


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    args: Mapped[dict[str, Any] | None]
    stats: Mapped[dict[str, Any] | None]


class SiteResult(Base):
    """What one run achieved on one site (one row per run and site)."""

    __tablename__ = "site_results"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reports_found: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reports_new: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reports_parsed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checks_failing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Resource(Base):
    """One URL fetched during a run, with the HTTP metadata needed for conditional re-fetching."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("run_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    http_status: Mapped[int | None]
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    """A document's bytes, stored on disk under the blob directory by their sha256."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str | None] = mapped_column(Text)


class Report(Base):
    """One parsed report: the whole `nianbao.report/1` object in `data`, key fields and provenance as columns."""

    __tablename__ = "reports"
    __table_args__ = (Index(None, "region", "organ", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    organ: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None]
    template: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    checks_total: Mapped[int] = mapped_column(Integer, default=0)
    checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]]
    page_url: Mapped[str | None] = mapped_column(Text)
    document_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None]
    content_type: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None]
    discovery_path: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    # a revised report's older version points to the newer one; the current version has None
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    last_seen_at: Mapped[datetime | None]


def report_status(removed_at: datetime | None, superseded_by: int | None) -> str:
    """A report version's status, the rule of the `report_summary` view: removed, superseded or current."""
    return "removed" if removed_at is not None else "superseded" if superseded_by is not None else "current"


def provenance(r: Any) -> dict[str, Any]:
    """The `provenance` object of a reports row (any row with the reports table's column names)."""
    return {"page_url": r.page_url, "document_url": r.document_url, "fetched_at": iso_z(r.fetched_at),
            "sha256": r.document_sha256, "content_type": r.content_type, "http_status": r.http_status,
            "discovery_path": r.discovery_path or []}


class Event(Base):
    """Something a crawl learned about a report: `new`, `revised` (a new version of the same organ and
    year; `previous_report_id` is the old one) or `removed` (its page or document is gone)."""

    __tablename__ = "events"
    __table_args__ = (CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    previous_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    detail: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """An event queued for a `--notify` target (a hash of its URL: URLs may hold secrets) and when it arrived;
    one queued and never delivered is sent again by the next crawl (within NIANBAO_REDELIVER_DAYS)."""

    __tablename__ = "deliveries"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
