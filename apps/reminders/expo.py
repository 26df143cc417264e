"""Talking to the Expo push API (exponent-server-sdk), pointed at settings.EXPO_PUSH_URL.

The SDK builds its URLs as urljoin(host, api_url + "/push/send") and host + api_url +
"/push/getReceipts", so both are derived from EXPO_PUSH_URL (".../--/api/v2/push/send").
Request bodies are gzipped (Content-Encoding: gzip, which Expo accepts): 100 messages of JSON shrink
about tenfold.
"""

import functools
import gzip
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from exponent_server_sdk import PushClient, PushMessage, PushServerError, PushTicket

MAX_MESSAGES_PER_REQUEST = 100  # Expo's limit per push request
MAX_RECEIPTS_PER_REQUEST = 1000  # Expo's limit per getReceipts request
DEFAULT_TIMEOUT_S = 10.0


class ExpoUnavailable(Exception):
    """Expo did not answer usefully (429, 5xx, timeout, connection error, malformed answer): retry later.
    `status` is the HTTP status where there was one; `retry_after_s` Expo's Retry-After, if it sent one."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after_s: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after_s = retry_after_s


class _GzipSession(requests.Session):
    """A session that gzips the JSON bodies the SDK posts (the SDK passes them as `data` strings)."""

    def request(self, method, url, *args, data=None, headers=None, **kwargs):
        if method.upper() == "POST" and isinstance(data, str | bytes) and data:
            data = gzip.compress(data.encode() if isinstance(data, str) else data, compresslevel=6)
            headers = {**(headers or {}), "content-encoding": "gzip"}
        return super().request(method, url, *args, data=data, headers=headers, **kwargs)


@dataclass(frozen=True)
class Message:
    token: str
    title: str
    body: str
    data: dict


@dataclass(frozen=True)
class TicketResult:
    ok: bool
    ticket_id: str | None
    error: str | None  # Expo's details.error, e.g. "DeviceNotRegistered"


class _Message(PushMessage):
    def get_payload(self):
        # The SDK only recognises "ExponentPushToken[...]"; newer Expo SDKs hand out "ExpoPushToken[...]",
        # which the push API accepts too (tokens are validated when a device registers).
        payload = PushMessage.get_payload(self._replace(to="ExponentPushToken[checked]"))
        payload["to"] = self.to
        return payload


def split_push_url(push_url: str) -> tuple[str, str]:
    """(host, api_url) for PushClient from a full ".../push/send" URL."""
    parts = urlsplit(push_url)
    path = parts.path.rstrip("/")
    suffix = "/push/send"
    if not path.endswith(suffix):
        raise ValueError("EXPO_PUSH_URL must end with /push/send")
    return f"{parts.scheme}://{parts.netloc}", path[: -len(suffix)]


@functools.cache
def _client(push_url: str, timeout_s: float, access_token: str | None) -> PushClient:
    host, api_url = split_push_url(push_url)
    session = _GzipSession()
    session.headers.update({"accept": "application/json", "accept-encoding": "gzip, deflate",
                            "content-type": "application/json"})
    if access_token:
        session.headers["Authorization"] = f"Bearer {access_token}"
    return PushClient(host=host, api_url=api_url, session=session, timeout=timeout_s,
                      max_message_count=MAX_MESSAGES_PER_REQUEST)


def client() -> PushClient:
    """The process's push client for the configured endpoint (a kept-alive session)."""
    return _client(settings.EXPO_PUSH_URL, float(getattr(settings, "EXPO_PUSH_TIMEOUT_S", DEFAULT_TIMEOUT_S)),
                   getattr(settings, "EXPO_ACCESS_TOKEN", None))


def _is_retryable(exc: Exception) -> bool:
    return isinstance(exc, requests.RequestException | PushServerError | ValueError)


def _unavailable(exc: Exception) -> ExpoUnavailable:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    retry_after = None
    if response is not None:
        try:
            retry_after = float(response.headers.get("Retry-After") or "")
        except ValueError:
            retry_after = None
    return ExpoUnavailable(type(exc).__name__, status=status, retry_after_s=retry_after)


def send(messages: list[Message]) -> list[TicketResult]:
    """Push up to 100 messages in ONE request; a result per message, in order. ExpoUnavailable if the
    request as a whole failed (nothing can be assumed delivered)."""
    if len(messages) > MAX_MESSAGES_PER_REQUEST:
        raise ValueError("at most 100 messages per Expo request")
    payload = [_Message(to=m.token, title=m.title, body=m.body, data=m.data, sound="default") for m in messages]
    try:
        tickets = client().publish_multiple(payload)  # <= 100 messages: one request
    except Exception as exc:
        if _is_retryable(exc):
            raise _unavailable(exc) from exc
        raise
    return [
        TicketResult(ticket.is_success(), ticket.id or None, None if ticket.is_success()
                     else (ticket.details or {}).get("error") or "Unknown")
        for ticket in tickets
    ]


def receipts(ticket_ids: list[str]) -> dict[str, str | None]:
    """Receipts Expo has for these tickets: ticket id -> None (delivered) or the error code. Tickets
    without a receipt yet are absent."""
    found: dict[str, str | None] = {}
    for start in range(0, len(ticket_ids), MAX_RECEIPTS_PER_REQUEST):
        chunk = ticket_ids[start:start + MAX_RECEIPTS_PER_REQUEST]
        try:
            parsed = client().check_receipts_multiple([PushTicket(None, None, None, None, id_) for id_ in chunk])
        except Exception as exc:
            if _is_retryable(exc):
                raise _unavailable(exc) from exc
            raise
        for receipt in parsed:
            found[receipt.id] = None if receipt.is_success() else (receipt.details or {}).get("error") or "Unknown"
    return found
