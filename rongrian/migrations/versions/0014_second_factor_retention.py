"""Staff second factor (TOTP), retention (issue 9 §5)

The TOTP secret of an account (sealed to its public key) and its last accepted time step, the
recovery codes (HMAC digests), the pending-second-factor flag of a staff session; each
category's retention period and each complaint's release and purge marks.

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_second_factor',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sealed_secret', sa.LargeBinary(), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_staff_second_factor_account_id_staff_account')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_staff_second_factor'))
    )
    op.create_table('staff_recovery_code',
    sa.Column('digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_staff_recovery_code_account_id_staff_account')),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_staff_recovery_code'))
    )
    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_recovery_code_account_id'), ['account_id'], unique=False)
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_factor_pending', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_years', sa.Integer(), server_default='5', nullable=False))
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_released', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('purged_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('purged_on')
        batch_op.drop_column('retention_released')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('retention_years')
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_column('second_factor_pending')
    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_recovery_code_account_id'))
    op.drop_table('staff_recovery_code')
    op.drop_table('staff_second_factor')
