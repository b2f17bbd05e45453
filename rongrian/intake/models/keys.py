"""Key lifecycle: issued passwords, key rotations (issue 3; migration 0004) and the staff
second factor (issue 9 §5; migration 0014)."""

import enum
from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
)
from sqlalchemy.orm import Mapped, mapped_column

from rongrian.intake.models.core import (
    Base,
    ComplaintKey,
    enum_type,
)

# --- key lifecycle (issue 3; migration 0004) ---


class IssueReason(enum.StrEnum):
    """Why an administrator issued a password: a new account, or a reset (new key pair)."""

    NEW = "new"
    RESET = "reset"


class IssuedPassword(Base):
    """A one-time password an administrator issued, which its holder must replace.

    While the row exists the account can only change its password, and no colleague can grant it
    a key yet (helper notes ``keys.md``). Deleted when the holder chooses their own password.
    """

    __tablename__ = "issued_password"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    reason: Mapped[IssueReason] = mapped_column(enum_type(IssueReason))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: First log-in with it (it works once, issue 13 L2; migration 0006).
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RotationReason(enum.StrEnum):
    """``rotate``: a member's or the recovery key opened the old ring; ``recover``: the recovery
    key, granting every member of the unit."""

    ROTATE = "rotate"
    RECOVER = "recover"


class KeyRotation(Base):
    """A unit key rotation: new ring made, data keys re-sealed in batches, old ring retired.

    ``done`` of ``total`` data keys were re-sealed; ``finished_at`` is set when the old ring's
    grants are gone. An unfinished row is resumed by the next ``rongrian keys rotate-unit``.
    """

    __tablename__ = "key_rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    old_ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"))
    new_ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"))
    reason: Mapped[RotationReason] = mapped_column(enum_type(RotationReason))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)


#: Rotation finds the data keys sealed to one ring without scanning every complaint key.
Index("ix_complaint_key_ring", ComplaintKey.ring_id)


# --- staff second factor (issue 9 §5; migration 0014; rongrian.admin.second_factor) ---


class StaffSecondFactor(Base):
    """An account's TOTP (RFC 6238) secret, sealed to the account's own public key (so only a
    session unlocked by the password opens it), and the last time step accepted (a code is never
    accepted twice)."""

    __tablename__ = "staff_second_factor"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    last_step: Mapped[int] = mapped_column(Integer)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffRecoveryCode(Base):
    """One single-use recovery code of an account, stored only as HMAC-SHA256 under a key
    derived from the staff app's secret."""

    __tablename__ = "staff_recovery_code"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
