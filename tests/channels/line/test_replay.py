"""A captured signed webhook body replayed after the redelivery digests are gone is refused by
its signed timestamps (issue 13, L7): answered 200 as LINE expects, nothing handled, nothing
identifying logged."""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rongrian.channels.line import app as line_app
from rongrian.channels.line import freshness
from rongrian.channels.line import state as line_state
from rongrian.intake.models import Complaint, LineConversation, LineSeenEvent
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line


def _counts(line: Line) -> tuple[int, ...]:
    with line.demo.sessions() as session:
        return tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)
                     for model in (Complaint, LineConversation, LineSeenEvent))


def _at(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    event["timestamp"] = int(moment.timestamp() * 1000)
    return event


def _later(monkeypatch: pytest.MonkeyPatch, shift: timedelta) -> None:
    """The webhook's clock ``shift`` ahead of the real one."""
    class Shifted(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> "Shifted":
            moment = datetime.now(tz) + shift
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(line_app, "datetime", Shifted)


@pytest.mark.parametrize("age", [timedelta(days=4), timedelta(days=1, minutes=1),
                                 -timedelta(hours=1), -timedelta(days=400)])
def test_stale_or_future_events_are_dropped_with_200(line: Line, age: timedelta,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = webhooks.user_id()
    when = datetime.now(UTC) - age
    events = [_at(webhooks.follow(user), when), _at(webhooks.postback(user, "a=file"), when)]
    response = line.post(webhooks.body(*events))
    line.wait()
    assert response.status_code == 200
    assert line.standin.calls == []
    assert _counts(line) == (0, 0, 0)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert user not in logged
    assert events[0]["webhookEventId"] not in logged


def test_a_filing_replayed_after_the_digests_are_purged_files_nothing(
        line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    user = webhooks.user_id()
    line.send(webhooks.follow(user))
    line.tap(user, "a=file")
    line.say(user, "ถนนหน้าโรงเรียนเป็นหลุม")
    for data in ("a=skip", "a=cat&v=general"):
        line.tap(user, data)
    confirm = webhooks.postback(user, "a=confirm")
    captured = webhooks.body(confirm)
    signature = webhooks.sign(captured)
    line.send(confirm)
    assert _counts(line)[0] == 1
    # Four days on, the redelivery digests are purged; the attacker replays the captured
    # confirm (and the whole conversation before it would go the same way).
    later = timedelta(days=4)
    with line.demo.sessions() as session:
        line_state.purge(session, datetime.now(UTC) + later)
        session.commit()
    assert _counts(line)[2] == 0
    _later(monkeypatch, later)
    line.standin.clear()
    for event in (webhooks.postback(user, "a=file"), confirm):
        raw = webhooks.body(event) if event is not confirm else captured
        response = line.post(raw, signature=webhooks.sign(raw) if raw != captured
                             else signature)
        assert response.status_code == 200
    line.wait()
    assert line.standin.calls == []
    assert _counts(line)[0] == 1


def test_only_the_stale_events_of_a_mixed_body_are_dropped(line: Line) -> None:
    user = webhooks.user_id()
    stale = _at(webhooks.follow(user), datetime.now(UTC) - timedelta(days=3))
    fresh = _at(webhooks.follow(user), datetime.now(UTC) - timedelta(hours=20))
    line.send(stale, fresh)
    assert [call.json()["replyToken"] for call in line.standin.replies()] == [
        fresh["replyToken"]]


@pytest.mark.parametrize("stamp", [None, "1700000000000", True, [1], {"ms": 1}, 1.5e300])
def test_an_event_without_a_usable_timestamp_is_dropped(line: Line, stamp: Any) -> None:
    user = webhooks.user_id()
    event = webhooks.follow(user)
    if stamp is None:
        del event["timestamp"]
    else:
        event["timestamp"] = stamp
    response = line.post(json.dumps({"destination": webhooks.DESTINATION,
                                     "events": [event]}).encode())
    line.wait()
    assert response.status_code == 200
    assert line.standin.calls == []


def test_the_window_stays_inside_the_redelivery_records() -> None:
    assert timedelta(days=line_state.SEEN_DAYS) > freshness.MAX_AGE + freshness.MAX_AHEAD
