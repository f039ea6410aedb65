"""The staff patient page's body drawn in one template step.

templates/patients/patient_detail.html drew its content block with ten tags, a variable and
five `if`s around them: each node resolved its arguments through the context's stack (`page.text`
six times) and went through Django's node machinery, on every view of the busiest staff page.
Here the same markup comes from one tag: each part is what its tag drew, escaped as the tag's
output was (`clinic.markup.escape`, which is `conditional_escape`), in the same order with the
same whitespace (a test draws both and compares them).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clinic.links import held_urls
from clinic.markup import escape
from clinic.templatetags.clinic_tags import render_panels
from patients.templatetags.patient_facts import contact_facts, patient_header, runner_facts
from patients.templatetags.timeline_tags import episode_cards, episode_summary, timeline_items

register = template.Library()

_NO_EPISODES = '\n        <p class="text-body-secondary">No episodes yet.</p>\n      '


@register.simple_tag(takes_context=True)
def patient_page(context, patient, page: dict, clinical: bool) -> str:
    """The page's heading, contact and running facts, every app's panels, the episodes with
    their cards and timelines, and the activity outside any episode (`page`:
    `patients.views._patient_page`; `clinical`: whether the user may open an episode)."""
    text = page["text"]
    rows = page["episode_rows"]
    others = page["other_entries"]
    new_episode = (
        '<a class="btn btn-sm btn-outline-primary" '
        f'href="{escape(held_urls(patient)("patients:episode_create", patient.public_id))}">'
        "New episode</a>"
        if clinical
        else ""
    )
    summary = (
        '\n        <p class="text-body-secondary small">\n'
        f"          {escape(episode_summary(rows, text))}\n"
        "        </p>\n      "
        if rows
        else ""
    )
    cards = escape(episode_cards(rows, clinical, text, patient)) if rows else _NO_EPISODES
    other = (
        '\n        <h2 class="h5 mt-4">Other activity</h2>\n'
        '        <ol class="list-group timeline">\n'
        f"          {escape(timeline_items(others, text))}\n"
        "        </ol>\n      "
        if others
        else ""
    )
    return SafeString(  # nosec B703 B308 (every part escaped as its tag's output was)
        f"{escape(patient_header(context, patient, text))}\n"
        "\n"
        '<div class="row g-3">\n'
        '  <div class="col-12 col-lg-4">\n'
        '    <section class="card mb-3" aria-labelledby="contact-heading">\n'
        '      <div class="card-body">\n'
        '        <h2 class="h5" id="contact-heading">Contact</h2>\n'
        '        <dl class="row mb-0 patient-facts">\n'
        f"          {escape(contact_facts(patient))}\n"
        "        </dl>\n"
        "      </div>\n"
        "    </section>\n"
        '    <section class="card mb-3" aria-labelledby="runner-heading">\n'
        '      <div class="card-body">\n'
        '        <h2 class="h5" id="runner-heading">Running</h2>\n'
        '        <dl class="row mb-0 patient-facts">\n'
        f"          {escape(runner_facts(patient, text))}\n"
        "        </dl>\n"
        "      </div>\n"
        "    </section>\n"
        f"    {escape(render_panels(context, page['panels']))}\n"
        "  </div>\n"
        "\n"
        '  <div class="col-12 col-lg-8">\n'
        '    <section aria-labelledby="episodes-heading">\n'
        '      <div class="d-flex flex-wrap justify-content-between align-items-center'
        ' gap-2 mb-2">\n'
        f'        <h2 class="h5 mb-0" id="episodes-heading">Episodes: {len(rows)}</h2>\n'
        f"        {new_episode}\n"
        "      </div>\n"
        f"      {summary}\n"
        f"      {cards}\n"
        f"      {other}\n"
        "    </section>\n"
        "  </div>\n"
        "</div>"
    )
