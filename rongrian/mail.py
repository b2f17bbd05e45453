"""Outgoing e-mail over SMTP (issues 9 and 10): the daily digest, report delivery, notices.

Off unless ``RONGRIAN_SMTP_HOST`` is set. Every message this module sends is built by its
caller from counts, case numbers and documents only: **no complaint content, no tracking code,
no complainant identity** ever goes into an e-mail (DESIGN.md; docs/threat-model.md).

Settings (all ``RONGRIAN_SMTP_*``, documented in the README's table):

- ``HOST`` / ``PORT``: the relay (port 587 by default, 465 with ``SECURITY=ssl``);
- ``SECURITY``: ``starttls`` (default), ``ssl`` (implicit TLS) or ``none`` (loopback relays
  and tests only);
- ``USER`` / ``PASSWORD``: log-in, when the relay asks for one;
- ``FROM``: the sender address, e.g. ``"ศูนย์รับเรื่องร้องเรียน <rongrian@example.go.th>"``;
- ``TIMEOUT_S``: seconds to wait for the relay (default 30).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

#: How a connection to the relay is protected.
SECURITY_MODES = ("starttls", "ssl", "none")


class MailError(Exception):
    """Mail could not be configured or sent; the message says what to do (Thai and English)."""


class MailNotConfigured(MailError):
    """``RONGRIAN_SMTP_HOST`` is unset: e-mail is off."""

    def __init__(self) -> None:
        super().__init__("ยังไม่ได้ตั้งค่าอีเมล (RONGRIAN_SMTP_HOST) / e-mail is off: set "
                         "RONGRIAN_SMTP_HOST and RONGRIAN_SMTP_FROM (see the README)")


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: ``host`` and ``port`` of the SMTP relay, ``security`` one of
    :data:`SECURITY_MODES`, optional ``user``/``password``, the ``sender`` address (``From``)
    and ``timeout_s`` in seconds."""

    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = ""
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise MailError(f"RONGRIAN_SMTP_SECURITY ต้องเป็น {'/'.join(SECURITY_MODES)} / must "
                            f"be one of {', '.join(SECURITY_MODES)}, not {self.security!r}")
        if not self.sender or "@" not in self.sender:
            raise MailError("RONGRIAN_SMTP_FROM ต้องเป็นที่อยู่อีเมลผู้ส่ง / must be the sender's "
                            f"e-mail address, not {self.sender!r}")


def settings_from_environment(environ: dict[str, str] | None = None) -> MailSettings | None:
    """The ``RONGRIAN_SMTP_*`` settings, or ``None`` when ``RONGRIAN_SMTP_HOST`` is unset (mail
    off). Raises :class:`MailError` for a bad port, security mode or sender."""
    env = os.environ if environ is None else environ
    host = env.get("RONGRIAN_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("RONGRIAN_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    default_port = "465" if security == "ssl" else "587"
    port_text = env.get("RONGRIAN_SMTP_PORT", "").strip() or default_port
    timeout_text = env.get("RONGRIAN_SMTP_TIMEOUT_S", "").strip() or "30"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailError("RONGRIAN_SMTP_PORT ต้องเป็นเลขพอร์ต 1–65535 / must be a port number "
                        f"1–65535, not {port_text!r}")
    if not timeout_text.isdigit() or int(timeout_text) < 1:
        raise MailError("RONGRIAN_SMTP_TIMEOUT_S ต้องเป็นจำนวนวินาทีตั้งแต่ 1 / must be whole "
                        f"seconds from 1, not {timeout_text!r}")
    return MailSettings(host=host, port=int(port_text), security=security,
                        user=env.get("RONGRIAN_SMTP_USER", ""),
                        password=env.get("RONGRIAN_SMTP_PASSWORD", ""),
                        sender=env.get("RONGRIAN_SMTP_FROM", "").strip(),
                        timeout_s=float(timeout_text))


def compose(settings: MailSettings, *, to: str, subject: str, body: str,
            attachments: tuple[tuple[str, str, bytes], ...] = ()) -> EmailMessage:
    """A UTF-8 message from the configured sender to ``to``, with a plain-text ``body`` and
    ``attachments`` as ``(file name, MIME type "main/sub", bytes)``. The Message-ID's domain is
    the sender's, so it says nothing about the server's host name."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    domain = settings.sender.rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    for filename, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def named_address(name: str, address: str) -> str:
    """``"Name <address>"`` with the name encoded as RFC 2047 needs (Thai names included)."""
    return formataddr((name, address))


def send(settings: MailSettings, messages: list[EmailMessage], *,
         on_sent: Callable[[EmailMessage], None] | None = None) -> int:
    """Send ``messages`` over one connection to the relay; returns how many were accepted.
    ``on_sent`` is called with each message right after the relay accepted it (e.g. to record
    it as sent, so that a run stopped half-way resends only the rest).

    Raises :class:`MailError` (with what to check) when the relay cannot be reached, refuses
    the log-in, or refuses every recipient of a message; messages before the failing one have
    been sent.
    """
    if not messages:
        return 0
    sent = 0
    try:
        with _connect(settings) as smtp:
            if settings.user:
                smtp.login(settings.user, settings.password)
            for message in messages:
                smtp.send_message(message)
                sent += 1
                if on_sent is not None:
                    on_sent(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError("เซิร์ฟเวอร์อีเมลไม่รับชื่อผู้ใช้/รหัสผ่าน / the SMTP relay refused the log-in: "
                        "check RONGRIAN_SMTP_USER and RONGRIAN_SMTP_PASSWORD") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("เซิร์ฟเวอร์อีเมลไม่รับผู้รับ / the SMTP relay refused the recipient "
                        f"{', '.join(exc.recipients)}: check the address") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"ส่งอีเมลไม่ได้ / could not send mail through {settings.host}:"
                        f"{settings.port} ({_described(exc)}); check "
                        "RONGRIAN_SMTP_HOST, _PORT and _SECURITY and that the relay is up; "
                        f"{sent} of {len(messages)} sent") from exc
    return sent


def _described(error: Exception) -> str:
    """What went wrong, for an operator: the relay's reply code only, never its text (a relay
    may echo a recipient's address in it, and a complainant's notice address must never be
    printed or logged), or the connection error."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: SMTP {error.smtp_code}"
    return f"{type(error).__name__}: {error}"


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                context=ssl.create_default_context())
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    if settings.security == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp
