"""``rongrian digest send``: the daily digest against a real SMTP server (issue 9 §2).

The scene, on Tuesday 1 December 2026 (2 to 4 December are working days):

- กองช่าง (WORKS, member ``works``): one case received yesterday (new), one due on 3 December
  and assigned to ``works`` (due soon), one due on 25 November (overdue), one overdue but
  resolved (not counted), one received today (not counted yet);
- the integrity unit (AUDIT, ``integrity``): one tip received yesterday, overdue;
- สำนักปลัด (PALAD, ``palad``): nothing (recorded, not e-mailed);
- กองคลัง (FINANCE, ``finance``): no e-mail address.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, select, update

from rongrian.admin import digest_cli
from rongrian.admin.cli import main
from rongrian.intake.digest import DUE_SOON_WORKING_DAYS, MAX_NEW_DAYS, new_since, plan
from rongrian.intake.models import Complaint, DigestDelivery, StaffAccount, Status
from rongrian.intake.store import Receipt
from rongrian.mail import send as real_send
from rongrian.settings import Settings
from tests.admin.helpers import TIP_TEXT, WORKS_TEXT, Filer
from tests.conftest import Demo, SmtpSink, free_port

DAY = date(2026, 12, 1)
YESTERDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
ADDRESSES = {"works": "works@example.go.th", "integrity": "integrity@example.go.th",
             "palad": "palad@example.go.th"}


@dataclass
class Scene:
    new: Receipt
    due_soon: Receipt
    overdue: Receipt
    finished: Receipt
    today: Receipt
    tip: Receipt

    def all(self) -> list[Receipt]:
        return [self.new, self.due_soon, self.overdue, self.finished, self.today, self.tip]


def _set(demo: Demo, receipt: Receipt, **values: object) -> None:
    with demo.sessions() as session:
        session.execute(update(Complaint).where(Complaint.id == receipt.complaint_id)
                        .values(**values))
        session.commit()


def _account_id(demo: Demo, username: str) -> int:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == username)).one()


@pytest.fixture
def scene(demo: Demo, file: Filer) -> Scene:
    with demo.sessions() as session:
        for username, address in ADDRESSES.items():
            session.execute(update(StaffAccount).where(StaffAccount.username == username)
                            .values(email=address))
        session.commit()
    made = Scene(
        new=file(now=YESTERDAY),
        due_soon=file(now=EARLIER), overdue=file(now=EARLIER), finished=file(now=EARLIER),
        today=file(now=datetime(2026, 12, 1, 2, 0, tzinfo=UTC)),
        tip=file(now=YESTERDAY, kind="tip", category_code="corruption", what_happened=TIP_TEXT))
    _set(demo, made.due_soon, due_on=date(2026, 12, 3),
         assigned_to_id=_account_id(demo, "works"))
    _set(demo, made.overdue, due_on=date(2026, 11, 25))
    _set(demo, made.finished, due_on=date(2026, 11, 25), status=Status.RESOLVED,
         finished_on=date(2026, 11, 26))
    _set(demo, made.tip, due_on=date(2026, 11, 30))
    return made


@pytest.fixture
def mail_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
             smtp_server: SmtpSink) -> SmtpSink:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RONGRIAN_PUBLIC_URL", "https://rongrian.example.go.th")
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("RONGRIAN_SMTP_SECURITY", "none")
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "Rongrian <rongrian@example.go.th>")
    return smtp_server


def everything(message: EmailMessage) -> str:
    """Every header and every part of ``message``, decoded: what a reader could see."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            parts.append(content if isinstance(content, str) else content.decode("latin-1"))
    return "\n".join(parts)


def recipients(sink: SmtpSink) -> list[str]:
    """The addresses the server got messages for, sorted (each message has one)."""
    return sorted(message["To"].addresses[0].addr_spec for message in sink.messages)


def to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    return [message for message in sink.messages
            if message["To"].addresses[0].addr_spec == address]


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _rows(demo: Demo) -> list[tuple[str, bool, int, int, int, int]]:
    with demo.sessions() as session:
        return [(account.username, row.emailed, row.new_count, row.due_soon_count,
                 row.overdue_count, row.assigned_count)
                for row, account in session.execute(
                    select(DigestDelivery, StaffAccount)
                    .join(StaffAccount, StaffAccount.id == DigestDelivery.account_id)
                    .order_by(StaffAccount.username))]


