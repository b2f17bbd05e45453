"""The threat table (docs/threat-model.md), played: each adversary tries with everything it holds.

An adversary "holds" a set of private keys (its account key, unlocked with its password, and
every key ring it has been granted) and a set of symmetric secrets (what the instance folder
keeps). For each complaint it tries every key on every sealed data key and identity key, and
every secret on the content. A positive control (the handling unit's own keys) proves that the
same attempt does open what it should, so these tests can fail.
"""

import base64
import io
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import aead, keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.tracking import tracking_wrap_key
from rongrian.intake import envelope, notify
from rongrian.intake.attachments import attach_with_code, details_aad, files_by_code, key_aad
from rongrian.intake.audit import Actor
from rongrian.intake.casework import open_case, reply, reroute
from rongrian.intake.errors import ComplaintNotFound
from rongrian.intake.keyring import ring_private_key
from rongrian.intake.models import (
    Attachment,
    CaseEvent,
    CaseTransfer,
    Channel,
    Complaint,
    ComplaintKey,
    KeyGrant,
    KeyRing,
    NotificationSubscription,
)
from rongrian.intake.rotation import run_rotation
from rongrian.intake.store import file_complaint, read_thread
from rongrian.intake.tracking_codes import new_tracking_code
from rongrian.intake.transfers import transfer_aad
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
                                 envelope.data_key_aad(complaint.id, row.generation))) is not None
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
        assert complaint.complainant_wrapped_key is not None
        assert not _opens_aead(guessed, complaint.complainant_wrapped_key,
                               envelope.complainant_key_aad(complaint.id))
        assert _opens_sealed(held, complaint.complainant_sealed_data_key,
                             envelope.complainant_data_key_aad(complaint.id, 1)) is None


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


# --- a former member who kept the old unit key and a backup (issue 13, forward secrecy) ---


@dataclass(frozen=True)
class Backup:
    """What a former member of the unit walked away with: their holdings (the old unit ring key
    among them) and a copy of the case's rows as they were before the move."""

    held: Holdings
    sealed_data_keys: list[tuple[bytes, int]]
    rows_before: set[uuid.UUID]


def _rows_of(session: Session, complaint_id: uuid.UUID) -> list[tuple[uuid.UUID, bytes, bytes]]:
    """Every row of the case encrypted under a data key: ``(row id, blob, base aad)``, the base
    associated data for generation 1 (the attacker tries every generation's suffix too)."""
    found: list[tuple[uuid.UUID, bytes, bytes]] = []
    for event in session.scalars(select(CaseEvent).where(CaseEvent.complaint_id == complaint_id)):
        found.append((event.id, event.body, envelope.event_aad(complaint_id, event.id)))
    for move in session.scalars(select(CaseTransfer)
                                .where(CaseTransfer.complaint_id == complaint_id)):
        found.append((move.id, move.reason, transfer_aad(complaint_id, move.id)))
    for row in session.scalars(select(Attachment).where(Attachment.complaint_id == complaint_id)):
        found.append((row.id, row.wrapped_key, key_aad(complaint_id, row.id)))
        found.append((row.id, row.details, details_aad(complaint_id, row.id)))
    return found


def _opens_in_any_generation(candidates: list[bytes], blob: bytes, base_aad: bytes) -> bool:
    return any(_opens_aead(candidates, blob, envelope.with_generation(base_aad, generation))
               for generation in range(1, 5))


def _walk_away(session: Session, complaint_id: uuid.UUID) -> Backup:
    return Backup(
        held=staff_holdings(session, "works"),
        sealed_data_keys=[(row.sealed_data_key, row.generation) for row in session.scalars(
            select(ComplaintKey).where(ComplaintKey.complaint_id == complaint_id))],
        rows_before={row_id for row_id, _blob, _aad in _rows_of(session, complaint_id)},
    )


def _add_after_the_move(session: Session, pepper: bytes, code: str, attachments: Path,
                        staff: str, complaint_id: uuid.UUID) -> None:
    reply(session, unlock(session, staff), complaint_id, "ข้อความหลังย้ายเรื่อง", now=NOW)
    attach_with_code(session, pepper, code, attachments, [(io.BytesIO(b"after"), "image/png")],
                     text="ข้อมูลเพิ่มเติมหลังย้าย", now=NOW)
    session.commit()


