"""Pages that gather content from several apps ask each app for panels.

An app contributes by defining any of these functions in `<app>/panels.py`:

* `dashboard_panels(*, user)`: the therapist dashboard;
* `dashboard_reads(*, user)`: columns of the dashboard's one statement on the user's own row
  for the app's dashboard panels (whole subqueries; `dashboard_read` below);
* `patient_panels(*, user, patient)`: the staff patient page;
* `portal_panels(*, user, patient)`: the patient's portal home;
* `portal_reads(*, day, week_before, now)`: what the portal home's one statement reads for the
  app's portal panels (annotations on the patient's row; `portal_read` below);
* `timeline_entries(*, user, patient)`: dated entries for the patient page's timeline;
* `patient_page_reads(*, user, patient)`: the reads its patient-page panels and timeline make
  for this user, which the page runs as one statement (patients/page_rows.py).

Each returns a list (possibly empty: an app decides for itself what a role may see). Apps
stay independent of one another: the page that shows the panels imports none of them.

Panels are built afresh on every request, from the database: nothing to invalidate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from django.template import Context
from django.template.loader import get_template

from clinic.plugins import plugin_modules
from clinic.rows import prepared_list, prepared_row


@dataclass
class Panel:
    """`context` may be a function returning the dict, called only when the panel is rendered.

    A panel drawn on every view of a busy page may give `draw` instead of a template: a
    function of its context and the page's CSRF token returning the panel's markup (safe HTML,
    every value escaped), which `{% render_panel %}` puts in the page as it is."""

    template: str = ""
    context: dict | Callable[[], dict] = field(default_factory=dict)
    order: int = 100
    draw: Callable[[dict, object], str] | None = None

    def values(self) -> dict:
        """The panel's template context (computing it now when it was deferred)."""
        return self.context() if callable(self.context) else self.context


@dataclass
class DischargeStep:
    """What discharging an episode does in another app (`discharge_extensions` in its
    panels.py): `template` tells the clinician before they confirm, `finish(episode=, user=)`
    runs in the transaction that discharges the episode, once every part's `form` is valid.
    `form` is bound to the request's data: an empty `forms.Form` when there is nothing to
    fill, or the app's own form (rehab's GP letter consent), whose `cleaned_data` its
    `finish` reads."""

    template: str
    finish: Callable[..., None]
    form: object = None
    context: dict = field(default_factory=dict)

    def record(self, *, episode, user) -> None:
        self.finish(episode=episode, user=user)


@dataclass
class TimelineEntry:
    when: dt.datetime | dt.date
    kind: str
    title: str
    url: str = ""
    detail: str = ""
    episode_id: int | None = None


def template_text(name: str, values: dict, csrf_token) -> str:
    """A panel's template rendered as `{% render_panel %}` renders it (its own context, the
    page's CSRF token, no context processors): for a `draw` function that draws the common
    case in Python and leaves a rarer one to its template."""
    return get_template(name).template.render(Context({**values, "csrf_token": csrf_token}))


def rows_for_user(name: str, model, build: Callable, *, user) -> list:
    """`list(build(user=user))` with SQL compiled once per process for each kind of user
    (clinic/rows.py): for the dashboard's queries, which depend only on who is asking. `build`
    may read the user's key, role and whether they are the manager (superuser), nothing else
    (a stand-in user with those is what it gets while the SQL is compiled)."""
    kind, by_key = _for_user(build, user)
    return prepared_list(f"{name}:{kind}", model, by_key, user_id=user.pk)


def row_for_user(name: str, model, build: Callable, *, user) -> dict | None:
    """`rows_for_user` for a `build` ending in `.values()` whose columns are whole subqueries
    (several lists read in one statement): its first row, as `clinic.rows.prepared_row`."""
    kind, by_key = _for_user(build, user)
    # Named apart from `rows_for_user`'s, whose statements are another shape.
    return prepared_row(f"{name}:row:{kind}", model, by_key, user_id=user.pk)


def _for_user(build: Callable, user) -> tuple[str, Callable]:
    """The kind of user the SQL is compiled for, and `build` taking the user's key."""
    kind = f"{user.role}:{'manager' if user.is_superuser else 'staff'}"

    def by_key(*, user_id: int):
        model = user._meta.model  # the User class, also through the request's lazy user
        return build(user=model(pk=user_id, role=user.role, is_superuser=user.is_superuser))

    return kind, by_key


def panel_modules() -> tuple[ModuleType, ...]:
    """Every app's `panels` module (clinic/plugins.py), in INSTALLED_APPS order."""
    return plugin_modules("panels")


def collect(hook: str, **kwargs) -> list:
    """Call `hook` in every app that defines it; panels come back sorted by their order."""
    results: list = []
    for module in panel_modules():
        function = getattr(module, hook, None)
        if function is not None:
            results.extend(function(**kwargs))
    if results and isinstance(results[0], Panel):
        results.sort(key=lambda panel: panel.order)
    return results


def timeline(**kwargs) -> list[TimelineEntry]:
    """All apps' timeline entries for a patient, newest first."""

    def sort_key(entry: TimelineEntry) -> dt.datetime:
        when = entry.when
        if isinstance(when, dt.datetime):
            return (
                when.replace(tzinfo=None)
                if when.tzinfo is None
                else when.astimezone(dt.UTC).replace(tzinfo=None)
            )
        return dt.datetime.combine(when, dt.time.max)

    return sorted(collect("timeline_entries", **kwargs), key=sort_key, reverse=True)


#: Where `portal_read` finds what the portal home's one statement read for each app
#: (portal.selectors.home_reads, from the apps' `portal_reads(*, day, week_before, now)` hooks:
#: a dict of annotations on the patient's row, each correlated through `OuterRef("pk")`).
PORTAL_READS = "_portal_reads"
#: `portal_read`'s answer for a read nobody made: the app reads it itself.
NOT_READ = object()


def portal_read(patient, name: str):
    """What the portal home's statement brought for the app's `name` on this patient object,
    or NOT_READ (another page, a test calling a panel directly): the caller then reads it with
    a statement of its own."""
    reads = patient.__dict__.get(PORTAL_READS)
    return NOT_READ if reads is None else reads.get(name, NOT_READ)


#: Where the dashboard view leaves its statement's row (`dashboard_reads_start`), read at the
#: first `dashboard_read`.
DASHBOARD_READS = "_dashboard_reads"


def dashboard_reads_start(user) -> None:
    """For the dashboard view: its panels' `dashboard_read`s share one statement, every app's
    `dashboard_reads(*, user)` columns on the user's own row, run when the first panel asks
    (a non-clinical user's page asks for none). A statement that finds nothing still costs the
    server a round trip, and most of the dashboard's cards find nothing."""
    user.__dict__[DASHBOARD_READS] = {}


def dashboard_read(user) -> dict | None:
    """The dashboard statement's row (each app reads its own columns), or None outside the
    dashboard view (a test calling a panel directly): the caller then reads with a statement
    of its own."""
    held = user.__dict__.get(DASHBOARD_READS)
    if held is None:
        return None
    if "row" not in held:
        held["row"] = row_for_user("clinic.panels.dashboard", type(user), _dashboard_row, user=user)
    return held["row"]


def _dashboard_row(*, user):
    columns: dict = {}
    for module in panel_modules():
        function = getattr(module, "dashboard_reads", None)
        if function is not None:
            columns.update(function(user=user))
    return type(user).objects.filter(pk=user.pk).values(**columns)
