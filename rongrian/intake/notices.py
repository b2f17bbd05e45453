"""E-mail notices a complainant asked for (issue 9 §4): "something changed, use your code".

What is kept: per complaint at most one :class:`~rongrian.intake.models.EmailNotice` row with
the e-mail address sealed (:func:`rongrian.crypto.sealed.seal`, ephemeral X25519 + HKDF +
AES-256-GCM) to the **notifier key**, padded to exactly :data:`RECORD_BYTES` before sealing so
its size says nothing about the address. The notifier key's public half is in the database
(:class:`~rongrian.intake.models.NotifierKey`); its private half is a file (mode 0600,
:func:`key_path`) that only the worker command ``rongrian notify send`` reads. The web app seals
with the public key and can open nothing; staff pages never hold the private key, so no staff
member (nor the custodian) can read the address; the tracking code does not open it either.

When staff change a case's status or reply, :func:`queue` (called from
:func:`rongrian.intake.notify.collect`) sets ``queued_on``: several changes before the next
run make one notice. The worker opens the address, sends a message holding no case content, no
tracking code and no case number, and clears ``queued_on`` (:func:`mark_sent`). A status that
finishes the case sets ``final``: the row, and with it the address, is deleted once that last
notice is sent (the complainant may opt in again with their code if the case is reopened).
Retention purges delete the row too (:mod:`rongrian.intake.retention`).

Every function only flushes; the caller commits.
"""

import base64
import json
import os
import re
import stat
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rongrian.crypto import keys, padding, sealed
from rongrian.crypto.errors import DecryptionFailed, MalformedKey
from rongrian.crypto.keys import X25519PrivateKey, X25519PublicKey
from rongrian.intake.errors import InvalidSubmission, SetupError
from rongrian.intake.models import Complaint, EmailNotice, NotifierKey, Status
from rongrian.intake.store import clean_text, unlock_by_code
from rongrian.intake.workflow import FINISHED

#: Longest address accepted (RFC 5321: 254 octets in a path; 64 in the local part).
ADDRESS_MAX = 254
LOCAL_PART_MAX = 64
#: Every sealed record is exactly this many bytes before sealing (``{"address": …}`` in JSON
#: with its 4-byte frame; the longest ASCII address fits), so every box is this + 60 bytes.
RECORD_BYTES = 320
#: File name of the private key in the instance folder unless ``RONGRIAN_NOTIFIER_KEY_FILE``.
KEY_FILE_NAME = "notifier.key"
KEY_FILE_VARIABLE = "RONGRIAN_NOTIFIER_KEY_FILE"
_KEY_HEADER = "rongrian-notifier-key-v1"
_ROW_ID = 1
#: Problem field of a bad address (the web form's field has the same name).
FIELD = "notice_email"
#: ASCII addresses only: the relay may not speak SMTPUTF8, and ASCII keeps the record's size
#: bound simple. Dot-atom local part, a domain of at least two labels.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def check_address(value: object) -> str:
    """The trimmed address, or :class:`InvalidSubmission` ``{"notice_email": problem}`` with
    ``required`` (empty), ``too_long`` (over :data:`ADDRESS_MAX`) or ``invalid`` (not text, not
    an ASCII ``name@example.com`` form)."""
    if not isinstance(value, str):
        raise InvalidSubmission({FIELD: "invalid"})
    address = clean_text(value)
    if not address:
        raise InvalidSubmission({FIELD: "required"})
    if len(address) > ADDRESS_MAX:
        raise InvalidSubmission({FIELD: "too_long"})
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (not at or not local.isascii() or not domain.isascii() or len(local) > LOCAL_PART_MAX
            or not _LOCAL.match(local) or len(labels) < 2
            or not all(_LABEL.match(label) for label in labels)):
        raise InvalidSubmission({FIELD: "invalid"})
    return address


def address_aad(complaint_id: uuid.UUID) -> bytes:
    """Associated data of a sealed address: it opens only in its own complaint's row."""
    return b"notice-address:" + complaint_id.bytes


# --- the notifier key -----------------------------------------------------------------------

