"""DESIGN.md promise 1 for this issue's data: a copy of the database shows no reveal reason, no
re-routing reason, no identity and no complaint text in the audit log, the transfers or anywhere
else; what the audit log keeps in clear by design (user names, case numbers) is found by the same
search, so it can fail."""

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rongrian.admin.accounts import record_failed_login
from rongrian.intake.casework import escalate, open_case, reroute
from rongrian.intake.custody import reveal_identity
from rongrian.intake.store import file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, submission, unlock
from tests.test_no_plaintext_at_rest import Secrets, database_columns, leaks


def test_reasons_identities_and_typed_passwords_are_not_readable_at_rest(
        demo: Demo, engine: Engine, session: Session, pepper: bytes) -> None:
    kept = Secrets()
    receipt = file_complaint(session, pepper, submission(
        unit_code="WORKS",
        what_happened=kept.sentence("what happened", "หัวหน้ากองช่างเรียกรับเงิน"),
        identity=kept.identity("complainant"),
    ), now=NOW)
    kept.add_code("tracking code", receipt.tracking_code)
    works = unlock(session, "works")
    open_case(session, works, receipt.complaint_id)
    reveal_identity(session, unlock(session, "integrity"), receipt.complaint_id,
                    kept.sentence("reveal reason", "ตามหนังสือขอพยานบุคคล"), now=NOW)
    reroute(session, works, receipt.complaint_id, "FINANCE",
            kept.sentence("reroute reason", "ส่งกองคลังตรวจใบเสร็จ"), now=NOW)
    escalate(session, unlock(session, "finance"), receipt.complaint_id,
             kept.sentence("escalation reason", "เกี่ยวข้องกับผู้อำนวยการกองคลัง"), now=NOW)
    record_failed_login(session, kept.add("password typed as user name", "Pa55-ลับมาก-9931"))
    session.commit()

    columns = database_columns(engine)
    assert leaks(kept.values, columns) == []
    clear = {"user name": "integrity", "case number": receipt.case_number,
             "unknown account marker": "(unknown account)"}
    found = {name for name, where in leaks(clear, columns) if where.startswith("audit_entry.")}
    assert found == set(clear)
