"""Notifications the complainant asked for (:mod:`rongrian.intake.notify`): the recipient is
kept only under the complaint's data key, collected when staff act, sent after the commit."""

import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake import notify
from rongrian.intake.casework import change_status, reply
from rongrian.intake.errors import ComplaintNotFound, MalformedTrackingCode
from rongrian.intake.models import Channel, EventKind, NotificationSubscription, Status
from rongrian.intake.notify import Notification
from rongrian.intake.store import file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, submission, unlock

USER = "U0123456789abcdef0123456789abcdef"


def _filed(session: Session, pepper: bytes) -> tuple[str, uuid.UUID]:
    receipt = file_complaint(session, pepper, submission(unit_code="WORKS", channel="line"),
                             now=NOW)
    return receipt.tracking_code, receipt.complaint_id


def test_subscription_keeps_the_recipient_only_encrypted(session: Session, pepper: bytes
                                                         ) -> None:
    code, _complaint_id = _filed(session, pepper)
    notify.subscribe(session, pepper, code, Channel.LINE, USER, locale="en")
    row = session.scalars(select(NotificationSubscription)).one()
    assert USER.encode() not in row.recipient
    assert notify.subscribed(session, pepper, code, Channel.LINE, USER)
    assert not notify.subscribed(session, pepper, code, Channel.LINE, USER[:-1] + "0")


def test_staff_actions_collect_one_notification_per_subscriber(session: Session,
                                                               pepper: bytes) -> None:
    code, complaint_id = _filed(session, pepper)
    notify.subscribe(session, pepper, code, Channel.LINE, USER, locale="en")
    works = unlock(session, "works")
    change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=NOW)
    reply(session, works, complaint_id, "กำลังซ่อม", now=NOW)
    queued = notify.take(session)
    assert [(n.kind, n.status, n.recipient, n.locale, n.channel) for n in queued] == [
        (EventKind.STATUS, Status.IN_PROGRESS, USER, "en", Channel.LINE),
        (EventKind.REPLY, None, USER, "en", Channel.LINE),
    ]
    assert all("กำลังซ่อม" not in repr(n) for n in queued)
    assert notify.take(session) == []


def test_without_subscription_nothing_is_collected(session: Session, pepper: bytes) -> None:
    _code, complaint_id = _filed(session, pepper)
    reply(session, unlock(session, "works"), complaint_id, "รับทราบ", now=NOW)
    assert notify.take(session) == []


def test_unsubscribe_stops_them(session: Session, pepper: bytes) -> None:
    code, complaint_id = _filed(session, pepper)
    notify.subscribe(session, pepper, code, Channel.LINE, USER)
    assert notify.unsubscribe(session, pepper, code, Channel.LINE)
    assert not notify.unsubscribe(session, pepper, code, Channel.LINE)
    reply(session, unlock(session, "works"), complaint_id, "รับทราบ", now=NOW)
    assert notify.take(session) == []


def test_subscribing_again_replaces_the_recipient(session: Session, pepper: bytes) -> None:
    code, _complaint_id = _filed(session, pepper)
    notify.subscribe(session, pepper, code, Channel.LINE, USER)
    notify.subscribe(session, pepper, code, Channel.LINE, "U" + "1" * 32)
    assert len(session.scalars(select(NotificationSubscription)).all()) == 1
    assert notify.subscribed(session, pepper, code, Channel.LINE, "U" + "1" * 32)


@pytest.mark.parametrize(("code", "error"), [("not a code", MalformedTrackingCode),
                                              ("0000-0000-0000-0000", ComplaintNotFound)])
def test_a_bad_code_subscribes_nothing(session: Session, pepper: bytes, code: str,
                                       error: type[Exception]) -> None:
    with pytest.raises(error):
        notify.subscribe(session, pepper, code, Channel.LINE, USER)
    assert session.scalars(select(NotificationSubscription)).all() == []


def test_notifications_leave_only_after_commit_and_never_after_rollback(demo: Demo,
                                                                        pepper: bytes) -> None:
    sent: list[Notification] = []

    def notifier(items: Sequence[Notification]) -> None:
        sent.extend(items)

    notify.deliver_after_commit(demo.sessions, notifier)
    with demo.sessions() as session:
        code, complaint_id = _filed(session, pepper)
        notify.subscribe(session, pepper, code, Channel.LINE, USER)
        session.commit()
    with demo.sessions() as session:
        reply(session, unlock(session, "works"), complaint_id, "ข้อความที่ถูกยกเลิก", now=NOW)
        assert sent == []
        session.rollback()
        session.commit()
    assert sent == []
    with demo.sessions() as session:
        reply(session, unlock(session, "works"), complaint_id, "ตอบจริง", now=NOW)
        assert sent == []
        session.commit()
    assert [(n.kind, n.recipient) for n in sent] == [(EventKind.REPLY, USER)]
