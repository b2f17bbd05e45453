"""LINE channel

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('line_conversation',
    sa.Column('user_digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_digest', name=op.f('pk_line_conversation'))
    )
    with op.batch_alter_table('line_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_line_conversation_expires_at', ['expires_at'], unique=False)

    op.create_table('line_draft_photo',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['user_digest'], ['line_conversation.user_digest'], name=op.f('fk_line_draft_photo_user_digest_line_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_draft_photo'))
    )
    with op.batch_alter_table('line_draft_photo', schema=None) as batch_op:
        batch_op.create_index('ix_line_draft_photo_user_digest', ['user_digest', 'position'], unique=False)

    op.create_table('line_seen_event',
    sa.Column('event_digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('seen_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('event_digest', name=op.f('pk_line_seen_event'))
    )
    with op.batch_alter_table('line_seen_event', schema=None) as batch_op:
        batch_op.create_index('ix_line_seen_event_seen_on', ['seen_on'], unique=False)

    op.create_table('notification_subscription',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.Enum('web', 'qr', 'line', 'phone', 'letter', 'walk_in', 'suggestion_box', name='channel', native_enum=False, length=24), nullable=False),
    sa.Column('recipient', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_notification_subscription_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('complaint_id', 'channel', name=op.f('pk_notification_subscription'))
    )


def downgrade() -> None:
    op.drop_table('notification_subscription')
    with op.batch_alter_table('line_seen_event', schema=None) as batch_op:
        batch_op.drop_index('ix_line_seen_event_seen_on')

    op.drop_table('line_seen_event')
    with op.batch_alter_table('line_draft_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_line_draft_photo_user_digest')

    op.drop_table('line_draft_photo')
    with op.batch_alter_table('line_conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_line_conversation_expires_at')

    op.drop_table('line_conversation')