def test_each_member_gets_counts_and_case_numbers_only(
        scene: Scene, mail_env: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert recipients(mail_env) == [ADDRESSES["integrity"], ADDRESSES["works"]]
    [works] = to(mail_env, ADDRESSES["works"])
    text = body(works)
    assert "เรื่องใหม่ (รับเมื่อวันที่ 30 พฤศจิกายน 2569): 1 เรื่อง\n  " + scene.new.case_number in text
    assert (f"ใกล้ครบกำหนด (ภายใน {DUE_SOON_WORKING_DAYS} วันทำการ ถึงวันที่ 4 ธันวาคม 2569): "
            f"1 เรื่อง\n  {scene.due_soon.case_number}") in text
    assert f"เกินกำหนด: 1 เรื่อง\n  {scene.overdue.case_number}" in text
    assert f"มอบหมายให้ท่าน (ยังไม่เสร็จ): 1 เรื่อง\n  {scene.due_soon.case_number}" in text
    assert "Overdue: 1\n" in text
    assert "Open the system: https://rongrian.example.go.th/staff/" in text
    seen = everything(works)
    for other in (scene.finished, scene.today, scene.tip):
        assert other.case_number not in seen
    for receipt in scene.all():  # no tracking code, grouped or not
        assert receipt.tracking_code not in seen
        assert receipt.tracking_code.replace("-", "") not in seen.replace("-", "")
    assert WORKS_TEXT not in seen
    assert TIP_TEXT not in seen
    assert "ท่อระบายน้ำ" not in seen  # no category, no place
    assert "ซอย 3" not in seen
    out = capsys.readouterr().out
    assert "WORKS กองช่าง: 1 sent, 0 with nothing to report" in out
    assert "FINANCE กองคลัง: 0 sent, 0 with nothing to report, 0 already sent today, " \
           "1 without e-mail" in out


def test_whistleblower_cases_are_counted_without_their_numbers(
        scene: Scene, mail_env: SmtpSink) -> None:
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    [integrity] = to(mail_env, ADDRESSES["integrity"])
    text = body(integrity)
    assert "เรื่องใหม่ (รับเมื่อวันที่ 30 พฤศจิกายน 2569): 1 เรื่อง\n" \
           "  เรื่องแจ้งเบาะแสการทุจริต 1 เรื่อง (ไม่แสดงเลขที่ในอีเมล ดูในระบบ)" in text
    assert "Overdue: 1 (1 whistleblower case(s): numbers not e-mailed)" in text
    seen = everything(integrity)
    assert scene.tip.case_number not in seen
    assert TIP_TEXT not in seen
    assert scene.tip.tracking_code not in seen


def test_a_second_run_the_same_day_sends_nothing(
        scene: Scene, demo: Demo, mail_env: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert len(mail_env.messages) == 2
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert len(mail_env.messages) == 2
    assert "WORKS กองช่าง: 0 sent, 0 with nothing to report, 1 already sent today" in \
        capsys.readouterr().out
    assert _rows(demo) == [("integrity", True, 1, 0, 1, 0), ("palad", False, 0, 0, 0, 0),
                           ("works", True, 1, 1, 1, 1)]


def test_the_next_day_new_starts_where_the_last_digest_left_off(
        scene: Scene, demo: Demo, mail_env: SmtpSink) -> None:
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    with demo.sessions() as session:
        works = next(unit for unit in plan(session, date(2026, 12, 3))
                     if unit.unit_code == "WORKS")
    [digest] = works.digests
    assert digest.new_since == DAY  # covers 1 and 2 December: the case filed on the 1st
    assert digest.new.numbers == (scene.today.case_number,)


def test_new_reaches_back_at_most_a_month(scene: Scene, demo: Demo, mail_env: SmtpSink) -> None:
    assert main(["digest", "send", "--date", "2026-01-05"]) == 0
    with demo.sessions() as session:
        works = next(unit for unit in plan(session, DAY) if unit.unit_code == "WORKS")
        assert new_since(session, works.digests[0].unit_id, DAY) == date(2026, 10, 31)
    assert (DAY - date(2026, 10, 31)).days == MAX_NEW_DAYS


def test_a_relay_that_is_down_marks_nothing_sent(
        scene: Scene, demo: Demo, mail_env: SmtpSink, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(free_port()))
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 1
    error = capsys.readouterr().err
    assert error.startswith("ข้อผิดพลาด: ส่งสรุปประจำวันไม่สำเร็จ")
    assert "could not send mail" in error
    assert "RONGRIAN_SMTP_HOST" in error
    assert [row for row in _rows(demo) if row[1]] == []
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(mail_env.port))  # the relay is back
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert len(mail_env.messages) == 2


def test_a_crash_mid_run_resends_only_the_unsent(
        scene: Scene, demo: Demo, mail_env: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> None:
    class Crash(Exception):
        pass

    def crash_after_first(settings: object, messages: list[EmailMessage], *,
                          on_sent: object) -> int:
        def then_crash(message: EmailMessage) -> None:
            on_sent(message)  # type: ignore[operator]
            raise Crash

        return real_send(settings, messages, on_sent=then_crash)  # type: ignore[arg-type]

    monkeypatch.setattr(digest_cli, "send", crash_after_first)
    with pytest.raises(Crash):
        main(["digest", "send", "--date", DAY.isoformat()])
    assert recipients(mail_env) == [ADDRESSES["integrity"]]
    monkeypatch.setattr(digest_cli, "send", real_send)
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert recipients(mail_env) == [ADDRESSES["integrity"], ADDRESSES["works"]]


def test_opted_out_and_inactive_members_get_nothing(
        scene: Scene, demo: Demo, mail_env: SmtpSink) -> None:
    with demo.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.username == "works")
                        .values(email_digest=False))
        session.execute(update(StaffAccount).where(StaffAccount.username == "integrity")
                        .values(active=False))
        session.commit()
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert mail_env.messages == []


