"""Administrators' pages: staff accounts, unit membership and password resets.

An administrator never holds a unit key (DESIGN.md, "Who uses it"), so nothing here opens or
seals one: a new member's access is a pending grant that a member of the unit gives
(:mod:`.access`) or the recovery key (``rongrian keys grant``). One-time passwords are shown once,
in the answer to the POST that made them (never in a redirect, a flash message or a cookie).
An account locked after failed log-ins (:mod:`rongrian.admin.lockout`) shows it on its page, with
a button that lifts the lock (audited).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from rongrian.admin import lockout, staffing
from rongrian.admin.staff_email import set_email
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.staff_forms import ConfirmForm, EmailForm, NewAccountForm, UnitForm
from rongrian.intake.audit import Actor
from rongrian.intake.errors import GrantRefused, InvalidSubmission
from rongrian.intake.grants import (
    HOLDER_ROLES,
    PendingGrant,
    add_member,
    pending_grants,
    remove_member,
)
from rongrian.intake.models import IssuedPassword, Role, StaffAccount, Unit, UnitMembership
from rongrian.web.app import current_locale, db, settings_of
from rongrian.web.labels import label


@dataclass(frozen=True)
class MemberRow:
    """One unit of an account, with the state of its key: ``granted``, ``waiting`` (for a
    colleague) or ``first_login`` (the holder has not chosen their own password yet)."""

    unit: Unit
    key_state: str


@dataclass(frozen=True)
class AccountRow:
    """An account as the administrator's list shows it."""

    account: StaffAccount
    units: list[MemberRow]
    issued: IssuedPassword | None
    custodian_key: str | None = None  # key state of the identity custodian ring, custodians only


def _state(waiting: PendingGrant | None) -> str:
    if waiting is None:
        return "granted"
    return "first_login" if waiting.awaiting_own_password else "waiting"


def _custodian_state(account: StaffAccount,
                     waiting: dict[tuple[int, int | None], PendingGrant]) -> str | None:
    if account.role != Role.CUSTODIAN:
        return None
    return _state(waiting.get((account.id, None)))


def _units() -> list[Unit]:
    return list(db().scalars(select(Unit).where(Unit.active).order_by(Unit.code)))


def _rows(account_id: int | None = None) -> list[AccountRow]:
    session = db()
    pending = {(p.account_id, p.unit_id): p for p in pending_grants(session)}
    custodians_waiting = {key: p for key, p in pending.items() if p.unit_id is None}
    issued = {row.account_id: row for row in session.scalars(select(IssuedPassword))}
    memberships: dict[int, list[Unit]] = {}
    for account_key, unit in session.execute(
        select(UnitMembership.account_id, Unit).join(Unit, Unit.id == UnitMembership.unit_id)
        .order_by(Unit.code)
    ):
        memberships.setdefault(account_key, []).append(unit)
    query = select(StaffAccount).order_by(StaffAccount.username)
    if account_id is not None:
        query = query.where(StaffAccount.id == account_id)
    rows = []
    for account in session.scalars(query):
        units = []
        for unit in memberships.get(account.id, []):
            units.append(MemberRow(unit, _state(pending.get((account.id, unit.id)))))
        rows.append(AccountRow(account, units, issued.get(account.id),
                               _custodian_state(account, custodians_waiting)))
    return rows


def _new_form() -> NewAccountForm:
    form = NewAccountForm()
    locale = current_locale()
    form.role.choices = [(role.value, label("role", role, locale)) for role in Role]
    form.unit.choices = [("", _("No unit"))] + [
        (str(unit.id), unit.name_en if locale == "en" else unit.name_th) for unit in _units()
    ]
    return form


def _list_page(form: NewAccountForm, *, errors: dict[str, str] | None = None,
               code: int = 200) -> tuple[str, int]:
    return render_template("staff_list.html", rows=_rows(), form=form, errors=errors or {},
                           holder_roles=[role.value for role in HOLDER_ROLES]), code


