"""Set-up of an installation: the recovery key, units with their key rings, the custodian ring.

The recovery private key is returned once for offline keeping and never stored (DESIGN.md).
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.errors import SetupError
from rongrian.intake.keyring import create_ring
from rongrian.intake.models import Category, Installation, KeyRing, RingPurpose, Sensitivity, Unit


def install(session: Session, organisation_name: str) -> X25519PrivateKey:
    """Record the installation and return the new recovery private key (show it once, drop it).

    Raises :class:`SetupError` if the installation already exists.
    """
    if session.scalars(select(Installation)).first() is not None:
        raise SetupError("already set up")
    recovery = keys.generate_private_key()
    session.add(
        Installation(
            organisation_name=organisation_name,
            recovery_public_key=keys.public_bytes(recovery.public_key()),
            created_on=datetime.now(UTC).date(),
        )
    )
    session.flush()
    return recovery


def add_unit(
    session: Session,
    *,
    code: str,
    name_th: str,
    name_en: str,
    parent: Unit | None = None,
    level: str = "division",
    is_integrity: bool = False,
) -> tuple[Unit, X25519PrivateKey]:
    """Add a unit with its own key ring; return the unit and the ring's private key to grant."""
    unit = Unit(code=code, name_th=name_th, name_en=name_en,
                parent_id=parent.id if parent else None, level=level,
                is_integrity=is_integrity, active=True)
    session.add(unit)
    session.flush()
    _ring, private = create_ring(session, RingPurpose.UNIT, unit)
    return unit, private


def add_custodian_ring(session: Session) -> tuple[KeyRing, X25519PrivateKey]:
    """Make the identity custodian's key ring; return it and its private key to grant."""
    return create_ring(session, RingPurpose.CUSTODIAN, None)


def add_category(
    session: Session,
    *,
    code: str,
    name_th: str,
    name_en: str,
    default_unit: Unit,
    sla_days: int,
    sensitivity: Sensitivity = Sensitivity.NORMAL,
    position: int = 0,
) -> Category:
    """Add a complaint category."""
    category = Category(code=code, name_th=name_th, name_en=name_en, sensitivity=sensitivity,
                        default_unit_id=default_unit.id, sla_days=sla_days, position=position,
                        active=True)
    session.add(category)
    session.flush()
    return category
