"""Settings shared by the public and staff apps and the command line.

Read from the environment (``RONGRIAN_*``) and the instance folder. Secrets are generated at
set-up into ``<instance>/secrets.json`` with mode 0600 and are never defaulted: an app started
without them refuses to run.
"""

import base64
import json
import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from rongrian.intake.db import PoolOptions
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
    ``db_pool_*``: each process's database connection pool (:attr:`db_pool`).
    Attachments: at most ``attachment_max_files`` files per submission, each at most
    ``attachment_max_mb`` MiB; uploads are spooled to anonymous temporary files in ``spool_dir``
    (the system's temporary folder when ``None``). Each upload is cleaned in a child process
    (``cleaner_isolation``) limited to ``cleaner_memory_mb`` MiB of address space and
    ``cleaner_timeout_s`` seconds (wall clock and CPU): see :mod:`rongrian.channels.isolation`.
    LINE (``line_*``): the channel secret and access token of the LINE Official Account's
    Messaging API channel (the channel is off unless both are set), the API hosts (LINE's own by
    default; tests point them at a stand-in), and whether a reply whose token expired may fall
    back to a push; ``line_retry_backoff`` is the first pause in seconds between retries of a
    LINE call (doubling each time). ``redis_url``: background jobs go to an RQ queue there when
    set (RQ queue ``line_queue``), else
    they run in-process. ``trusted_proxies``: how many reverse proxies in front set
    ``X-Forwarded-For``/``-Proto`` (0: the headers are ignored, so a client cannot forge its
    rate-limit key).
    Staff accounts (issue 13): an administrator's one-time password expires after
    ``one_time_password_hours``; a staff session idle for ``staff_idle_minutes`` ends; an account
    is locked for ``login_lock_minutes`` after ``login_lock_after`` failed log-ins in a row.
    ``secure_cookies``: ``None`` follows the public URL (``Secure`` when it is HTTPS).
    Map on the web form (issue 12): ``map_tiles`` is a tile server's URL template
    (``https://tiles.example.go.th/{z}/{x}/{y}.png``; empty: no map, only "use my location" and
    the text), ``map_attribution`` the plain text the tile server asks to show, ``map_center``
    where the map opens as ``(latitude, longitude, zoom)``.
    """

    database_url: str
    instance_path: Path
    secrets: Secrets
    kdf_strength: str = "interactive"
    ratelimit_storage: str = "memory://"
    ratelimit_enabled: bool = True
    public_base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool | None = None
    attachment_max_mb: int = 20
    attachment_max_files: int = 5
    #: Published statistics hide counts from 1 to this minus 1 (issue 10; DESIGN.md promise 6).
    suppress_below: int = 5
    spool_dir: Path | None = None
    cleaner_isolation: bool = True
    cleaner_memory_mb: int = 1024
    cleaner_timeout_s: int = 60
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base: str = "https://api.line.me"
    line_data_api_base: str = "https://api-data.line.me"
    line_push_fallback: bool = True
    line_retry_backoff: float = 0.5
    redis_url: str = ""
    line_queue: str = "rongrian-line"
    trusted_proxies: int = 0
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout: float = 10.0
    one_time_password_hours: int = 72
    staff_idle_minutes: int = 30
    login_lock_after: int = 5
    login_lock_minutes: int = 15
    #: Staff roles that must use a second factor (TOTP; issue 9 §5): ``admin`` and
    #: ``custodian`` unless ``RONGRIAN_STAFF_2FA_ROLES`` says otherwise.
    second_factor_roles: frozenset[str] = frozenset({"admin", "custodian"})
    map_tiles: str = ""
    map_attribution: str = ""
    #: Bangkok at a zoom that shows the city (``RONGRIAN_MAP_CENTER``, "lat,lon,zoom").
    map_center: tuple[float, float, int] = (13.7563, 100.5018, 12)

    @property
    def https(self) -> bool:
        """Whether the public URL is HTTPS (then cookies are ``Secure`` and HSTS is sent)."""
        return self.public_base_url.lower().startswith("https://")

    @property
    def cookies_secure(self) -> bool:
        """``Secure`` cookies: ``secure_cookies`` when set, else whether the public URL is
        HTTPS (issue 13 L5)."""
        return self.https if self.secure_cookies is None else self.secure_cookies

    @property
    def map_tiles_origin(self) -> str:
        """The tile server's origin (``https://tiles.example.go.th``) for the public pages'
        ``img-src``, or ``""`` without a map."""
        return tiles_origin(self.map_tiles) if self.map_tiles else ""

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

    @property
    def db_pool(self) -> PoolOptions:
        """The connection pool of each process (``db_pool_size`` connections, up to
        ``db_max_overflow`` more, ``db_pool_timeout`` seconds waited for a free one)."""
        return PoolOptions(size=self.db_pool_size, max_overflow=self.db_max_overflow,
                           timeout=self.db_pool_timeout)


def listening_url(host: str, port: int) -> str:
    """The base URL of a server listening on ``host``:``port`` (``http://``; a wildcard host
    becomes ``127.0.0.1``, an IPv6 address gets brackets)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def following_listen_address(settings: Settings, host: str, port: int) -> Settings:
    """``settings`` whose public URL (tracking links, QR codes) is the address served,
    :func:`listening_url`, unless ``RONGRIAN_PUBLIC_URL`` sets it."""
    if os.environ.get("RONGRIAN_PUBLIC_URL"):
        return settings
    return replace(settings, public_base_url=listening_url(host, port))


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
        secure_cookies=_flag("RONGRIAN_SECURE_COOKIES"),
        attachment_max_mb=_positive_int("RONGRIAN_ATTACHMENT_MAX_MB", 20),
        attachment_max_files=_positive_int("RONGRIAN_ATTACHMENT_MAX_FILES", 5),
        suppress_below=_positive_int("RONGRIAN_SUPPRESS_BELOW", 5),
        spool_dir=Path(os.environ["RONGRIAN_SPOOL_DIR"]) if os.environ.get("RONGRIAN_SPOOL_DIR")
        else None,
        cleaner_isolation=_flag("RONGRIAN_CLEANER_ISOLATION") is not False,
        cleaner_memory_mb=_positive_int("RONGRIAN_CLEANER_MEMORY_MB", 1024),
        cleaner_timeout_s=_positive_int("RONGRIAN_CLEANER_TIMEOUT_S", 60),
        line_channel_secret=os.environ.get("RONGRIAN_LINE_CHANNEL_SECRET", ""),
        line_channel_access_token=os.environ.get("RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN", ""),
        line_api_base=os.environ.get("RONGRIAN_LINE_API_BASE") or "https://api.line.me",
        line_data_api_base=os.environ.get("RONGRIAN_LINE_DATA_API_BASE")
        or "https://api-data.line.me",
        line_push_fallback=os.environ.get("RONGRIAN_LINE_PUSH_FALLBACK", "1") != "0",
        redis_url=os.environ.get("RONGRIAN_REDIS_URL", ""),
        line_queue=os.environ.get("RONGRIAN_LINE_QUEUE") or "rongrian-line",
        trusted_proxies=_count("RONGRIAN_TRUSTED_PROXIES"),
        db_pool_size=_positive_int("RONGRIAN_DB_POOL_SIZE", 10),
        db_max_overflow=_count("RONGRIAN_DB_MAX_OVERFLOW", 10),
        db_pool_timeout=_positive_int("RONGRIAN_DB_POOL_TIMEOUT", 10),
        one_time_password_hours=_positive_int("RONGRIAN_ONE_TIME_PASSWORD_HOURS", 72),
        staff_idle_minutes=_positive_int("RONGRIAN_STAFF_IDLE_MINUTES", 30),
        login_lock_after=_positive_int("RONGRIAN_LOGIN_LOCK_AFTER", 5),
        login_lock_minutes=_positive_int("RONGRIAN_LOGIN_LOCK_MINUTES", 15),
        second_factor_roles=_second_factor_roles(),
        map_tiles=_map_tiles(),
        map_attribution=os.environ.get("RONGRIAN_MAP_ATTRIBUTION", "").strip(),
        map_center=_map_center(),
    )


