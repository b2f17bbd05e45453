"""Intake desk: the desk role of staff accounts, referrals, suggestion-box openings

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('suggestion_box',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_box')),
    sa.UniqueConstraint('place', name=op.f('uq_suggestion_box_place'))
    )
    op.create_table('box_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('box_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('no_action', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['box_id'], ['suggestion_box.id'], name=op.f('fk_box_opening_box_id_suggestion_box')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_account.id'], name=op.f('fk_box_opening_officer_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_box_opening'))
    )
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_desk', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_body', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('referral_reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('referral_agency', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('box_opening_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_box_opening_id_box_opening'), 'box_opening', ['box_opening_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_box_opening_id_box_opening'), type_='foreignkey')
        batch_op.drop_column('box_opening_id')
        batch_op.drop_column('referral_agency')
        batch_op.drop_column('referral_reference')
        batch_op.drop_column('referral_body')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('intake_desk')
    op.drop_table('box_opening')
    op.drop_table('suggestion_box')
