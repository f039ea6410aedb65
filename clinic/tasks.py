"""Celery entry points of the foundation: account emails queued by clinic.mail."""

from __future__ import annotations

import base64

from celery import shared_task
from django.core.mail import get_connection

from clinic.mail import RenderedEmail

#: Seconds before each retry when the mail server does not take the message.
RETRY_DELAYS = (10, 30, 60, 120, 300)


@shared_task(name="clinic.send_email", bind=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def send_email(self, data: str, from_email: str, recipients: list[str]) -> None:
    """Send one rendered email through EMAIL_BACKEND; retried while the mail server fails."""
    message = RenderedEmail(base64.b64decode(data), from_email, recipients)
    try:
        get_connection(fail_silently=False).send_messages([message])
    except Exception as exc:  # smtplib and socket raise many types; all are worth a retry
        delay = RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]
        raise self.retry(exc=exc, countdown=delay) from exc