def _creation_messages(problems: dict[str, str]) -> dict[str, str]:
    messages = {
        ("username", "required"): _("Please enter a user name."),
        ("username", "invalid"): _("A user name is 2 to 64 characters: lower-case English "
                                   "letters, digits, dot, dash or underscore, starting with a "
                                   "letter."),
        ("username", "taken"): _("This user name is already in use."),
        ("display_name", "required"): _("Please enter the person's name and position."),
        ("display_name", "too_long"): _("The name is too long: at most %(count)s characters.",
                                        count=staffing.MAX_DISPLAY_NAME),
        ("unit", "not_allowed"): _("Administrators and executives cannot be unit members: they "
                                   "never hold unit keys."),
        ("role", "unknown"): _("Please choose one of the roles offered."),
        ("unit", "unknown"): _("Please choose one of the units offered."),
    }
    return {field: messages.get((field, code), code) for field, code in problems.items()}


def _create() -> tuple[str, int]:
    form = _new_form()
    valid = form.validate()
    problems: dict[str, str] = {}
    if not valid and "csrf_token" in form.errors:
        abort(400)
    if form.role.data not in {role.value for role in Role}:
        problems["role"] = "unknown"
    unit = None
    if form.unit.data:
        unit = db().get(Unit, int(form.unit.data)) if str(form.unit.data).isdigit() else None
        if unit is None or not unit.active:
            problems["unit"] = "unknown"
    if problems:
        return _list_page(form, errors=_creation_messages(problems), code=400)
    try:
        account, password = staffing.create_staff_account(
            db(), username=form.username.data or "", display_name=form.display_name.data or "",
            role=Role(form.role.data), unit=unit, actor=Actor.of(current_staff().account),
            strength=settings_of(current_app).kdf_strength,
        )
    except InvalidSubmission as exc:
        db().rollback()
        return _list_page(form, errors=_creation_messages(exc.problems), code=400)
    db().commit()
    return render_template("one_time_password.html", account=account, password=password,
                           reason="new", unit=unit,
                           hours=settings_of(current_app).one_time_password_hours), 200


def _account_or_404(account_id: int) -> StaffAccount:
    account = db().get(StaffAccount, account_id)
    if account is None:
        abort(404)
    return account


def _account_page(account: StaffAccount, *, error: str | None = None,
                  code: int = 200, email_form: EmailForm | None = None) -> tuple[str, int]:
    row = _rows(account.id)[0]
    member_of = {member.unit.id for member in row.units}
    form = UnitForm(formdata=None)
    form.unit.choices = [(str(unit.id), unit.name_en if current_locale() == "en"
                          else unit.name_th) for unit in _units() if unit.id not in member_of]
    if email_form is None:
        email_form = EmailForm(formdata=None, email=account.email or "",
                               digest=account.email_digest)
    return render_template("staff_account.html", row=row, form=form, confirm=ConfirmForm(),
                           email_form=email_form,
                           error=error, may_hold=account.role in HOLDER_ROLES,
                           locked_until=lockout.locked_until(account, datetime.now(UTC)),
                           is_self=account.id == current_staff().account.id), code


def _join(account_id: int) -> Response | tuple[str, int]:
    account = _account_or_404(account_id)
    form = UnitForm()
    form.unit.choices = [(str(unit.id), unit.code) for unit in _units()]
    if not form.validate():
        return _account_page(account, error=_("Please choose one of the units offered."),
                             code=400)
    unit = db().get(Unit, int(form.unit.data))
    if unit is None:  # pragma: no cover - the choices are existing units
        abort(404)
    try:
        added = add_member(db(), account, unit)
    except GrantRefused:
        db().rollback()
        return _account_page(account, error=_(
            "Administrators and executives cannot be unit members: they never hold unit keys."),
            code=400)
    db().commit()
    name = unit.name_en if current_locale() == "en" else unit.name_th
    if added:
        flash(_("%(user)s was added to %(unit)s. Their access to the unit's cases waits for a "
                "member of the unit to grant it.", user=account.username, unit=name), "ok")
    else:
        flash(_("%(user)s is already a member of %(unit)s.", user=account.username, unit=name),
              "ok")
    return redirect(url_for("staff_account", account_id=account.id))


