"""events, report revisions, site flags, and readable views (one row per report, key numbers as columns)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column name in the view, JSON path in reports.data)
NUMBERS = [
    ("new_requests", "requests.new.total"),
    ("carried_over", "requests.carried_over.total"),
    ("disclosed", "requests.disclosed.total"),
    ("partially_disclosed", "requests.partially_disclosed.total"),
    ("handled_total", "requests.handled_total.total"),
    ("carried_forward", "requests.carried_forward.total"),
    ("natural_person_requests", "requests.new.natural_person"),
    ("reviews", "appeals.review.total"),
    ("reviews_corrected", "appeals.review.corrected"),
    ("lawsuits_direct", "appeals.litigation_direct.total"),
    ("lawsuits_after_review", "appeals.litigation_after_review.total"),
]


def _json(dialect: str, path: str) -> str:
    parts = path.split(".")
    if dialect == "sqlite":
        return f"json_extract(r.data, '$.{path}')"
    inner = "->".join(f"'{p}'" for p in parts[:-1])
    return f"(r.data::jsonb->{inner}->>'{parts[-1]}')::numeric" if inner else f"(r.data::jsonb->>'{parts[-1]}')::numeric"


def upgrade() -> None:
    with op.batch_alter_table("sites") as b:
        b.add_column(sa.Column("flag", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("flag_reason", sa.Text(), nullable=True))
        b.add_column(sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("reports") as b:
        b.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        b.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        b.create_foreign_key(op.f("fk_reports_superseded_by_reports"), "reports", ["superseded_by"], ["id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("previous_report_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('new', 'revised', 'removed')", name=op.f("ck_events_kind")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_events_run_id_crawl_runs")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_events_report_id_reports")),
        sa.ForeignKeyConstraint(["previous_report_id"], ["reports.id"],
                                name=op.f("fk_events_previous_report_id_reports")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_events_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_at"), "events", ["at"])
    op.create_index(op.f("ix_events_report_id"), "events", ["report_id"])

    dialect = op.get_bind().dialect.name
    numbers = ",\n       ".join(f"{_json(dialect, path)} AS {name}" for name, path in NUMBERS)
    op.execute(f"""
CREATE VIEW report_summary AS
SELECT r.id, s.name AS site, r.region, r.organ, r.year, r.template, r.title,
       CASE WHEN r.removed_at IS NOT NULL THEN 'removed'
            WHEN r.superseded_by IS NOT NULL THEN 'superseded' ELSE 'current' END AS status,
       {numbers},
       r.checks_total, r.checks_failed, r.page_url, r.document_url, r.document_sha256 AS sha256,
       r.content_type, r.fetched_at, r.created_at, r.removed_at, r.superseded_by
FROM reports r LEFT JOIN sites s ON s.id = r.site_id""")
    op.execute("""
CREATE VIEW event_log AS
SELECT e.id, e.kind, e.at, s.name AS site, r.region, r.organ, r.year, r.title, e.detail,
       r.page_url, r.document_url, r.document_sha256 AS sha256, e.report_id, e.previous_report_id, e.run_id
FROM events e JOIN reports r ON r.id = e.report_id LEFT JOIN sites s ON s.id = e.site_id""")


def downgrade() -> None:
    op.execute("DROP VIEW event_log")
    op.execute("DROP VIEW report_summary")
    op.drop_index(op.f("ix_events_report_id"), table_name="events")
    op.drop_index(op.f("ix_events_at"), table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("reports") as b:
        b.drop_constraint(op.f("fk_reports_superseded_by_reports"), type_="foreignkey")
        b.drop_column("last_seen_at")
        b.drop_column("superseded_by")
    with op.batch_alter_table("sites") as b:
        b.drop_column("flagged_at")
        b.drop_column("flag_reason")
        b.drop_column("flag")
