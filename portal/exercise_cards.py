"""The portal home's exercise cards, drawn in Python in one step per card.

The home draws a card for every exercise due today on every view; as a template loop each card
took about thirty template lookups (its dose, stop rules, next step, picture and video, each an
include or a `{% url %}`). The dose, stop rules and next step come from `exercises.markup`,
the same functions the printed plan and the plan editor draw them with, so their markup keeps
one source. Every value is escaped; the results are safe HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from clinic.links import fixed_url
from clinic.markup import escape
from exercises import markup
from exercises.videos.selectors import PlanMedia


@functools.lru_cache(maxsize=4096)
def _exercise_url(name: str, code: str, prefix: str) -> str:
    """`reverse(name, args=[code])`, once per process for each exercise of the library (a
    few hundred): `prefix` is part of the key only, as in clinic/links.py."""
    return reverse(name, args=[code])


def exercise_url(name: str, code: str) -> str:
    return _exercise_url(name, code, get_script_prefix())


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _exercise_url.cache_clear()


def video_html(item: Mapping, videos: Mapping | None) -> SafeString:
    """The player for one plan item, if its exercise has a video (`videos` from
    `exercises.videos.selectors.plan_media`, read with the plan: no query)."""
    video = (videos or {}).get(item.get("key"))
    if not video:
        return mark_safe("\n")  # nosec B703 B308
    key = item.get("key")
    version = escape(video["public_id"])
    source = f"{escape(exercise_url('portal:video', key))}?v={version}"
    poster = f"{escape(exercise_url('portal:video_poster', key))}?v={version}"
    captions = f"{escape(exercise_url('portal:video_captions', key))}?v={version}"
    # ?v= names the upload, so a replaced video is never taken from the browser's cache.
    return mark_safe(  # noqa: S308 (every value escaped above)  # nosec B703 B308
        "\n"
        '<figure class="exercise-video mb-2">\n'
        "  \n"
        f'  <video class="w-100" controls preload="none" playsinline poster="{poster}"'
        f' aria-label="Video showing {escape(item.get("name", ""))}">\n'
        f'    <source src="{source}" type="{escape(video["content_type"])}">\n'
        f'    <track kind="captions" srclang="en" label="English" src="{captions}" default>\n'
        "    <p>Your phone or browser cannot play this video here."
        f' <a href="{source}">Open the video on its own</a>, or follow the written steps.</p>\n'
        "  </video>\n"
        '  <figcaption class="small text-body-secondary">A short video of the exercise, with'
        " captions. The written steps say the same.</figcaption>\n"
        "</figure>\n"
        "\n"
    )


def exercise_card_html(number: int, item: Mapping, media: PlanMedia) -> str:
    """One card of "Today's exercises": its number and name, picture, video, whole dose,
    days, the physio's note, stop rules, next step and how to do it."""
    name = escape(item.get("name", ""))
    key = item.get("key")
    picture = (
        '<img class="exercise-illustration d-block mb-2"'
        f' src="{escape(exercise_url("portal:illustration", key))}"'
        f' alt="How {name} looks" loading="lazy">'
        if key in media.illustrated
        else ""
    )
    note = item.get("note")
    note = f'<p class="mb-2">From your physio: {escape(note)}</p>' if note else ""
    steps = "".join(f"<li>{escape(step)}</li>" for step in item.get("instructions", ()))
    return (
        '\n      <li class="card mb-3">\n'
        '        <div class="card-body">\n'
        f'          <h3 class="h5">{number}. {name}</h3>\n'
        f"          {picture}\n"
        f"          {video_html(item, media.videos)}\n"
        f"          {markup.whole_dose_html(item)}\n"
        '          <p class="small text-body-secondary mb-2 portal-days">Days:'
        f" {escape(item.get('days_text', ''))}</p>\n"
        f"          {note}\n"
        f"          {markup.stop_rules_html(item.get('stop_rules'), key=key, level=4)}\n"
        f"          {markup.next_step_html(item)}\n"
        "          <details>\n"
        "            <summary>How to do it</summary>\n"
        f'            <ol class="mt-2 mb-0">{steps}</ol>\n'
        "          </details>\n"
        "        </div>\n"
        "      </li>\n    "
    )


def exercise_cards_html(items: Sequence[Mapping], media: PlanMedia) -> SafeString:
    """Every card of "Today's exercises", numbered from 1, as one piece of markup."""
    return mark_safe(  # noqa: S308 (exercise_card_html escapes every value)  # nosec B703 B308
        "".join(
            exercise_card_html(number, item, media) for number, item in enumerate(items, start=1)
        )
    )


def today_html(
    *,
    today_text: str,
    logged: bool,
    due: Sequence[Mapping],
    cards: str,
    not_today: Sequence[Mapping],
) -> SafeString:
    """The home's "Today's exercises" section (the patient has a plan): the day, whether it is
    logged with the link to log it, the rest-day line, the cards (`exercise_cards_html`) and
    the "Not today" list with each item's next day. Drawn here, not by the home's template,
    for the same reason as the cards: its lookups and tags ran on every view."""
    log_url = escape(fixed_url("portal:log"))
    logged_line = (
        '\n      <div class="alert alert-success">You have logged today\'s session.'
        f' <a href="{log_url}">Change it</a></div>\n    '
        if logged
        else ""
    )
    log_label = "Update today's log" if logged else "Log today's session"
    later = ""
    if not_today:
        rows = "".join(
            f"\n        <li>{escape(item.get('name', ''))}: "
            + (
                f"next on {escape(item.get('next_text', ''))}"
                if item.get("next_on")
                else "not due in the next four weeks"
            )
            + "</li>\n      "
            for item in not_today
        )
        later = (
            '\n      <h3 class="h6">Not today</h3>\n'
            f'      <ul class="portal-not-today">\n      {rows}\n      </ul>\n    '
        )
    return mark_safe(  # noqa: S308 (every value escaped; `cards` is safe HTML)  # nosec B703 B308
        "\n"
        '  <section class="mb-4" aria-labelledby="today-heading">\n'
        '    <div class="d-flex flex-wrap justify-content-between align-items-center gap-2'
        ' mb-2">\n'
        '      <h2 class="h4 mb-0" id="today-heading">Today\'s exercises</h2>\n'
        f'      <span class="text-body-secondary small">{escape(today_text)}</span>\n'
        "    </div>\n"
        f"    {logged_line}\n"
        f'    <a class="btn btn-primary btn-lg btn-lg-mobile mb-3" href="{log_url}">'
        f"{log_label}</a>\n"
        "    "
        + (
            ""
            if due
            else '<p class="portal-rest-day">Nothing is due today: a rest day is part of your'
            " plan.</p>"
        )
        + "\n"
        '    <ol class="list-unstyled portal-exercises">\n'
        f"    {cards}\n"
        "    </ol>\n"
        f"    {later}\n"
        "  </section>\n"
    )
