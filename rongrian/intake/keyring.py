"""Key hierarchy: staff account keys, unit and custodian key rings, and their grants.

DESIGN.md, "Mechanism": each unit has an X25519 key pair whose private key is sealed to each
member's account key and to the offline recovery key; each account's private key is wrapped under
a key derived from its password (Argon2id). Nothing here stores a private key in clear.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey, X25519PublicKey
from rongrian.intake.errors import (
    AuthenticationFailed,
    KeyNotGranted,
    SetupError,
    WrongRecoveryKey,
)
from rongrian.intake.models import (
    Installation,
    KeyGrant,
    KeyRing,
    RingPurpose,
    Role,
    StaffAccount,
    Unit,
    UnitMembership,
)


@dataclass(frozen=True)
class UnlockedAccount:
    """A staff account whose private key is in memory for the length of one request."""

    account_id: int
    private_key: X25519PrivateKey


def _account_aad(username: str) -> bytes:
    return b"account-key:" + username.encode("utf-8")


def _ring_aad(ring_id: int) -> bytes:
    return b"ring-key:" + str(ring_id).encode("ascii")


def create_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    password_hash: str,
    kdf_strength: str = "interactive",
) -> StaffAccount:
    """Add a staff account with a new X25519 key pair wrapped under ``password``.

    ``password_hash`` is the login verifier made by the caller (argon2-cffi in :mod:`admin`).
    """
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength=kdf_strength)
    account = StaffAccount(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        public_key=keys.public_bytes(private.public_key()),
        wrapped_private_key=keys.wrap_private_key(
            private, password, params, _account_aad(username)
        ),
        kdf_params=params.to_json(),
        active=True,
    )
    session.add(account)
    session.flush()
    return account


def unlock_account(account: StaffAccount, password: str) -> UnlockedAccount:
    """Unwrap ``account``'s private key with ``password``.

    Raises :class:`AuthenticationFailed` if the password does not open it.
    """
    params = keys.KdfParams.from_json(account.kdf_params)
    try:
        private = keys.unwrap_private_key(
            account.wrapped_private_key, password, params, _account_aad(account.username)
        )
    except DecryptionFailed as exc:
        raise AuthenticationFailed from exc
    return UnlockedAccount(account_id=account.id, private_key=private)


def not_set_up() -> SetupError:
    """The error of a filing or key operation before ``rongrian setup`` made the recovery key."""
    return SetupError("the installation has not been set up (no recovery key)")


def no_unit_ring(unit_id: int) -> SetupError:
    """The error of a unit with no active key ring (nothing can be sealed to it)."""
    return SetupError(f"unit {unit_id} has no key ring")


def no_custodian_ring() -> SetupError:
    """The error of an installation with no active identity custodian key ring."""
    return SetupError("no identity custodian key ring")


def recovery_public_key(session: Session) -> X25519PublicKey:
    """The installation's recovery public key; raises :class:`SetupError` before set-up."""
    installation = session.scalars(select(Installation)).first()
    if installation is None:
        raise not_set_up()
    return keys.load_public(installation.recovery_public_key)


def create_ring(
    session: Session, purpose: RingPurpose, unit: Unit | None
) -> tuple[KeyRing, X25519PrivateKey]:
    """Make a key ring whose private key is sealed to the recovery key; return it and the key.

    The returned private key must be granted (:func:`grant`) and then dropped by the caller.
    """
    private = keys.generate_private_key()
    ring = KeyRing(
        purpose=purpose,
        unit_id=unit.id if unit else None,
        public_key=keys.public_bytes(private.public_key()),
        recovery_sealed_private=b"",
        active=True,
    )
    session.add(ring)
    session.flush()
    ring.recovery_sealed_private = sealed.seal(
        recovery_public_key(session), keys.private_bytes(private), _ring_aad(ring.id)
    )
    return ring, private


def grant(session: Session, ring: KeyRing, ring_private: X25519PrivateKey,
          account: StaffAccount) -> None:
    """Seal ``ring_private`` to ``account``'s public key (replacing an older grant)."""
    box = sealed.seal(
        keys.load_public(account.public_key), keys.private_bytes(ring_private), _ring_aad(ring.id)
    )
    session.merge(KeyGrant(ring_id=ring.id, account_id=account.id, sealed_private=box))