_TILE_TEMPLATE = re.compile(
    r"^(?P<origin>https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?)/[A-Za-z0-9._~/\-{}?=&%]*$",
    re.IGNORECASE)


def tiles_origin(template: str) -> str:
    """The origin (``scheme://host[:port]``) of a tile URL template such as
    ``https://tiles.example.go.th/{z}/{x}/{y}.png``.

    The template must be ``http(s)``, name one host (no ``{s}`` sub-domains, no user or
    fragment: its origin goes into the Content-Security-Policy) and hold ``{z}``, ``{x}`` and
    ``{y}``; a query (an API key) may follow. Raises ``SetupError``."""
    match = _TILE_TEMPLATE.match(template)
    if match is None or not all(part in template for part in ("{z}", "{x}", "{y}")):
        raise SetupError("RONGRIAN_MAP_TILES must be a tile URL such as "
                         "https://tiles.example.go.th/{z}/{x}/{y}.png (one host, no {s}, "
                         f"no user), not {template!r}")
    return match.group("origin").lower()


def _map_tiles() -> str:
    """``RONGRIAN_MAP_TILES``: a tile URL template (checked by :func:`tiles_origin`), or ``""``
    (no map). Raises ``SetupError``."""
    template = os.environ.get("RONGRIAN_MAP_TILES", "").strip()
    if template:
        tiles_origin(template)
    return template


