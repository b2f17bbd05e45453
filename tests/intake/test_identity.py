"""The complainant's identity: sealed to the identity custodian (and recovery key) only.

DESIGN.md promise 3: unit staff read the complaints routed to their unit, never the identity.
"""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import envelope, filing, keyring
from rongrian.intake.custody import IDENTITY_BLOB_BYTES, repad_identities
from rongrian.intake.errors import InvalidSubmission, WrongRecoveryKey
from rongrian.intake.models import Complaint, KeyRing, RingPurpose
from rongrian.intake.store import IDENTITY_RECORD_BYTES, LIMITS, Identity, file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, named, submission, unlock


def _complaint(session: Session, complaint_id: uuid.UUID) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    assert complaint is not None
    return complaint


def _open_identity(ring_private: X25519PrivateKey, complaint: Complaint,
                   *, recovery: bool = False) -> dict[str, object]:
    box = complaint.identity_key_recovery if recovery else complaint.identity_key_custodian
    identity_key = sealed.open_sealed(ring_private, box, envelope.identity_key_aad(complaint.id))
    return envelope.decrypt_record(identity_key, complaint.identity,
                                   envelope.identity_aad(complaint.id))


def _unit_ring_keys(session: Session, demo: Demo) -> dict[int, X25519PrivateKey]:
    """Every unit ring's private key, opened with the offline recovery key."""
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    rings = session.scalars(select(KeyRing).where(KeyRing.purpose == RingPurpose.UNIT)).all()
    assert len(rings) == 5  # ORG, PALAD, FINANCE, WORKS, AUDIT
    return {
        ring.id: keys.load_private(sealed.open_sealed(
            recovery, ring.recovery_sealed_private, keyring._ring_aad(ring.id)))
        for ring in rings
    }


@pytest.mark.parametrize("category", ["general", "corruption"])
def test_named_identity_opens_with_the_custodian_ring_key_only(
    session: Session, pepper: bytes, demo: Demo, category: str
) -> None:
    receipt = file_complaint(session, pepper, submission(
        category_code=category, identity=named("บุญมี ศรีสุข", "0812345678", "boonmee@example.org"),
    ), now=NOW)
    complaint = _complaint(session, receipt.complaint_id)
    integrity = unlock(session, "integrity")
    custodian = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    assert _open_identity(custodian, complaint) == {
        "anonymous": False, "name": "บุญมี ศรีสุข", "phone": "0812345678",
        "email": "boonmee@example.org"}
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    assert _open_identity(recovery, complaint, recovery=True)["name"] == "บุญมี ศรีสุข"

    # No unit key opens it: not the routed unit's, not the integrity unit's (AUDIT) ring, none.
    for ring_private in _unit_ring_keys(session, demo).values():
        for recovery_box in (False, True):
            with pytest.raises(DecryptionFailed):
                _open_identity(ring_private, complaint, recovery=recovery_box)
    # Nor any staff account's own key, the custodian's included (it must go through the ring).
    for username in ("palad", "finance", "works", "integrity", "executive", "admin"):
        with pytest.raises(DecryptionFailed):
            _open_identity(unlock(session, username).private_key, complaint)


def test_staff_of_the_unit_have_no_grant_for_the_custodian_ring(session: Session) -> None:
    ring = keyring.custodian_ring(session)
    for username in ("palad", "finance", "works", "executive", "admin"):
        with pytest.raises(keyring.KeyNotGranted):
            keyring.ring_private_key(session, unlock(session, username), ring)


def test_anonymous_identity_looks_like_a_named_one(session: Session, pepper: bytes) -> None:
    anonymous = _complaint(session, file_complaint(
        session, pepper, submission(), now=NOW).complaint_id)
    short_name = _complaint(session, file_complaint(
        session, pepper, submission(identity=Identity(name="ก")), now=NOW).complaint_id)
    full = _complaint(session, file_complaint(
        session, pepper, submission(identity=named()), now=NOW).complaint_id)
    for column in ("identity", "identity_key_custodian", "identity_key_recovery", "content"):
        lengths = {len(getattr(c, column)) for c in (anonymous, short_name, full)}
        assert len(lengths) == 1, column
    integrity = unlock(session, "integrity")
    custodian = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    assert _open_identity(custodian, anonymous) == {
        "anonymous": True, "name": "", "phone": "", "email": ""}
    assert _open_identity(custodian, short_name)["anonymous"] is False


def test_identity_boxes_are_bound_to_their_complaint(session: Session, pepper: bytes) -> None:
    first = _complaint(session, file_complaint(
        session, pepper, submission(identity=named()), now=NOW).complaint_id)
    second = _complaint(session, file_complaint(session, pepper, submission(), now=NOW)
                        .complaint_id)
    integrity = unlock(session, "integrity")
    custodian = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    second.identity_key_custodian = first.identity_key_custodian
    with pytest.raises(DecryptionFailed):
        _open_identity(custodian, second)
    second.identity = first.identity
    with pytest.raises(DecryptionFailed):
        _open_identity(custodian, second)


