"""A minimal Flask app doing the essential work of filing and tracking a complaint, to measure
Rongrian against (issue 11 §1). Not part of the application; never imported by it.

- ``GET /report``: a small form with a CSRF token kept in Flask's signed cookie session
  (Flask-WTF's ``CSRFProtect``).
- ``POST /report``: the token checked, the fields validated (kind, category, unit, channel from
  fixed lists; lengths as Rongrian's ``LIMITS``), the text encrypted with a fresh AES-256-GCM data
  key, that key sealed to the unit's X25519 public key (ephemeral X25519, HKDF-SHA256, AES-GCM)
  and wrapped under a key derived from the tracking code, one row inserted with psycopg (no ORM),
  committed, and a small receipt rendered with a random 80-bit code (16 base-32 characters).
- ``POST /track``: one indexed select by the code's HMAC-SHA256 digest, the data key unwrapped,
  the text decrypted, a small page rendered.

Configured from the environment: ``REFERENCE_DATABASE`` (a psycopg conninfo, e.g.
``postgresql://postgres@127.0.0.1:5432/rongrian_perf_ref``), ``REFERENCE_SECRET_KEY`` (hex),
``REFERENCE_PEPPER`` (hex), ``REFERENCE_UNIT_PUBLIC_KEY`` (hex, 32 bytes of X25519). Run it with
gunicorn's factory syntax: ``'benchmarks.reference.app:create_app()'``. :func:`create_schema`
makes its one table.
"""

import hashlib
import hmac
import json
import os
import secrets
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, abort, render_template_string, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

KINDS = ("complaint", "grievance", "tip", "suggestion", "compliment")
CHANNELS = ("web", "qr")
LIMITS = {"what_happened": 10_000, "when_happened": 300, "where_happened": 500,
          "who_involved": 1_000}
#: Crockford's base32, as Rongrian's tracking codes.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

SCHEMA = """
CREATE TABLE IF NOT EXISTS ref_complaint (
    id uuid PRIMARY KEY,
    tracking_digest bytea NOT NULL UNIQUE,
    kind text NOT NULL,
    category text NOT NULL,
    unit text NOT NULL,
    channel text NOT NULL,
    received_on date NOT NULL,
    content bytea NOT NULL,
    key_sealed bytea NOT NULL,
    key_by_code bytea NOT NULL
)
"""

FORM = """<!doctype html><html lang="th"><meta charset="utf-8"><title>แจ้งเรื่อง</title>
<form method="post" action="/report">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<select name="kind">{% for k in kinds %}<option>{{ k }}</option>{% endfor %}</select>
<select name="category">{% for c in categories %}<option>{{ c }}</option>{% endfor %}</select>
<select name="unit"><option value=""></option>{% for u in units %}<option>{{ u }}</option>
{% endfor %}</select>
<textarea name="what_happened"></textarea><input name="when_happened">
<input name="where_happened"><input name="who_involved">
<input type="hidden" name="channel" value="web"><button>ส่ง</button></form></html>"""
RECEIPT = """<!doctype html><html lang="th"><meta charset="utf-8"><title>ได้รับเรื่องแล้ว</title>
<p>เลขติดตามเรื่อง <strong id="tracking-code">{{ code }}</strong></p>
<p>{{ received }}</p></html>"""
THREAD = """<!doctype html><html lang="th"><meta charset="utf-8"><title>ติดตามเรื่อง</title>
<h1 id="thread">{{ category }}</h1><p>{{ received }}</p>
<blockquote>{{ text }}</blockquote></html>"""
PROBLEMS = """<!doctype html><html lang="th"><meta charset="utf-8"><title>ตรวจสอบ</title>
<ul>{% for field, problem in problems.items() %}<li>{{ field }}: {{ problem }}</li>{% endfor %}
</ul></html>"""


def new_code() -> str:
    """80 random bits as 16 characters of a 32-letter alphabet, grouped by four."""
    number = secrets.randbits(80)
    letters = "".join(_CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(16))
    return "-".join(letters[i:i + 4] for i in range(0, 16, 4))


