"""initial schema: sites, crawl runs, site results, resources, documents, reports

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def ts(name: str, nullable: bool = True) -> sa.Column:
    """A UTC timestamp column (storage.models.UTCDateTime is a DateTime(timezone=True) underneath)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        ts("started_at", nullable=False),
        ts("finished_at"),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("args", sa.JSON(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')",
                           name=op.f("ck_crawl_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        ts("first_seen_at", nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_documents")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("division_code", sa.String(length=20), nullable=True),
        sa.Column("homepage", sa.Text(), nullable=True),
        sa.Column("hints", sa.JSON(), nullable=True),
        ts("last_success_at"),
        count("consecutive_failures"),
        sa.Column("last_status", sa.String(length=40), nullable=True),
        sa.Column("last_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("organ", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=10), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("checks_total", sa.Integer(), nullable=False),
        sa.Column("checks_failed", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("document_url", sa.Text(), nullable=True),
        ts("fetched_at"),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("discovery_path", sa.JSON(), nullable=True),
        ts("created_at", nullable=False),
        ts("removed_at"),
        sa.ForeignKeyConstraint(["document_sha256"], ["documents.sha256"],
                                name=op.f("fk_reports_document_sha256_documents")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_reports_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("document_sha256", name=op.f("uq_reports_document_sha256")),
    )
    op.create_index(op.f("ix_reports_region_organ_year"), "reports", ["region", "organ", "year"])
    op.create_index(op.f("ix_reports_site_id"), "reports", ["site_id"])
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        ts("fetched_at", nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_resources_run_id_crawl_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("run_id", "url", name=op.f("uq_resources_run_id_url")),
    )
    op.create_index(op.f("ix_resources_sha256"), "resources", ["sha256"])
    op.create_table(
        "site_results",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        count("pages_fetched"),
        count("reports_found"),
        count("reports_new"),
        count("reports_parsed"),
        count("checks_failing"),
        ts("recorded_at", nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_site_results_run_id_crawl_runs")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_site_results_site_id_sites")),
        sa.PrimaryKeyConstraint("run_id", "site_id", name=op.f("pk_site_results")),
    )


def downgrade() -> None:
    op.drop_table("site_results")
    op.drop_index(op.f("ix_resources_sha256"), table_name="resources")
    op.drop_table("resources")
    op.drop_index(op.f("ix_reports_site_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_region_organ_year"), table_name="reports")
    op.drop_table("reports")
    op.drop_table("sites")
    op.drop_table("documents")
    op.drop_table("crawl_runs")
