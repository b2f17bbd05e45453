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
    """

    database_url: str
    instance_path: Path
    secrets: Secrets
    kdf_strength: str = "interactive"
    ratelimit_storage: str = "memory://"
    ratelimit_enabled: bool = True
    public_base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False


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
    values = {name: base64.b64encode(secrets.token_bytes(32)).decode() for name in _SECRET_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return load_secrets(instance_path)


def load_secrets(instance_path: Path) -> Secrets:
    """Read ``<instance>/secrets.json``; raises ``SetupError`` if it is missing or incomplete."""
    path = instance_path / SECRETS_FILE
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        return Secrets(**{name: base64.b64decode(values[name]) for name in _SECRET_NAMES})
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
    )
