"""Report analysis, acknowledgement and published statistics (issue 10)

Adds ``period_report``: per period label and report kind, the integrity officer's analysis and
proposed improvements and the executive's acknowledgement that permits publication.

Revision ID: 0015
Revises: 0014
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('period_report',
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('analysis_by_id', sa.Integer(), nullable=True),
    sa.Column('analysis_on', sa.Date(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_name', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_position', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_on', sa.Date(), nullable=True),
    sa.Column('snapshot', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['staff_account.id'], name=op.f('fk_period_report_acknowledged_by_id_staff_account')),
    sa.ForeignKeyConstraint(['analysis_by_id'], ['staff_account.id'], name=op.f('fk_period_report_analysis_by_id_staff_account')),
    sa.PrimaryKeyConstraint('period', 'kind', name=op.f('pk_period_report'))
    )


def downgrade() -> None:
    op.drop_table('period_report')
