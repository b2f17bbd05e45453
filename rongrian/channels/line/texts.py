"""What the LINE bot says, in Thai and English (``(th, en)`` pairs, as in :mod:`rongrian.web`).

Thai is the default; English goes to users whose LINE language is English. Quick-reply labels
must stay within LINE's 20 characters.
"""

TEXTS: dict[str, tuple[str, str]] = {
    "welcome": (
        "สวัสดีค่ะ ที่นี่รับเรื่องร้องเรียน ร้องทุกข์ แจ้งเบาะแส ข้อเสนอแนะ และคำชมเชยของ{org}\n"
        "มีเรื่องจะแจ้ง ส่งรูป ส่งตำแหน่ง หรือพิมพ์เล่ามาได้เลย "
        "หรือกด \"ติดตามเรื่อง\" เพื่อดูความคืบหน้า",
        "Hello. This chat takes complaints, grievances, tips, suggestions and compliments for "
        "{org}.\nTo report something, just send a photo, a location or a few words; or tap "
        "\"Track\" to follow a report.",
    ),
    "privacy": (
        "ความเป็นส่วนตัว\n"
        "• สิ่งที่คุณแจ้งถูกเข้ารหัสก่อนเก็บ เฉพาะหน่วยงานที่รับผิดชอบเรื่องอ่านได้ "
        "ถ้าคุณให้ชื่อ เฉพาะผู้ดูแลข้อมูลผู้ร้องเห็นชื่อ\n"
        "• ระบบไม่เก็บรหัสผู้ใช้ LINE ของคุณแบบอ่านได้ ร่างเรื่องที่ยังไม่ส่งถูกเข้ารหัส "
        "และลบเมื่อส่ง ยกเลิก หรือไม่มีการใช้งาน 24 ชั่วโมง\n"
        "• แต่ LINE เองมองเห็นทุกข้อความที่พิมพ์ในแชทนี้\n"
        "• ทางที่ไม่ระบุตัวตนที่สุดคือแบบฟอร์มบนเว็บ: {link}",
        "Privacy\n"
        "• What you report is encrypted before it is stored; only the unit handling it can read "
        "it. If you give your name, only the integrity officer sees it.\n"
        "• Your LINE user ID is never stored readably. An unsent draft is encrypted and deleted "
        "when you send it, cancel it, or leave it for 24 hours.\n"
        "• But LINE itself sees everything typed in this chat.\n"
        "• The most anonymous way is the web form: {link}",
    ),
    "privacy_short": (
        "เรื่องที่แจ้งทางแชทนี้ส่งแบบไม่ระบุตัวตน เว้นแต่คุณเลือกระบุชื่อเอง "
        "แต่ LINE มองเห็นข้อความในแชทนี้ ถ้าต้องการไม่ระบุตัวตนมากที่สุด ใช้แบบฟอร์มเว็บ {link} "
        "พิมพ์ \"ยกเลิก\" ได้ทุกเมื่อ",
        "Reports made in this chat are anonymous unless you choose to give your name. But LINE "
        "sees what is typed in this chat: for the most anonymity use the web form {link}. Type "
        "\"cancel\" at any time.",
    ),
    "ask_category": ("เรื่องนี้เกี่ยวกับอะไร เลือกได้เลยค่ะ", "What is it about? Choose one."),
    "ask_category_guess": ("ดูเหมือนเรื่อง \"{name}\" ใช่ไหมคะ", "Is this about \"{name}\"?"),
    "ask_category_more": ("เลือกเรื่องที่ใกล้เคียงที่สุด", "Choose the closest match."),
    "ask_category_tip": (
        "แจ้งเบาะแสเรื่องใด (เบาะแสส่งถึงผู้รับผิดชอบด้านคุณธรรมและความโปร่งใสโดยตรง "
        "หน่วยงานที่ถูกแจ้งไม่เห็น)",
        "What is the tip about? (Tips go straight to the integrity officer, never to the unit "
        "concerned.)",
    ),
    "ask_unit": (
        "ต้องการส่งถึงหน่วยงานใด (ถ้าไม่ทราบ กด \"ไม่ทราบ/ข้าม\" ระบบจะส่งตามเรื่อง)",
        "Which unit should receive it? (Tap \"Skip\" and it goes by the matter.)",
    ),
    "ask_what": (
        "พิมพ์เล่าสั้น ๆ ว่าเกิดอะไรขึ้นค่ะ",
        "Tell us in a few words what happened.",
    ),
    "ask_what_where": (
        "พิมพ์เล่าสั้น ๆ ว่าเกิดอะไรขึ้น และกด \"ส่งตำแหน่ง\" เพื่อบอกว่าอยู่ที่ไหน "
        "(ส่งรูปเพิ่มได้ตลอด)",
        "Tell us in a few words what happened, and tap \"Send location\" if it is somewhere in "
        "particular (photos are welcome at any time).",
    ),
    "got_start": ("ได้รับแล้วค่ะ", "Got it."),
    "got_place": ("ได้รับตำแหน่งแล้วค่ะ", "Location received."),
    "added_what": (
        "เพิ่มข้อความนี้ในรายละเอียดแล้ว",
        "Added to the description.",
    ),
    "what_empty": (
        "ยังไม่มีรายละเอียดของเรื่อง กรุณาพิมพ์เล่าเรื่องก่อน",
        "There is no description yet. Please write what happened first.",
    ),
    "what_too_long": (
        "รายละเอียดรวมยาวเกิน {limit} ตัวอักษร ข้อความล่าสุดไม่ได้ถูกเพิ่ม "
        "ส่งเรื่องก่อน แล้วแนบรายละเอียดที่เหลือภายหลังด้วยรหัสติดตามเรื่อง",
        "The description would exceed {limit} characters, so the last message was not added. "
        "Send the report, and add the rest later with your tracking code.",
    ),
    "ask_where": (
        "เกิดขึ้นที่ไหนคะ กด \"ส่งตำแหน่ง\" หรือพิมพ์ชื่อสถานที่ (ไม่เกี่ยวกับสถานที่ กด \"ข้าม\")",
        "Where is it? Tap \"Send location\" or type the place (or \"Skip\" if no place is "
        "concerned).",
    ),
    "where_too_long": (
        "สถานที่ยาวเกิน {limit} ตัวอักษร กรุณาพิมพ์ให้สั้นลง",
        "The place is longer than {limit} characters. Please shorten it.",
    ),
    "got_photo": (
        "รับรูปแล้ว ({count}/{max}) ข้อมูลแฝงในรูป เช่น พิกัด ถูกลบก่อนเก็บแบบเข้ารหัส",
        "Photo received ({count}/{max}). Hidden data such as its GPS position is removed "
        "before it is stored encrypted.",
    ),
    "too_many_photos": (
        "ส่งรูปได้ไม่เกิน {max} รูป รูปนี้ไม่ได้ถูกเก็บ",
        "At most {max} photos: this one was not kept.",
    ),
    "photo_failed": (
        "รับรูปนี้ไม่ได้ (ดาวน์โหลดไม่สำเร็จหรือไม่ใช่ไฟล์รูปภาพ) กรุณาส่งใหม่อีกครั้ง ไม่มีสิ่งใดถูกเก็บ",
        "That photo could not be taken (the download failed or it is not an image). Please "
        "send it again. Nothing was stored.",
    ),
    "identifying_warning": (
        "โปรดทราบ: เรื่องนี้จะส่งแบบไม่ระบุตัวตน แต่ข้อความของคุณมีข้อมูลที่อาจระบุตัวคุณได้: {found}\n"
        "ถ้าไม่ใช่ของคุณหรือตั้งใจใส่ไว้ ส่งได้ตามเดิม ถ้าไม่ต้องการ กด \"แก้ไข\"",
        "Note: this report is anonymous, but your text holds something that could identify you: "
        "{found}\nIf it is not yours or you meant it, send as it is; otherwise tap \"Edit\".",
    ),
    "ask_identity": (
        "ต้องการระบุตัวตนหรือไม่ ถ้าระบุ ชื่อและเบอร์โทรจะถูกเข้ารหัสให้เฉพาะผู้ดูแลข้อมูลผู้ร้องเปิดได้ "
        "หน่วยงานที่รับเรื่องจะไม่เห็น",
        "Do you want to give your name? If you do, your name and phone are encrypted so that only "
        "the integrity officer can open them; the unit handling the matter never sees them.",
    ),
    "ask_name": ("กรุณาพิมพ์ชื่อ-นามสกุล", "Please type your full name."),
    "ask_phone": (
        "เบอร์โทรศัพท์ที่ติดต่อได้ (หรือกด \"ข้าม\")",
        "A phone number we can reach you on (or tap \"Skip\").",
    ),
    "bad_phone": (
        "เบอร์โทรศัพท์ไม่ถูกต้อง ใช้ตัวเลข เช่น 081-234-5678 หรือกด \"ข้าม\"",
        "That phone number is not valid. Use digits, e.g. 081-234-5678, or tap \"Skip\".",
    ),
    "name_too_long": (
        "ชื่อยาวเกิน {limit} ตัวอักษร กรุณาพิมพ์ให้สั้นลง",
        "The name is longer than {limit} characters. Please shorten it.",
    ),
    "summary_title": ("ตรวจสอบก่อนส่ง", "Check before sending"),
    "summary_alt": (
        "ตรวจสอบเรื่องก่อนส่ง: กดยืนยัน แก้ไข หรือยกเลิก",
        "Check your report: confirm, edit or cancel.",
    ),
    "ask_edit": ("ต้องการแก้ไขส่วนไหน", "What would you like to change?"),
    "edit_what": (
        "รายละเอียดเดิมถูกล้างแล้ว กรุณาพิมพ์เล่าใหม่",
        "The earlier description was cleared. Please write it again.",
    ),
    "edit_photos": (
        "รูปเดิมถูกลบแล้ว ส่งรูปใหม่ได้สูงสุด {max} รูป",
        "The earlier photos were removed. You may send up to {max} new ones.",
    ),
    "filed": (
        "ส่งเรื่องเรียบร้อยแล้ว\n"
        "เลขที่เรื่อง: {case_number}\n"
        "รหัสติดตามเรื่อง: {code}\n\n"
        "เก็บรหัสติดตามเรื่องไว้เป็นความลับ รหัสนี้เป็นทางเดียวที่จะกลับมาดูเรื่องของคุณ "
        "เจ้าหน้าที่ค้นหาหรือออกให้ใหม่ไม่ได้\n"
        "ติดตามทางเว็บ: {link}\n"
        "หรือพิมพ์รหัสในแชทนี้",
        "Your report was sent.\n"
        "Case number: {case_number}\n"
        "Tracking code: {code}\n\n"
        "Keep the tracking code secret. It is the only way back to your complaint: nobody, not "
        "even our staff, can look it up or issue it again.\n"
        "Track it on the web: {link}\n"
        "or type the code in this chat.",
    ),
    "filed_photos_failed": (
        "รูปถ่ายบางรูปเก็บไม่ได้ กรุณาส่งใหม่ด้วย \"เพิ่มข้อมูล\" ในเรื่องที่ติดตาม",
        "Some photos could not be stored. Please send them again with \"Add information\".",
    ),
    "receipt_again": (
        "ข้อความยืนยันการส่งเรื่องก่อนหน้าส่งไม่ถึงคุณ จึงส่งให้อีกครั้ง:",
        "The confirmation of your report did not reach you before; here it is again:",
    ),
    "file_problems": (
        "ยังส่งเรื่องไม่ได้: {problems} กรุณาแก้ไข",
        "The report cannot be sent yet: {problems}. Please correct it.",
    ),
    "cancelled": (
        "ยกเลิกแล้ว ร่างเรื่องถูกลบ ไม่มีสิ่งใดถูกส่งหรือเก็บไว้",
        "Cancelled. Your draft was deleted; nothing was sent or kept.",
    ),
    "nothing_to_cancel": ("ไม่มีเรื่องที่ค้างอยู่", "There is nothing in progress."),
    "nothing_to_confirm": (
        "ไม่มีเรื่องที่รอยืนยัน (อาจส่งไปแล้ว ถูกยกเลิก หรือหมดอายุ)",
        "There is no report waiting for confirmation (it was sent, cancelled or expired).",
    ),
    "continue_draft": (
        "คุณมีเรื่องที่ยังไม่ได้ส่ง ทำต่อจากขั้นตอนเดิม (พิมพ์ \"ยกเลิก\" เพื่อเริ่มใหม่)",
        "You have a report in progress; carrying on where you left off (type \"cancel\" to start "
        "over).",
    ),
    "expired": (
        "ร่างเรื่องก่อนหน้าหมดอายุและถูกลบแล้ว (ไม่มีการใช้งาน 24 ชั่วโมง)",
        "Your earlier draft expired and was deleted (untouched for 24 hours).",
    ),
    "ask_code": (
        "พิมพ์รหัสติดตามเรื่อง 16 ตัว เช่น {example}",
        "Type your 16-character tracking code, e.g. {example}",
    ),
    "bad_code": (
        "รหัสไม่ถูกต้อง รหัสติดตามเรื่องมี 16 ตัว (ตัวอักษรและตัวเลข) เช่น {example}",
        "That is not a tracking code: it has 16 letters and digits, e.g. {example}",
    ),
    "unknown_code": (
        "ไม่พบเรื่องจากรหัสนี้ กรุณาตรวจสอบรหัสอีกครั้ง",
        "No complaint answers to this code. Please check it and try again.",
    ),
    "too_many_lookups": (
        "ค้นหาด้วยรหัสบ่อยเกินไป กรุณารอสักครู่แล้วลองใหม่",
        "Too many code look-ups. Please wait a while and try again.",
    ),
    "thread_head": (
        "เรื่องเลขที่ {case_number}\n{kind} · {category}\nรับเรื่องเมื่อ {received}\nสถานะ: {status}",
        "Case {case_number}\n{kind} · {category}\nReceived {received}\nStatus: {status}",
    ),
    "history": ("ความคืบหน้า", "History"),
    "entry_status": ("{date} สถานะ: {status}", "{date} status: {status}"),
    "entry_reply": ("{date} เจ้าหน้าที่ตอบ:\n{text}", "{date} staff replied:\n{text}"),
    "entry_information": ("{date} คุณเพิ่มข้อมูล:\n{text}", "{date} you added:\n{text}"),
    "thread_truncated": (
        "(ข้อความยาว ดูทั้งหมดได้ทางเว็บ {link})",
        "(Shortened; read everything on the web: {link})",
    ),
    "ask_information": (
        "พิมพ์ข้อมูลที่ต้องการเพิ่มให้เรื่อง {case_number} หรือส่งรูป (พิมพ์ \"ยกเลิก\" เพื่อไม่เพิ่ม)",
        "Type what you want to add to case {case_number}, or send a photo (type \"cancel\" to "
        "add nothing).",
    ),
    "information_added": (
        "เพิ่มข้อมูลให้เรื่อง {case_number} แล้ว",
        "Your information was added to case {case_number}.",
    ),
    "photo_added": (
        "เพิ่มรูปให้เรื่อง {case_number} แล้ว",
        "Your photo was added to case {case_number}.",
    ),
    "notify_on": (
        "จะแจ้งเตือนในแชทนี้เมื่อเรื่อง {case_number} เปลี่ยนสถานะหรือเจ้าหน้าที่ตอบ "
        "(ข้อความแจ้งเตือนไม่มีเนื้อหาของเรื่อง) หยุดได้ทุกเมื่อ",
        "You will be told in this chat when case {case_number} changes status or staff reply "
        "(the notice carries nothing of the complaint itself). You can stop at any time.",
    ),
    "notify_off": (
        "หยุดแจ้งเตือนเรื่อง {case_number} แล้ว",
        "Notifications for case {case_number} stopped.",
    ),
    "push_status": (
        "เรื่องเลขที่ {case_number} มีความคืบหน้า: สถานะ \"{status}\"\n"
        "พิมพ์รหัสติดตามเรื่องในแชทนี้เพื่อดูรายละเอียด",
        "Case {case_number} has moved on: status \"{status}\".\n"
        "Type your tracking code in this chat to read more.",
    ),
    "push_reply": (
        "เจ้าหน้าที่ตอบเรื่องเลขที่ {case_number} แล้ว\nพิมพ์รหัสติดตามเรื่องในแชทนี้เพื่ออ่านคำตอบ",
        "Staff replied on case {case_number}.\nType your tracking code in this chat to read it.",
    ),
    "too_long": (
        "ข้อความยาวเกิน 5,000 ตัวอักษร กรุณาแบ่งส่งเป็นหลายข้อความ ข้อความนี้ไม่ได้ถูกเก็บ",
        "That message is longer than 5,000 characters. Please send it in parts. It was not "
        "kept.",
    ),
    "unsupported": (
        "ขออภัย ระบบรับได้เฉพาะข้อความ ตำแหน่ง และรูปภาพ สิ่งที่ส่งมาไม่ได้ถูกเก็บ",
        "Sorry, only text, locations and photos can be taken. What you sent was not kept.",
    ),
    "location_not_now": (
        "ส่งตำแหน่งได้ในขั้นตอน \"เกิดขึ้นที่ไหน\" ของการแจ้งเรื่อง ตำแหน่งนี้ไม่ได้ถูกเก็บ",
        "A location can be sent at the \"where\" step of a report. This one was not kept.",
    ),
    "not_understood": (
        "ไม่เข้าใจคำตอบ กรุณาเลือกจากปุ่มด้านล่าง",
        "Sorry, I did not understand. Please choose one of the buttons below.",
    ),
    "menu": (
        "เลือกสิ่งที่ต้องการทำ",
        "What would you like to do?",
    ),
    "group": (
        "เพื่อความปลอดภัยของคุณ บัญชีนี้ไม่รับเรื่องในกลุ่มแชท กรุณาเพิ่มเพื่อนและส่งข้อความถึงบัญชีนี้"
        "แบบส่วนตัว หรือใช้แบบฟอร์มเว็บ {link}",
        "For your safety this account takes no reports in group chats. Please add it as a "
        "friend and write to it privately, or use the web form {link}",
    ),
    "problem_kind": ("ประเภทเรื่อง", "the kind"),
    "problem_category": ("หมวดเรื่อง", "the category"),
    "problem_unit": ("หน่วยงาน", "the unit"),
    "problem_what_happened": ("รายละเอียดของเรื่อง", "the description"),
    "problem_where_happened": ("สถานที่", "the place"),
    "problem_name": ("ชื่อ", "the name"),
    "problem_phone": ("เบอร์โทรศัพท์", "the phone number"),
    "problem_attachments": ("รูปถ่าย", "the photos"),
    # Labels (quick replies: at most 20 characters).
    "btn_file": ("ร้องเรียน/แจ้งเบาะแส", "Report"),
    "btn_track": ("ติดตามเรื่อง", "Track"),
    "btn_privacy": ("ความเป็นส่วนตัว", "Privacy"),
    "btn_cancel": ("ยกเลิก", "Cancel"),
    "btn_skip": ("ไม่ทราบ/ข้าม", "Skip"),
    "btn_skip_plain": ("ข้าม", "Skip"),
    "btn_done": ("เสร็จ", "Done"),
    "btn_location": ("ส่งตำแหน่ง", "Send location"),
    "btn_camera": ("ถ่ายรูป", "Camera"),
    "btn_camera_roll": ("เลือกรูป", "Choose photo"),
    "btn_anonymous": ("ไม่ระบุตัวตน", "Stay anonymous"),
    "btn_named": ("ระบุชื่อ/เบอร์ติดต่อ", "Give name and phone"),
    "btn_yes": ("✅ ใช่", "✅ Yes"),
    "btn_more": ("อื่น ๆ", "Other"),
    "btn_tip": ("แจ้งเบาะแสการทุจริต", "Report corruption"),
    "btn_confirm": ("ยืนยันส่ง", "Send"),
    "btn_edit": ("แก้ไข", "Edit"),
    "btn_add_info": ("เพิ่มข้อมูล", "Add information"),
    "btn_notify_on": ("แจ้งเตือนความคืบหน้า", "Notify me"),
    "btn_notify_off": ("หยุดแจ้งเตือน", "Stop notifying"),
    "btn_resume": ("ทำเรื่องที่ค้างต่อ", "Back to my report"),
    "btn_other_code": ("ดูเรื่องอื่น", "Another code"),
    # Summary rows.
    "row_category": ("เรื่อง", "About"),
    "row_unit": ("หน่วยงานที่รับเรื่อง", "Received by"),
    "row_what": ("รายละเอียด", "What happened"),
    "row_where": ("สถานที่", "Where"),
    "row_photos": ("รูปถ่าย", "Photos"),
    "row_identity": ("ผู้แจ้ง", "You"),
    "not_given": ("ไม่ระบุ", "not given"),
    # The summary's Flex button (up to 40 characters).
    "summary_named": ("ระบุชื่อและเบอร์ติดต่อ", "Give my name and phone"),
    "anonymous": ("ไม่ระบุตัวตน", "anonymous"),
    "photos_count": ("{count} รูป", "{count}"),
    "location_text": ("ตำแหน่ง {lat}, {lon}", "location {lat}, {lon}"),
}


def say(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (``en`` or Thai for anything else), formatted with
    ``values``. Raises ``KeyError`` for an unknown key."""
    thai, english = TEXTS[key]
    template = english if lang == "en" else thai
    return template.format(**values) if values else template
