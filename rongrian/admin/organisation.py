"""The demo sub-district municipality and its starting categories, set up through the same
code as an agency's organisation file (:mod:`.org_apply`; the file format is :mod:`.orgfile`).

The starting categories follow DESIGN.md; SLA days follow common service-standard time frames
(คู่มือสำหรับประชาชน): 15 days for ordinary grievances, 30 for matters needing inquiry, 60 for
corruption inquiries. An administrator can change them.
"""

import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from rongrian.admin.accounts import add_staff
from rongrian.admin.org_apply import apply_organisation
from rongrian.admin.orgfile import AgencySpec, CategorySpec, OrganisationSpec, UnitSpec
from rongrian.intake.errors import SetupError
from rongrian.intake.keyring import grant
from rongrian.intake.models import (
    KeyRing,
    Kind,
    Role,
    Sensitivity,
    StaffAccount,
    Unit,
    UnitMembership,
)

W = Sensitivity.WHISTLEBLOWER
N = Sensitivity.NORMAL

#: (code, Thai, English, default unit code or "" for the integrity unit, SLA days, sensitivity).
#: The municipality's commonest problems come first (issue 12), each with the division that
#: handles it in a sub-district municipality (กองช่าง for roads, lights, drains, water and
#: building; สำนักปลัด, whose public-health and disaster-prevention sections a เทศบาลตำบล usually
#: keeps there, for the rest); then DESIGN.md's starting categories.
STARTING_CATEGORIES: list[tuple[str, str, str, str, int, Sensitivity]] = [
    ("road", "ถนนและทางเท้า", "Roads and footpaths", "WORKS", 15, N),
    ("street_light", "ไฟถนน", "Street lights", "WORKS", 7, N),
    ("rubbish", "ขยะ", "Rubbish collection", "PALAD", 7, N),
    ("water_supply", "น้ำประปา", "Water supply", "WORKS", 7, N),
    ("drainage", "ท่อระบายน้ำ น้ำท่วมขัง", "Drains and flooding", "WORKS", 15, N),
    ("nuisance", "เสียงดัง กลิ่นเหม็น", "Noise and nuisance", "PALAD", 15, N),
    ("stray_animal", "สัตว์จรจัด", "Stray animals", "PALAD", 15, N),
    ("tree", "ต้นไม้", "Trees", "PALAD", 7, N),
    ("public_health", "สาธารณสุข ยุง โรคติดต่อ", "Public health", "PALAD", 15, N),
    ("building_permit", "อาคารและการขออนุญาตก่อสร้าง", "Building and building permits", "WORKS", 30,
     N),
    ("staff_conduct", "การให้บริการและพฤติกรรมเจ้าหน้าที่", "Service and staff conduct", "PALAD",
     15, N),
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

#: Keywords that suggest each category in a citizen's text (:mod:`rongrian.intake.suggest`):
#: words as PyThaiNLP segments them, or runs of whole words.
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "road": ("ถนน", "ทางเท้า", "ฟุตบาท", "หลุม", "หลุมบ่อ", "ถนนพัง", "ถนนชำรุด", "ถนนเป็นหลุม",
             "ลูกรัง", "คอนกรีต", "ลาดยาง", "สะพาน", "ยางมะตอย", "ผิวถนน"),
    "street_light": ("ไฟถนน", "ไฟทาง", "เสาไฟ", "เสาไฟฟ้า", "หลอดไฟ", "โคมไฟ", "ไฟดับ",
                     "ไฟฟ้าสาธารณะ", "ไฟส่องสว่าง", "ไฟกิ่ง", "มืด"),
    "rubbish": ("ขยะ", "ถังขยะ", "เก็บขยะ", "รถขยะ", "ขยะล้น", "ทิ้งขยะ", "มูลฝอย", "เศษขยะ"),
    "water_supply": ("น้ำประปา", "ประปา", "น้ำไม่ไหล", "ท่อประปา", "ท่อแตก", "น้ำขุ่น",
                     "มิเตอร์น้ำ", "ค่าน้ำ", "น้ำไหลอ่อน"),
    "drainage": ("ท่อระบายน้ำ", "น้ำท่วม", "น้ำท่วมขัง", "ท่อตัน", "อุดตัน", "ร่องน้ำ",
                 "คูระบายน้ำ", "รางระบายน้ำ", "น้ำขัง", "ฝาท่อ", "น้ำเน่า"),
    "nuisance": ("เสียงดัง", "เหตุรำคาญ", "กลิ่นเหม็น", "เหม็น", "ควัน", "ฝุ่น", "คาราโอเกะ",
                 "เผาขยะ", "รำคาญ", "เสียงเพลง"),
    "stray_animal": ("สุนัขจรจัด", "หมาจรจัด", "แมวจรจัด", "จรจัด", "สุนัข", "หมา", "แมว",
                     "หมากัด", "สุนัขกัด", "พิษสุนัขบ้า", "งู"),
    "tree": ("ต้นไม้", "กิ่งไม้", "ตัดต้นไม้", "ตัดกิ่ง", "ต้นไม้ล้ม", "กิ่งไม้หัก", "หญ้ารก",
             "ตัดหญ้า", "รกร้าง"),
    "public_health": ("ยุง", "ลูกน้ำ", "ไข้เลือดออก", "พ่นยุง", "หนู", "แมลงวัน", "โรคติดต่อ",
                      "สุขาภิบาล", "ร้านอาหาร", "ตลาดสด", "สาธารณสุข"),
    "building_permit": ("ขออนุญาตก่อสร้าง", "ก่อสร้าง", "ต่อเติม", "อาคาร", "รุกล้ำ", "สิ่งปลูกสร้าง",
                        "ใบอนุญาตก่อสร้าง"),
    "staff_conduct": ("พูดจาไม่ดี", "ไม่สุภาพ", "บริการไม่ดี", "ตะคอก", "ดุด่า", "มารยาท",
                      "ไม่มาทำงาน", "ขาดงาน", "ไม่ให้บริการ", "ไม่อยู่ที่โต๊ะ"),
    "corruption": ("ทุจริต", "สินบน", "ใต้โต๊ะ", "เรียกเงิน", "เรียกรับเงิน", "คอร์รัปชัน",
                   "โกง", "ฮั้ว", "เงินทอน", "ประพฤติมิชอบ"),
    "property_misuse": ("รถหลวง", "ทรัพย์สินของราชการ", "ของหลวง", "ใช้รถราชการ"),
    "procurement": ("จัดซื้อจัดจ้าง", "ประมูล", "ผู้รับเหมา", "งบประมาณ", "ฮั้วประมูล"),
    "abuse_of_power": ("ใช้อำนาจ", "กลั่นแกล้ง", "เลือกที่รักมักที่ชัง", "เส้นสาย"),
    "unfair_service": ("เลือกปฏิบัติ", "ไม่เป็นธรรม", "ลัดคิว"),
    "late_service": ("เกินกำหนด", "รอนาน", "ช้ามาก"),
    "suggestion": ("เสนอแนะ", "ข้อเสนอ", "อยากให้", "ควรจะ", "ขอเสนอ", "แนะนำ"),
    "compliment": ("ชมเชย", "ขอบคุณ", "ประทับใจ", "บริการดี", "ชื่นชม"),
}

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


