"""A database outage (issue 7, section 4): 503 with ``Retry-After`` in Thai and English on
public and staff pages, rendered without the database; one log line when it starts and one
when it ends, never a traceback or the driver's message; service resumes by itself."""

import logging
import stat
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import PoolOptions, make_engine
from rongrian.settings import Settings
from tests.admin.helpers import login
from tests.conftest import Demo
from tests.web.conftest import DRIVER_MESSAGE, DatabaseSwitch, switchable

THAI = "ระบบไม่พร้อมให้บริการชั่วคราว"
ENGLISH = "Temporarily unavailable"


def assert_unavailable_page(response_status: int, headers: dict[str, str], body: str) -> None:
    assert response_status == 503
    assert headers["Retry-After"].isdigit()
    assert int(headers["Retry-After"]) > 0
    assert THAI in body
    assert ENGLISH in body
    assert "Internal Server Error" not in body  # Werkzeug's plain page
    assert DRIVER_MESSAGE not in body
    assert "10.9.8.7" not in body


def get(client: FlaskClient, path: str) -> tuple[int, dict[str, str], str]:
    response = client.get(path)
    return response.status_code, dict(response.headers), response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/report", "/track", "/no-such-page"])
def test_public_pages_answer_503_in_thai_and_english_when_the_database_is_down(
    cut_public: Flask, switch: DatabaseSwitch, path: str,
) -> None:
    client = cut_public.test_client()
    client.get("/report")  # a working page first: the pool holds a connection
    switch.down()
    status, headers, body = get(client, path)
    if path != "/report" and status != 503:
        # Pages that need no database still answer while it is down.
        assert status in (200, 404)
        return
    assert_unavailable_page(status, headers, body)


