"""Fixtures of the citizen page tests."""

import pytest

from rongrian.intake import filing
from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import Settings
from tests.channels.web.helpers import KNOWN_CODE, Filed
from tests.conftest import Demo


@pytest.fixture
def filed(demo: Demo, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Filed:
    """A complaint about WORKS (general grievance) whose code is :data:`KNOWN_CODE`."""
    monkeypatch.setattr(filing, "new_tracking_code", lambda: KNOWN_CODE)
    with demo.sessions() as session:
        receipt = file_complaint(session, settings.secrets.tracking_pepper, Submission(
            kind="complaint", category_code="general", unit_code="WORKS", channel="web",
            what_happened="ไฟทางดับทั้งซอย",
        ))
        session.commit()
    return Filed(receipt.tracking_code, receipt.case_number, receipt.complaint_id)
