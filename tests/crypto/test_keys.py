"""Key pairs, password wrapping (Argon2id, test strength) and the printable recovery key."""

import base64
import contextlib

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongrian.crypto import keys
from rongrian.crypto.errors import DecryptionFailed, MalformedKey

# Password derivation is deliberately slow even at test strength: keep examples few.
slow = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same_key(left: X25519PrivateKey, right: X25519PrivateKey) -> bool:
    return keys.private_bytes(left) == keys.private_bytes(right)


def test_raw_key_round_trip() -> None:
    private = keys.generate_private_key()
    assert _same_key(keys.load_private(keys.private_bytes(private)), private)
    public = keys.public_bytes(private.public_key())
    assert len(public) == 32
    assert keys.public_bytes(keys.load_public(public)) == public


@pytest.mark.parametrize("length", [0, 31, 33])
def test_raw_keys_of_wrong_length_are_malformed(length: int) -> None:
    with pytest.raises(MalformedKey):
        keys.load_private(bytes(length))
    with pytest.raises(MalformedKey):
        keys.load_public(bytes(length))


@slow
@given(password=st.text(min_size=1, max_size=64), aad=st.binary(max_size=32))
def test_password_wrap_round_trip(password: str, aad: bytes) -> None:
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength="test")
    blob = keys.wrap_private_key(private, password, params, aad)
    assert keys.private_bytes(private) not in blob
    assert _same_key(keys.unwrap_private_key(blob, password, params, aad), private)


@slow
@given(password=st.text(min_size=1, max_size=32), data=st.data())
def test_wrong_password_fails(password: str, data: st.DataObject) -> None:
    wrong = data.draw(st.text(max_size=32).filter(lambda p: p != password), label="wrong")
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength="test")
    blob = keys.wrap_private_key(private, password, params, b"account-key:x")
    with pytest.raises(DecryptionFailed):
        keys.unwrap_private_key(blob, wrong, params, b"account-key:x")


def test_wrapped_key_is_bound_to_salt_and_associated_data() -> None:
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength="test")
    blob = keys.wrap_private_key(private, "pw", params, b"account-key:alice")
    with pytest.raises(DecryptionFailed):
        keys.unwrap_private_key(blob, "pw", params, b"account-key:mallory")
    with pytest.raises(DecryptionFailed):
        keys.unwrap_private_key(blob, "pw", keys.new_kdf_params(strength="test"),
                                b"account-key:alice")


def test_kdf_params_json_round_trip_and_fresh_salts() -> None:
    params = keys.new_kdf_params(strength="test")
    assert keys.KdfParams.from_json(params.to_json()) == params
    assert len(params.salt) == keys.SALT_BYTES
    assert keys.new_kdf_params(strength="test").salt != params.salt


def test_interactive_strength_follows_rfc_9106() -> None:
    params = keys.new_kdf_params()
    assert (params.algorithm, params.iterations, params.memory_kib, params.lanes) == (
        "argon2id", 3, 64 * 1024, 4)


@pytest.mark.parametrize("text", ["", "{", "null", "[]", '"x"', "{}", '{"salt": 5}',
                                  '{"salt": "AAAA", "algorithm": "argon2id"}'])
def test_unreadable_kdf_params_are_malformed(text: str) -> None:
    with pytest.raises(MalformedKey):
        keys.KdfParams.from_json(text)


def test_unsupported_kdf_is_malformed() -> None:
    params = keys.KdfParams("md5", bytes(16), 1, 1, 1)
    with pytest.raises(MalformedKey):
        keys.derive_password_key("pw", params)


# --- recovery key -------------------------------------------------------------------------

private_keys = st.binary(min_size=32, max_size=32).map(X25519PrivateKey.from_private_bytes)


@given(private=private_keys)
def test_recovery_key_format_parse_round_trip(private: X25519PrivateKey) -> None:
    text = keys.format_recovery_key(private)
    groups = text.split("-")
    assert groups[0] == "RGR1"
    assert all(len(group) == 4 for group in groups[1:])
    assert set("".join(groups[1:])) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert _same_key(keys.parse_recovery_key(text), private)


separators = st.sampled_from(["", "", " ", "-", "  ", "\t", "\n"])


@given(private=private_keys, lower=st.lists(st.booleans(), min_size=52, max_size=52),
       gaps=st.lists(separators, min_size=52, max_size=52))
def test_recovery_key_parse_ignores_spaces_dashes_and_case(
    private: X25519PrivateKey, lower: list[bool], gaps: list[str]
) -> None:
    compact = keys.format_recovery_key(private).replace("-", "")
    assert len(compact) == 4 + 52
    typed = compact[:4].lower() + " " + "".join(
        (ch.lower() if low else ch) + gap for ch, low, gap in zip(compact[4:], lower, gaps,
                                                                  strict=True)
    )
    assert _same_key(keys.parse_recovery_key(typed), private)


def _valid_recovery_text() -> str:
    return keys.format_recovery_key(keys.generate_private_key())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "RGR1",
        "RGR2-" + _valid_recovery_text()[5:],
        _valid_recovery_text()[5:],  # prefix missing
        _valid_recovery_text()[:-4],  # a group short
        _valid_recovery_text() + "-AAAA",  # a group too many
        _valid_recovery_text()[:-1] + "0",  # 0, 1, 8, 9 are not base32
        _valid_recovery_text()[:-1] + "8",
        _valid_recovery_text()[:-1] + "ก",
        "RGR1-" + "A" * 51,  # impossible base32 length
        "RGR1-" + base64.b32encode(bytes(31)).decode().rstrip("="),
    ],
)
def test_malformed_recovery_key_raises(text: str) -> None:
    with pytest.raises(MalformedKey):
        keys.parse_recovery_key(text)


@given(text=st.text(max_size=80))
def test_recovery_key_parse_never_raises_anything_else(text: str) -> None:
    with contextlib.suppress(MalformedKey):
        keys.parse_recovery_key(text)


@given(body=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 -", max_size=70))
def test_recovery_key_parse_of_base32_noise_raises_only_malformed_key(body: str) -> None:
    with contextlib.suppress(MalformedKey):
        keys.parse_recovery_key("RGR1-" + body)
