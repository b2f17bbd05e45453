"""Daily digest: staff e-mail addresses and opt-out, what each member was sent per day

Revision ID: 0020
Revises: 0019
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_digest', sa.Boolean(), server_default='1',
                                      nullable=False))
    op.create_table('digest_delivery',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('emailed', sa.Boolean(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('due_soon_count', sa.Integer(), nullable=False),
    sa.Column('overdue_count', sa.Integer(), nullable=False),
    sa.Column('assigned_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_digest_delivery_account_id_staff_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_digest_delivery_unit_id_unit')),
    sa.PrimaryKeyConstraint('day', 'unit_id', 'account_id', name=op.f('pk_digest_delivery'))
    )
    op.create_index('ix_digest_delivery_unit_day', 'digest_delivery', ['unit_id', 'day'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_digest_delivery_unit_day', table_name='digest_delivery')
    op.drop_table('digest_delivery')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('email_digest')
        batch_op.drop_column('email')
