"""Thai and English names of the domain words (DESIGN.md, "Domain words")."""

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {
        "received": ("รับเรื่อง", "Received"),
        "screening": ("ตรวจสอบเบื้องต้น", "Screening"),
        "forwarded": ("ส่งต่อหน่วยงาน", "Forwarded"),
        "in_progress": ("อยู่ระหว่างดำเนินการ", "In progress"),
        "resolved": ("ดำเนินการแล้วเสร็จ", "Resolved"),
        "closed": ("ยุติเรื่อง", "Closed"),
        "rejected": ("ไม่รับพิจารณา", "Not accepted"),
    },
    "kind": {
        "complaint": ("ร้องเรียน", "Complaint"),
        "grievance": ("ร้องทุกข์", "Grievance"),
        "tip": ("แจ้งเบาะแส", "Tip"),
        "suggestion": ("ข้อเสนอแนะ", "Suggestion"),
        "compliment": ("ชมเชย", "Compliment"),
    },
    "channel": {
        "web": ("เว็บไซต์", "Web site"),
        "qr": ("คิวอาร์โค้ด", "QR code"),
        "line": ("LINE", "LINE"),
        "phone": ("โทรศัพท์", "Telephone"),
        "letter": ("จดหมาย", "Letter"),
        "walk_in": ("ยื่นด้วยตนเอง", "In person"),
        "suggestion_box": ("ตู้รับฟังความคิดเห็น", "Suggestion box"),
        "referral": ("เรื่องส่งต่อจากหน่วยงานอื่น", "Referral"),
    },
    "referral": {
        "damrongdham": ("ศูนย์ดำรงธรรม", "Damrongdham Centre"),
        "centre_1111": ("ศูนย์บริการประชาชน 1111", "1111 Government Contact Centre"),
        "nacc": ("สำนักงาน ป.ป.ช.", "NACC (Office of the National Anti-Corruption Commission)"),
        "other_agency": ("หน่วยงานอื่น", "Another agency"),
    },
    "role": {
        "staff": ("เจ้าหน้าที่หน่วยงาน", "Unit staff"),
        "custodian": ("ผู้ดูแลข้อมูลผู้ร้อง", "Identity custodian"),
        "executive": ("ผู้บริหาร", "Executive"),
        "admin": ("ผู้ดูแลระบบ", "Administrator"),
    },
}


def label(group: str, value: object, locale: str) -> str:
    """The name of ``value`` (an enum or its string) in ``group`` for ``locale`` (``th``/``en``).

    Unknown values come back as their own text.
    """
    key = str(getattr(value, "value", value))
    names = LABELS.get(group, {}).get(key)
    if names is None:
        return key
    return names[1] if locale == "en" else names[0]