@pytest.mark.parametrize("how", ["reroute", "rotation"])
def test_a_former_member_with_the_old_unit_key_reads_nothing_added_after_a_move(
    demo: Demo, settings: Settings, tmp_path: Path, how: str,
) -> None:
    pepper, attachments = settings.secrets.tracking_pepper, tmp_path / "attachments"
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(
            unit_code="WORKS", what_happened="ท่อแตกหน้าตลาด"), now=NOW)
        case_id = receipt.complaint_id
        reply(session, unlock(session, "works"), case_id, "ข้อความก่อนย้าย", now=NOW)
        attach_with_code(session, pepper, receipt.tracking_code, attachments,
                         [(io.BytesIO(b"before"), "image/png")], text="ก่อนย้าย", now=NOW)
        session.commit()
        backup = _walk_away(session, case_id)
    with demo.sessions() as session:
        if how == "reroute":
            reroute(session, unlock(session, "works"), case_id, "FINANCE",
                    "เรื่องนี้เป็นงานของกองคลัง ไม่ใช่กองช่าง", now=NOW)
            session.commit()
            staff = "finance"
        else:
            run_rotation(demo.sessions, "WORKS", lambda s, ring: ring_private_key(
                s, unlock(s, "works"), ring), actor=Actor(None, "test"))
            staff = "works"
        _add_after_the_move(session, pepper, receipt.tracking_code, attachments, staff, case_id)

    with demo.sessions() as session:  # a later copy of the database
        complaint = session.get_one(Complaint, case_id)
        old_keys = [key for box, generation in backup.sealed_data_keys
                    if (key := _opens_sealed(backup.held, box,
                                             envelope.data_key_aad(case_id, generation)))]
        assert old_keys, "positive control: the old unit key opens the backup's data key"
        assert _opens_aead(old_keys, complaint.content, envelope.content_aad(case_id))
        rows = _rows_of(session, case_id)
        added = [(row_id, blob, aad) for row_id, blob, aad in rows
                 if row_id not in backup.rows_before]
        assert len(added) >= 5 - (how == "rotation")  # reply, information, file key+details, move
        for row_id, blob, aad in rows:
            opened = _opens_in_any_generation(old_keys, blob, aad)
            assert opened == (row_id in backup.rows_before), (row_id, opened)
        # Nor does the old key reach the new generation by any sealed copy or link.
        now_sealed = [(row.sealed_data_key, envelope.data_key_aad(case_id, row.generation))
                      for row in session.scalars(select(ComplaintKey)
                                                 .where(ComplaintKey.complaint_id == case_id))]
        assert complaint.complainant_sealed_data_key is not None
        now_sealed.append((complaint.complainant_sealed_data_key,
                           envelope.complainant_data_key_aad(case_id, complaint.key_generation)))
        assert all(_opens_sealed(backup.held, box, aad) is None for box, aad in now_sealed)
        assert complaint.key_generation == 2

        # Those entitled read everything: the unit that holds it now, and the complainant.
        detail = open_case(session, unlock(session, staff), case_id)
        assert {"ข้อความก่อนย้าย", "ข้อความหลังย้ายเรื่อง", "ข้อมูลเพิ่มเติมหลังย้าย"} <= {
            entry.text for entry in detail.entries}
        thread = read_thread(session, pepper, receipt.tracking_code)
        assert {"ข้อความก่อนย้าย", "ข้อความหลังย้ายเรื่อง"} <= {e.text for e in thread.entries}
        assert [f.size for f in files_by_code(session, pepper, receipt.tracking_code)] == [6, 5]


@pytest.mark.parametrize(("username", "recovers"), [("works", True), ("palad", False)])
def test_the_handling_unit_can_recover_a_line_subscribers_user_id(
    demo: Demo, settings: Settings, username: str, recovers: bool,
) -> None:
    """A complainant who asked for LINE notifications on a case has their LINE user id stored
    encrypted under the case's data key (so a push can go out while staff act on the case):
    whoever holds the data key, the handling unit's members with a copy of the database
    included, can decrypt it. Said in the threat model; another unit cannot."""
    pepper, user_id = settings.secrets.tracking_pepper, "U" + "4f" * 16
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
        notify.subscribe(session, pepper, receipt.tracking_code, Channel.LINE, user_id)
        session.commit()
        held = staff_holdings(session, username)
        row = session.get_one(NotificationSubscription, (receipt.complaint_id, Channel.LINE))
        found = []
        for key_row in session.scalars(select(ComplaintKey).where(
                ComplaintKey.complaint_id == receipt.complaint_id)):
            data_key = _opens_sealed(held, key_row.sealed_data_key, envelope.data_key_aad(
                receipt.complaint_id, key_row.generation))
            if data_key is not None:
                found.append(json.loads(aead.decrypt(data_key, row.recipient, notify.recipient_aad(
                    receipt.complaint_id, Channel.LINE, row.key_generation)))["recipient"])
        assert found == ([user_id] if recovers else [])
