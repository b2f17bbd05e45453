"""One-time submission tokens: the digests of spent form tokens (issue 7 §4)

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('spent_submission_token',
    sa.Column('digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_spent_submission_token'))
    )
    with op.batch_alter_table('spent_submission_token', schema=None) as batch_op:
        batch_op.create_index('ix_spent_submission_token_expires_at', ['expires_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('spent_submission_token', schema=None) as batch_op:
        batch_op.drop_index('ix_spent_submission_token_expires_at')

    op.drop_table('spent_submission_token')
