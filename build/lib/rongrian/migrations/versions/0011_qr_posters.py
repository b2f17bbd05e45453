"""QR posters: registered posters and the poster a complaint came through

Revision ID: 0011
Revises: 0010
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('qr_poster',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=80), nullable=False),
    sa.Column('size', sa.String(length=2), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['made_by_id'], ['staff_account.id'], name=op.f('fk_qr_poster_made_by_id_staff_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_qr_poster_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_poster'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('poster_id', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_poster_id_qr_poster'), 'qr_poster', ['poster_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_poster_id_qr_poster'), type_='foreignkey')
        batch_op.drop_column('poster_id')
    op.drop_table('qr_poster')
