"""The working queue page, ``GET /cases`` (issue 9 §1).

The filter state lives in the page address, as ids, enum values and numbers only (never case
content): ``tab`` (``open``/``finished``/``all``), ``status``, ``category``, ``channel``,
``kind``, ``unit``, ``officer`` (an account id, ``me`` or ``none``; the older ``mine=1`` means
``me``), ``label``, ``overdue=1``, ``due_within`` (working days), ``unread=1``, ``sort``
(``due``/``newest``/``oldest``) and ``page``. ``number`` (a case number) opens that case when it
is one of the user's units', else says it was not found.

A value that is not valid is left out and named in a message at the top of the page (status
400); the rest of the filter still applies. The query is :func:`rongrian.intake.queue.queue_page`.
"""

import enum
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES
from rongrian.intake.assignment import unit_officers
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.labels import unit_labels
from rongrian.intake.models import Category, Channel, Kind, StaffAccount, Status, Unit
from rongrian.intake.queue import (
    MAX_DUE_WITHIN,
    QueueFilter,
    Sort,
    Tab,
    find_case,
    normalise_case_number,
    queue_page,
)
from rongrian.intake.workflow import FINISHED
from rongrian.web.app import db

_E = TypeVar("_E", bound=enum.Enum)
#: Address parameters of the filter (``page`` and ``number`` are handled apart).
FILTER_KEYS = ("tab", "status", "category", "channel", "kind", "unit", "officer", "label",
               "overdue", "due_within", "unread", "sort")


@dataclass
class Choices:
    """What the user may pick: their units, the officers of those units, the categories and
    the labels of those units."""

    units: list[Unit]
    officers: list[StaffAccount]
    categories: list[Category]
    labels: list[Any]


@dataclass
class Parsed:
    """A filter read from the address, and the messages about values left out."""

    chosen: QueueFilter = field(default_factory=QueueFilter)
    problems: list[str] = field(default_factory=list)


def _choices(account_id: int) -> Choices:
    unit_ids = unit_ids_of(db(), account_id)
    units = list(db().scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.code))
                 ) if unit_ids else []
    officers: dict[int, StaffAccount] = {}
    for unit_id in unit_ids:
        officers.update((a.id, a) for a in unit_officers(db(), unit_id))
    categories = list(db().scalars(select(Category).order_by(Category.position, Category.id)))
    return Choices(units, sorted(officers.values(), key=lambda a: a.display_name), categories,
                   unit_labels(db(), unit_ids))


def _flag(args: Mapping[str, str], name: str, parsed: Parsed) -> bool:
    value = args.get(name, "")
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    parsed.problems.append(_bad_value(name))
    return False


def _member(args: Mapping[str, str], name: str, kind: type[_E], parsed: Parsed) -> _E | None:
    value = args.get(name, "")
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        parsed.problems.append(_bad_value(name))
        return None


def _number(args: Mapping[str, str], name: str, parsed: Parsed,
            allowed: Collection[int] | None = None) -> int | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or (allowed is not None
                                                      and int(value) not in allowed):
        parsed.problems.append(_bad_value(name))
        return None
    return int(value)


def _bad_value(name: str) -> str:
    names = {
        "tab": _("Tab"), "status": _("Status"), "category": _("Category"),
        "channel": _("Channel"), "kind": _("Kind"), "unit": _("Unit"),
        "officer": _("Responsible officer"), "label": _("Label"), "overdue": _("Overdue"),
        "unread": _("New from the complainant"), "sort": _("Sort by"),
    }
    if name == "due_within":
        return str(_("“Due within” takes a whole number of working days from 0 to %(max)s; "
                     "it was left out.", max=MAX_DUE_WITHIN))
    if name == "page":
        return str(_("The page number must be a whole number from 1; the first page is "
                     "shown."))
    return str(_("The filter “%(name)s” had a value that is not one of the choices; it was "
                 "left out.", name=names.get(name, name)))


def _officer(args: Mapping[str, str], me: int, choices: Choices, parsed: Parsed
             ) -> tuple[int | None, bool]:
    """``(officer_id, unassigned)`` from ``officer`` (or the older ``mine=1``)."""
    value = args.get("officer", "") or ("me" if args.get("mine") == "1" else "")
    if value == "me":
        return me, False
    if value == "none":
        return None, True
    return _number({"officer": value}, "officer", parsed,
                   {a.id for a in choices.officers}), False


