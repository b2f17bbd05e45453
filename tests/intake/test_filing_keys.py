"""The keys a filing seals to come from the worker's kept reference (issue 11,
``Reference.filing_keys``): a unit without a current ring, or an installation without a
custodian ring, refuses the filing with a setup error and stores nothing; a filing with the
reference held reads no key; a ring made and another retired by any writer is what the very
next filing seals to."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rongrian.crypto import keys
from rongrian.intake.errors import SetupError
from rongrian.intake.models import Complaint, ComplaintKey, KeyRing, RingPurpose, Unit
from rongrian.intake.reference import ReferenceCache
from rongrian.intake.store import file_complaint
from tests.conftest import Demo
from tests.intake.helpers import statements, submission


def _complaints(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def _works(session: Session) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == "WORKS")).one()


@pytest.mark.parametrize(("purpose", "message"), [
    (RingPurpose.UNIT, "has no key ring"),
    (RingPurpose.CUSTODIAN, "no identity custodian key ring"),
])
def test_a_missing_ring_refuses_the_filing_and_stores_nothing(
        session: Session, pepper: bytes, purpose: RingPurpose, message: str) -> None:
    cache = ReferenceCache()
    cache.get(session)  # held before the ring goes
    rings = update(KeyRing).where(KeyRing.purpose == purpose).values(active=False)
    if purpose is RingPurpose.UNIT:
        rings = rings.where(KeyRing.unit_id == _works(session).id)
    session.execute(rings)
    with pytest.raises(SetupError, match=message):
        file_complaint(session, pepper, submission(unit_code="WORKS"),
                       reference=cache.get(session))
    session.rollback()
    assert _complaints(session) == 0


def test_a_filing_with_the_reference_held_reads_no_key(session: Session, pepper: bytes) -> None:
    cache = ReferenceCache()
    cache.get(session)
    with statements(session) as seen:
        file_complaint(session, pepper, submission(unit_code="WORKS"),
                       reference=cache.get(session))
    assert [s for s in seen if "key_ring" in s or "installation" in s] == []


def test_the_next_filing_seals_to_a_ring_made_by_another_writer(demo: Demo,
                                                                 pepper: bytes) -> None:
    cache = ReferenceCache()
    with demo.sessions() as session:
        cache.get(session)
        works = _works(session)
        old = session.scalars(select(KeyRing).where(KeyRing.unit_id == works.id,
                                                    KeyRing.active)).one()
        old.active = False
        session.flush()
        new = KeyRing(purpose=RingPurpose.UNIT, unit_id=works.id, active=True,
                      public_key=keys.public_bytes(keys.generate_private_key().public_key()),
                      recovery_sealed_private=b"not used here")
        session.add(new)
        session.commit()
        new_id = new.id
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(unit_code="WORKS"),
                                 reference=cache.get(session))
        session.commit()
        sealed_to = session.scalars(select(ComplaintKey.ring_id).where(
            ComplaintKey.complaint_id == receipt.complaint_id)).all()
    assert sealed_to == [new_id]
