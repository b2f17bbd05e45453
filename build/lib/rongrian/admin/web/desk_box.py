"""The suggestion-box round page (``/desk/box``, issue 8): one opening of a box, its notes
entered in a row, each a complaint or "no action: not a complaint".

Desk officers only (:func:`rongrian.admin.web.desk.require_desk`). Item slots are numbered
``item-<n>-…``; ``?items=N`` (up to :data:`rongrian.intake.boxes.MAX_ITEMS`) gives more slots.
Empty slots are skipped. Everything is filed in one transaction by
:func:`rongrian.intake.boxes.enter_round`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from rongrian.admin.web.auth import current_staff
from rongrian.admin.web.desk import problem_messages, require_desk
from rongrian.intake.boxes import MAX_ITEMS, BoxRound, enter_round, known_boxes
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Category, Kind, Unit
from rongrian.intake.store import Submission
from rongrian.web.app import current_locale, db, settings_of
from rongrian.web.labels import label

#: Item slots shown when ``?items`` is not given.
DEFAULT_SLOTS = 5
#: What an item slot says: a complaint, no action, or nothing (an unused slot).
CASE, NO_ACTION = "case", "no_action"


class BoxForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """The round's box and day; the items are read from ``item-<n>-…`` fields."""

    place = StringField(_l("Which box (where it stands)"))
    opened_on = StringField(_l("Day it was opened"))
    backdating_reason = StringField(_l("Why it is entered after the day it was opened"))


@dataclass(frozen=True)
class Slot:
    """One item slot as typed (all text), for showing the form again."""

    number: int
    action: str
    kind: str
    category: str
    unit: str
    what_happened: str


def _slots_wanted() -> int:
    try:
        wanted = int(request.args.get("items", DEFAULT_SLOTS))
    except ValueError:
        wanted = DEFAULT_SLOTS
    return max(1, min(wanted, MAX_ITEMS))


def _slots(count: int) -> list[Slot]:
    def value(number: int, name: str) -> str:
        return str(request.form.get(f"item-{number}-{name}", ""))[:10_000]
    return [Slot(n, value(n, "action"), value(n, "kind"), value(n, "category"),
                 value(n, "unit"), value(n, "what_happened")) for n in range(1, count + 1)]


def _items(slots: list[Slot]) -> list[Submission | None]:
    items: list[Submission | None] = []
    for slot in slots:
        if slot.action == NO_ACTION:
            items.append(None)
        elif slot.action == CASE:
            items.append(Submission(kind=slot.kind, category_code=slot.category,
                                    unit_code=slot.unit or None, channel="suggestion_box",
                                    what_happened=slot.what_happened))
    return items


def _choices() -> dict[str, list[tuple[str, str]]]:
    locale = current_locale()
    english = locale == "en"
    categories = db().scalars(select(Category).where(Category.active)
                              .order_by(Category.position, Category.id))
    units = db().scalars(select(Unit).where(Unit.active, Unit.parent_id.is_not(None))
                         .order_by(Unit.id))
    return {
        "kinds": [(k.value, label("kind", k, locale)) for k in Kind],
        "categories": [("", str(_("— Choose a category —")))] + [
            (c.code, c.name_en if english else c.name_th) for c in categories],
        "units": [("", str(_("Not sure: let the agency decide")))] + [
            (u.code, u.name_en if english else u.name_th) for u in units],
    }


def _page(form: BoxForm, slots: list[Slot], errors: dict[str, str], code: int = 200
          ) -> tuple[str, int]:
    if not form.opened_on.data:
        form.opened_on.data = datetime.now(UTC).date().isoformat()
    return render_template("desk_box.html", form=form, slots=slots, errors=errors,
                           boxes=known_boxes(db()), max_items=MAX_ITEMS, **_choices()), code


def _messages(problems: dict[str, str]) -> dict[str, str]:
    renamed = {("received_on" if key == "opened_on" else key): code
               for key, code in problems.items()}
    messages = problem_messages({k: v for k, v in renamed.items()
                                 if not k.startswith("item-") and k not in ("place", "items")})
    if "received_on" in messages:
        messages["opened_on"] = messages.pop("received_on")
    if "place" in problems:
        messages["place"] = str(_("Please say which box: where it stands, at most 80 "
                                  "characters."))
    if "items" in problems:
        messages["items"] = str(_("Please enter at least one item, a complaint or “no "
                                  "action”."))
    for key, code in problems.items():
        if key.startswith("item-"):
            number, _sep, field = key[len("item-"):].partition("-")
            text = problem_messages({field: code}).get(field, "")
            messages.setdefault(f"item-{number}", text)
    return messages


def register(app: Flask) -> None:
    """Add ``/desk/box`` (GET the round's form, POST enter it)."""

    @app.get("/desk/box")
    def desk_box() -> tuple[str, int]:
        require_desk()
        return _page(BoxForm(), _slots(_slots_wanted()), {})

    @app.post("/desk/box")
    def desk_box_enter() -> tuple[str, int]:
        require_desk()
        form = BoxForm()
        slots = _slots(_slots_wanted() if "items" in request.args else MAX_ITEMS)
        shown = [slot for slot in slots if slot.number <= DEFAULT_SLOTS or slot.action]
        if not form.validate():
            return _page(form, shown, {"form": str(_("The form expired. Please try again."))},
                         400)
        try:
            opened_on = date.fromisoformat((form.opened_on.data or "").strip())
        except ValueError:
            return _page(form, shown, _messages({"opened_on": "invalid"}), 400)
        box_round = BoxRound(form.place.data or "", opened_on, form.backdating_reason.data or "",
                             _items(slots))
        session = db()
        try:
            result = enter_round(session, settings_of(current_app).secrets.tracking_pepper,
                                 box_round, officer=current_staff().account)
        except InvalidSubmission as exc:
            session.rollback()
            return _page(form, shown, _messages(exc.problems), 400)
        session.commit()
        return render_template("desk_box_done.html", result=result, place=box_round.place,
                               opened_on=opened_on), 200