def parse_filter(args: Mapping[str, str], me: int, choices: Choices) -> Parsed:
    """The :class:`QueueFilter` of the address ``args`` for the account ``me``; each value that
    is not valid is left out with a message (Thai or English, the page's language)."""
    parsed = Parsed()
    officer_id, unassigned = _officer(args, me, choices, parsed)
    due_within = _number(args, "due_within", parsed)
    if due_within is not None and due_within > MAX_DUE_WITHIN:
        parsed.problems.append(_bad_value("due_within"))
        due_within = None
    page = _number(args, "page", parsed)
    if page is not None and page < 1:
        parsed.problems.append(_bad_value("page"))
    parsed.chosen = QueueFilter(
        tab=_member(args, "tab", Tab, parsed) or Tab.OPEN,
        status=_member(args, "status", Status, parsed),
        category_id=_number(args, "category", parsed, {c.id for c in choices.categories}),
        channel=_member(args, "channel", Channel, parsed),
        kind=_member(args, "kind", Kind, parsed),
        unit_id=_number(args, "unit", parsed, {u.id for u in choices.units}),
        officer_id=officer_id, unassigned=unassigned,
        overdue=_flag(args, "overdue", parsed), due_within=due_within,
        unread=_flag(args, "unread", parsed),
        label_id=_number(args, "label", parsed, {label.id for label in choices.labels}),
        sort=_member(args, "sort", Sort, parsed), page=max(page or 1, 1),
    )
    return parsed


def _address_of(args: Mapping[str, str]) -> Callable[..., str]:
    """``queue_url(**changes)``: this queue's address with ``changes`` (``None`` removes a
    parameter); any change but ``page`` goes back to the first page."""
    current = {key: args[key] for key in (*FILTER_KEYS, "page", "lang") if args.get(key)}
    if args.get("mine") == "1" and "officer" not in current:
        current["officer"] = "me"

    def queue_url(**changes: object) -> str:
        values: dict[str, Any] = dict(current)
        if "page" not in changes:
            values.pop("page", None)
        for key, value in changes.items():
            if value is None or value == "":
                values.pop(key, None)
            else:
                values[key] = value
        return url_for("cases", **values)

    return queue_url


def _statuses_of(tab: Tab) -> list[Status]:
    if tab is Tab.OPEN:
        return [status for status in Status if status not in FINISHED]
    if tab is Tab.FINISHED:
        return [status for status in Status if status in FINISHED]
    return list(Status)


def _case_number_search(typed: str, me: int) -> Response | str:
    """Open the case ``typed`` names, or the message saying why not."""
    number = normalise_case_number(typed)
    if number is None:
        return str(_("“%(typed)s” is not a case number. Write it as year/number, e.g. "
                     "2569/000123.", typed=typed[:40]))
    found = find_case(db(), me, number)
    if found is None:
        return str(_("No case numbered %(number)s among your unit's cases.", number=number))
    return redirect(url_for("case", case_id=found))


def register(app: Flask) -> None:
    """Add ``GET /cases``: the working queue."""

    @app.get("/cases")
    @roles_required(*CASE_ROLES)
    def cases() -> Response | tuple[str, int]:
        me = current_staff().account.id
        choices = _choices(me)
        parsed = parse_filter(request.args, me, choices)
        typed = request.args.get("number", "").strip()
        if typed:
            found = _case_number_search(typed, me)
            if isinstance(found, Response):
                return found
            parsed.problems.append(found)
        chosen = parsed.chosen
        if chosen.status is not None and chosen.status not in _statuses_of(chosen.tab):
            chosen = replace(chosen, tab=Tab.FINISHED if chosen.status in FINISHED
                             else Tab.OPEN)
        result = queue_page(db(), me, chosen)
        filtered = replace(chosen, tab=Tab.OPEN, sort=None, page=1) != QueueFilter()
        page = render_template(
            "cases.html", queue=result, chosen=chosen, choices=choices,
            problems=parsed.problems, typed_number=typed[:40], me=me,
            queue_url=_address_of(request.args), statuses=_statuses_of(chosen.tab),
            max_due_within=MAX_DUE_WITHIN, channels=list(Channel), kinds=list(Kind),
            units=choices.units, filtered=filtered,
        )
        return page, 400 if parsed.problems else 200
