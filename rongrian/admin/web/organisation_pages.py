"""Administrators' organisation pages: the agency profile (with its emblem), units, categories.

``/admin/agency``, ``/admin/units`` (and ``/<id>``), ``/admin/categories`` (and ``/<id>``):
administrators only (others get 403), forms with CSRF tokens (Flask-WTF). Every change goes
through :mod:`rongrian.admin.org_changes`, which writes it to the hash-chained audit log in the
same transaction; the same rules apply as to the organisation file (``rongrian setup``). A unit
or category is never deleted here: it is deactivated (its cases keep their history). A new
unit's key is sealed to the recovery key only; its first member is granted with ``rongrian keys
grant --unit CODE`` (an administrator never holds a unit key).
"""

from dataclasses import dataclass

from flask import Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from rongrian.admin import org_changes
from rongrian.admin.emblem import MAX_BYTES, EmblemRefused, clean_emblem
from rongrian.admin.orgfile import SENSITIVITIES
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.org_forms import AgencyForm, CategoryForm, UnitForm
from rongrian.intake.audit import Actor
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Category, Kind, Role, Sensitivity, Unit
from rongrian.intake.suggest import format_keywords, parse_keywords
from rongrian.web.agency import emblem_response
from rongrian.web.app import current_locale, db
from rongrian.web.labels import label

Page = tuple[str, int]


@dataclass(frozen=True)
class UnitRow:
    """A unit in tree order, with its depth (0 for the organisation)."""

    unit: Unit
    depth: int


def _actor() -> Actor:
    return Actor.of(current_staff().account)


def _name(unit: Unit) -> str:
    return unit.name_en if current_locale() == "en" else unit.name_th


