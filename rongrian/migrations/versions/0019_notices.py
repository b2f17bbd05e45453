"""Complainant e-mail notices sealed to the notifier key (issue 9)

``notifier_key``: the notifier's X25519 public key (one row); ``email_notice``: per complaint,
the complainant's e-mail address sealed to it, the day a notice was queued and whether the case
finished (the row goes once that last notice is sent).

Revision ID: 0019
Revises: 0018
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifier_key',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifier_key'))
    )
    op.create_table('email_notice',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('sealed_address', sa.LargeBinary(), nullable=False),
    sa.Column('queued_on', sa.Date(), nullable=True),
    sa.Column('final', sa.Boolean(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_email_notice_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_email_notice'))
    )


def downgrade() -> None:
    op.drop_table('email_notice')
    op.drop_table('notifier_key')
