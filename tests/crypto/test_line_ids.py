"""Keys and digests of the LINE channel (:mod:`rongrian.crypto.line_ids`)."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.crypto import aead, line_ids
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.tracking import tracking_digest, tracking_wrap_key

PEPPER = bytes(range(32))
USER_IDS = st.from_regex(r"U[0-9a-f]{32}", fullmatch=True)


@given(USER_IDS)
def test_each_derivation_is_32_bytes_stable_and_distinct_from_the_others(user: str) -> None:
    derived = [
        line_ids.conversation_digest(PEPPER, user),
        line_ids.draft_key(PEPPER, user),
        line_ids.event_digest(PEPPER, user),
        tracking_digest(PEPPER, user),
        tracking_wrap_key(PEPPER, user),
    ]
    assert all(len(value) == 32 for value in derived)
    assert len(set(derived)) == len(derived)
    assert line_ids.conversation_digest(PEPPER, user) == derived[0]
    assert line_ids.draft_key(PEPPER, user) == derived[1]
    assert user.encode() not in b"".join(derived)


@given(USER_IDS, USER_IDS)
def test_different_users_get_different_rows_and_keys(first: str, second: str) -> None:
    if first == second:
        return
    assert line_ids.conversation_digest(PEPPER, first) != line_ids.conversation_digest(
        PEPPER, second)
    assert line_ids.draft_key(PEPPER, first) != line_ids.draft_key(PEPPER, second)


@given(USER_IDS)
def test_another_pepper_gives_other_digests_and_keys(user: str) -> None:
    other = os.urandom(32)
    assert line_ids.conversation_digest(other, user) != line_ids.conversation_digest(
        PEPPER, user)
    assert line_ids.draft_key(other, user) != line_ids.draft_key(PEPPER, user)


@given(USER_IDS, st.binary(max_size=200))
def test_a_draft_opens_only_with_its_own_users_key(user: str, plain: bytes) -> None:
    blob = aead.encrypt(line_ids.draft_key(PEPPER, user), plain, b"draft")
    assert aead.decrypt(line_ids.draft_key(PEPPER, user), blob, b"draft") == plain
    with pytest.raises(DecryptionFailed):
        aead.decrypt(line_ids.draft_key(PEPPER, user + "0"), blob, b"draft")
    with pytest.raises(DecryptionFailed):
        aead.decrypt(line_ids.queue_key(PEPPER), blob, b"draft")


def test_queue_key_depends_on_the_pepper_only() -> None:
    assert line_ids.queue_key(PEPPER) == line_ids.queue_key(bytes(PEPPER))
    assert line_ids.queue_key(PEPPER) != line_ids.queue_key(os.urandom(32))
    assert len(line_ids.queue_key(PEPPER)) == 32


@pytest.mark.parametrize("derive", [line_ids.conversation_digest, line_ids.draft_key,
                                    line_ids.event_digest])
def test_short_pepper_or_empty_identifier_is_refused(derive: object) -> None:
    assert callable(derive)
    with pytest.raises(ValueError, match="pepper"):
        derive(b"short", "U" + "0" * 32)
    with pytest.raises(ValueError, match="empty"):
        derive(PEPPER, "")
    with pytest.raises(ValueError, match="pepper"):
        line_ids.queue_key(b"short")
