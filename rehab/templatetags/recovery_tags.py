"""`{% recovery_cards statuses %}`: the portal recovery page's card per open episode (its stage,
the stage list and how each exit criterion stands, in the patient's words) drawn in one step,
as the template loop drew it (a loop cost about as much as the rest of the page's own work).
Every value is escaped; the words come from the stage catalogue (rehab/stages)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.markup import escape

register = template.Library()

_DONE = (
    '<span class="text-success" aria-hidden="true">✓</span>'
    ' <span class="visually-hidden">Done:</span>'
)
_NOT_YET = '<span aria-hidden="true">○</span> <span class="visually-hidden">Not yet:</span>'
_UNCHECKED = ' <span class="small text-body-secondary">(not checked yet)</span>'


def _result(result) -> str:
    mark = _DONE if result.met else _NOT_YET
    unchecked = _UNCHECKED if result.status == "not_measured" else ""
    label = escape(result.patient_label)
    return f'\n        <li class="mb-1">{mark} {label}{unchecked}</li>\n        '


def _staged(status, number: str) -> str:
    stage = status.stage
    stages = "".join(
        f'<li class="list-inline-item{" fw-bold text-body" if each.code == stage.code else ""}">'
        f"{index}. {escape(each.label)}</li>"
        for index, each in enumerate(status.stage_list.stages, start=1)
    )
    after = status.next_stage
    heading = f"To move on to {escape(after.label.lower())}" if after else "To finish your recovery"
    return (
        f'\n      <h2 class="h5" id="recovery-{number}">You are at: {escape(stage.label)}'
        f' <span class="text-body-secondary small">({escape(status.position.lower())})</span>'
        f"</h2>\n      <p>{escape(stage.patient_text)}</p>\n"
        f'      <ol class="list-inline small text-body-secondary">\n        {stages}\n'
        f'      </ol>\n      \n      <h3 class="h6">{heading}</h3>\n      \n'
        '      <ul class="list-unstyled mb-2 recovery-checks">\n        '
        + "".join(_result(result) for result in status.results)
        + "\n      </ul>\n"
        '      <p class="small text-body-secondary mb-0">Your physiotherapist decides with you'
        " when to move on.</p>\n    "
    )


def _card(status) -> str:
    number = escape(status.episode.number)
    if status.stage:
        inside = _staged(status, number)
    else:
        inside = (
            f'\n      <h2 class="h5" id="recovery-{number}">Your recovery plan</h2>\n'
            '      <p class="mb-0">Your physiotherapist will set out the stages of your recovery'
            " with you.</p>\n    "
        )
    return (
        f'\n<section class="card mb-3" aria-labelledby="recovery-{number}">\n'
        f'  <div class="card-body">\n    {inside}\n  </div>\n</section>\n'
    )


@register.simple_tag
def recovery_cards(statuses) -> SafeString:
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        "".join(_card(status) for status in statuses)
    )