def _leave(account_id: int, unit_id: int) -> Response:
    account = _account_or_404(account_id)
    unit = db().get(Unit, unit_id)
    if unit is None or not ConfirmForm().validate():
        abort(400 if unit is not None else 404)
    remove_member(db(), account, unit, actor=Actor.of(current_staff().account))
    db().commit()
    flash(_("%(user)s was removed from %(unit)s and their key to its cases was deleted.",
            user=account.username,
            unit=unit.name_en if current_locale() == "en" else unit.name_th), "ok")
    return redirect(url_for("staff_account", account_id=account.id))


def _reset(account_id: int) -> tuple[str, int]:
    account = _account_or_404(account_id)
    if not ConfirmForm().validate():
        abort(400)
    if account.id == current_staff().account.id:
        return _account_page(account, error=_(
            "You cannot reset your own password here: use “Change password”."), code=400)
    password = staffing.reset_password(db(), account, actor=Actor.of(current_staff().account),
                                       strength=settings_of(current_app).kdf_strength)
    db().commit()
    return render_template("one_time_password.html", account=account, password=password,
                           reason="reset", unit=None,
                           hours=settings_of(current_app).one_time_password_hours), 200


def _email(account_id: int) -> Response | tuple[str, int]:
    """Save the account's work address and digest choice (issue 9 §2), audited."""
    account = _account_or_404(account_id)
    form = EmailForm()
    if not form.validate():
        abort(400)
    try:
        changed = set_email(db(), account, form.email.data or "", digest=bool(form.digest.data),
                            actor=Actor.of(current_staff().account))
    except InvalidSubmission as exc:
        db().rollback()
        messages = {
            "too_long": _("The e-mail address is too long: at most 254 characters."),
            "invalid": _("This is not an e-mail address. Give one address, e.g. "
                         "somchai@example.go.th."),
        }
        return _account_page(account, error=messages[exc.problems["email"]], code=400,
                             email_form=form)
    db().commit()
    if changed:
        flash(_("The e-mail settings of %(user)s were saved.", user=account.username), "ok")
    return redirect(url_for("staff_account", account_id=account.id))


def _unlock(account_id: int) -> Response:
    account = _account_or_404(account_id)
    if not ConfirmForm().validate():
        abort(400)
    if lockout.unlock(db(), account, actor=Actor.of(current_staff().account)):
        flash(_("%(user)s was unlocked and can log in again.", user=account.username), "ok")
    db().commit()
    return redirect(url_for("staff_account", account_id=account.id))


def register(app: Flask) -> None:
    """Add ``/admin/staff`` (list, create), ``/admin/staff/<id>`` and its ``/units``,
    ``/units/<unit_id>/remove``, ``/email``, ``/unlock`` and ``/reset`` to ``app``;
    administrators only."""

    @app.get("/admin/staff")
    @roles_required(Role.ADMIN)
    def staff_list() -> tuple[str, int]:
        return _list_page(_new_form())

    @app.post("/admin/staff")
    @roles_required(Role.ADMIN)
    def staff_create() -> tuple[str, int]:
        return _create()

    @app.get("/admin/staff/<int:account_id>")
    @roles_required(Role.ADMIN)
    def staff_account(account_id: int) -> tuple[str, int]:
        return _account_page(_account_or_404(account_id))

    @app.post("/admin/staff/<int:account_id>/units")
    @roles_required(Role.ADMIN)
    def staff_join(account_id: int) -> Response | tuple[str, int]:
        return _join(account_id)

    @app.post("/admin/staff/<int:account_id>/units/<int:unit_id>/remove")
    @roles_required(Role.ADMIN)
    def staff_leave(account_id: int, unit_id: int) -> Response:
        return _leave(account_id, unit_id)

    @app.post("/admin/staff/<int:account_id>/email")
    @roles_required(Role.ADMIN)
    def staff_email(account_id: int) -> Response | tuple[str, int]:
        return _email(account_id)

    @app.post("/admin/staff/<int:account_id>/unlock")
    @roles_required(Role.ADMIN)
    def staff_unlock(account_id: int) -> Response:
        return _unlock(account_id)

    @app.post("/admin/staff/<int:account_id>/reset")
    @roles_required(Role.ADMIN)
    def staff_reset(account_id: int) -> tuple[str, int]:
        return _reset(account_id)
