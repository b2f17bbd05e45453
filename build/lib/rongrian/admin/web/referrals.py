"""Referred cases in the staff app (issue 8): the case page shows who referred a case and their
reference number, and a member of its unit can draft the reply to them as a Word file
(:func:`rongrian.admin.letters.referral_reply`). The draft is made by opening the case (audited
like any opening), so only those who may read the case can make it."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, abort
from sqlalchemy import select

from rongrian.admin.letters import letterhead, referral_reply
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES
from rongrian.intake.casework import open_case
from rongrian.intake.models import Complaint
from rongrian.web.app import current_locale, db
from rongrian.web.labels import label

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class ReferralShown:
    """What the case page shows of a referral: the body's name, its reference number and, for
    another agency, the agency's name."""

    body: str
    reference: str
    agency: str


def referral_of(case_id: uuid.UUID) -> ReferralShown | None:
    """The referral of the case (clear columns), or ``None`` for a case not referred."""
    row = db().execute(select(Complaint.referral_body, Complaint.referral_reference,
                              Complaint.referral_agency).where(Complaint.id == case_id)).first()
    if row is None or not row.referral_body:
        return None
    return ReferralShown(label("referral", row.referral_body, current_locale()),
                         row.referral_reference or "", row.referral_agency or "")


def register(app: Flask) -> None:
    """Add ``/cases/<uuid>/referral-reply.docx`` and the ``referral_of`` template global."""
    app.add_template_global(referral_of, "referral_of")

    @app.get("/cases/<uuid:case_id>/referral-reply.docx")
    @roles_required(*CASE_ROLES)
    def case_referral_reply(case_id: uuid.UUID) -> Response:
        detail = open_case(db(), current_staff().unlocked, case_id)
        db().commit()
        complaint = db().get_one(Complaint, case_id)
        if not complaint.referral_body:
            abort(404)
        data = referral_reply(
            letterhead(db()), body=complaint.referral_body,
            agency=complaint.referral_agency or "", reference=complaint.referral_reference or "",
            case_number=complaint.case_number, received_on=complaint.received_on,
            status=label("status", detail.summary.status, "th"),
            today=datetime.now(UTC).date())
        name = f"referral-reply-{complaint.case_number.replace('/', '-')}.docx"
        return Response(data, mimetype=DOCX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