def _hkdf(material: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def seal(public: X25519PublicKey, secret: bytes, aad: bytes) -> bytes:
    """``secret`` sealed to ``public``: ephemeral X25519, HKDF-SHA256, AES-256-GCM."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                         serialization.PublicFormat.Raw)
    recipient_raw = public.public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    key = _hkdf(ephemeral.exchange(public), ephemeral_raw + recipient_raw, b"ref-seal")
    nonce = os.urandom(12)
    return ephemeral_raw + nonce + AESGCM(key).encrypt(nonce, secret, aad)


def _encrypt(key: bytes, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plain, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:12], blob[12:], aad)


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value).replace("\r", "").strip()


def validate(form: Any, categories: frozenset[str], units: frozenset[str]
             ) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned fields and the problems found (``{}`` when valid)."""
    problems: dict[str, str] = {}
    fields = {name: _clean(form.get(name, "")) for name in LIMITS}
    for name, value in fields.items():
        if name == "what_happened" and not value:
            problems[name] = "required"
        elif len(value) > LIMITS[name]:
            problems[name] = "too_long"
    for name, allowed in (("kind", KINDS), ("category", categories), ("channel", CHANNELS)):
        fields[name] = form.get(name, "")
        if fields[name] not in allowed:
            problems[name] = "unknown"
    fields["unit"] = form.get("unit", "")
    if fields["unit"] and fields["unit"] not in units:
        problems["unit"] = "unknown"
    return fields, problems


class Reference:
    """Keys and the database connection of one worker process (sync worker: one at a time)."""

    def __init__(self) -> None:
        self.conninfo = os.environ["REFERENCE_DATABASE"]
        self.pepper = bytes.fromhex(os.environ["REFERENCE_PEPPER"])
        self.unit_key = X25519PublicKey.from_public_bytes(
            bytes.fromhex(os.environ["REFERENCE_UNIT_PUBLIC_KEY"]))
        self.categories = frozenset(os.environ["REFERENCE_CATEGORIES"].split(","))
        self.units = frozenset(os.environ["REFERENCE_UNITS"].split(","))
        self._connection: psycopg.Connection[Any] | None = None

    def connection(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.conninfo)
        return self._connection

    def digest(self, code: str) -> bytes:
        return hmac.new(self.pepper, code.encode(), hashlib.sha256).digest()

    def code_key(self, code: str) -> bytes:
        return _hkdf(code.encode(), self.pepper, b"ref-code")


def create_app() -> Flask:
    """The reference app, configured from the environment."""
    app = Flask(__name__)
    app.secret_key = bytes.fromhex(os.environ["REFERENCE_SECRET_KEY"])
    app.config["SESSION_COOKIE_NAME"] = "reference"
    CSRFProtect(app)
    reference = Reference()

    @app.get("/report")
    def form() -> str:
        return render_template_string(FORM, csrf=generate_csrf(), kinds=KINDS,
                                      categories=sorted(reference.categories),
                                      units=sorted(reference.units))

    @app.post("/report")
    def file() -> Any:
        fields, problems = validate(request.form, reference.categories, reference.units)
        if problems:
            return render_template_string(PROBLEMS, problems=problems), 400
        complaint_id = uuid.uuid4()
        code = new_code()
        data_key = AESGCM.generate_key(bit_length=256)
        now = datetime.now(UTC)
        content = json.dumps({name: fields[name] for name in LIMITS}
                             | {"submitted_at": now.isoformat(timespec="seconds")},
                             ensure_ascii=False).encode()
        aad = complaint_id.bytes
        conn = reference.connection()
        conn.execute(
            "INSERT INTO ref_complaint (id, tracking_digest, kind, category, unit, channel, "
            "received_on, content, key_sealed, key_by_code) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (complaint_id, reference.digest(code), fields["kind"], fields["category"],
             fields["unit"] or "-", fields["channel"], now.date(),
             _encrypt(data_key, content, aad), seal(reference.unit_key, data_key, aad),
             _encrypt(reference.code_key(code), data_key, aad)))
        conn.commit()
        return render_template_string(RECEIPT, code=code, received=now.date().isoformat())

    @app.post("/track")
    def track() -> Any:
        code = request.form.get("code", "").strip().upper()
        conn = reference.connection()
        row = conn.execute(
            "SELECT id, category, received_on, content, key_by_code FROM ref_complaint "
            "WHERE tracking_digest = %s", (reference.digest(code),)).fetchone()
        conn.commit()
        if row is None:
            abort(404)
        complaint_id, category, received, content, key_by_code = row
        aad = complaint_id.bytes
        data_key = _decrypt(reference.code_key(code), key_by_code, aad)
        text = json.loads(_decrypt(data_key, content, aad))["what_happened"]
        return render_template_string(THREAD, category=category, received=received, text=text)

    @app.get("/readyz")
    def ready() -> str:
        return "ok"

    return app


def create_schema(conninfo: str) -> None:
    """Drop and create the reference's table in the database ``conninfo`` names."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS ref_complaint")
        conn.execute(SCHEMA)


def environment(conninfo: str, categories: list[str], units: list[str]) -> dict[str, str]:
    """Fresh secrets, a unit's X25519 public key (the private half is not kept) and the codes
    the form offers, for the reference's workers."""
    unit = X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"REFERENCE_DATABASE": conninfo, "REFERENCE_SECRET_KEY": secrets.token_hex(32),
            "REFERENCE_PEPPER": secrets.token_hex(32), "REFERENCE_UNIT_PUBLIC_KEY": unit.hex(),
            "REFERENCE_CATEGORIES": ",".join(categories), "REFERENCE_UNITS": ",".join(units)}

