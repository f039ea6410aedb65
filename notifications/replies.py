"""What a patient's Y or N text reply does: domain apps answer it, the way they register
reminder sources, so this app never imports them.

A handler gets the patient (matched by exact number, only when one patient has it) and the
intent ("yes" or "no"), acts on it through its own services and returns `Handled` (the
answer to text back and a short note for the log), or None when it has nothing the reply
could be about; then the reply waits for reception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Handled:
    answer: str
    action: str


ReplyHandler = Callable[..., Handled | None]

_handlers: dict[str, ReplyHandler] = {}


def register_reply_handler(name: str, handler: ReplyHandler) -> None:
    _handlers[name] = handler


def reply_handle(*, patient, intent: str, now: dt.datetime) -> Handled | None:
    """The first handler that acts on the reply, or None."""
    for handler in _handlers.values():
        handled = handler(patient=patient, intent=intent, now=now)
        if handled is not None:
            return handled
    return None
