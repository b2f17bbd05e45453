"""Helpers of the LINE tests: photos with tell-tale metadata, walking a user through filing."""

import io
import re

from PIL import Image
from sqlalchemy import func, select

from rongrian.intake.models import (
    Attachment,
    Complaint,
    LineConversation,
    LineDraftPhoto,
    LineSeenEvent,
)
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.channels.line.standin import Call
from tests.conftest import Demo

CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
CASE_NUMBER = re.compile(r"\b(\d{4}/\d{6})\b")
#: A camera model written into the EXIF of test photos: must never come out of the pipeline.
CAMERA = "SecretCam-7731"


def jpeg_with_exif(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small JPEG whose EXIF names :data:`CAMERA` and holds a GPS block."""
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x0110] = CAMERA  # Model
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 22.0), 3: "E", 4: (100.0, 30.0, 5.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert CAMERA.encode() in data
    return data


def counts(demo: Demo) -> dict[str, int]:
    """Rows of the tables the LINE channel writes."""
    with demo.sessions() as session:
        return {
            model.__tablename__: int(session.scalar(
                select(func.count()).select_from(model)) or 0)
            for model in (Complaint, LineConversation, LineDraftPhoto, LineSeenEvent,
                          Attachment)
        }


def receipt_of(call: Call) -> tuple[str, str]:
    """(tracking code, case number) from the receipt reply."""
    text = "\n".join(call.texts)
    code, number = CODE.search(text), CASE_NUMBER.search(text)
    assert code, text
    assert number, text
    return code.group(1), number.group(1)


def file_up_to_summary(line: Line, user: str, *, what: str = "ไฟทางดับทั้งซอยมาสามคืนแล้ว",
                       unit: str = "WORKS", category: str = "general") -> Call:
    """Walk ``user`` from the menu to the summary with buttons: "file", one message, no
    place, ``category``, then (through "edit") ``unit`` unless empty; anonymous, no photo.
    Returns the summary reply."""
    line.tap(user, "a=file")
    line.say(user, what)
    line.tap(user, "a=skip")
    summary = line.tap(user, f"a=cat&v={category}")
    if unit:
        line.tap(user, "a=edit")
        line.tap(user, "a=field&v=unit")
        summary = line.tap(user, f"a=unit&v={unit}")
    return summary


def file_complaint_by_line(line: Line, user: str, **options: str) -> tuple[str, str]:
    """File an anonymous complaint through the chat; returns (code, case number)."""
    file_up_to_summary(line, user, **options)
    return receipt_of(line.tap(user, "a=confirm"))


def send_photo(line: Line, user: str, data: bytes, **options: int) -> dict[str, object]:
    """The user sends a photo whose content the stand-in serves; returns the event."""
    event = webhooks.image(user, **options)
    line.standin.content[webhooks.message_id(event)] = data
    line.send(event)
    return event