def test_a_dry_run_shows_and_changes_nothing(
        scene: Scene, demo: Demo, mail_env: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "send", "--date", DAY.isoformat(), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "works <works@example.go.th>: new 1, due soon 1, overdue 1, assigned 1" in out
    assert "palad <palad@example.go.th>: nothing to report" in out
    assert mail_env.messages == []
    assert _rows(demo) == []


def test_mail_off_sends_nothing(scene: Scene, demo: Demo, mail_env: SmtpSink,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RONGRIAN_SMTP_HOST")
    assert main(["digest", "send"]) == 0
    assert "RONGRIAN_SMTP_HOST" in capsys.readouterr().out
    assert mail_env.messages == []
    assert _rows(demo) == []


@pytest.mark.parametrize("text", ["1/12/2569", "2026-13-01", "2026-1-5", "20261201", "x"])
def test_a_bad_date_is_refused(scene: Scene, demo: Demo, mail_env: SmtpSink, text: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "send", "--date", text]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ข้อผิดพลาด: วันที่")
    assert "YYYY-MM-DD" in error
    assert mail_env.messages == []
    assert _rows(demo) == []


def test_long_lists_are_cut_and_counted(demo: Demo, file: Filer, mail_env: SmtpSink,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rongrian.intake.digest.MAX_LISTED", 2)
    with demo.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.username == "works")
                        .values(email=ADDRESSES["works"]))
        session.commit()
    numbers = sorted(file(now=YESTERDAY).case_number for _ in range(4))
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    text = body(to(mail_env, ADDRESSES["works"])[0])
    assert f": 4 เรื่อง\n  {numbers[0]}, {numbers[1]}\n  และอีก 2 เรื่อง (ดูในระบบ)" in text


def test_nothing_is_read_but_clear_columns(scene: Scene, demo: Demo) -> None:
    """The plan never needs a key: it runs with every complaint's content replaced."""
    with demo.sessions() as session:
        session.execute(update(Complaint).values(content=b"\x00", identity=b"\x00"))
        session.commit()
        plans = {unit.unit_code: unit for unit in plan(session, DAY)}
    assert plans["WORKS"].digests[0].overdue.numbers == (scene.overdue.case_number,)


def test_a_refused_address_does_not_stop_the_others(
        scene: Scene, demo: Demo, mail_env: SmtpSink, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A relay that refuses one recipient (550): the others are sent and recorded, the command
    names the refused address and exits 1; that digest goes on a later run."""
    from aiosmtpd.controller import Controller

    got: list[str] = []

    class Refusing:
        async def handle_RCPT(self, server: object, session: object,  # noqa: N802
                              envelope: object, address: str, options: object) -> str:
            if address == ADDRESSES["integrity"]:
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
            return "250 OK"

        async def handle_DATA(self, server: object, session: object,  # noqa: N802
                              envelope: object) -> str:
            got.extend(envelope.rcpt_tos)  # type: ignore[attr-defined]
            return "250 OK"

    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(controller.port))
        assert main(["digest", "send", "--date", DAY.isoformat()]) == 1
    finally:
        controller.stop()
    assert got == [ADDRESSES["works"]]
    error = capsys.readouterr().err
    assert "integrity <integrity@example.go.th>" in error
    assert "the others were sent" in error
    assert [row[0] for row in _rows(demo) if row[1]] == ["works"]
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(mail_env.port))
    assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
    assert recipients(mail_env) == [ADDRESSES["integrity"]]
