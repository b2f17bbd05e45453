"""A LINE user's stored conversation (issue 4): what one event saves the next one loads, and
two events of one user handled at once cannot overwrite each other; the loser is retried."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from rongrian.channels.line import state
from tests.conftest import Demo

PEPPER = b"p" * 32
USER = "U0123456789abcdef0123456789abcdef"


def _asking(step: str) -> state.State:
    return state.State(step=step, draft=state.Draft(what=["ไฟทางดับ"]))


def _saved_draft(demo: Demo, now: datetime) -> None:
    """A conversation stored by an earlier event: a draft asking where it happened."""
    with demo.sessions() as session:
        loaded = state.load(session, PEPPER, USER, now)
        loaded.state = _asking("where")
        state.save(session, loaded, now)
        session.commit()


def test_a_saved_conversation_loads_again_until_it_expires(demo: Demo) -> None:
    now = datetime.now(UTC)
    with demo.sessions() as session:
        loaded = state.load(session, PEPPER, USER, now)
        assert loaded.row is None
        loaded.state = _asking("where")
        state.save(session, loaded, now)
        loaded.state.step = "photos"  # a second save in the same event
        state.save(session, loaded, now)
        session.commit()
    with demo.sessions() as session:
        again = state.load(session, PEPPER, USER, now)
        assert again.state.step == "photos"
        assert again.state.draft is not None
        assert again.state.draft.what == ["ไฟทางดับ"]
        session.commit()
    with demo.sessions() as session:
        late = state.load(session, PEPPER, USER, now + state.DRAFT_LIFETIME + timedelta(hours=2))
        assert late.expired
        assert late.state.step == ""
        session.commit()
    with demo.sessions() as session:
        assert state.load(session, PEPPER, USER, now).row is None


@pytest.mark.parametrize("second", ["changes", "ends"])
def test_two_events_of_one_user_cannot_overwrite_each_other(demo: Demo, second: str) -> None:
    now = datetime.now(UTC)
    _saved_draft(demo, now)
    with demo.sessions() as one, demo.sessions() as other:
        mine = state.load(one, PEPPER, USER, now)
        theirs = state.load(other, PEPPER, USER, now)
        mine.state.step = "photos"
        state.save(one, mine, now)
        one.commit()
        if second == "changes":
            theirs.state.step = "anonymous"
        else:
            theirs.state = state.State()  # cancelled: the row would go
        with pytest.raises(StaleDataError):
            state.save(other, theirs, now)
        other.rollback()
    with demo.sessions() as session:
        assert state.load(session, PEPPER, USER, now).state.step == "photos"


def test_unfollow_forgets_the_conversation(demo: Demo) -> None:
    now = datetime.now(UTC)
    _saved_draft(demo, now)
    with demo.sessions() as session:
        assert state.forget(session, PEPPER, USER)
        assert not state.forget(session, PEPPER, USER)
        session.commit()
    with demo.sessions() as session:
        assert state.load(session, PEPPER, USER, now).row is None
