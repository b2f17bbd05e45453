"""Service clock in working days, extensions, closing, reopening and ratings (issue 9 §2-4)

Adds the agency's own days off, the units' reply templates, the complainants' ratings, the
category's "needs evidence" mark and acknowledgement clock, and the complaint's assigned officer,
acknowledgement due day, acknowledgement day and reopen count.

Revision ID: 0013
Revises: 0012
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('day_off',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_day_off'))
    )
    op.create_table('reply_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_reply_template_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_template'))
    )
    op.create_table('rating',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('comment', sa.LargeBinary(), nullable=False),
    sa.Column('key_generation', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_rating_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_rating'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_evidence', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('acknowledge_days', sa.Integer(), server_default='3', nullable=False))
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('acknowledge_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reopened_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_assigned_to_id_staff_account'), 'staff_account', ['assigned_to_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_assigned_to_id_staff_account'), type_='foreignkey')
        batch_op.drop_column('reopened_on')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('acknowledged_on')
        batch_op.drop_column('acknowledge_due_on')
        batch_op.drop_column('assigned_to_id')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('acknowledge_days')
        batch_op.drop_column('needs_evidence')
    op.drop_table('rating')
    op.drop_table('reply_template')
    op.drop_table('day_off')
