"""Fixed-size sealed records and complainant key pairs (issue 13: M2, forward secrecy on moves)

- ``complaint``: the data-key generation new entries use (``key_generation``, 1 for every
  existing complaint) and the complainant's key pair of the complaint (public key, private key
  wrapped under the tracking-code-derived key, current data key sealed to it), nullable: a
  complaint filed before this revision gets its pair the next time its code is used to write.
- ``complaint_key.generation``, and ``key_generation`` on every row encrypted under a data key
  (``case_event``, ``case_transfer``, ``attachment``, ``notification_subscription``): 1 for
  existing rows, which is what they are encrypted under.
- ``data_key_link``: generation ``g`` (≥ 2) of a data key carries generation ``g - 1``.

M2 (fixed-size identity records) needs no schema change; existing identity rows keep their old
size, since re-padding them needs the custodian key (README, "Threats").

A downgrade keeps only generation 1: entries written after a move under a later generation become
unreadable. Downgrade only a database that never moved a case after this revision.

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENERATION_TABLES = ('case_event', 'case_transfer', 'attachment', 'notification_subscription')


def upgrade() -> None:
    op.create_table(
        'data_key_link',
        sa.Column('complaint_id', sa.Uuid(), nullable=False),
        sa.Column('generation', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('wrapped_previous', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                                name=op.f('fk_data_key_link_complaint_id_complaint')),
        sa.PrimaryKeyConstraint('complaint_id', 'generation', name=op.f('pk_data_key_link')),
    )
    op.add_column('complaint', sa.Column('key_generation', sa.Integer(), server_default='1',
                                         nullable=False))
    op.add_column('complaint', sa.Column('complainant_public_key', sa.LargeBinary(length=32),
                                         nullable=True))
    op.add_column('complaint', sa.Column('complainant_wrapped_key', sa.LargeBinary(),
                                         nullable=True))
    op.add_column('complaint', sa.Column('complainant_sealed_data_key', sa.LargeBinary(),
                                         nullable=True))
    op.add_column('complaint_key', sa.Column('generation', sa.Integer(), server_default='1',
                                             nullable=False))
    for table in _GENERATION_TABLES:
        op.add_column(table, sa.Column('key_generation', sa.Integer(), server_default='1',
                                       nullable=False))


def downgrade() -> None:
    for table in _GENERATION_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('key_generation')
    with op.batch_alter_table('complaint_key') as batch:
        batch.drop_column('generation')
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('complainant_sealed_data_key')
        batch.drop_column('complainant_wrapped_key')
        batch.drop_column('complainant_public_key')
        batch.drop_column('key_generation')
    op.drop_table('data_key_link')
