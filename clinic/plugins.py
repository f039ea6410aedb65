"""How apps plug into pages and tools they do not own: one module of an agreed name per app.

The foundation never lists apps. An app takes part by having the module:

* `<app>/panels.py`: page panels (clinic/panels.py), `discharge_extensions` for the
  discharge page (patients/views.py), `calendar_note_state` for the day and week
  calendars' read (bookings/selectors.py: each visit's session-note state with its appointment),
  and `patient_visit_note_columns` for the patient page's read of the appointments
  (bookings/panels.py: each attended visit's note, from which the page lists the recent visits);
* `<app>/demo.py`: demo data (clinic/demo.py);
* `<app>/reminders.py`: reminder sources (notifications/sources.py);
* `<app>/measures.py`: `latest_measures(*, episode) -> {key: {"value", "on", "source"}}`,
  the readings rehab's stage criteria use (rehab/selectors.episode_measures: the newest "on"
  wins per key). Keys: `slr_angle_affected_deg`, `slr_angle_other_deg`,
  `slump_knee_ext_deficit_deg`, `knee_flexion_strength_pct` (affected side as % of the other),
  `h_test` ("negative" / "positive" / "not_done"), `run_programme_completed` (bool) and
  `run_programme_step` (str). It may also offer `latest_measures_of_episodes(*, episodes) ->
  {episode_id: {key: ...}}`, the same for several episodes in one read (the patient page);
* `<app>/trends.py`: `trend_series(*, episode) -> [{"key", "label", "points": [{"on",
  "value", "source"}]}]`, merged by key on the episode's trend page (assessments);
* `<app>/recurrence.py`: `recurrence_facts(*, episode)`, what was done in an earlier episode,
  shown when the patient comes back with a new one (rehab);
* `<app>/personal_data.py`: `records(*, patient) -> {label: queryset}` and `erase(*, patient)`,
  rows about the person that no foreign key ties to their record (a request sent before the
  record existed), for the subject-access export and erasure (patients/privacy.py).

Discovery is Django's own `autodiscover_modules`, the mechanism that finds every app's
`admin.py`.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import autodiscover_modules

#: The foundation defines the mechanisms; its own module of the same name is not a plug-in.
FOUNDATION = "clinic"


def _is_project_app(config) -> bool:
    """A top-level app in this repository, not an installed library that may reuse the name."""
    return Path(config.path).resolve().parent == Path(settings.BASE_DIR).resolve()


@cache
def plugin_modules(name: str) -> tuple[ModuleType, ...]:
    """Every project app's `<app>.<name>` module, in INSTALLED_APPS order.

    An import error inside an existing module propagates (a broken plug-in must not vanish
    silently); an app without the module is simply not in the result.
    """
    autodiscover_modules(name)
    return tuple(
        sys.modules[f"{config.name}.{name}"]
        for config in apps.get_app_configs()
        if config.name != FOUNDATION
        and _is_project_app(config)
        and f"{config.name}.{name}" in sys.modules
    )
