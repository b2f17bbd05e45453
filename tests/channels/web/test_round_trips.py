"""What the citizen pages ask of the database (issue 11): a page that only reads runs its
statements without a transaction (no ``BEGIN`` and ``ROLLBACK`` round trips), a filing writes in
one (all of it or nothing), and a case without files is shown without reading files."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, func, select, text

from rongrian.channels.web import views as web_views
from rongrian.intake.attachments import files_by_code
from rongrian.intake.models import Complaint
from rongrian.settings import Settings
from tests.channels import samples
from tests.channels.web.helpers import (
    KNOWN_DISPLAY,
    TRACKING_CODE,
    VALID,
    Filed,
    post_report,
    track,
)
from tests.conftest import Demo, csrf_token, each_statement


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement ``engine`` runs meanwhile, with whether the driver ran it without a
    transaction (autocommit)."""
    seen: list[tuple[str, bool]] = []

    def record(_conn: Connection, cursor: Any, statement: str, *_rest: object) -> None:
        # What the driver does, not what SQLAlchemy was asked: a connection a reading page
        # used goes back to the pool and must be in transactions again for the next writer.
        driver = cursor.connection
        alone = getattr(driver, "autocommit", None)  # psycopg
        if not isinstance(alone, bool):
            alone = driver.isolation_level is None  # sqlite3 (Python 3.11)
        seen.append((statement, alone))

    with each_statement(engine, record):
        yield seen


def test_a_tracking_lookup_runs_without_a_transaction(public_client: FlaskClient,
                                                      filed: Filed, engine: Engine) -> None:
    token = csrf_token(public_client.get("/track").get_data(as_text=True))
    with statements(engine) as seen:
        page = public_client.post("/track", data={"code": KNOWN_DISPLAY, "csrf_token": token})
    assert page.status_code == 200
    assert filed.case_number in page.get_data(as_text=True)
    assert seen
    assert all(alone for _statement, alone in seen), seen
    # No file was sent with this case, and the organisation's change token comes with the
    # thread: one statement, and no attachment is read.
    assert len(seen) == 1, seen
    assert not any("attachment.storage_name" in statement for statement, _alone in seen), seen


def test_the_form_page_runs_without_a_transaction(public_client: FlaskClient,
                                                  engine: Engine) -> None:
    with statements(engine) as seen:
        assert public_client.get("/report").status_code == 200
    assert seen
    assert all(alone for _statement, alone in seen), seen


def test_a_filing_writes_in_one_transaction(public_client: FlaskClient, demo: Demo,
                                            engine: Engine) -> None:
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    with statements(engine) as seen:
        receipt = post_report(public_client, token=token)
    assert receipt.status_code == 200
    assert TRACKING_CODE.search(receipt.get_data(as_text=True))
    assert any("INSERT" in statement for statement, _alone in seen)
    assert not any(alone for _statement, alone in seen), seen


def test_a_filing_confirms_the_organisation_in_its_own_statement(
        public_client: FlaskClient, engine: Engine) -> None:
    """A filing reads no change token of its own: the statement that writes it checks that the
    organisation the worker keeps is still current (PostgreSQL: that one statement, between
    the driver's ``BEGIN`` and ``COMMIT``)."""
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    assert post_report(public_client, token=token).status_code == 200  # the year's counter
    with statements(engine) as seen:
        receipt = post_report(public_client, token=token)
    assert receipt.status_code == 200
    assert sum("reference_version" in statement for statement, _alone in seen) == 1, seen
    if engine.dialect.name == "postgresql":
        assert len(seen) == 1, seen
        assert "INSERT INTO complaint" in seen[0][0]


def test_a_filing_is_committed_before_its_receipt_is_drawn(
    public_client: FlaskClient, demo: Demo, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A filing keeps its fiscal year's case-number counter locked until it commits, and every
    other filing waits for that lock: the QR code and the receipt page are drawn after the
    commit, so no citizen's filing waits on another's receipt."""
    seen_while_drawing: list[int] = []
    draw = web_views.tracking_link_svg

    def drawing(base_url: str, code: str) -> str:
        with engine.connect() as other:  # another worker's view of the database
            seen_while_drawing.append(other.scalar(select(func.count()).select_from(Complaint))
                                      or 0)
        return draw(base_url, code)

    monkeypatch.setattr(web_views, "tracking_link_svg", drawing)
    receipt = post_report(public_client)
    assert receipt.status_code == 200
    assert TRACKING_CODE.search(receipt.get_data(as_text=True))
    assert seen_while_drawing == [1]


def test_a_case_with_a_file_still_lists_it(public_client: FlaskClient, demo: Demo,
                                           settings: Settings) -> None:
    """The shortcut for cases without files must not hide a file that is there."""
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    receipt = public_client.post("/report", content_type="multipart/form-data", data={
        **VALID, "csrf_token": token,
        "attachments": [(io.BytesIO(samples.jpeg_with_gps()), "ไฟดับ.jpg")]})
    assert receipt.status_code == 200, receipt.get_data(as_text=True)[:400]
    found = TRACKING_CODE.search(receipt.get_data(as_text=True))
    assert found is not None
    with demo.sessions() as session:
        assert len(files_by_code(session, settings.secrets.tracking_pepper,
                                 found.group(1))) == 1
    with statements(demo.sessions.kw["bind"]) as seen:
        page = track(public_client, found.group(1)).get_data(as_text=True)
    assert "attachment.storage_name" in " ".join(statement for statement, _alone in seen)
    assert 'id="your-files"' in page


def test_a_lookup_shows_the_organisation_as_changed_by_another_writer(
    public_client: FlaskClient, filed: Filed, engine: Engine,
) -> None:
    """The token read with the thread is checked as the token of a page's own read is: a
    unit renamed in plain SQL (another worker, ``psql``) shows on the very next lookup."""
    assert "กองช่าง" in track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    with engine.begin() as connection:
        connection.execute(text("UPDATE unit SET name_th = 'กองช่างและผังเมือง' "
                                "WHERE code = 'WORKS'"))
    page = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert "กองช่างและผังเมือง" in page
