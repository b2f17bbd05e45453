"""Staff download of a case's attachments: ``GET /cases/<case>/attachments/<attachment>``.

Only a member of the case's unit, logged in (their key unlocked in this session), gets the file:
anyone else gets the same 404 as for a case that does not exist. Each download is an audit
entry. The file is authenticated as a whole first (a damaged or altered file is never served,
not even in part), then decrypted chunk by chunk into the response, so a 20 MB file never sits
in memory. The response names the file generically (``2568-000123-attachment-1.jpg``), forces a
download (``Content-Disposition: attachment``) with ``X-Content-Type-Options: nosniff``, and is
never cached.
"""

import uuid

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.intake.attachments import open_attachment
from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.errors import AttachmentUnavailable
from rongrian.intake.models import AuditAction, Complaint, Role
from rongrian.web.app import db, settings_of

#: Who may download: the roles that may use the case pages (membership still decides).
ATTACHMENT_ROLES = (Role.STAFF, Role.CUSTODIAN, Role.ADMIN)


def download(case_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
    """The cleaned file, decrypted in this staff member's session."""
    settings = settings_of(current_app)
    staff = current_staff()
    opened = open_attachment(db(), staff.unlocked, case_id, attachment_id,
                             settings.attachments_dir)
    append_entry(db(), AuditAction.ATTACHMENT_DOWNLOADED,
                 actor_of(db(), staff.unlocked.account_id),
                 complaint=db().get(Complaint, case_id),
                 detail={"position": opened.info.position})
    db().commit()  # the download is audited; release the connection before the long response
    response = Response(opened.chunks(), mimetype=opened.info.media_type,
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(opened.info.size)
    response.headers.set("Content-Disposition", "attachment", filename=opened.info.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable(_error: AttachmentUnavailable) -> tuple[str, int]:
    db().rollback()
    title = ("ไฟล์แนบเสียหายหรือสูญหาย", "The attachment is damaged or missing")
    detail = ("ไฟล์นี้เปิดไม่ได้ เพราะไฟล์ที่จัดเก็บไม่ครบหรือถูกแก้ไข จึงไม่ส่งข้อมูลใด ๆ ของไฟล์ "
              "กรุณาแจ้งผู้ดูแลระบบ",
              "The stored file is incomplete or was altered, so none of it was sent. Please tell "
              "the administrator.")
    return render_template("error.html", status=500, title=title, detail=detail), 500


def attachment_kind(kind: str) -> str:
    """``image``, ``pdf``, … as staff read it, in the current language."""
    names = {"image": _("Photo"), "pdf": _("PDF document"), "document": _("Text document"),
             "spreadsheet": _("Spreadsheet"), "presentation": _("Presentation")}
    return str(names.get(kind, _("Document")))


def attachment_size(size: int) -> str:
    """A size in bytes as ``350 KB`` or ``2.4 MB`` (MB of 1,048,576 bytes)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def register(app: Flask) -> None:
    """Add ``/cases/<uuid>/attachments/<uuid>`` and the page helpers to the staff app."""
    app.register_error_handler(AttachmentUnavailable, _unavailable)
    app.add_template_global(attachment_kind, "attachment_kind")
    app.add_template_global(attachment_size, "attachment_size")
    app.add_url_rule("/cases/<uuid:case_id>/attachments/<uuid:attachment_id>",
                     endpoint="case_attachment",
                     view_func=roles_required(*ATTACHMENT_ROLES)(download))
