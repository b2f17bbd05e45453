"""Category keywords and quick filing (issue 12)

Adds ``category.keywords``: the words, one a line, that suggest the category from a citizen's
text (:mod:`rongrian.intake.suggest`). Existing categories start with none.

Revision ID: 0016
Revises: 0015
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("category") as batch:
        batch.add_column(sa.Column("keywords", sa.Text(), server_default=sa.text("''"),
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("category") as batch:
        batch.drop_column("keywords")
