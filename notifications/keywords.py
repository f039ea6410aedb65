"""What a text message sent to the clinic asks for, read the way carriers and Twilio read opt-out
keywords: the whole message is the keyword, in any case, with surrounding spaces and a full stop
or exclamation mark ignored. Anything else is for a person to read."""

from __future__ import annotations

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
# Answers to "Reply Y to confirm or N to cancel".
YES_WORDS = frozenset({"Y", "YES"})
NO_WORDS = frozenset({"N", "NO"})


def reply_intent(body: str) -> str:
    """ "stop", "start", or "" when the message is not one of the keywords."""
    word = "".join(body.split()).upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    return ""
