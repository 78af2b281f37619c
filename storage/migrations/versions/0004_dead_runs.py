"""crawl_runs.status may be 'dead': a run whose process ended without finishing it, as a later crawl found

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('running', 'ok', 'failed', 'interrupted')"
AFTER = "status IN ('running', 'ok', 'failed', 'interrupted', 'dead')"


def _constraint(condition: str) -> None:
    # batch mode: SQLite cannot alter a CHECK constraint in place, so the table is copied
    with op.batch_alter_table("crawl_runs", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_crawl_runs_status"), type_="check")
        batch.create_check_constraint("status", condition)


def upgrade() -> None:
    _constraint(AFTER)


def downgrade() -> None:
    op.execute("UPDATE crawl_runs SET status = 'failed' WHERE status = 'dead'")
    _constraint(BEFORE)
