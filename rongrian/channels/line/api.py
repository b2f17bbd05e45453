"""The Messaging API as the LINE channel uses it, through line-bot-sdk v3 (``linebot.v3``).

Two API clients: ``MessagingApi`` on the API host and ``MessagingApiBlob`` on the data host
(message content, rich-menu images); both hosts come from settings, so tests point them at a
stand-in. Every call is retried by urllib3 (configured through the SDK's
``Configuration.retries``) on 429 and 5xx answers and on connection errors, with exponential
backoff and ``Retry-After`` respected. Pushes carry an ``X-Line-Retry-Key`` so a retried push is
delivered once.

Logging: the SDK logs response bodies (a profile holds the user id) and urllib3 logs request
paths (``/v2/bot/profile/<user id>``) at debug level. :func:`quiet_logs` drops those records, so
nothing from the chat reaches a log whatever the logging configuration.
"""

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)
from urllib3 import Timeout
from urllib3.util.retry import Retry

from rongrian.channels.line.ui import MAX_MESSAGES

#: Loggers whose records may carry a user id, a profile or message content: all dropped.
SDK_LOGGERS = ("linebot", "linebot.v3.messaging", "linebot.v3.messaging.rest",
               "linebot.v3.webhook")
#: urllib3 loggers that name request paths: records about LINE API paths are dropped.
URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")
LINE_PATH = "/v2/bot/"
#: Seconds to connect and to read one answer.
TIMEOUT = (5.0, 15.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"


class LineApiError(Exception):
    """The LINE API refused a call or stayed unavailable after the retries.

    ``status`` is the last HTTP status (0 for a connection failure).
    """

    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(f"LINE API answered {status}")
        self.status = status
        self.reason = reason


class ReplyTokenInvalid(LineApiError):
    """The reply token was used already or expired (LINE answers 400 "Invalid reply token")."""


class ContentUnavailable(LineApiError):
    """A message's content could not be fetched (gone, refused, or too large)."""


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


class _DropLinePaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            return LINE_PATH not in record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is dropped
            return False


def quiet_logs() -> None:
    """Drop the SDK's log records and urllib3's records about LINE API paths (idempotent)."""
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropAll) for f in logger.filters):
            logger.addFilter(_DropAll())
    for name in URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropLinePaths) for f in logger.filters):
            logger.addFilter(_DropLinePaths())


