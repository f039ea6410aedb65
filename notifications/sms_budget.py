"""How long an automatic text may be, and the text as it is finally sent.

Reminders and offers end with their link and how to stop texts; a text that grows past two
parts costs the clinic double and arrives split on older phones. When a text names a place
(issue 19: several sites), its source offers fuller and shorter wordings and the first that
fits is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from notifications.conversation import segments

#: The most parts an automatic text may take: what appointment reminders and waitlist offers
#: took before they named the site (two, with the site's address and link).
AUTOMATIC_SMS_PARTS = 2


def automatic_sms(body: str, action_url: str) -> str:
    """The text as sent: the source's words, its link, and (UK practice) how to stop texts;
    STOP is handled by the inbound webhook."""
    return f"{body} {action_url} Reply STOP to stop texts."


def sms_first_that_fits(
    wordings: Sequence[str], *, action_path: str, parts: int = AUTOMATIC_SMS_PARTS
) -> str:
    """The first of `wordings` (fullest first) whose sent text takes at most `parts` parts;
    the last one when none does."""
    action_url = settings.SITE_URL + action_path
    for body in wordings:
        if segments(automatic_sms(body, action_url)) <= parts:
            return body
    return wordings[-1]
