"""What staged rehab adds to the patient page, the portal home, the timeline and the episode
discharge page. Clinical roles only on staff pages (reception gets nothing from here); the
patient sees their stage and what it takes to move on in plain words, never a note.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from clinic.access import CLINICAL, has_role
from clinic.display import display
from clinic.links import fixed_url
from clinic.markup import escape
from clinic.panels import DischargeStep, Panel, TimelineEntry
from patients.page_rows import PageRead
from patients.selectors import open_episodes
from rehab import selectors, services
from rehab.catalogue import CATALOGUE
from rehab.criteria import evaluate_stage
from rehab.forms import GpConsentForm
from rehab.models import DischargeSummary, StageChange
from rehab.templatetags import rehab_panel_tags


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """For clinicians: the stage changes and the discharge summaries."""
    if not has_role(user, CLINICAL):
        return []
    return [
        PageRead("stage_changes_of_patient", StageChange, selectors._stage_changes_of),
        PageRead("rehab_summaries_of_patient", DischargeSummary, selectors._summaries_of),
    ]


def patient_panels(*, user, patient) -> list[Panel]:
    """Per open episode: the stage, its criteria met or not, and a link to move on; for a
    recurrence, what happened last time. Discharge summaries of closed episodes. The
    measures take the same statements for one open episode as for several."""
    if not has_role(user, CLINICAL):
        return []

    def context() -> dict:
        # The page has loaded the patient's episodes: the earlier episode and whether any
        # summary can exist come from them without a query.
        episodes = list(patient.episodes.all())
        summaries = selectors.summaries_of_patient(patient=patient, episodes=episodes)
        # Measures and exercise logs are read once for every open episode together, and only
        # the measures the current stages' criteria judge (the panel draws nothing else of
        # them: an episode in a stage judged on the exercise logs alone reads none).
        statuses = selectors.episodes_rehab(
            episodes=open_episodes(patient=patient), judged_only=True
        )
        return {
            "patient": patient,
            "rows": [
                {
                    "status": status,
                    "previous": selectors.previous_episode(
                        episode=status.episode, episodes=episodes, summaries=summaries
                    ),
                }
                for status in statuses
            ],
            "summaries": summaries,
        }

    return [Panel(context=context, order=25, draw=rehab_panel_tags.draw_panel)]


def timeline_entries(*, user, patient) -> list[TimelineEntry]:
    """Each stage change (clinical roles only; one query)."""
    if not has_role(user, CLINICAL):
        return []
    # Newest first, as the stage changes are listed elsewhere (the timeline sorts by time).
    changes = reversed(selectors.stage_changes_of_patient(patient=patient))
    entries = []
    for change in changes:
        entries.append(
            TimelineEntry(
                when=change.decided_at,
                kind="stage",
                title=f"{display(change, 'direction')} to {change.to_label}",
                detail=f"By {change.decided_by}"
                + ("" if change.criteria_met else ": criteria not all met"),
                episode_id=change.episode_id,
            )
        )
    return entries


def portal_reads(*, day, week_before, now) -> dict:
    """The portal home's statement brings the open episodes' stages
    (`selectors.portal_home_reads`)."""
    return selectors.portal_home_reads()


def portal_panels(*, user, patient) -> list[Panel]:
    """The patient's stage in plain words, with a link to what it takes to move on (one
    query); nothing before a diagnosis is confirmed."""

    def context() -> dict:
        found = selectors.portal_stage(patient=patient)
        return {"stage": found[0], "stages": found[1]} if found else {}

    return [Panel(draw=_portal_stage_html, context=context, order=12)]


def _portal_stage_html(values: dict, csrf_token) -> SafeString:
    """The stage card of the portal home, drawn in Python (it is on every view): the stage's
    name and what it means in plain words, and the link to what it takes to move on."""
    stage = values.get("stage")
    if not stage:
        return mark_safe("\n")  # nosec B703 B308
    return mark_safe(  # noqa: S308 (every value escaped)  # nosec B703 B308
        "\n"
        '<div class="col-12 col-lg-6">\n'
        '<section class="card h-100" aria-labelledby="stage-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="stage-heading">Your recovery stage</h2>\n'
        f'    <p class="mb-1"><strong>{escape(stage.label)}</strong></p>\n'
        f'    <p class="mb-2">{escape(stage.patient_text)}</p>\n'
        f'    <a href="{escape(fixed_url("portal:rehab"))}">What it takes to move on</a>\n'
        "  </div>\n"
        "</section>\n"
        "</div>\n\n"
    )


def discharge_extensions(*, user, episode, data=None) -> list[DischargeStep]:
    """The criteria for full running as they stand, the outcome measures, and the GP letter
    consent; discharging records the discharge summary with the consent given."""
    if not has_role(user, CLINICAL):
        return []
    measures = selectors.episode_measures(episode=episode)
    pain = selectors.pain_facts(episode=episode)
    status = selectors.episode_rehab(episode=episode, measures=measures, pain=pain)
    results = status.results
    if status.stage_list is not None and not status.is_last:
        last = status.stage_list.stages[-1]
        results = evaluate_stage(last, CATALOGUE.criteria, measures, pain)
    form = GpConsentForm(data)
    return [
        DischargeStep(
            template="rehab/includes/discharge_extension.html",
            finish=lambda *, episode, user: services.discharge_summary_record(
                episode=episode, user=user, **form.cleaned_data
            ),
            form=form,
            context={
                "status": status,
                "results": results,
                "measures": selectors.outcome_measures(episode=episode),
            },
        )
    ]
