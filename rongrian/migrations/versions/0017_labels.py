"""Case labels (tags) a unit defines, and the working queue (issue 9 §1)

Adds ``case_label`` (a unit's labels, unique by name within the unit), ``complaint_label`` (a
label on a case), ``case_seen`` (the highest thread entry a staff member has seen on a case: the
queue's "new from the complainant" marker), a covering index on ``complaint`` from which the
queue counts, filters and orders a unit's cases, and an index on ``case_event`` by kind (the
complainant's entries).

Revision ID: 0017
Revises: 0016
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_case_label_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_label'))
    )
    op.create_index('ix_case_label_unit_name', 'case_label', ['unit_id', 'name'], unique=True)
    op.create_table('complaint_label',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_complaint_label_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['label_id'], ['case_label.id'],
                            name=op.f('fk_complaint_label_label_id_case_label')),
    sa.PrimaryKeyConstraint('complaint_id', 'label_id', name=op.f('pk_complaint_label'))
    )
    op.create_index('ix_complaint_label_label', 'complaint_label', ['label_id', 'complaint_id'])
    op.create_table('case_seen',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('seen_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'],
                            name=op.f('fk_case_seen_account_id_staff_account')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_case_seen_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('account_id', 'complaint_id', name=op.f('pk_case_seen'))
    )
    op.create_index('ix_complaint_queue', 'complaint',
                    ['unit_id', 'status', 'due_on', 'received_on', 'case_number',
                     'assigned_to_id', 'category_id', 'channel', 'kind', 'id'])
    op.create_index('ix_case_event_kind', 'case_event', ['kind', 'complaint_id', 'seq'])


def downgrade() -> None:
    op.drop_index('ix_case_event_kind', table_name='case_event')
    op.drop_index('ix_complaint_queue', table_name='complaint')
    op.drop_table('case_seen')
    op.drop_index('ix_complaint_label_label', table_name='complaint_label')
    op.drop_table('complaint_label')
    op.drop_index('ix_case_label_unit_name', table_name='case_label')
    op.drop_table('case_label')
