"""Staff pages: log-in (:mod:`.auth`), unit triage (:mod:`.cases`) and the executive summary
(:mod:`.summary`), plus the language switch that keeps the page the user is on."""

from typing import Any

from flask import Flask, request, url_for

from rongrian.admin.web import (
    access,
    attachments,
    auth,
    case_file_pages,
    cases,
    closing_pages,
    content_search_pages,
    custody,
    desk,
    desk_box,
    duplicate_pages,
    label_pages,
    organisation_pages,
    people,
    posters,
    queue_pages,
    referrals,
    second_factor_pages,
    summary,
)
from rongrian.settings import Settings

#: Form targets (POST only) whose language switch leads back to the case page.
_CASE_FORMS = frozenset({"case_retention_release", "case_status", "case_reply",
                         "case_reroute", "case_escalate",
                         "case_assign", "case_extend", "case_template_add",
                         "case_labels_set", "case_duplicate", "case_duplicate_undo"})
#: Account and key forms (POST) and the page each belongs to (:mod:`.access`, :mod:`.people`).
_ACCOUNT_FORMS = {
    "change_password": "change_password",
    "grant_access": "grants",
    "staff_create": "staff_list",
    "staff_join": "staff_account",
    "staff_reset": "staff_account",
    "staff_unlock": "staff_account",
    "staff_desk": "staff_account",
    "staff_email": "staff_account",
    "staff_second_factor_reset": "staff_account",
    "second_factor_code": "second_factor_code",
    "second_factor_enrol": "second_factor_enrol",
    "case_label_add": "case_labels",  # issue 9: a unit's labels (:mod:`.label_pages`)
    "case_label_rename": "case_labels",
    "case_label_delete": "case_labels",
    "case_content_search": "case_content_search",  # issue 9 §1: the query is not carried over
}

#: Organisation forms (POST) and their pages (:mod:`.organisation_pages`).
_ORGANISATION_FORMS = {
    "admin_agency_save": "admin_agency",
    "admin_unit_add": "admin_units",
    "admin_unit_save": "admin_unit",
    "admin_category_add": "admin_categories",
    "admin_category_save": "admin_category",
}


def language_url(language: str) -> str:
    """This page in ``language`` (``th`` or ``en``), its query kept (e.g. ``?period=2568-Q1``).

    After a form was posted, the switch leads to the page the form belongs to (never a GET on a
    POST-only address); on an error page without a route, to the start page.
    """
    rule = request.url_rule
    view_args: dict[str, Any] = dict(request.view_args or {})
    if request.method == "GET" and request.endpoint and rule is not None and rule.methods \
            and "GET" in rule.methods:
        values: dict[str, Any] = {**view_args, **request.args.to_dict(), "lang": language}
        return url_for(request.endpoint, **values)
    if request.endpoint in _CASE_FORMS:
        return url_for("case", case_id=view_args["case_id"], lang=language)
    if request.endpoint == "custodian_reveal":  # back to the form, never a second reveal
        return url_for("custodian_case_page", case_id=view_args["case_id"], lang=language)
    if request.endpoint in _ACCOUNT_FORMS:  # back to the form's page, never a second post
        target = _ACCOUNT_FORMS[request.endpoint]
        arguments = {"account_id": view_args["account_id"]} if "account_id" in view_args else {}
        return url_for(target, **arguments, lang=language)
    if request.endpoint in _ORGANISATION_FORMS:  # back to the form's page
        return url_for(_ORGANISATION_FORMS[request.endpoint], **view_args, lang=language)
    return url_for("home", lang=language)


def register(app: Flask, settings: Settings) -> None:
    """Add the staff routes to ``app``: ``/``, ``/login``, ``/logout``, ``/cases``,
    ``/cases/<uuid>`` (and its ``/status`` and ``/reply``), ``/summary`` and ``/summary.docx``."""
    auth.register(app, settings)
    second_factor_pages.register(app)  # its gate before every other page's checks
    cases.register(app)
    queue_pages.register(app)  # issue 9: the working queue, /cases
    label_pages.register(app)
    case_file_pages.register(app)
    closing_pages.register(app)  # issue 9: assignment, extension, reply templates
    duplicate_pages.register(app)  # issue 9 §1: "duplicate of"
    content_search_pages.register(app)  # issue 9 §1: search in case content
    summary.register(app)
    access.register(app)
    people.register(app)
    organisation_pages.register(app)
    custody.register(app)
    attachments.register(app)
    posters.register(app)
    desk.register(app)
    desk.register_letters(app)
    desk.register_role(app)
    desk_box.register(app)
    referrals.register(app)
    app.add_template_global(language_url, "language_url")
