"""The period reports read a year from one index (issue 10 §5)

Replaces ``ix_complaint_received_on`` with the same index carrying, on PostgreSQL, every
column the summary and the period reports count by (``INCLUDE``), so a fiscal year over
1,000,000 complaints is counted from the index alone instead of reading the year's rows six
times (0.67 s instead of 1.7–2.1 s for the executive page: benchmarks/README.md). It costs
about 89 MB per million rows instead of 8.8 MB. SQLite has no ``INCLUDE`` and keeps the plain
index.

Revision ID: 0021
Revises: 0020
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns the reports count by (rongrian.intake.models.REPORT_INDEX_INCLUDE at 0021).
INCLUDE = ["category_id", "unit_id", "channel", "status", "kind", "due_on", "finished_on",
           "acknowledged_on", "reopen_count", "duplicate_of_id", "poster_id", "box_opening_id",
           "case_number"]


def upgrade() -> None:
    op.drop_index('ix_complaint_received_on', table_name='complaint')
    op.create_index('ix_complaint_received_on', 'complaint', ['received_on'],
                    postgresql_include=INCLUDE)


def downgrade() -> None:
    op.drop_index('ix_complaint_received_on', table_name='complaint')
    op.create_index('ix_complaint_received_on', 'complaint', ['received_on'])
