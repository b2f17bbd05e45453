"""Set-up of an organisation: the demo sub-district municipality and its starting categories.

The starting categories follow DESIGN.md; SLA days follow common service-standard time frames
(คู่มือสำหรับประชาชน): 15 days for ordinary grievances, 30 for matters needing inquiry, 60 for
corruption inquiries. An administrator can change them.
"""

import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from rongrian.admin.accounts import add_staff
from rongrian.crypto.keys import format_recovery_key
from rongrian.intake.keyring import active_unit_ring, grant
from rongrian.intake.models import (
    KeyRing,
    Role,
    Sensitivity,
    StaffAccount,
    Unit,
    UnitMembership,
)
from rongrian.intake.setup import add_category, add_custodian_ring, add_unit, install

W = Sensitivity.WHISTLEBLOWER
N = Sensitivity.NORMAL

#: (code, Thai, English, default unit code or "" for the integrity unit, SLA days, sensitivity)
STARTING_CATEGORIES: list[tuple[str, str, str, str, int, Sensitivity]] = [
    ("corruption", "ทุจริตและประพฤติมิชอบของเจ้าหน้าที่", "Corruption and misconduct of officials",
     "", 60, W),
    ("property_misuse", "การใช้ทรัพย์สินของราชการโดยมิชอบ", "Misuse of government property", "", 30, W),
    ("procurement", "งบประมาณและการจัดซื้อจัดจ้าง", "Budget and procurement", "", 30, W),
    ("abuse_of_power", "การใช้อำนาจโดยมิชอบและเรื่องบุคลากร", "Abuse of power and personnel matters",
     "", 30, W),
    ("unfair_service", "การเลือกปฏิบัติหรือให้บริการไม่เป็นธรรม", "Discrimination or unfair service",
     "PALAD", 15, N),
    ("late_service", "ให้บริการล่าช้าเกินกำหนดในคู่มือสำหรับประชาชน",
     "Service later than the citizen manual's time frame", "PALAD", 15, N),
    ("general", "เรื่องร้องทุกข์ทั่วไป", "General grievance", "PALAD", 15, N),
    ("suggestion", "ข้อเสนอแนะ", "Suggestion", "PALAD", 30, N),
    ("compliment", "คำชมเชย", "Compliment", "PALAD", 15, N),
]

#: (code, Thai, English, is_integrity)
DEMO_UNITS = [
    ("PALAD", "สำนักปลัดเทศบาล", "Office of the Municipal Clerk", False),
    ("FINANCE", "กองคลัง", "Finance Division", False),
    ("WORKS", "กองช่าง", "Public Works Division", False),
    ("AUDIT", "หน่วยตรวจสอบภายใน (ผู้รับผิดชอบด้านคุณธรรมและความโปร่งใส)",
     "Internal Audit Unit (integrity officer)", True),
]

#: (username, display name, role, unit code or None)
DEMO_STAFF = [
    ("palad", "สมชาย ใจดี (สำนักปลัด)", Role.STAFF, "PALAD"),
    ("finance", "สมหญิง รักงาน (กองคลัง)", Role.STAFF, "FINANCE"),
    ("works", "ประเสริฐ ช่างดี (กองช่าง)", Role.STAFF, "WORKS"),
    ("integrity", "วิไล ซื่อตรง (ผู้ดูแลข้อมูลผู้ร้อง)", Role.CUSTODIAN, "AUDIT"),
    # The organisation-level unit receives escalations (complaints about a unit's own head or
    # staff): the municipal clerk, above every division head.
    ("clerk", "สุรชัย ตั้งมั่น (ปลัดเทศบาล)", Role.STAFF, "ORG"),
    ("executive", "นายกเทศมนตรี (ผู้บริหาร)", Role.EXECUTIVE, None),
    ("admin", "ผู้ดูแลระบบ", Role.ADMIN, None),
]


@dataclass
class Organisation:
    """What set-up made: the recovery key text (show once) and the demo logins."""

    recovery_key: str
    logins: list[tuple[str, str, Role]] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)


def _grant_member(session: Session, account: StaffAccount, unit: Unit, ring: KeyRing,
                  private: X25519PrivateKey) -> None:
    session.add(UnitMembership(account_id=account.id, unit_id=unit.id))
    grant(session, ring, private, account)


def create_demo_organisation(
    session: Session,
    *,
    name: str = "เทศบาลตำบลร่มเย็น",
    strength: str = "interactive",
    passwords: dict[str, str] | None = None,
) -> Organisation:
    """Set up a demo sub-district municipality with units, categories, keys and staff.

    ``passwords`` fixes chosen logins' passwords (tests); the others get random ones, printed
    once by the caller. Returns the recovery key text and the logins.
    """
    recovery: X25519PrivateKey = install(session, name)
    org, org_key = add_unit(session, code="ORG", name_th=name, name_en="Romyen Subdistrict "
                            "Municipality", level="organisation")
    result = Organisation(recovery_key=format_recovery_key(recovery), units={"ORG": org})
    unit_keys: dict[str, tuple[KeyRing, X25519PrivateKey]] = {
        "ORG": (active_unit_ring(session, org.id), org_key)}
    for code, name_th, name_en, is_integrity in DEMO_UNITS:
        unit, private = add_unit(session, code=code, name_th=name_th, name_en=name_en,
                                 parent=org, is_integrity=is_integrity)
        result.units[code] = unit
        unit_keys[code] = (active_unit_ring(session, unit.id), private)
    custodian_ring, custodian_private = add_custodian_ring(session)
    for position, (code, name_th, name_en, unit_code, sla, sensitivity) in enumerate(
        STARTING_CATEGORIES
    ):
        default = result.units[unit_code or "AUDIT"]
        add_category(session, code=code, name_th=name_th, name_en=name_en, default_unit=default,
                     sla_days=sla, sensitivity=sensitivity, position=position)
    chosen = passwords or {}
    for username, display_name, role, member_of in DEMO_STAFF:
        password = chosen.get(username, "") or secrets.token_urlsafe(12)
        account = add_staff(session, username=username, display_name=display_name, role=role,
                            password=password, strength=strength)
        result.logins.append((username, password, role))
        if member_of:
            ring, private = unit_keys[member_of]
            _grant_member(session, account, result.units[member_of], ring, private)
        if role == Role.CUSTODIAN:
            grant(session, custodian_ring, custodian_private, account)
    session.flush()
    return result

