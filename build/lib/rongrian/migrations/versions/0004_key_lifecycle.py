"""key lifecycle

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('issued_password',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('new', 'reset', name='issuereason', native_enum=False, length=24), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_issued_password_account_id_staff_account')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_issued_password'))
    )
    op.create_table('key_rotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('old_ring_id', sa.Integer(), nullable=False),
    sa.Column('new_ring_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('rotate', 'recover', name='rotationreason', native_enum=False, length=24), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['new_ring_id'], ['key_ring.id'], name=op.f('fk_key_rotation_new_ring_id_key_ring')),
    sa.ForeignKeyConstraint(['old_ring_id'], ['key_ring.id'], name=op.f('fk_key_rotation_old_ring_id_key_ring')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_key_rotation_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_rotation'))
    )
    with op.batch_alter_table('complaint_key', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_key_ring', ['ring_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint_key', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_key_ring')

    op.drop_table('key_rotation')
    op.drop_table('issued_password')
