"""The README's threat table, played: each adversary tries with everything it holds.

An adversary "holds" a set of private keys (its account key, unlocked with its password, and
every key ring it has been granted) and a set of symmetric secrets (what the instance folder
keeps). For each complaint it tries every key on every sealed data key and identity key, and
every secret on the content. A positive control (the handling unit's own keys) proves that the
same attempt does open what it should, so these tests can fail.
"""

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import aead, keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.tracking import tracking_wrap_key
from rongrian.intake import envelope
from rongrian.intake.errors import ComplaintNotFound
from rongrian.intake.keyring import ring_private_key
from rongrian.intake.models import Complaint, ComplaintKey, KeyGrant, KeyRing
from rongrian.intake.store import file_complaint, read_thread
from rongrian.intake.tracking_codes import new_tracking_code
from rongrian.settings import Settings
from tests.conftest import Demo
from tests.intake.helpers import NOW, named, submission, unlock


@dataclass
class Holdings:
    """What an adversary can use: private keys and symmetric secrets."""

    private_keys: list[X25519PrivateKey] = field(default_factory=list)
    secrets: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Opened:
    """What the holdings opened of one complaint."""

    data_key: bool
    content: bool
    identity: bool


def staff_holdings(session: Session, username: str) -> Holdings:
    """A staff member's account key and every ring key granted to them."""
    unlocked = unlock(session, username)
    held = Holdings(private_keys=[unlocked.private_key])
    for ring in session.scalars(
        select(KeyRing).join(KeyGrant, KeyGrant.ring_id == KeyRing.id)
        .where(KeyGrant.account_id == unlocked.account_id)
    ):
        held.private_keys.append(ring_private_key(session, unlocked, ring))
    return held


def _opens_sealed(held: Holdings, box: bytes | None, aad: bytes) -> bytes | None:
    if box is None:
        return None
    for key in held.private_keys:
        try:
            return sealed.open_sealed(key, box, aad)
        except DecryptionFailed:
            continue
    return None


def _opens_aead(candidates: list[bytes], blob: bytes, aad: bytes) -> bool:
    for key in candidates:
        try:
            aead.decrypt(key, blob, aad)
        except (DecryptionFailed, ValueError):
            continue
        return True
    return False


def attempt(session: Session, held: Holdings, complaint: Complaint) -> Opened:
    """Everything ``held`` can open of ``complaint``."""
    data_keys = [
        key for row in session.scalars(
            select(ComplaintKey).where(ComplaintKey.complaint_id == complaint.id))
        if (key := _opens_sealed(held, row.sealed_data_key,
                                 envelope.data_key_aad(complaint.id))) is not None
    ]
    identity_aad = envelope.identity_key_aad(complaint.id)
    identity_keys = [key for box in (complaint.identity_key_custodian,
                                     complaint.identity_key_recovery)
                     if (key := _opens_sealed(held, box, identity_aad)) is not None]
    symmetric = [*held.secrets, *data_keys, *identity_keys]
    return Opened(
        data_key=bool(data_keys),
        content=_opens_aead(symmetric, complaint.content, envelope.content_aad(complaint.id)),
        identity=_opens_aead(symmetric, complaint.identity, envelope.identity_aad(complaint.id)),
    )


def _file(demo: Demo, pepper: bytes, **changes: object) -> uuid.UUID:
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(**changes), now=NOW)
        session.commit()
        return receipt.complaint_id


NOTHING = Opened(data_key=False, content=False, identity=False)


@pytest.mark.parametrize(("username", "changes", "expected"), [
    # Positive control: the handling unit reads the content, never the identity.
    pytest.param("works", {"unit_code": "WORKS"}, Opened(True, True, False), id="handling-unit"),
    pytest.param("palad", {"unit_code": "WORKS"}, NOTHING, id="staff-of-another-unit"),
    # A tip about corruption in the finance division goes to the integrity unit only.
    pytest.param("finance", {"kind": "tip", "category_code": "corruption",
                             "unit_code": "FINANCE"}, NOTHING, id="staff-of-the-accused-unit"),
    pytest.param("executive", {"unit_code": "WORKS"}, NOTHING, id="executive"),
    pytest.param("admin", {"unit_code": "WORKS"}, NOTHING, id="administrator"),
])
def test_staff_adversaries_open_only_what_their_unit_handles(
    demo: Demo, settings: Settings, username: str, changes: dict[str, object],
    expected: Opened,
) -> None:
    complaint_id = _file(demo, settings.secrets.tracking_pepper, identity=named(), **changes)
    with demo.sessions() as session:
        complaint = session.get_one(Complaint, complaint_id)
        assert attempt(session, staff_holdings(session, username), complaint) == expected


@pytest.mark.parametrize("username", ["works", "palad", "finance", "executive", "admin"])
def test_no_staff_member_but_the_custodian_holds_an_identity_key(
    demo: Demo, settings: Settings, username: str,
) -> None:
    complaint_id = _file(demo, settings.secrets.tracking_pepper, identity=named(),
                         unit_code="WORKS")
    with demo.sessions() as session:
        complaint = session.get_one(Complaint, complaint_id)
        assert not attempt(session, staff_holdings(session, username), complaint).identity
        custodian = attempt(session, staff_holdings(session, "integrity"), complaint)
        assert custodian.identity, "the custodian's key opens it (the reveal is audited)"


def test_the_public_app_taken_over_opens_nothing_filed(demo: Demo, settings: Settings) -> None:
    """All the public app keeps (secrets.json, the database with its public keys), used as
    AES keys, as X25519 private keys and to derive tracking keys from guessed codes."""
    complaint_id = _file(demo, settings.secrets.tracking_pepper, identity=named())
    stored = json.loads((settings.instance_path / "secrets.json").read_text())
    raw = [base64.b64decode(value) for value in stored.values()]
    assert settings.secrets.tracking_pepper in raw
    guessed = [tracking_wrap_key(settings.secrets.tracking_pepper, new_tracking_code())
               for _ in range(200)]
    held = Holdings(
        private_keys=[keys.load_private(value) for value in raw if len(value) == 32],
        secrets=[value for value in raw if len(value) in (16, 24, 32)] + guessed,
    )
    assert held.private_keys, "the secrets are tried as private keys too"
    with demo.sessions() as session:
        complaint = session.get_one(Complaint, complaint_id)
        assert attempt(session, held, complaint) == NOTHING
        assert not _opens_aead(guessed, complaint.tracking_wrapped_key,
                               envelope.tracking_aad(complaint.id))


def test_guessing_tracking_codes_finds_nothing(demo: Demo, settings: Settings) -> None:
    """80-bit codes: 2,000 random guesses against 50 complaints all miss (the web adds a rate
    limit: tests/channels/web/test_ratelimit.py)."""
    pepper = settings.secrets.tracking_pepper
    for _ in range(50):
        _file(demo, pepper)
    with demo.sessions() as session:
        hits = 0
        for _ in range(2000):
            try:
                read_thread(session, pepper, new_tracking_code())
            except ComplaintNotFound:
                continue
            hits += 1
        assert hits == 0


def test_a_wrong_pepper_cannot_use_a_right_code(demo: Demo, settings: Settings) -> None:
    """A code is useless without the server's pepper (a database copy plus a code seen on a
    shoulder does not open the complaint elsewhere)."""
    with demo.sessions() as session:
        receipt = file_complaint(session, settings.secrets.tracking_pepper, submission(),
                                 now=NOW)
        session.commit()
        assert read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
        with pytest.raises(ComplaintNotFound):
            read_thread(session, secrets.token_bytes(32), receipt.tracking_code)
