"""A token that changes with the agency, units, categories and days off (issue 11)

The public pages read the agency's profile, its active units and categories and its days off on
every request. ``reference_version`` holds one token that the database's own triggers replace
whenever any of those four tables changes (any statement, from any writer: the admin pages, the
set-up command, a restore, plain SQL), so each worker keeps what it read and reads it again only
when the token differs (:class:`rongrian.intake.reference.ReferenceCache`): one small read per
request instead of five.

PostgreSQL: one statement-level trigger per table (``INSERT``, ``UPDATE``, ``DELETE``,
``TRUNCATE``) calling ``rongrian_reference_changed()``. SQLite: row-level triggers (it has no
other kind), three per table. Both upsert row 1, so the row comes back if it was deleted.

Revision ID: 0022
Revises: 0021
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose changes the token follows.
TABLES = ("agency", "unit", "category", "day_off")

_PG_FUNCTION = """
CREATE FUNCTION rongrian_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reference_version (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""

_SQLITE_UPSERT = ("INSERT INTO reference_version (id, token) VALUES (1, lower(hex(randomblob(16))))"
                  " ON CONFLICT (id) DO UPDATE SET token = excluded.token;")


def upgrade() -> None:
    op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_reference_changed AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION rongrian_reference_changed()")
        op.execute("INSERT INTO reference_version (id, token) VALUES (1, gen_random_uuid()::text)")
    else:
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_reference_{event.lower()} AFTER {event} ON "
                           f"{table} BEGIN {_SQLITE_UPSERT} END")
        op.execute("INSERT INTO reference_version (id, token) "
                   "VALUES (1, lower(hex(randomblob(16))))")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_reference_changed ON {table}")
        op.execute("DROP FUNCTION rongrian_reference_changed()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_reference_{event}")
    op.drop_table('reference_version')