def demo_spec(name: str = "เทศบาลตำบลร่มเย็น") -> OrganisationSpec:
    """The demo municipality as an organisation file would describe it (without ``[staff]``:
    the demo makes its own logins)."""
    agency = AgencySpec(
        name_th=name, name_en="Romyen Subdistrict Municipality", short_name="ทต.ร่มเย็น",
        address="99 หมู่ 1 ตำบลร่มเย็น อำเภอเมือง จังหวัดตัวอย่าง 50000",
        hotline="0 5300 0000", office_hours="จันทร์–ศุกร์ 08.30–16.30 น. (เว้นวันหยุดราชการ)",
        website="https://romyen.example.go.th", line_official_account="@romyen",
    )
    units = [UnitSpec("ORG", name, agency.name_en, organisation_level=True)]
    units += [UnitSpec(code, name_th, name_en, parent="ORG", integrity=is_integrity)
              for code, name_th, name_en, is_integrity in DEMO_UNITS]
    kinds = {"suggestion": Kind.SUGGESTION, "compliment": Kind.COMPLIMENT,
             "staff_conduct": Kind.COMPLAINT}
    categories = [
        CategorySpec(code, name_th, name_en,
                     kind=kinds.get(code, Kind.TIP if sensitivity == W else Kind.GRIEVANCE),
                     sensitivity=sensitivity, unit=unit_code or "AUDIT", days=sla,
                     keywords=CATEGORY_KEYWORDS.get(code, ()))
        for code, name_th, name_en, unit_code, sla, sensitivity in STARTING_CATEGORIES
    ]
    return OrganisationSpec(agency, units, categories, staff=None)


def create_demo_organisation(
    session: Session,
    *,
    name: str = "เทศบาลตำบลร่มเย็น",
    strength: str = "interactive",
    passwords: dict[str, str] | None = None,
) -> Organisation:
    """Set up a demo sub-district municipality with units, categories, keys and staff, through
    the same code as an organisation file (:func:`~rongrian.admin.org_apply.apply_organisation`;
    not audited, so the demo starts with an empty audit chain). Raises :class:`SetupError` if
    the database is already set up.

    ``passwords`` fixes chosen logins' passwords (tests); the others get random ones, printed
    once by the caller. Returns the recovery key text and the logins.
    """
    done = apply_organisation(session, demo_spec(name), actor=None)
    if done.recovery_key is None or done.custodian_key is None:
        raise SetupError("already set up")
    result = Organisation(recovery_key=done.recovery_key, units=done.units)
    custodian_ring, custodian_private = done.custodian_key
    chosen = passwords or {}
    for username, display_name, role, member_of in DEMO_STAFF:
        password = chosen.get(username, "") or secrets.token_urlsafe(12)
        account = add_staff(session, username=username, display_name=display_name, role=role,
                            password=password, strength=strength)
        result.logins.append((username, password, role))
        if member_of:
            ring, private = done.unit_keys[member_of]
            _grant_member(session, account, result.units[member_of], ring, private)
        if role == Role.CUSTODIAN:
            grant(session, custodian_ring, custodian_private, account)
    session.flush()
    return result