def ring_private_key(
    session: Session, unlocked: UnlockedAccount, ring: KeyRing
) -> X25519PrivateKey:
    """Open ``ring``'s private key with the account's key.

    Raises :class:`KeyNotGranted` if the account has no grant for the ring.
    """
    grant_row = session.get(KeyGrant, (ring.id, unlocked.account_id))
    if grant_row is None:
        raise KeyNotGranted
    raw = sealed.open_sealed(unlocked.private_key, grant_row.sealed_private, _ring_aad(ring.id))
    return keys.load_private(raw)


def active_unit_ring(session: Session, unit_id: int) -> KeyRing:
    """The unit's current key ring; raises :class:`SetupError` if the unit has none."""
    ring = session.scalars(
        select(KeyRing).where(
            KeyRing.purpose == RingPurpose.UNIT, KeyRing.unit_id == unit_id, KeyRing.active
        )
    ).first()
    if ring is None:
        raise no_unit_ring(unit_id)
    return ring


def custodian_ring(session: Session) -> KeyRing:
    """The identity custodian's key ring; raises :class:`SetupError` if there is none."""
    ring = session.scalars(
        select(KeyRing).where(KeyRing.purpose == RingPurpose.CUSTODIAN, KeyRing.active)
    ).first()
    if ring is None:
        raise no_custodian_ring()
    return ring


@dataclass(frozen=True)
class RingPublicKey:
    """A key ring's id and public key, as a filing seals to it."""

    id: int
    public_key: X25519PublicKey


@dataclass(frozen=True)
class FilingKeys:
    """The public keys a filing seals to: the unit's current ring, the identity custodian's
    ring and the installation's recovery key."""

    unit_ring: RingPublicKey
    custodian_ring: RingPublicKey
    recovery: X25519PublicKey


def unit_ids_of(session: Session, account_id: int) -> list[int]:
    """Ids of the units ``account_id`` is a member of."""
    return list(
        session.scalars(
            select(UnitMembership.unit_id).where(UnitMembership.account_id == account_id)
        )
    )


def rewrap_account_key(account: StaffAccount, current_password: str, new_password: str, *,
                       kdf_strength: str = "interactive") -> UnlockedAccount:
    """Re-encrypt ``account``'s private key under ``new_password`` with a fresh salt.

    The key pair stays the same, so grants sealed to it keep working. Raises
    :class:`AuthenticationFailed` if ``current_password`` does not open the key (nothing changed).
    """
    unlocked = unlock_account(account, current_password)
    params = keys.new_kdf_params(strength=kdf_strength)
    account.wrapped_private_key = keys.wrap_private_key(
        unlocked.private_key, new_password, params, _account_aad(account.username)
    )
    account.kdf_params = params.to_json()
    return unlocked


def replace_account_key(account: StaffAccount, password: str, *,
                        kdf_strength: str = "interactive") -> None:
    """Give ``account`` a new key pair wrapped under ``password`` (an administrator's reset).

    Every grant sealed to the old public key becomes useless; the caller deletes them.
    """
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength=kdf_strength)
    account.public_key = keys.public_bytes(private.public_key())
    account.wrapped_private_key = keys.wrap_private_key(
        private, password, params, _account_aad(account.username)
    )
    account.kdf_params = params.to_json()


def check_recovery_key(session: Session, recovery_private: X25519PrivateKey) -> None:
    """Raise :class:`WrongRecoveryKey` unless ``recovery_private`` is this installation's.

    Compares public keys (public values, so a plain comparison leaks nothing secret).
    """
    expected = keys.public_bytes(recovery_public_key(session))
    if keys.public_bytes(recovery_private.public_key()) != expected:
        raise WrongRecoveryKey


def ring_private_key_by_recovery(ring: KeyRing, recovery_private: X25519PrivateKey
                                 ) -> X25519PrivateKey:
    """Open ``ring``'s private key with the offline recovery key.

    Raises :class:`WrongRecoveryKey` if the recovery key does not open it.
    """
    try:
        raw = sealed.open_sealed(recovery_private, ring.recovery_sealed_private,
                                 _ring_aad(ring.id))
    except DecryptionFailed as exc:
        raise WrongRecoveryKey from exc
    return keys.load_private(raw)