def _tree() -> list[UnitRow]:
    units = list(db().scalars(select(Unit).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    known = {unit.id for unit in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    rows: list[UnitRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            rows.append(UnitRow(unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return rows


def _problem_messages(problems: dict[str, str]) -> dict[str, str]:
    messages = {
        ("code", "taken"): _("This code is already in use."),
        ("parent", "cycle"): _("A unit cannot move under itself or one of its own units."),
        ("parent", "organisation"): _("The organisation level has no parent unit."),
        ("parent", "unknown"): _("Please choose one of the units offered."),
        ("active", "required"): _("The organisation level and the integrity unit must stay "
                                  "active."),
        ("unit", "inactive"): _("This unit is not active."),
        ("unit", "unknown"): _("Please choose one of the units offered."),
        ("kind", "unknown"): _("Please choose one of the kinds offered."),
        ("sensitivity", "unknown"): _("Please choose one of the kinds offered."),
        ("unit", "not_integrity"): _("A whistleblower category must go to the integrity unit: "
                                     "such complaints are always routed there."),
        ("keywords", "invalid"): _("At most 100 keywords of at most 60 characters each."),
        ("days", "range"): _("A whole number of working days from 1 to %(max)s.",
                             max=org_changes.MAX_DAYS),
        ("code", "required"): _("This is required."),
        ("emblem", "too_large"): _("The emblem file is too large (at most %(mb)s MB).",
                                   mb=MAX_BYTES // (1024 * 1024)),
        ("emblem", "not_image"): _("The emblem must be a PNG or JPEG image."),
        ("emblem", "too_many_pixels"): _("The emblem image is too large."),
        ("emblem", "too_small"): _("The emblem image is too small."),
    }
    return {field: messages.get((field, code), code) for field, code in problems.items()}


def _field_errors(form: AgencyForm | UnitForm | CategoryForm) -> dict[str, str]:
    if "csrf_token" in form.errors:
        abort(400)
    return {name: str(errors[0]) for name, errors in form.errors.items() if errors}


# --- agency ---


def _agency_page(form: AgencyForm, errors: dict[str, str] | None = None, code: int = 200
                 ) -> Page:
    return render_template("admin_agency.html", form=form, errors=errors or {},
                           agency=org_changes.agency_of(db())), code


def _agency_get() -> Page:
    form = AgencyForm(formdata=None, obj=org_changes.agency_of(db()))
    return _agency_page(form)


def _agency_post() -> Response | Page:
    form = AgencyForm()
    if not form.validate():
        return _agency_page(form, _field_errors(form), 400)
    emblem: bytes | None = org_changes.KEEP
    upload = form.emblem.data
    if form.remove_emblem.data:
        emblem = None
    elif isinstance(upload, FileStorage) and upload.filename:
        try:
            emblem = clean_emblem(upload.read(MAX_BYTES + 1))
        except EmblemRefused as exc:
            return _agency_page(form, _problem_messages({"emblem": exc.code}), 400)
    fields = {name: (getattr(form, name).data or "").strip()
              for name in org_changes.AGENCY_FIELDS}
    changed = org_changes.set_agency(db(), _actor(), fields, emblem=emblem)
    db().commit()
    flash(_("The agency's profile was saved.") if changed else _("Nothing was changed."), "ok")
    return redirect(url_for("admin_agency"))


# --- units ---


def _unit_choices(unit: Unit | None) -> list[tuple[str, str]]:
    choices = []
    for row in _tree():
        candidate = row.unit
        if not candidate.active or (unit is not None and _under(candidate, unit)):
            continue
        choices.append((str(candidate.id), "\u2003" * row.depth + _name(candidate)))
    return choices


def _under(candidate: Unit, unit: Unit) -> bool:
    """Whether ``candidate`` is ``unit`` or below it."""
    current: Unit | None = candidate
    while current is not None:
        if current.id == unit.id:
            return True
        current = db().get(Unit, current.parent_id) if current.parent_id is not None else None
    return False


def _units_page(form: UnitForm, errors: dict[str, str] | None = None, code: int = 200) -> Page:
    form.parent.choices = _unit_choices(None)
    return render_template("admin_units.html", rows=_tree(), form=form,
                           errors=errors or {}), code


def _chosen_unit(value: str | None) -> Unit | None:
    unit = db().get(Unit, int(value)) if value and str(value).isdigit() else None
    return unit if unit is not None and unit.active else None


def _unit_add() -> Response | Page:
    form = UnitForm()
    form.parent.choices = _unit_choices(None)
    if not form.validate():
        return _units_page(form, _field_errors(form), 400)
    parent = _chosen_unit(form.parent.data)
    problems = {} if form.code.data else {"code": "required"}
    if parent is None:
        problems["parent"] = "unknown"
    if problems:
        return _units_page(form, _problem_messages(problems), 400)
    try:
        unit, _private = org_changes.create_unit(
            db(), _actor(), code=form.code.data.strip(), name_th=form.name_th.data.strip(),
            name_en=(form.name_en.data or "").strip(), parent=parent)
        if not form.active.data:
            org_changes.change_unit(db(), _actor(), unit, active=False)
    except InvalidSubmission as exc:
        db().rollback()
        return _units_page(form, _problem_messages(exc.problems), 400)
    db().commit()
    flash(_("Unit %(code)s was added. Its key is sealed to the recovery key: grant its first "
            "member with “rongrian keys grant --unit %(code)s”.", code=unit.code), "ok")
    return redirect(url_for("admin_units"))


def _unit_or_404(unit_id: int) -> Unit:
    unit = db().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _unit_page(unit: Unit, form: UnitForm, errors: dict[str, str] | None = None,
               code: int = 200) -> Page:
    form.parent.choices = _unit_choices(unit)
    return render_template("admin_unit.html", unit=unit, form=form, errors=errors or {},
                           is_org=unit.level == "organisation"), code


def _unit_get(unit_id: int) -> Page:
    unit = _unit_or_404(unit_id)
    form = UnitForm(formdata=None, obj=unit)
    form.parent.data = str(unit.parent_id or "")
    return _unit_page(unit, form)


def _unit_post(unit_id: int) -> Response | Page:
    unit = _unit_or_404(unit_id)
    form = UnitForm()
    form.parent.choices = _unit_choices(unit)
    is_org = unit.level == "organisation"
    if not form.validate():
        return _unit_page(unit, form, _field_errors(form), 400)
    parent = None if is_org else _chosen_unit(form.parent.data)
    if parent is None and not is_org:
        return _unit_page(unit, form, _problem_messages({"parent": "unknown"}), 400)
    try:
        changed = org_changes.change_unit(
            db(), _actor(), unit, name_th=form.name_th.data.strip(),
            name_en=(form.name_en.data or "").strip(), parent=parent,
            active=bool(form.active.data))
    except InvalidSubmission as exc:
        db().rollback()
        return _unit_page(unit, form, _problem_messages(exc.problems), 400)
    db().commit()
    flash(_("Unit %(code)s was saved.", code=unit.code) if changed
          else _("Nothing was changed."), "ok")
    return redirect(url_for("admin_units"))


# --- categories ---


def _category_form(form: CategoryForm) -> CategoryForm:
    locale = current_locale()
    form.kind.choices = [(kind.value, label("kind", kind, locale)) for kind in Kind]
    form.sensitivity.choices = [
        ("general", _("General")),
        ("whistleblower", _("Whistleblower (always to the integrity unit)")),
    ]
    form.unit.choices = _unit_choices(None)
    return form


def _categories_page(form: CategoryForm, errors: dict[str, str] | None = None,
                     code: int = 200) -> Page:
    categories = db().scalars(select(Category).order_by(Category.position, Category.id))
    return render_template("admin_categories.html", categories=list(categories),
                           form=_category_form(form), errors=errors or {}), code


def _category_values(form: CategoryForm) -> dict[str, object]:
    """The form's values for :mod:`.org_changes`; raises :class:`InvalidSubmission` for a unit,
    kind or sensitivity not among those offered."""
    unit = _chosen_unit(form.unit.data)
    problems = {} if unit is not None else {"unit": "unknown"}
    if form.kind.data not in {kind.value for kind in Kind}:
        problems["kind"] = "unknown"
    if form.sensitivity.data not in SENSITIVITIES:
        problems["sensitivity"] = "unknown"
    try:
        keywords = format_keywords(parse_keywords(form.keywords.data or ""))
    except ValueError:
        problems["keywords"] = "invalid"
    if problems:
        raise InvalidSubmission(problems)
    return {
        "name_th": form.name_th.data.strip(), "name_en": (form.name_en.data or "").strip(),
        "kind": Kind(form.kind.data), "unit": unit, "days": int(form.days.data),
        "sensitivity": SENSITIVITIES[form.sensitivity.data], "keywords": keywords,
        "retention_years": form.retention_years.data,
        "needs_evidence": bool(form.needs_evidence.data),  # issue 9 §3
    }


def _category_add() -> Response | Page:
    form = _category_form(CategoryForm())
    if not form.validate():
        return _categories_page(form, _field_errors(form), 400)
    if not form.code.data:
        return _categories_page(form, _problem_messages({"code": "required"}), 400)
    position = len(list(db().scalars(select(Category.id))))
    try:
        values = _category_values(form)
        org_changes.create_category(db(), _actor(), code=form.code.data.strip(),
                                    position=position, active=bool(form.active.data),
                                    **values)  # type: ignore[arg-type]
    except InvalidSubmission as exc:
        db().rollback()
        return _categories_page(form, _problem_messages(exc.problems), 400)
    db().commit()
    flash(_("Category %(code)s was added.", code=form.code.data.strip()), "ok")
    return redirect(url_for("admin_categories"))


def _category_or_404(category_id: int) -> Category:
    category = db().get(Category, category_id)
    if category is None:
        abort(404)
    return category


def _category_page(category: Category, form: CategoryForm,
                   errors: dict[str, str] | None = None, code: int = 200) -> Page:
    return render_template("admin_category.html", category=category,
                           form=_category_form(form), errors=errors or {}), code


def _category_get(category_id: int) -> Page:
    category = _category_or_404(category_id)
    form = CategoryForm(formdata=None, obj=category)
    form.days.data = category.sla_days
    form.kind.data = category.kind.value
    form.unit.data = str(category.default_unit_id)
    form.sensitivity.data = ("whistleblower" if category.sensitivity == Sensitivity.WHISTLEBLOWER
                             else "general")
    return _category_page(category, form)


def _category_post(category_id: int) -> Response | Page:
    category = _category_or_404(category_id)
    form = _category_form(CategoryForm())
    if not form.validate():
        return _category_page(category, form, _field_errors(form), 400)
    try:
        values = _category_values(form)
        changed = org_changes.change_category(db(), _actor(), category,
                                              active=bool(form.active.data),
                                              **values)  # type: ignore[arg-type]
    except InvalidSubmission as exc:
        db().rollback()
        return _category_page(category, form, _problem_messages(exc.problems), 400)
    db().commit()
    flash(_("Category %(code)s was saved.", code=category.code) if changed
          else _("Nothing was changed."), "ok")
    return redirect(url_for("admin_categories"))


def register(app: Flask) -> None:
    """Add ``/admin/agency``, ``/admin/units[/<id>]``, ``/admin/categories[/<id>]`` (GET and
    POST, administrators only) and ``/agency/emblem.png`` (the emblem's preview)."""
    app.add_url_rule("/agency/emblem.png", endpoint="agency_emblem", view_func=emblem_response)
    admin = roles_required(Role.ADMIN)
    app.add_url_rule("/admin/agency", "admin_agency", admin(_agency_get))
    app.add_url_rule("/admin/agency", "admin_agency_save", admin(_agency_post),
                     methods=["POST"])
    app.add_url_rule("/admin/units", "admin_units", admin(lambda: _units_page(UnitForm(
        formdata=None))))
    app.add_url_rule("/admin/units", "admin_unit_add", admin(_unit_add), methods=["POST"])
    app.add_url_rule("/admin/units/<int:unit_id>", "admin_unit", admin(_unit_get))
    app.add_url_rule("/admin/units/<int:unit_id>", "admin_unit_save", admin(_unit_post),
                     methods=["POST"])
    app.add_url_rule("/admin/categories", "admin_categories", admin(
        lambda: _categories_page(CategoryForm(formdata=None))))
    app.add_url_rule("/admin/categories", "admin_category_add", admin(_category_add),
                     methods=["POST"])
    app.add_url_rule("/admin/categories/<int:category_id>", "admin_category",
                     admin(_category_get))
    app.add_url_rule("/admin/categories/<int:category_id>", "admin_category_save",
                     admin(_category_post), methods=["POST"])