def test_a_complaint_posted_during_an_outage_gets_the_503_page(
    cut_public: Flask, switch: DatabaseSwitch,
) -> None:
    client = cut_public.test_client()
    client.get("/report")
    switch.down()
    response = client.post("/report", data={"what_happened": "ถนนชำรุด"})
    assert_unavailable_page(response.status_code, dict(response.headers),
                            response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/cases", "/summary", "/no-such-page", "/login"])
def test_staff_pages_of_a_logged_in_user_answer_503_not_werkzeugs_500(
    cut_staff: Flask, switch: DatabaseSwitch, path: str,
) -> None:
    """The error page loads the logged-in user; with the database down it used to fail
    itself, and Werkzeug's plain English 500 page was all the staff saw."""
    client = cut_staff.test_client()
    assert login(client, "works").status_code == 302
    switch.down()
    assert_unavailable_page(*get(client, path))


def test_an_outage_logs_one_line_when_it_starts_and_one_when_it_ends(
    cut_public: Flask, cut_staff: Flask, switch: DatabaseSwitch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    public, staff = cut_public.test_client(), cut_staff.test_client()
    assert login(staff, "works").status_code == 302
    caplog.set_level(logging.DEBUG)
    switch.down()
    for _ in range(3):
        assert public.get("/report").status_code == 503
        assert staff.get("/cases").status_code == 503
        assert public.get("/readyz").status_code == 503
    switch.up()
    assert public.get("/report").status_code == 200  # resumes without a restart
    assert staff.get("/cases").status_code == 200  # the staff session survived the outage
    assert public.get("/readyz").status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    assert lines == ["database unavailable", "database available again"]
    assert all(record.exc_info is None and not record.exc_text for record in caplog.records)
    assert DRIVER_MESSAGE not in caplog.text


def test_a_second_outage_is_logged_again(cut_public: Flask, switch: DatabaseSwitch,
                                         caplog: pytest.LogCaptureFixture) -> None:
    client = cut_public.test_client()
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        switch.down()
        assert client.get("/report").status_code == 503
        switch.up()
        assert client.get("/report").status_code == 200
    assert [record.getMessage() for record in caplog.records] == [
        "database unavailable", "database available again"] * 2


def test_a_request_that_gets_no_connection_in_time_answers_503_instead_of_hanging(
    settings: Settings, demo: Demo,
) -> None:
    engine = make_engine(settings.database_url,
                         PoolOptions(size=1, max_overflow=0, timeout=0.3))
    app = create_public_app(settings, engine=engine)
    holder = engine.connect()  # the only connection, busy
    try:
        holder.execute(text("SELECT 1"))
        started = time.monotonic()
        status, headers, body = get(app.test_client(), "/report")
        assert time.monotonic() - started < 5
        assert_unavailable_page(status, headers, body)
    finally:
        holder.close()
        engine.dispose()
    assert app.test_client().get("/report").status_code == 200


def test_pool_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 settings: Settings) -> None:
    from rongrian.settings import from_environment

    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DB_POOL_SIZE", "3")
    monkeypatch.setenv("RONGRIAN_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("RONGRIAN_DB_POOL_TIMEOUT", "7")
    pool = from_environment().db_pool
    assert (pool.size, pool.max_overflow, pool.timeout) == (3, 0, 7)
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool)
    assert engine.pool.size() == 3  # type: ignore[attr-defined]
    assert engine.pool.timeout() == 7  # type: ignore[attr-defined]


def test_concurrent_requests_during_an_outage_log_it_once(
    cut_public: Flask, switch: DatabaseSwitch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    switch.down()
    statuses: list[int] = []

    def hit() -> None:
        statuses.append(cut_public.test_client().get("/report").status_code)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [503] * 8
    assert [record.getMessage() for record in caplog.records] == ["database unavailable"]


def test_the_staff_app_alone_also_recovers(settings: Settings, demo: Demo) -> None:
    switch = switchable(settings.database_url)
    app = create_staff_app(settings, engine=switch.engine)
    client = app.test_client()
    assert login(client, "works").status_code == 302
    switch.down()
    assert client.get("/cases").status_code == 503
    switch.up()
    assert client.get("/cases").status_code == 200
    switch.engine.dispose()


def test_a_new_sqlite_file_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        for made in (path, Path(f"{path}-wal")):
            assert made.exists()
            assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
    engine.dispose()


def test_query_faults_are_not_mistaken_for_an_outage(switch: DatabaseSwitch) -> None:
    """A missing table is the code's fault (500), not the database's absence (503)."""
    from sqlalchemy.exc import DBAPIError

    from rongrian.intake.db import is_database_unavailable

    with switch.engine.connect() as connection, pytest.raises(DBAPIError) as caught:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_database_unavailable(caught.value)


def test_a_lost_connection_counts_as_an_outage(switch: DatabaseSwitch) -> None:
    from sqlalchemy.exc import DBAPIError

    from rongrian.intake.db import is_database_unavailable

    switch.down()
    with pytest.raises(DBAPIError) as caught:
        switch.engine.connect()
    assert is_database_unavailable(caught.value)
    switch.up()


def _server_closes(engine: Engine, application_name: str) -> None:
    """Have PostgreSQL end every connection named ``application_name`` (as a restart or an
    administrator's ``pg_terminate_backend`` does) and wait until they are gone."""
    gone = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE application_name = :name"), {"name": application_name})
        deadline = time.monotonic() + 10
        while admin.scalar(gone, {"name": application_name}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not admin.scalar(gone, {"name": application_name})


def test_connections_the_server_closed_cost_no_request(settings: Settings, demo: Demo,
                                                       engine: Engine) -> None:
    """Each pooled connection is checked at check-out without a round trip (issue 11): the
    first requests after the server closed them all are answered as usual, not with 503."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the server closing connections is PostgreSQL's")
    name = "rongrian-closed-by-server"
    own = make_engine(make_url(settings.database_url).update_query_dict(
        {"application_name": name}).render_as_string(hide_password=False))
    app = create_public_app(settings, engine=own)
    clients = [app.test_client() for _ in range(3)]
    try:
        barrier = threading.Barrier(3)

        def hold_one(client: FlaskClient) -> None:  # three connections in the pool
            with own.connect():
                barrier.wait(timeout=10)
            assert client.get("/report").status_code == 200

        threads = [threading.Thread(target=hold_one, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert own.pool.checkedin() >= 3  # type: ignore[attr-defined]
        _server_closes(engine, name)
        for client in clients:
            for path in ("/report", "/track", "/"):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
    finally:
        own.dispose()
