"""Settings shared by the public and staff apps and the command line.

Read from the environment (``RONGRIAN_*``) and the instance folder. Secrets are generated at
set-up into ``<instance>/secrets.json`` with mode 0600 and are never defaulted: an app started
without them refuses to run.
"""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from rongrian.intake.errors import SetupError

SECRETS_FILE = "secrets.json"
_SECRET_NAMES = ("public_secret_key", "staff_secret_key", "tracking_pepper")
SECRET_BYTES = 32


@dataclass(frozen=True)
class Secrets:
    """App secrets: two Flask signing keys (32 bytes each) and the tracking pepper (32 bytes)."""

    public_secret_key: bytes
    staff_secret_key: bytes
    tracking_pepper: bytes


@dataclass(frozen=True)
class Settings:
    """Everything an app needs to start.

    ``kdf_strength`` is ``"interactive"`` (RFC 9106 parameters) except in test suites.
    ``ratelimit_storage`` is a Flask-Limiter storage URI (``memory://`` or ``redis://…``).
    Attachments: at most ``attachment_max_files`` files per submission, each at most
    ``attachment_max_mb`` MiB; uploads are spooled to anonymous temporary files in ``spool_dir``
    (the system's temporary folder when ``None``).
    LINE (``line_*``): the channel secret and access token of the LINE Official Account's
    Messaging API channel (the channel is off unless both are set), the API hosts (LINE's own by
    default; tests point them at a stand-in), and whether a reply whose token expired may fall
    back to a push; ``line_retry_backoff`` is the first pause in seconds between retries of a
    LINE call (doubling each time). ``redis_url``: background jobs go to an RQ queue there when
    set (RQ queue ``line_queue``), else
    they run in-process. ``trusted_proxies``: how many reverse proxies in front set
    ``X-Forwarded-For``/``-Proto`` (0: the headers are ignored, so a client cannot forge its
    rate-limit key).
    """

    database_url: str
    instance_path: Path
    secrets: Secrets
    kdf_strength: str = "interactive"
    ratelimit_storage: str = "memory://"
    ratelimit_enabled: bool = True
    public_base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    attachment_max_mb: int = 20
    attachment_max_files: int = 5
    spool_dir: Path | None = None
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base: str = "https://api.line.me"
    line_data_api_base: str = "https://api-data.line.me"
    line_push_fallback: bool = True
    line_retry_backoff: float = 0.5
    redis_url: str = ""
    line_queue: str = "rongrian-line"
    trusted_proxies: int = 0

    @property
    def line_enabled(self) -> bool:
        """The LINE channel runs only with both its channel secret and its access token."""
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def attachments_dir(self) -> Path:
        """Where encrypted attachments are kept: ``<instance>/attachments``."""
        return self.instance_path / "attachments"

    @property
    def attachment_max_bytes(self) -> int:
        """Largest accepted file in bytes (``attachment_max_mb`` MiB)."""
        return self.attachment_max_mb * 1024 * 1024


def default_instance_path() -> Path:
    """``RONGRIAN_INSTANCE`` or ``./instance``."""
    return Path(os.environ.get("RONGRIAN_INSTANCE", "instance")).resolve()


def default_database_url(instance_path: Path) -> str:
    """``RONGRIAN_DATABASE_URL`` or a SQLite file in the instance folder."""
    return os.environ.get("RONGRIAN_DATABASE_URL", f"sqlite:///{instance_path / 'rongrian.db'}")


def create_secrets(instance_path: Path) -> Secrets:
    """Write fresh secrets to ``<instance>/secrets.json`` (mode 0600); keep existing ones.

    Returns the secrets in force.
    """
    instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = instance_path / SECRETS_FILE
    if path.exists():
        return load_secrets(instance_path)
    values = {name: base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
              for name in _SECRET_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return load_secrets(instance_path)


def _secret(values: dict[str, object], name: str) -> bytes:
    """One secret: strict base64 of exactly 32 bytes (a short or garbled one is never used)."""
    raw = base64.b64decode(str(values[name]), validate=True)
    if len(raw) != SECRET_BYTES:
        raise ValueError(f"{name} is not {SECRET_BYTES} bytes")
    return raw


def load_secrets(instance_path: Path) -> Secrets:
    """Read ``<instance>/secrets.json``; raises ``SetupError`` if it is missing, incomplete, or
    holds a secret that is not strict base64 of 32 bytes."""
    path = instance_path / SECRETS_FILE
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        return Secrets(**{name: _secret(values, name) for name in _SECRET_NAMES})
    except FileNotFoundError as exc:
        raise SetupError(f"{path} is missing: run `rongrian init` first") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise SetupError(f"{path} is unreadable") from exc


def from_environment() -> Settings:
    """Settings for a deployment, from ``RONGRIAN_*`` variables and the instance folder."""
    instance_path = default_instance_path()
    return Settings(
        database_url=default_database_url(instance_path),
        instance_path=instance_path,
        secrets=load_secrets(instance_path),
        ratelimit_storage=os.environ.get("RONGRIAN_RATELIMIT_STORAGE", "memory://"),
        public_base_url=os.environ.get("RONGRIAN_PUBLIC_URL", "http://127.0.0.1:8000"),
        secure_cookies=os.environ.get("RONGRIAN_SECURE_COOKIES", "") == "1",
        attachment_max_mb=_positive_int("RONGRIAN_ATTACHMENT_MAX_MB", 20),
        attachment_max_files=_positive_int("RONGRIAN_ATTACHMENT_MAX_FILES", 5),
        spool_dir=Path(os.environ["RONGRIAN_SPOOL_DIR"]) if os.environ.get("RONGRIAN_SPOOL_DIR")
        else None,
        line_channel_secret=os.environ.get("RONGRIAN_LINE_CHANNEL_SECRET", ""),
        line_channel_access_token=os.environ.get("RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN", ""),
        line_api_base=os.environ.get("RONGRIAN_LINE_API_BASE") or "https://api.line.me",
        line_data_api_base=os.environ.get("RONGRIAN_LINE_DATA_API_BASE")
        or "https://api-data.line.me",
        line_push_fallback=os.environ.get("RONGRIAN_LINE_PUSH_FALLBACK", "1") != "0",
        redis_url=os.environ.get("RONGRIAN_REDIS_URL", ""),
        line_queue=os.environ.get("RONGRIAN_LINE_QUEUE") or "rongrian-line",
        trusted_proxies=_count("RONGRIAN_TRUSTED_PROXIES"),
    )


def _count(name: str) -> int:
    """The environment variable ``name`` as a whole number from 0 up (0 when unset); raises
    ``SetupError``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise SetupError(f"{name} must be a whole number from 0 up, not {text!r}")
    return int(text)


def _positive_int(name: str, default: int) -> int:
    """The environment variable ``name`` as a whole number from 1 up; raises ``SetupError``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SetupError(f"{name} must be a whole number from 1 up, not {text!r}")
    return int(text)
