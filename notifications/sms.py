"""SMS providers behind one small interface: Twilio in production, the console and var/sms/ in
development (as email has its console-and-file backend).

A backend sends one text and returns the provider's id for it, or raises one of the channel
errors: `PermanentError` (will never work: a bad number, an opted-out recipient),
`TransientError` (try later: the provider said 5xx or 429), `ServerUnreachable` (nothing was
sent: the connection could not be made) or `Unconfirmed` (the request left but no answer came,
so the provider may have accepted it: never sent again).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from abc import ABC, abstractmethod
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.channels import (
    PermanentError,
    RecipientUnsubscribed,
    ServerUnreachable,
    TransientError,
    Unconfirmed,
)

logger = logging.getLogger(__name__)

_LONG_NUMBER = re.compile(r"\+?\d[\d ]{6,}\d")


def mask_number(number: str) -> str:
    """Enough of a number to tell two apart in a log, never enough to dial it."""
    digits = number.strip()
    return f"{digits[:3]}•••{digits[-3:]}" if len(digits) > 6 else "•••"


def mask_numbers(text: str) -> str:
    """Any phone number inside a provider's error message, masked."""
    return _LONG_NUMBER.sub(lambda match: mask_number(match.group().replace(" ", "")), text)


class SmsBackend(ABC):
    """Interface for an SMS provider."""

    @abstractmethod
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        """Hand one text message (to an E.164 number) to the provider; returns its id.

        `status_callback` is where the provider should report delivery (if it can)."""


@functools.cache
def sms_backend() -> SmsBackend:
    """The configured backend, one per process (the Twilio one keeps its connection pool)."""
    return import_string(settings.REMINDER_SMS_BACKEND)()


class ConsoleAndFileSmsBackend(SmsBackend):
    """Development: each text goes to the log and to a file in SMS_FILE_PATH; nothing is sent."""

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        sid = f"LOCAL{uuid.uuid4().hex}"
        logger.info(
            "SMS reminder to a number ending %s (%d characters): %s", to[-3:], len(body), body
        )
        folder = settings.SMS_FILE_PATH
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{sid}.txt").write_text(
            f"To: {mask_number(to)}\nId: {sid}\n\n{body}\n", encoding="utf-8"
        )
        return sid


def _connect_failed(exc: BaseException) -> bool:
    """True when the connection itself failed, so the request never left this machine."""
    from requests.exceptions import ConnectTimeout
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(exc, ConnectTimeout):
        return True
    seen: BaseException | None = exc
    while seen is not None:
        reason = getattr(seen, "reason", None)
        if isinstance(seen, NewConnectionError | ConnectTimeoutError) or isinstance(
            reason, NewConnectionError | ConnectTimeoutError
        ):
            return True
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nested or seen.__cause__ or seen.__context__
    return False


def _http_client():
    """Twilio's own HTTP client; pointed at TWILIO_API_BASE_URL instead of api.twilio.com when
    that is set (a local stand-in for tests), which is how the SDK lets a caller route requests
    (a custom HttpClient)."""
    from twilio.http.http_client import TwilioHttpClient

    base = settings.TWILIO_API_BASE_URL
    if not base:
        return TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)
    scheme, netloc = urlsplit(base)[:2]

    class RoutedHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            parts = urlsplit(url)
            return super().request(
                method, urlunsplit((scheme, netloc, *parts[2:])), *args, **kwargs
            )

    return RoutedHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)


# Twilio's answers that will never work for this number as it stands.
PERMANENT_STATUSES = range(400, 500)
RETRY_STATUSES = {408, 409, 429}
# "Attempt to send to unsubscribed recipient": the person texted STOP to the carrier.
UNSUBSCRIBED_CODE = 21610


class TwilioSmsBackend(SmsBackend):
    """Twilio's Programmable Messaging through its official library (`twilio`)."""

    def __init__(self) -> None:
        from twilio.rest import Client

        if not settings.TWILIO_ACCOUNT_SID:
            raise PermanentError("TWILIO_ACCOUNT_SID is not set.")
        if not (settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM_NUMBER):
            raise PermanentError("Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER.")
        if settings.TWILIO_API_KEY_SID:
            username, password = settings.TWILIO_API_KEY_SID, settings.TWILIO_API_KEY_SECRET
        else:
            username, password = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        self.client = Client(
            username,
            password,
            account_sid=settings.TWILIO_ACCOUNT_SID,
            http_client=_http_client(),
        )

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        from twilio.base import values
        from twilio.base.exceptions import TwilioRestException

        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            message = self.client.messages.create(
                to=to, body=body, status_callback=status_callback or values.unset, **sender
            )
        except TwilioRestException as exc:
            reason = mask_numbers(f"Twilio {exc.code or exc.status}: {exc.msg}")[:400]
            if exc.code == UNSUBSCRIBED_CODE:
                raise RecipientUnsubscribed(reason) from exc
            if exc.status in PERMANENT_STATUSES and exc.status not in RETRY_STATUSES:
                raise PermanentError(reason) from exc
            raise TransientError(reason) from exc
        except OSError as exc:  # requests' errors are OSErrors
            if _connect_failed(exc):
                raise ServerUnreachable(f"Could not reach Twilio: {type(exc).__name__}") from exc
            raise Unconfirmed(f"No answer from Twilio: {type(exc).__name__}") from exc
        return message.sid
