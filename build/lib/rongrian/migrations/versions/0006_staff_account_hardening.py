"""Staff account hardening (issue 13 M3, L2, L3, L8)

- ``staff_account.failed_logins`` / ``locked_until``: the per-account log-in lock;
- ``staff_account.key_issued_at`` / ``key_issued_by`` / ``key_issue_reason``: who made the
  current account key, shown on the grant page;
- ``issued_password.used_at``: one-time passwords work once;
- ``staff_session.last_seen_at``: the idle timeout.

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('key_issued_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('key_issued_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('key_issue_reason', sa.String(length=16), nullable=True))
    with op.batch_alter_table('issued_password', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('issued_password', schema=None) as batch_op:
        batch_op.drop_column('used_at')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('key_issue_reason')
        batch_op.drop_column('key_issued_by')
        batch_op.drop_column('key_issued_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