def _map_center() -> tuple[float, float, int]:
    """``RONGRIAN_MAP_CENTER``: ``latitude,longitude,zoom`` (zoom 1–19) where the map opens;
    Bangkok at zoom 12 when unset. Raises ``SetupError``."""
    text = os.environ.get("RONGRIAN_MAP_CENTER", "").strip()
    if not text:
        return Settings.map_center
    try:
        lat_text, lon_text, zoom_text = (part.strip() for part in text.split(","))
        latitude, longitude, zoom = float(lat_text), float(lon_text), int(zoom_text)
    except ValueError as exc:
        raise SetupError("RONGRIAN_MAP_CENTER must be latitude,longitude,zoom such as "
                         f"13.7563,100.5018,12, not {text!r}") from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180 and 1 <= zoom <= 19):
        raise SetupError("RONGRIAN_MAP_CENTER is out of range (latitude −90…90, longitude "
                         f"−180…180, zoom 1…19): {text!r}")
    return latitude, longitude, zoom


#: Roles ``RONGRIAN_STAFF_2FA_ROLES`` may name (:class:`rongrian.intake.models.Role` values).
_STAFF_ROLES = frozenset({"staff", "custodian", "executive", "admin"})


def _second_factor_roles() -> frozenset[str]:
    """``RONGRIAN_STAFF_2FA_ROLES``: comma-separated roles that must use a second factor
    (default ``admin,custodian``; ``none`` for no role). Raises ``SetupError``."""
    text = os.environ.get("RONGRIAN_STAFF_2FA_ROLES", "").strip().lower()
    if not text:
        return frozenset({"admin", "custodian"})
    if text == "none":
        return frozenset()
    roles = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not roles or not roles <= _STAFF_ROLES:
        raise SetupError("RONGRIAN_STAFF_2FA_ROLES must list roles among "
                         f"{', '.join(sorted(_STAFF_ROLES))} (or say none), not {text!r}")
    return roles


def _flag(name: str) -> bool | None:
    """The environment variable ``name`` as ``1`` (true) or ``0`` (false); ``None`` when unset.
    Raises ``SetupError`` for anything else."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    if text not in ("0", "1"):
        raise SetupError(f"{name} must be 1 or 0, not {text!r}")
    return text == "1"


def _count(name: str, default: int = 0) -> int:
    """The environment variable ``name`` as a whole number from 0 up (``default`` when unset);
    raises ``SetupError``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
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
