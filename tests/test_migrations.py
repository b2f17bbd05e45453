"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from rongrian.admin.migrate import alembic_config, upgrade
from rongrian.intake.db import make_engine
from rongrian.intake.models import Base


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert _differences(engine) == []


def test_database_is_at_the_single_head(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)


def test_comparison_would_notice_a_missing_table(tmp_path: Path) -> None:
    """The check can fail: a database missing a table and an index shows differences."""
    scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    upgrade(scratch)
    with scratch.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_complaint_received_on")
        conn.exec_driver_sql("DROP TABLE staff_session")
    kinds = {diff[0] for diff in _differences(scratch) if isinstance(diff, tuple)}
    assert {"add_table", "add_index"} <= kinds
    scratch.dispose()


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    upgrade(scratch)
    config = alembic_config(scratch.url.render_as_string(hide_password=False))
    with scratch.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(scratch).get_table_names()) <= {"alembic_version"}
    upgrade(scratch)
    assert _differences(scratch) == []
    scratch.dispose()
