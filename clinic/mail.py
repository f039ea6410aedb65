"""Email backends: the development one (print each message and keep a copy under var/mail/)
and the queued one for account emails."""

import base64
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend

logger = logging.getLogger(__name__)


class ConsoleAndFileBackend(BaseEmailBackend):
    """Writes every message to standard output and to a file in EMAIL_FILE_PATH."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self.console = ConsoleBackend(fail_silently=fail_silently, **kwargs)
        self.file = FileBackend(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        self.file.send_messages(email_messages)
        return self.console.send_messages(email_messages)


class _RawMessage:
    """A message already rendered to bytes, as Django's backends expect from `message()`."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.data.replace(b"\r\n", b"\n").replace(b"\n", linesep.encode())

    def get_charset(self):
        return None


class RenderedEmail(EmailMessage):
    """An email rebuilt from the bytes a web process rendered (Message-ID and Date included),
    so a redelivered task sends the very same message."""

    def __init__(self, data: bytes, from_email: str, recipients: list[str]) -> None:
        super().__init__(from_email=from_email, to=recipients)
        self.data = data

    def message(self, *, policy=None):
        return _RawMessage(self.data)


class QueuedEmailBackend(BaseEmailBackend):
    """Hands each message to the `clinic.send_email` task on the `default` queue.

    Account emails (password reset, sign-in changed, portal invitation) go this way: the page
    answers without waiting for the mail server, a mail server hiccup is retried, and they never
    wait behind a reminder burst (those run on the `messages` queue). If the broker cannot be
    reached the message is sent from this process at once instead, so it is never lost.
    """

    def send_messages(self, email_messages) -> int:
        from clinic.tasks import send_email

        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            data = message.message().as_bytes(linesep="\n")
            try:
                send_email.apply_async(
                    (base64.b64encode(data).decode(), message.from_email, recipients),
                    retry=False,
                )
            except Exception as exc:  # kombu and redis-py raise several connection error types
                logger.warning("Broker unreachable, sending an account email directly: %s", exc)
                get_connection(fail_silently=self.fail_silently).send_messages([message])
            sent += 1
        return sent


def transactional_connection():
    """The connection for account emails a person is waiting for: TRANSACTIONAL_EMAIL_BACKEND,
    or EMAIL_BACKEND itself when that is None (the tests)."""
    return get_connection(settings.TRANSACTIONAL_EMAIL_BACKEND or None)