def retry_policy(total: int = 5, backoff_factor: float = 0.5, backoff_max: float = 20.0
                 ) -> Retry:
    """urllib3 retries for every LINE call: 429/5xx and connection errors, any method,
    exponential backoff (``backoff_factor`` × 2ⁿ seconds, at most ``backoff_max``),
    ``Retry-After`` respected; after the last try the answer is returned (and raised as
    :class:`LineApiError` here)."""
    return Retry(
        total=total,
        connect=total,
        read=1,
        status=total,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def _configuration(host: str, token: str, retries: Retry) -> Configuration:
    configuration = Configuration(host=host.rstrip("/"), access_token=token)
    configuration.retries = retries
    return configuration


def _refusal(status: int, body: str | bytes | None, reason: str | None) -> LineApiError:
    text = body if isinstance(body, str) else (body or b"").decode("utf-8", "replace")
    if status == 400 and "reply token" in text.lower():
        return ReplyTokenInvalid(status, "invalid reply token")
    return LineApiError(status, reason or "")


def _error(exc: ApiException) -> LineApiError:
    return _refusal(int(exc.status or 0), exc.body, exc.reason)


@dataclass(frozen=True)
class Hosts:
    """The API host and the data-API host, e.g. ``https://api.line.me`` and
    ``https://api-data.line.me``."""

    api: str
    data: str


class LineApi:
    """The calls the LINE channel makes. Thread-safe (urllib3 pools)."""

    def __init__(self, access_token: str, hosts: Hosts, *, retries: Retry | None = None,
                 max_content_bytes: int = 20 * 1024 * 1024) -> None:
        quiet_logs()
        policy = retries or retry_policy()
        self._client = ApiClient(_configuration(hosts.api, access_token, policy))
        self._data_client = ApiClient(_configuration(hosts.data, access_token, policy))
        self._messaging = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._data_client)
        self.max_content_bytes = max_content_bytes
        # Replies and pushes go straight through the SDK client's urllib3 pool (its retries,
        # its keep-alive connections) with the SDK client's headers (token, user agent).
        self._pool = self._client.rest_client.pool_manager
        self._api_host = hosts.api.rstrip("/")
        self._headers = {**self._client.default_headers, "Content-Type": "application/json",
                         "Accept": "application/json"}
        self._timeout = Timeout(connect=TIMEOUT[0], read=TIMEOUT[1])

    def close(self) -> None:
        self._client.close()
        self._data_client.close()

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
              ) -> None:
        """POST a JSON body on the SDK client's connection pool (host, token, retries);
        raises :class:`LineApiError` for an answer other than 2xx (after the retries) or
        :class:`ReplyTokenInvalid`, and ``LineApiError(0)`` when LINE could not be reached.

        The messages are the dicts of :mod:`rongrian.channels.line.ui`, already in the API's
        shape: sending them as they are skips building and re-serialising the SDK's pydantic
        models for every reply (several milliseconds for a Flex list), and skips the SDK
        client's generic walk over the body and headers (about 0.5 ms of CPU a reply); the
        tests check that every message the bot sends parses as the SDK's ``Message`` models.
        """
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = self._pool.request(
                "POST", self._api_host + path, body=data, timeout=self._timeout,
                headers={**self._headers, **headers} if headers else self._headers)
        except Exception as exc:  # noqa: BLE001 - urllib3 errors after the retries
            raise LineApiError(0, type(exc).__name__) from None
        if not 200 <= response.status <= 299:
            raise _refusal(int(response.status), response.data, response.reason)

    def reply(self, reply_token: str, messages: Sequence[dict[str, Any]]) -> None:
        """Reply with up to 5 messages. Raises :class:`ReplyTokenInvalid` or
        :class:`LineApiError`."""
        self._post(REPLY_PATH, {"replyToken": reply_token,
                                "messages": list(messages[:MAX_MESSAGES])})

    def push(self, user_id: str, messages: Sequence[dict[str, Any]],
             retry_key: str | None = None) -> None:
        """Push up to 5 messages to ``user_id`` (a retried push is delivered once: LINE answers
        409 to a retry key it has seen, taken as success). Raises :class:`LineApiError`."""
        try:
            self._post(PUSH_PATH, {"to": user_id, "messages": list(messages[:MAX_MESSAGES])},
                       {"X-Line-Retry-Key": retry_key or str(uuid.uuid4())})
        except LineApiError as exc:
            if exc.status != 409:
                raise

    def language(self, user_id: str) -> str:
        """``en`` if the user's LINE language is English, else ``th`` (also when the profile
        cannot be read)."""
        try:
            profile = self._messaging.get_profile(user_id, _request_timeout=TIMEOUT)
        except Exception:  # noqa: BLE001 - a missing profile means Thai
            return "th"
        language = str(getattr(profile, "language", "") or "")
        return "en" if language.lower().startswith("en") else "th"

    def content(self, message_id: str) -> bytes:
        """The bytes a user sent in an image (or other content) message.

        Raises :class:`ContentUnavailable` if the fetch fails or the content is larger than
        ``max_content_bytes``.
        """
        try:
            data = self._blob.get_message_content(message_id, _request_timeout=TIMEOUT)
        except ApiException as exc:
            raise ContentUnavailable(int(exc.status or 0), "fetch failed") from None
        except Exception as exc:  # noqa: BLE001
            raise ContentUnavailable(0, type(exc).__name__) from None
        if len(data) > self.max_content_bytes:
            raise ContentUnavailable(413, "too large")
        return bytes(data)

    def create_rich_menu(self, menu: dict[str, Any]) -> str:
        """Create a rich menu from its JSON shape; returns its id."""
        try:
            created = self._messaging.create_rich_menu(RichMenuRequest.from_dict(menu))
        except ApiException as exc:
            raise _error(exc) from None
        return str(created.rich_menu_id)

    def upload_rich_menu_image(self, rich_menu_id: str, png: bytes) -> None:
        """Upload the menu's PNG (data host)."""
        try:
            self._blob.set_rich_menu_image(rich_menu_id, bytearray(png),
                                           _headers={"Content-Type": "image/png"})
        except ApiException as exc:
            raise _error(exc) from None

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        """Show the menu to every user who has no menu of their own."""
        try:
            self._messaging.set_default_rich_menu(rich_menu_id)
        except ApiException as exc:
            raise _error(exc) from None
