"""Duplicate-of links between cases (issue 9)

A complaint may name the original case it duplicates (``complaint.duplicate_of_id``) and keeps
the status it had before it was joined (``complaint.duplicate_prior_status``), restored when the
link is undone (:mod:`rongrian.intake.duplicates`).

Revision ID: 0018
Revises: 0017
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_prior_status', sa.Enum(
            'received', 'screening', 'forwarded', 'in_progress', 'resolved', 'closed',
            'rejected', name='status', native_enum=False, length=24), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_duplicate_of_id'), ['duplicate_of_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaint_duplicate_of_id_complaint'),
                                    'complaint', ['duplicate_of_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_duplicate_of_id_complaint'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_duplicate_of_id'))
        batch_op.drop_column('duplicate_prior_status')
        batch_op.drop_column('duplicate_of_id')
