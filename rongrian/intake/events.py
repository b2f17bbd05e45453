"""Thread entries (``case_event``): their columns, and appending one to a complaint's thread.

Each entry is dated at day resolution in clear; its record is encrypted under the current
generation of the complaint's data key (:mod:`rongrian.intake.datakeys`).
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.intake import envelope
from rongrian.intake.datakeys import DataKeys
from rongrian.intake.models import CaseEvent, Complaint, EventKind, Status


def event_columns(
    complaint_id: uuid.UUID,
    seq: int,
    data_keys: DataKeys,
    kind: EventKind,
    record: dict[str, str],
    *,
    now: datetime,
    status: Status | None = None,
    actor_id: int | None = None,
) -> dict[str, Any]:
    """The columns of thread entry number ``seq`` of a complaint: dated at day resolution in
    clear, ``record`` (with the time added) encrypted under the current generation of
    ``data_keys``."""
    event_id = uuid.uuid4()
    body = dict(record, at=now.isoformat(timespec="seconds"))
    return {
        "id": event_id,
        "complaint_id": complaint_id,
        "seq": seq,
        "kind": kind,
        "status": status,
        "occurred_on": now.date(),
        "actor_id": actor_id,
        "body": envelope.encrypt_record(
            data_keys.current, body,
            envelope.event_aad(complaint_id, event_id, data_keys.generation)),
        "key_generation": data_keys.generation,
    }


def append_event(
    session: Session,
    complaint: Complaint,
    data_keys: DataKeys,
    kind: EventKind,
    record: dict[str, str],
    *,
    now: datetime,
    status: Status | None = None,
    actor_id: int | None = None,
) -> CaseEvent:
    """Add an entry to ``complaint``'s thread (:func:`event_columns`), after its last one;
    flushed."""
    last = session.scalar(
        select(func.max(CaseEvent.seq)).where(CaseEvent.complaint_id == complaint.id)
    )
    event = CaseEvent(**event_columns(complaint.id, (last or 0) + 1, data_keys, kind, record,
                                      now=now, status=status, actor_id=actor_id))
    session.add(event)
    session.flush()
    return event
