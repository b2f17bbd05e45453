"""Filing a complaint: validated, routed, encrypted and stored under a new tracking code.

Takes the SQLAlchemy ``Session`` explicitly and only writes; the caller commits (or rolls back),
so nothing half-written survives a failure. What is filed is checked first by
:mod:`rongrian.intake.submission`; the rows are written by :mod:`rongrian.intake.filing_rows`.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rongrian.crypto import aead, sealed
from rongrian.crypto.errors import PaddingOverflow
from rongrian.crypto.tracking import tracking_digest, tracking_wrap_key
from rongrian.intake import envelope
from rongrian.intake.datakeys import complainant_key_columns, first_keys, ring_copy_columns
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.events import event_columns
from rongrian.intake.filing_rows import write_filing
from rongrian.intake.keyring import FilingKeys
from rongrian.intake.models import Channel, EventKind, Kind, Status
from rongrian.intake.posters import poster_of
from rongrian.intake.reference import Reference, load_reference
from rongrian.intake.routing import route
from rongrian.intake.service_clock import due_days
from rongrian.intake.submission import IDENTITY_RECORD_BYTES, Identity, Submission, validate
from rongrian.intake.thaidate import fiscal_year_of
from rongrian.intake.tracking_codes import display, new_tracking_code


@dataclass(frozen=True)
class Receipt:
    """What the complainant is given once: the tracking code (grouped) and the case number."""

    tracking_code: str
    case_number: str
    complaint_id: uuid.UUID


def _seal_identity(
    complaint_id: uuid.UUID, identity: Identity | None, sealing: FilingKeys
) -> tuple[bytes, bytes, bytes]:
    """Encrypt the identity record (always present, so anonymity is not visible) under its own
    key, sealed to the custodian ring and the recovery key of ``sealing`` only."""
    record = {"anonymous": identity is None, "name": "", "phone": "", "email": ""}
    if identity is not None:
        record.update(name=identity.name, phone=identity.phone, email=identity.email)
    identity_key = aead.new_key()
    try:
        blob = envelope.encrypt_fixed_record(identity_key, record, IDENTITY_RECORD_BYTES,
                                             envelope.identity_aad(complaint_id))
    except PaddingOverflow as exc:  # only if LIMITS and IDENTITY_RECORD_BYTES disagree
        raise InvalidSubmission({"identity": "too_long"}) from exc
    aad = envelope.identity_key_aad(complaint_id)
    return (
        blob,
        sealed.seal(sealing.custodian_ring.public_key, identity_key, aad),
        sealed.seal(sealing.recovery, identity_key, aad),
    )


def file_complaint(
    session: Session, pepper: bytes, submission: Submission, *, now: datetime | None = None,
    reference: Reference | None = None, confirm_token: bool = False,
) -> Receipt:
    """Validate, route, encrypt and store a complaint; return the one-time receipt.

    ``reference`` is the agency's categories, units and days off as the caller already holds
    them (:class:`rongrian.intake.reference.ReferenceCache`); read through ``session`` when not
    given. ``confirm_token``: the caller did not check that ``reference`` is still current, so
    the writing statement does (its change token). The rows are written by
    :func:`rongrian.intake.filing_rows.write_filing` (one statement on PostgreSQL, issue 11).
    Raises :class:`InvalidSubmission` (nothing stored), :class:`ReferenceChanged` (nothing
    stored; read the organisation again and file again) or ``SetupError``.
    """
    now = now or datetime.now(UTC)
    reference = reference or load_reference(session)
    cleaned, category, named_unit = validate(session, submission, reference=reference)
    unit = route(reference, category, named_unit)
    complaint_id = uuid.uuid4()
    data_keys = first_keys(complaint_id)
    data_key = data_keys.current
    code = new_tracking_code()
    wrap_key = tracking_wrap_key(pepper, code)
    today = now.date()
    content = {
        "what_happened": cleaned.what_happened,
        "when_happened": cleaned.when_happened,
        "where_happened": cleaned.where_happened,
        "who_involved": cleaned.who_involved,
        "named_unit": named_unit.code if named_unit else None,
        "submitted_at": now.isoformat(timespec="seconds"),
    }
    sealing = reference.filing_keys(unit.id)  # kept per worker with the token (issue 11)
    identity_blob, identity_custodian, identity_recovery = _seal_identity(
        complaint_id, cleaned.identity, sealing
    )
    fiscal_year = fiscal_year_of(today)
    due = due_days(today, category, reference.days_off)  # working days (issue 9 §2)
    poster_id = poster_of(session, cleaned.channel, cleaned.place)
    columns: dict[str, Any] = {
        "id": complaint_id,
        "fiscal_year": fiscal_year,
        "tracking_digest": tracking_digest(pepper, code),
        "kind": Kind(cleaned.kind),
        "category_id": category.id,
        "unit_id": unit.id,
        "channel": Channel(cleaned.channel),
        "poster_id": poster_id,
        "status": Status.RECEIVED,
        "received_on": today,
        "due_on": due.complete_on,
        "acknowledge_due_on": due.acknowledge_on,
        "updated_on": today,
        "finished_on": None,
        "content": envelope.encrypt_record(data_key, content,
                                           envelope.content_aad(complaint_id)),
        "tracking_wrapped_key": aead.encrypt(wrap_key, data_key,
                                             envelope.tracking_aad(complaint_id)),
        "identity": identity_blob,
        "identity_key_custodian": identity_custodian,
        "identity_key_recovery": identity_recovery,
        "key_generation": data_keys.generation,
        **complainant_key_columns(complaint_id, data_keys, wrap_key),
    }
    first_entry = event_columns(complaint_id, 1, data_keys, EventKind.STATUS, {"note": ""},
                                now=now, status=Status.RECEIVED)
    # Written last: the case number's counter row stays locked until the caller commits.
    case_number = write_filing(
        session, columns,
        ring_copy_columns(sealing.unit_ring.id, sealing.unit_ring.public_key, data_keys),
        first_entry, reference_token=reference.token if confirm_token else None)
    return Receipt(display(code), case_number, complaint_id)
