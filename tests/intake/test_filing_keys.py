"""The keys a filing seals to, read in one statement (issue 11, ``keyring.filing_keys``): a
unit without a current ring, or an installation without a custodian ring, refuses the filing
with a setup error and stores nothing; a filing sends one statement for the three keys."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rongrian.intake.errors import SetupError
from rongrian.intake.models import Complaint, KeyRing, RingPurpose, Unit
from rongrian.intake.store import file_complaint
from tests.intake.helpers import statements, submission


def _complaints(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


@pytest.mark.parametrize(("purpose", "message"), [
    (RingPurpose.UNIT, "has no key ring"),
    (RingPurpose.CUSTODIAN, "no identity custodian key ring"),
])
def test_a_missing_ring_refuses_the_filing_and_stores_nothing(
        session: Session, pepper: bytes, purpose: RingPurpose, message: str) -> None:
    works = session.scalars(select(Unit).where(Unit.code == "WORKS")).one()
    rings = update(KeyRing).where(KeyRing.purpose == purpose).values(active=False)
    if purpose is RingPurpose.UNIT:
        rings = rings.where(KeyRing.unit_id == works.id)
    session.execute(rings)
    with pytest.raises(SetupError, match=message):
        file_complaint(session, pepper, submission(unit_code="WORKS"))
    session.rollback()
    assert _complaints(session) == 0


def test_the_three_keys_come_in_one_statement(session: Session, pepper: bytes) -> None:
    with statements(session) as seen:
        file_complaint(session, pepper, submission(unit_code="WORKS"))
    keys = [s for s in seen if "FROM key_ring" in s or "FROM installation" in s]
    assert len(keys) == 1
    assert "installation" in keys[0]
