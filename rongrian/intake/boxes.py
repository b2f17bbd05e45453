"""Suggestion-box rounds (ตู้รับฟังความคิดเห็น, issue 8): one opening of a box entered in one go.

The desk officer opens a box, reads each note and enters it: a complaint (filed through
:func:`rongrian.intake.desk.take_down`, channel ``suggestion_box``, no contact: a note in a box
leaves no way back to its writer, so no tracking code is kept) or "no action: not a complaint"
(counted, nothing filed). The opening records the box's place, the day and the counts, and the
summary counts complaints by box. The whole round is one transaction: a problem in any item
files nothing, and every problem is reported at once.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.desk import DeskIntake, take_down
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import AuditAction, BoxOpening, Channel, Complaint, StaffAccount
from rongrian.intake.models import SuggestionBox as Box
from rongrian.intake.posters import InvalidPlace, clean_place
from rongrian.intake.store import Submission

#: Most items one round takes (a bigger box is entered in several rounds).
MAX_ITEMS = 50


@dataclass(frozen=True)
class BoxRound:
    """One opening: the box's ``place``, the day it was opened, the reason when that day is
    before today, and its items in order (``None`` = no action: not a complaint)."""

    place: str
    opened_on: date
    backdating_reason: str
    items: list[Submission | None]


@dataclass(frozen=True)
class RoundResult:
    """What a round filed: the case numbers in item order, and how many were no action."""

    case_numbers: list[str]
    no_action: int


def box_named(session: Session, place: str) -> Box:
    """The box at ``place`` (cleaned as a poster's place), added when new (not flushed).

    Raises :class:`InvalidPlace` for an empty, too long or control-character place.
    """
    cleaned = clean_place(place)
    if not cleaned:
        raise InvalidPlace("required")
    found = session.scalars(select(Box).where(Box.place == cleaned)).first()
    if found is None:
        found = Box(place=cleaned)
        session.add(found)
    return found


def known_boxes(session: Session) -> list[str]:
    """The places of every box entered before, alphabetically (for the form's suggestions)."""
    return list(session.scalars(select(Box.place).order_by(Box.place)))


def enter_round(session: Session, pepper: bytes, box_round: BoxRound, *,
                officer: StaffAccount, today: date | None = None) -> RoundResult:
    """File every complaint of ``box_round`` and record the opening; the caller commits.

    Raises :class:`InvalidSubmission` with problems keyed ``place``, ``opened_on`` /
    ``backdating_reason`` (as the desk's ``received_on``), ``items`` (``required`` for a round
    with no item, ``too_many`` past :data:`MAX_ITEMS`) and ``item-<n>-<field>`` (n from 1) for
    the items; nothing is filed then.
    """
    today = today or datetime.now(UTC).date()
    problems: dict[str, str] = {}
    try:
        box = box_named(session, box_round.place)
    except InvalidPlace as exc:
        problems["place"] = "required" if str(exc) == "required" else "invalid"
    if not box_round.items:
        problems["items"] = "required"
    elif len(box_round.items) > MAX_ITEMS:
        problems["items"] = "too_many"
    if problems:
        raise InvalidSubmission(problems)
    opening = BoxOpening(box=box, opened_on=box_round.opened_on, items=len(box_round.items),
                         no_action=sum(item is None for item in box_round.items),
                         officer_id=officer.id)
    session.add(opening)
    session.flush()
    numbers = _file_items(session, pepper, box_round, opening, officer, today)
    append_entry(session, AuditAction.BOX_OPENED, Actor.of(officer), detail={
        "box": box.place, "opened_on": box_round.opened_on.isoformat(),
        "items": opening.items, "no_action": opening.no_action, "cases": len(numbers)})
    session.flush()
    return RoundResult(numbers, opening.no_action)


def _file_items(session: Session, pepper: bytes, box_round: BoxRound, opening: BoxOpening,
                officer: StaffAccount, today: date) -> list[str]:
    problems: dict[str, str] = {}
    numbers: list[str] = []
    for index, item in enumerate(box_round.items, start=1):
        if item is None:
            continue
        intake = DeskIntake(replace(item, channel=Channel.SUGGESTION_BOX.value),
                            box_round.opened_on, box_round.backdating_reason, no_contact=True)
        try:  # take_down adds nothing when it refuses: the caller rolls the round back
            receipt = take_down(session, pepper, intake, officer=officer, today=today)
        except InvalidSubmission as exc:
            for field, code in exc.problems.items():
                key = field if field in ("received_on", "backdating_reason") else (
                    f"item-{index}-{field}")
                problems[key.replace("received_on", "opened_on")] = code
            continue
        session.get_one(Complaint, receipt.complaint_id).box_opening_id = opening.id
        numbers.append(receipt.case_number)
    if problems:
        raise InvalidSubmission(problems)
    return numbers
