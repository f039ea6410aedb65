"""How a reminder leaves the building: email now, SMS through a pluggable backend.

Every channel calls `handover()` immediately before the point of no return and must not send
if it returns False (the delivery's claim was lost to another worker). For SMTP the point of
no return is the final "." of the DATA command: everything before it can be abandoned without
the server delivering anything, so the claim is checked and the handover recorded just then.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.policy import Compat32, compat32
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Sending failed and nothing was delivered."""

    transient = True


class TransientError(DeliveryError):
    """Worth another try later: connection trouble, SMTP 4xx."""


class ServerUnreachable(TransientError):  # noqa: N818 (a kind of TransientError)
    """The server could not be reached or the connection broke: later messages would fail too."""


class PermanentError(DeliveryError):
    """Will never work as it stands: SMTP 5xx, no address."""

    transient = False


class RecipientUnsubscribed(PermanentError):  # noqa: N818 (a kind of PermanentError)
    """The carrier says the recipient opted out of texts from this sender (Twilio 21610)."""


class Unconfirmed(Exception):  # noqa: N818 (an outcome, not a failure of ours)
    """The message was handed over but the server's answer never came: it may have arrived."""


class HandoverRefused(Exception):  # noqa: N818
    """The claim was lost before the point of no return; nothing was sent."""


@dataclass
class OutgoingMessage:
    to_email: str
    to_phone: str
    subject: str
    text: str
    html: str
    sms: str
    headers: dict[str, str] = field(default_factory=dict)
    # The delivery's public id, and where the SMS provider reports on it.
    reference: str = ""
    status_callback: str = ""


Handover = Callable[[], bool]


def _smtp_error(code: int, response: bytes | str) -> DeliveryError:
    text = response.decode(errors="replace") if isinstance(response, bytes) else str(response)
    error_class = PermanentError if code >= 500 else TransientError
    return error_class(f"SMTP {code} {text}"[:400])


_LEADING_DOT = re.compile(rb"(?m)^\.")


@functools.lru_cache(maxsize=8)
def _sanitized(address: str, charset: str) -> str:
    """The sender is the same for every message: parse it once per process."""
    return sanitize_address(address, charset)


@functools.lru_cache(maxsize=512)
def _folded(name: str, value: str, linesep: str, max_line_length, cte_type: str) -> bytes:
    policy = compat32.clone(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


class _HeadersKept(Compat32):
    """The policy Django's messages are written with (compat32), with each header line kept
    per process once folded: folding is most of writing a reminder out, and a batch repeats
    most of its headers (sender, subject, content types, the one-click unsubscribe post).
    Folding a text header depends only on the policy's settings, its name and its value."""

    def fold_binary(self, name, value):
        if type(value) is str:
            return _folded(name, value, self.linesep, self.max_line_length, self.cte_type)
        return super().fold_binary(name, value)


_HEADERS_KEPT = _HeadersKept()


class _Generator(BytesGenerator):
    """The standard library's writer, checking its random part boundary more cheaply: it
    compiles a new pattern for every message to make sure the boundary is not a line of the
    parts; a boundary that does not occur in them at all is not a line of them either."""

    @classmethod
    def _make_boundary(cls, text=None):
        while True:
            boundary = super()._make_boundary()  # random, not checked against any text
            if text is None or boundary.encode("ascii") not in text:
                return boundary


def message_bytes(email: EmailMultiAlternatives) -> bytes:
    """The message as it goes on the wire, CRLF line ends: the bytes Django's own
    `as_bytes` writes, each header line folded once per process (`_HeadersKept`), the part
    boundary checked by `_Generator`."""
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=_HEADERS_KEPT).flatten(
        email.message(), linesep="\r\n"
    )
    return out.getvalue()


