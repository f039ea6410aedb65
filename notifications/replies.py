"""What a patient's text does: Y or N, and any other text's safety screen.

Y or N: : domain apps answer it, the way they register
reminder sources, so this app never imports them.

A handler gets the patient (matched by exact number, only when one patient has it) and the
intent ("yes" or "no"), acts on it through its own services and returns `Handled` (the
answer to text back and a short note for the log), or None when it has nothing the reply
could be about; then the reply waits for reception.

Any other text (not a keyword) goes through the registered screens (`register_text_screen`):
a screen reads the words and returns `Screened` (how urgent, and the answer to text back at
once) or None. It gets the patient (None when the number is not one patient's: then it must
only judge the words) and the stored text, and raises its own alerts.
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


@dataclass(frozen=True)
class Screened:
    urgency: str  # "emergency" or "same_day"
    answer: str


TextScreen = Callable[..., Screened | None]

_screens: dict[str, TextScreen] = {}


def register_text_screen(name: str, screen: TextScreen) -> None:
    _screens[name] = screen


def text_screen(*, patient, inbound, now: dt.datetime) -> Screened | None:
    """The first screen that finds the text urgent, or None."""
    for screen in _screens.values():
        screened = screen(patient=patient, inbound=inbound, now=now)
        if screened is not None:
            return screened
    return None
