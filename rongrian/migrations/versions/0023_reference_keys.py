"""The reference token also follows the key rings and the installation's recovery key (issue 11)

A filing seals its keys to the unit's active ring, the identity custodian's ring and the
installation's recovery key. Those public keys change only when a ring is made, rotated or
retired, or the installation is set up, so they join the agency, units, categories and days off
that each worker keeps while ``reference_version``'s token is unchanged
(:class:`rongrian.intake.reference.ReferenceCache`): a filing no longer reads them itself.

The same triggers as migration 0022, on ``key_ring`` and ``installation``: statement-level on
PostgreSQL (``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, reusing
``rongrian_reference_changed()``), row-level on SQLite.

Revision ID: 0023
Revises: 0022
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables this migration adds to those the token follows.
TABLES = ("key_ring", "installation")

_SQLITE_UPSERT = ("INSERT INTO reference_version (id, token) VALUES (1, lower(hex(randomblob(16))))"
                  " ON CONFLICT (id) DO UPDATE SET token = excluded.token;")


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.execute(f"CREATE TRIGGER {table}_reference_changed AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION rongrian_reference_changed()")
            continue
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_reference_{event.lower()} AFTER {event} ON "
                       f"{table} BEGIN {_SQLITE_UPSERT} END")
    op.execute("UPDATE reference_version SET token = token || '+keys'")  # read again once


def downgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_reference_changed ON {table}")
            continue
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_reference_{event}")
