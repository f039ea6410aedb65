"""Which earlier visit a follow-up is compared with, from the episode's versions: plain Python.

`selectors._episode_visits` reads every version of every assessment of an episode (a handful)
in one query; the baseline, the last visit and the chain of a version's own earlier versions
are worked out here from that list instead of a query each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assessments.models import Assessment

FINAL = Assessment.Status.FINAL


def _newest(candidates: Iterable[Assessment]) -> Assessment | None:
    return max(candidates, key=lambda visit: (visit.assessed_on, visit.created_at), default=None)


def baseline(versions: Sequence[Assessment]) -> Assessment | None:
    """The newest final intake that no later version amends."""
    amended = {visit.supersedes_id for visit in versions}
    return _newest(
        visit
        for visit in versions
        if visit.kind == Assessment.Kind.INTAKE
        and visit.status == FINAL
        and visit.pk not in amended
    )


def last_visit(versions: Sequence[Assessment], assessment: Assessment | None) -> Assessment | None:
    """The newest final assessment, intake or follow-up, before `assessment` (or before a new
    one when it is None). A visit counts in the version in force (a final amendment replaces
    the version it amends); `assessment`'s own earlier versions are never its last visit."""
    replaced = {visit.supersedes_id for visit in versions if visit.status == FINAL}
    candidates = [visit for visit in versions if visit.status == FINAL and visit.pk not in replaced]
    if assessment is None:
        return _newest(candidates)
    by_pk = {visit.pk: visit for visit in versions}
    own, earlier = {assessment.pk}, assessment.supersedes_id
    while earlier is not None and earlier not in own:
        own.add(earlier)
        earlier = by_pk[earlier].supersedes_id if earlier in by_pk else None
    when = (assessment.assessed_on, assessment.created_at)
    return _newest(
        visit
        for visit in candidates
        if visit.pk not in own and (visit.assessed_on, visit.created_at) < when
    )