#: The longest identity the limits allow, in Thai (3 bytes a character in UTF-8): a 200-character
#: name, a 32-character phone number and a 254-character e-mail address with a Thai local part.
LONGEST_THAI = Identity(
    name=("สมศรี มีสุขสวัสดิ์ " * 12)[:LIMITS["name"]].strip().ljust(LIMITS["name"], "ก"),
    phone="+6" + "1" * (LIMITS["phone"] - 2),
    email="ก" * (LIMITS["email"] - len("@example.org")) + "@example.org",
)
#: And in 4-byte characters (the most UTF-8 spends on one), with JSON-escaped characters.
LONGEST_WIDE = Identity(name="😀" * (LIMITS["name"] - 2) + '"\\',
                        phone=LONGEST_THAI.phone,
                        email="😀" * (LIMITS["email"] - len("@example.org")) + "@example.org")


def test_every_identity_record_has_one_size(session: Session, pepper: bytes) -> None:
    """Issue 13, M2: an anonymous record, a short name and the longest name, phone and e-mail
    the limits allow are stored as blobs of one length (they were 284 and 540 bytes)."""
    assert [len(value) for value in (LONGEST_THAI.name, LONGEST_THAI.phone,
                                     LONGEST_THAI.email)] == [LIMITS["name"], LIMITS["phone"],
                                                              LIMITS["email"]]
    filed = {
        label: _complaint(session, file_complaint(
            session, pepper, submission(identity=identity), now=NOW).complaint_id)
        for label, identity in (("anonymous", None), ("short", Identity(name="ก")),
                                ("typical", named()), ("longest-thai", LONGEST_THAI),
                                ("longest-wide", LONGEST_WIDE))
    }
    session.flush()
    stored = {len(blob) for blob in session.scalars(select(Complaint.identity))}
    assert stored == {IDENTITY_RECORD_BYTES + 28}, {
        label: len(c.identity) for label, c in filed.items()}
    integrity = unlock(session, "integrity")
    custodian = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    for identity, label in ((LONGEST_THAI, "longest-thai"), (LONGEST_WIDE, "longest-wide")):
        assert _open_identity(custodian, filed[label]) == {
            "anonymous": False, "name": identity.name, "phone": identity.phone,
            "email": identity.email}


def test_an_identity_record_that_would_not_fit_is_refused(
        session: Session, pepper: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the limits ever outgrow the fixed size, filing is refused, not grown."""
    monkeypatch.setattr(filing, "IDENTITY_RECORD_BYTES", 256)
    with pytest.raises(InvalidSubmission) as refused:
        file_complaint(session, pepper, submission(identity=LONGEST_THAI), now=NOW)
    assert refused.value.problems == {"identity": "too_long"}
    assert session.scalars(select(Complaint)).first() is None


def test_identity_records_stored_before_the_fix_are_repadded_with_the_recovery_key(
        session: Session, pepper: bytes, demo: Demo) -> None:
    """Records written with 256-byte blocks (before issue 13's fix) are brought to the one size
    by ``repad_identities``; the custodian still opens them; a wrong recovery key changes
    nothing."""
    ids = [file_complaint(session, pepper, submission(identity=identity), now=NOW).complaint_id
           for identity in (None, named(), LONGEST_THAI)]
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    for complaint_id in ids:  # rewrite as the old code stored them
        complaint = _complaint(session, complaint_id)
        identity_key = sealed.open_sealed(recovery, complaint.identity_key_recovery,
                                          envelope.identity_key_aad(complaint_id))
        record = envelope.decrypt_record(identity_key, complaint.identity,
                                         envelope.identity_aad(complaint_id))
        complaint.identity = envelope.encrypt_record(identity_key, record,
                                                     envelope.identity_aad(complaint_id))
    session.flush()
    assert {len(_complaint(session, i).identity) for i in ids} == {284, 1564}
    with pytest.raises(WrongRecoveryKey):
        repad_identities(session, keys.generate_private_key())
    assert repad_identities(session, recovery, now=NOW) == 3
    assert {len(_complaint(session, i).identity) for i in ids} == {IDENTITY_BLOB_BYTES}
    assert repad_identities(session, recovery, now=NOW) == 0
    integrity = unlock(session, "integrity")
    custodian = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    assert _open_identity(custodian, _complaint(session, ids[1]))["name"] == named().name
    assert _open_identity(custodian, _complaint(session, ids[0]))["anonymous"] is True
