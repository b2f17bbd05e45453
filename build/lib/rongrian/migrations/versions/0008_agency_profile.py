"""Agency profile, categories' kind (issue 7 §1: the organisation file and its admin pages)

Adds the ``agency`` table (the agency's public profile and emblem) and ``category.kind`` (the
kind of matter a category usually is; existing categories become ``complaint``). An existing
installation's profile starts from its name.

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_th", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("hotline", sa.String(64), nullable=False),
        sa.Column("office_hours", sa.String(200), nullable=False),
        sa.Column("website", sa.String(200), nullable=False),
        sa.Column("line_official_account", sa.String(64), nullable=False),
        sa.Column("emblem", sa.LargeBinary(), nullable=True),
        sa.Column("emblem_digest", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
    )
    # An installation made before this revision gets its profile from its name; the rest is
    # filled in on the agency page or by `rongrian setup`.
    op.execute(
        "INSERT INTO agency (id, name_th, name_en, short_name, address, hotline, office_hours,"
        " website, line_official_account, updated_at)"
        " SELECT 1, organisation_name, organisation_name, '', '', '', '', '', '',"
        " CURRENT_TIMESTAMP FROM installation WHERE id = (SELECT MIN(id) FROM installation)"
    )
    with op.batch_alter_table("category") as batch:
        batch.add_column(sa.Column("kind", sa.Enum(
            "complaint", "grievance", "tip", "suggestion", "compliment", name="kind",
            native_enum=False, length=24), server_default="complaint", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("category") as batch:
        batch.drop_column("kind")
    op.drop_table("agency")
