"""Outgoing mail against a real SMTP server on loopback (aiosmtpd): settings, Thai text,
attachments, and a relay that is down."""

import smtplib

import pytest

from rongrian.mail import MailError, compose, named_address, send, settings_from_environment
from tests.conftest import SmtpSink, free_port


def test_mail_is_off_without_a_host() -> None:
    assert settings_from_environment({}) is None


def test_settings_come_from_the_environment() -> None:
    settings = settings_from_environment({
        "RONGRIAN_SMTP_HOST": "mail.example.go.th", "RONGRIAN_SMTP_SECURITY": "ssl",
        "RONGRIAN_SMTP_FROM": "rongrian@example.go.th", "RONGRIAN_SMTP_USER": "u"})
    assert settings is not None
    assert (settings.host, settings.port, settings.security, settings.user) == (
        "mail.example.go.th", 465, "ssl", "u")


@pytest.mark.parametrize(("name", "value", "says"), [
    ("RONGRIAN_SMTP_PORT", "smtp", "RONGRIAN_SMTP_PORT"),
    ("RONGRIAN_SMTP_PORT", "70000", "RONGRIAN_SMTP_PORT"),
    ("RONGRIAN_SMTP_SECURITY", "tls1.0", "RONGRIAN_SMTP_SECURITY"),
    ("RONGRIAN_SMTP_FROM", "nobody", "RONGRIAN_SMTP_FROM"),
    ("RONGRIAN_SMTP_TIMEOUT_S", "0", "RONGRIAN_SMTP_TIMEOUT_S"),
])
def test_bad_settings_say_which_one(name: str, value: str, says: str) -> None:
    env = {"RONGRIAN_SMTP_HOST": "127.0.0.1", "RONGRIAN_SMTP_FROM": "r@example.go.th",
           name: value}
    with pytest.raises(MailError, match=says):
        settings_from_environment(env)


def test_thai_message_with_an_attachment_arrives_whole(smtp_server: SmtpSink) -> None:
    settings = smtp_server.mail_settings()
    message = compose(settings, to=named_address("นายสมชาย ใจดี", "somchai@example.go.th"),
                      subject="สรุปเรื่องร้องเรียนประจำวัน",
                      body="เรื่องใหม่ 3 เรื่อง", attachments=(
                          ("รายงาน.pdf", "application/pdf", b"%PDF-1.7 test"),))
    assert send(settings, [message]) == 1
    [got] = smtp_server.messages
    assert got["Subject"] == "สรุปเรื่องร้องเรียนประจำวัน"
    assert "somchai@example.go.th" in got["To"]
    assert got.get_body(("plain",)).get_content().strip() == "เรื่องใหม่ 3 เรื่อง"  # type: ignore[union-attr]
    [attached] = list(got.iter_attachments())
    assert attached.get_filename() == "รายงาน.pdf"
    assert attached.get_content() == b"%PDF-1.7 test"
    assert got["Message-ID"].endswith("@example.go.th>")


def test_a_relay_that_is_down_says_what_to_check() -> None:
    settings = SmtpSink("127.0.0.1", free_port(), []).mail_settings()
    message = compose(settings, to="a@example.go.th", subject="s", body="b")
    with pytest.raises(MailError, match="RONGRIAN_SMTP_HOST.*0 of 1 sent"):
        send(settings, [message])


def test_each_accepted_message_is_reported_as_it_goes(smtp_server: SmtpSink) -> None:
    """``on_sent`` hears of each message right after the relay took it (the digest records it
    then, so a run stopped half-way resends only the rest)."""
    settings = smtp_server.mail_settings()
    messages = [compose(settings, to=f"{name}@example.go.th", subject="s", body="b")
                for name in ("a", "b")]
    heard: list[tuple[str, int]] = []
    assert send(settings, messages, on_sent=lambda m: heard.append(
        (str(m["To"]), len(smtp_server.messages)))) == 2
    assert heard == [("a@example.go.th", 1), ("b@example.go.th", 2)]


def test_a_relay_reply_is_reported_by_its_code_never_its_text(smtp_server: SmtpSink) -> None:
    """A relay may echo the recipient in its reply; a complainant's notice address must never
    reach an operator's terminal or a log (issue 9 §4)."""
    from unittest import mock

    settings = smtp_server.mail_settings()
    message = compose(settings, to="secret.citizen@example.com", subject="s", body="b")
    refusal = smtplib.SMTPDataError(554, b"5.7.1 <secret.citizen@example.com>: message refused")
    with mock.patch("smtplib.SMTP.send_message", side_effect=refusal), \
            pytest.raises(MailError) as raised:
        send(settings, [message])
    assert "SMTP 554" in str(raised.value)
    assert "secret.citizen" not in str(raised.value)