class EmailChannel:
    name = "email"

    def send(self, message: OutgoingMessage, *, handover: Handover) -> None:
        if not message.to_email:
            raise PermanentError("No email address on file.")
        try:
            # A line break in a stored address (it slipped past validation) would otherwise
            # raise from deep inside the send and leave the delivery claimed.
            recipient = sanitize_address(message.to_email, settings.DEFAULT_CHARSET)
        except ValueError as exc:
            raise PermanentError("The email address on file is not valid.") from exc
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_email],
            headers=message.headers,
        )
        email.attach_alternative(message.html, "text/html")
        if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
            self._send_smtp(email, handover, recipient)
            return
        # Console, file and in-memory backends have no point of no return to split.
        if not handover():
            raise HandoverRefused
        try:
            get_connection(fail_silently=False).send_messages([email])
        except (OSError, smtplib.SMTPException) as exc:
            raise Unconfirmed(str(exc)[:400]) from exc

    # One SMTP session per worker process, kept open between reminders: connecting, greeting
    # and saying goodbye cost as much as the message itself.
    _session: SmtpBackend | None = None

    def _open_session(self) -> SmtpBackend:
        self._drop_session()
        backend = SmtpBackend(fail_silently=False)
        try:
            backend.open()
            # A reminder is a few small request-reply exchanges; without TCP_NODELAY the final
            # "." waits for the server's delayed acknowledgement of the body (tens of ms each).
            backend.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            backend.connection.ehlo_or_helo_if_needed()
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerUnreachable(f"Could not reach the mail server: {exc}"[:400]) from exc
        self._session = backend
        return backend

    def _drop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException, socket.timeout):
                session.close()

    def _begin(self, sender: str) -> smtplib.SMTP:
        """MAIL FROM on the kept session, or on a new one if the server has hung up since."""
        if self._session is not None and self._session.connection is not None:
            connection = self._session.connection
            try:
                code, response = connection.mail(sender)
            except (OSError, smtplib.SMTPException):
                code, response = 0, b""  # gone stale: start afresh below
            if code == 250:
                return connection
            if code:
                raise _smtp_error(code, response)
        connection = self._open_session().connection
        try:
            code, response = connection.mail(sender)
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerUnreachable(f"Mail server connection failed: {exc}"[:400]) from exc
        if code != 250:
            raise _smtp_error(code, response)
        return connection

    def _send_smtp(self, email: EmailMultiAlternatives, handover: Handover, recipient: str) -> None:
        """`recipient`: the message's one address as `sanitize_address` gave it."""
        sender = _sanitized(email.from_email, email.encoding or settings.DEFAULT_CHARSET)
        data = message_bytes(email)
        try:
            connection = self._begin(sender)
            try:
                code, response = connection.rcpt(recipient)
                if code not in (250, 251):
                    raise _smtp_error(code, response)
                connection.putcmd("data")
                code, response = connection.getreply()
                if code != 354:
                    raise _smtp_error(code, response)
                body = _LEADING_DOT.sub(b"..", data)
                if not body.endswith(b"\r\n"):
                    body += b"\r\n"
                connection.send(body)
            except (OSError, smtplib.SMTPException) as exc:
                raise ServerUnreachable(f"Mail server connection failed: {exc}"[:400]) from exc
            if not handover():
                # Dropping the connection before the final dot makes the server discard it.
                raise HandoverRefused
            try:
                connection.send(b".\r\n")
                code, response = connection.getreply()
            except (OSError, smtplib.SMTPException) as exc:
                raise Unconfirmed(f"No answer after the message was sent: {exc}"[:400]) from exc
            if code != 250:
                raise _smtp_error(code, response)
        except BaseException:
            # After any failure the session's state is unknown: never reuse it.
            if self._session is not None and self._session.connection is not None:
                self._session.connection.close()
            self._drop_session()
            raise


class SmsChannel:
    name = "sms"

    def send(self, message: OutgoingMessage, *, handover: Handover):
        """Returns the text's delivery-log row (SmsMessage)."""
        import phonenumbers

        from notifications.sms import sms_backend
        from notifications.sms_log import sms_message_record

        if not message.to_phone:
            raise PermanentError("No mobile number on file.")
        try:
            number = phonenumbers.parse(message.to_phone, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            # The forms validate, but an old or imported record may not have been.
            raise PermanentError("The mobile number on file is not valid.")
        to = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        backend = sms_backend()
        if not handover():
            raise HandoverRefused
        # The HTTP request is the point of no return: the provider may accept it even when
        # its answer is lost (Unconfirmed), so the handover is recorded before it.
        sid = backend.send(to=to, body=message.sms, status_callback=message.status_callback)
        return sms_message_record(reference=message.reference, to=to, provider_id=sid)


CHANNELS = {"email": EmailChannel(), "sms": SmsChannel()}