def key_path(instance_path: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where the notifier's private key is: ``RONGRIAN_NOTIFIER_KEY_FILE`` or
    ``<instance>/notifier.key``."""
    env = os.environ if environ is None else environ
    configured = env.get(KEY_FILE_VARIABLE, "").strip()
    return Path(configured) if configured else instance_path / KEY_FILE_NAME


def public_key(session: Session) -> X25519PublicKey | None:
    """The notifier's public key, or ``None`` when none was made (notices are off)."""
    row = session.get(NotifierKey, _ROW_ID)
    return keys.load_public(row.public_key) if row is not None else None


def load_private_key(path: Path) -> X25519PrivateKey:
    """Read the private key file. Raises ``SetupError`` (Thai and English) if it is missing,
    readable by others than its owner, or not a notifier key."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise SetupError(f"ไม่พบกุญแจผู้แจ้งเตือน {path} (rongrian notify init-key) / the notifier "
                         f"key {path} is missing: run `rongrian notify init-key`") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"อ่านกุญแจผู้แจ้งเตือน {path} ไม่ได้ / cannot read the notifier key "
                         f"{path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SetupError(f"ไฟล์กุญแจ {path} ต้องอ่านได้เฉพาะเจ้าของ (chmod 600) / the notifier key "
                         f"{path} must be readable by its owner only: chmod 600 it")
    header, _, body = text.strip().partition("\n")
    try:
        if header != _KEY_HEADER:
            raise MalformedKey("no header")
        return keys.load_private(base64.b64decode(body.strip(), validate=True))
    except (MalformedKey, ValueError) as exc:
        raise SetupError(f"ไฟล์ {path} ไม่ใช่กุญแจผู้แจ้งเตือน / {path} is not a notifier "
                         "key") from exc


def _write_key(path: Path, private: X25519PrivateKey) -> None:
    """Write ``private`` to ``path`` (mode 0600) through a new file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    text = f"{_KEY_HEADER}\n{base64.b64encode(keys.private_bytes(private)).decode()}\n"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def create_key(session: Session, path: Path, today: date, *, replace: bool = False) -> str:
    """Make the notifier key pair: the private key to ``path`` (0600), the public key to the
    database. Returns ``"created"``, ``"exists"`` (file and database agree: nothing done),
    ``"recorded"`` (the file's public key written to a database that had none) or
    ``"replaced"`` (with ``replace``: a new pair; every address sealed to the old key is
    deleted, as nobody could open it any more).

    Raises ``SetupError`` when the database holds a key that the file does not match or the
    file is missing, unless ``replace``. Flushes; write the file only if the caller commits —
    a failed commit leaves a file whose key the next run records or replaces."""
    row = session.get(NotifierKey, _ROW_ID)
    on_file = load_private_key(path) if path.exists() else None
    if not replace:
        if on_file is not None:
            on_file_public = keys.public_bytes(on_file.public_key())
            if row is None:
                session.add(NotifierKey(id=_ROW_ID, public_key=on_file_public, created_on=today))
                session.flush()
                return "recorded"
            if bytes(row.public_key) == on_file_public:
                return "exists"
        if row is not None:
            raise SetupError(
                f"ฐานข้อมูลมีกุญแจผู้แจ้งเตือนแต่ไฟล์ {path} ไม่ตรงหรือไม่มี: นำไฟล์เดิมกลับมา หรือใช้ "
                "--replace (ที่อยู่อีเมลที่ลงทะเบียนไว้จะถูกลบ) / the database holds a notifier key "
                f"that {path} does not match or is missing: restore that file, or use --replace "
                "(the e-mail addresses registered so far are deleted)")
    private = keys.generate_private_key()
    public = keys.public_bytes(private.public_key())
    replaced = row is not None
    if row is None:
        session.add(NotifierKey(id=_ROW_ID, public_key=public, created_on=today))
    else:
        row.public_key = public
        row.created_on = today
        session.execute(delete(EmailNotice))
    session.flush()
    _write_key(path, private)
    return "replaced" if replaced else "created"


# --- the complainant's choice ---------------------------------------------------------------

def seal_address(public: X25519PublicKey, complaint_id: uuid.UUID, address: str) -> bytes:
    """``address`` (already checked) sealed to the notifier key: always ``RECORD_BYTES + 60``
    bytes."""
    record = json.dumps({"address": address}, separators=(",", ":")).encode("ascii")
    return sealed.seal(public, padding.pad_exact(record, RECORD_BYTES),
                       address_aad(complaint_id))


def open_address(private: X25519PrivateKey, row: EmailNotice) -> str:
    """The address of ``row``; raises ``DecryptionFailed`` for another key or a changed row."""
    plain = padding.unpad(sealed.open_sealed(private, row.sealed_address,
                                             address_aad(row.complaint_id)))
    try:
        return str(json.loads(plain)["address"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DecryptionFailed("not an address record") from exc


def opt_in(session: Session, complaint_id: uuid.UUID, address: object) -> None:
    """Record ``address`` for notices about ``complaint_id`` (replacing an earlier one; a
    notice already waiting still goes, to the new address).

    Raises :class:`InvalidSubmission` ``{"notice_email": "required" | "too_long" | "invalid"
    | "unavailable"}`` (``unavailable``: no notifier key, notices are off)."""
    checked = check_address(address)
    public = public_key(session)
    if public is None:
        raise InvalidSubmission({FIELD: "unavailable"})
    box = seal_address(public, complaint_id, checked)
    row = session.get(EmailNotice, complaint_id)
    if row is None:
        session.add(EmailNotice(complaint_id=complaint_id, sealed_address=box, queued_on=None,
                                final=False))
    else:
        row.sealed_address = box
        row.final = False
    session.flush()


def opt_in_by_code(session: Session, pepper: bytes, code_text: str, address: object) -> None:
    """:func:`opt_in` for the complaint ``code_text`` opens, while the case is not finished.

    Raises ``MalformedTrackingCode``, ``ComplaintNotFound``, or :class:`InvalidSubmission`
    (as :func:`opt_in`, or ``{"notice_email": "finished"}``)."""
    check_address(address)  # a bad address is refused before the code is even looked up
    complaint, _keys = unlock_by_code(session, pepper, code_text)
    if complaint.status in FINISHED:
        raise InvalidSubmission({FIELD: "finished"})
    opt_in(session, complaint.id, address)


def opt_out_by_code(session: Session, pepper: bytes, code_text: str) -> bool:
    """Delete the address of the complaint ``code_text`` opens (a waiting notice goes with it).
    Returns whether there was one. Raises ``MalformedTrackingCode`` or ``ComplaintNotFound``."""
    complaint, _keys = unlock_by_code(session, pepper, code_text)
    row = session.get(EmailNotice, complaint.id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def opted_in(session: Session, complaint_id: uuid.UUID) -> bool:
    """Whether an address is kept for ``complaint_id`` (never which)."""
    return session.get(EmailNotice, complaint_id) is not None


# --- the case moves; the worker sends -------------------------------------------------------

def queue(session: Session, complaint: Complaint, status: Status | None, today: date) -> bool:
    """Note that ``complaint`` changed (``status``: its new status, ``None`` for a reply).
    Returns whether an address waits for it. A finishing status marks the row ``final``."""
    row = session.get(EmailNotice, complaint.id)
    if row is None:
        return False
    if row.queued_on is None:
        row.queued_on = today
    if status is not None:
        row.final = status in FINISHED
    session.flush()
    return True


def waiting(session: Session) -> list[uuid.UUID]:
    """Complaints with a notice waiting, oldest first."""
    return list(session.scalars(select(EmailNotice.complaint_id)
                                .where(EmailNotice.queued_on.is_not(None))
                                .order_by(EmailNotice.queued_on, EmailNotice.complaint_id)))


def claim(session: Session, complaint_id: uuid.UUID) -> EmailNotice | None:
    """The waiting notice of ``complaint_id``, locked for this transaction (on PostgreSQL a
    second worker skips it), or ``None`` if it was sent, withdrawn or is locked elsewhere."""
    return session.scalars(select(EmailNotice)
                           .where(EmailNotice.complaint_id == complaint_id,
                                  EmailNotice.queued_on.is_not(None))
                           .with_for_update(skip_locked=True)).first()


def mark_sent(session: Session, row: EmailNotice) -> None:
    """The notice of ``row`` went: clear it, or delete the row (and the address) if the case
    had finished."""
    if row.final:
        session.delete(row)
    else:
        row.queued_on = None
    session.flush()


def drop(session: Session, row: EmailNotice) -> None:
    """Delete ``row``: the relay refuses its address, or it no longer opens."""
    session.delete(row)
    session.flush()
