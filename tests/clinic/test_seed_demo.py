"""`seed_demo`: the demo accounts, run twice to the same result, refused in production, and
every row it writes valid by its model's rules and by the site's own forms (issue 12, item
10: the demo patient's phone was refused by the patient form, so the demo patient could not
be saved unchanged)."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import QueryDict

from clinic.models import User
from clinic.sites import Site
from patients.models import Episode, Patient
from tests.clinic.test_form_dates import APPS as PROJECT_APPS
from tests.clinic.test_form_dates import project_forms
from tests.security.html_forms import post_forms


def _snapshot():
    return (
        sorted(User.objects.values_list("email", "role", "password")),
        sorted(Patient.objects.values_list("public_id", "email")),
        sorted(Episode.objects.values_list("public_id", "number")),
    )


def _models():
    """The site's models, without django-simple-history's copies (written by the library,
    not by the seed)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical")
    ]


def _row_ids() -> dict[type, set]:
    return {model: set(model._base_manager.values_list("pk", flat=True)) for model in _models()}


def _written_by_seed() -> list:
    before = _row_ids()
    call_command("seed_demo")
    after = _row_ids()
    return [
        instance
        for model in _models()
        for instance in model._base_manager.filter(pk__in=after[model] - before[model])
    ]


def _model_forms() -> dict[type, list[type[forms.ModelForm]]]:
    found: dict[type, list] = {}
    for form in project_forms():
        if issubclass(form, forms.ModelForm) and form._meta.model is not None:
            found.setdefault(form._meta.model, []).append(form)
    return found


def _as_shown(form: forms.BaseForm) -> QueryDict:
    """What the form, rendered for its record, sends when submitted unchanged."""
    (shown,) = post_forms(f'<form method="post">{form.as_div()}</form>')
    data = QueryDict(mutable=True)
    for name, values in shown.post_data().items():
        data.setlist(name, values)
    return data


@pytest.mark.django_db
def test_it_creates_the_demo_accounts_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    emails = {email for email, _, _ in first[0]}
    assert {
        "therapist@example.com",
        "reception@example.com",
        "patient@example.com",
        "manager@example.com",
    } <= emails
    patient = User.objects.get(email="patient@example.com")
    assert patient.check_password("apex-demo-pass")
    assert patient.patient.episodes.count() == 1
    # One site, as `make run` has always looked: no site chooser anywhere.
    assert list(Site.objects.values_list("slug", flat=True)) == ["main"]


@pytest.mark.django_db
def test_it_creates_a_manager_who_is_not_on_the_calendars(settings, client):
    from bookings.selectors import therapists

    settings.DEBUG = True
    call_command("seed_demo")
    manager = User.objects.get(email="manager@example.com")
    assert manager.check_password("apex-demo-pass")
    assert manager.is_manager
    assert manager.is_staff
    assert manager not in therapists()
    client.force_login(manager)
    assert client.get("/audit/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_writes_only_rows_that_pass_their_models_validation(settings):
    settings.DEBUG = True
    written = _written_by_seed()
    assert {type(row).__name__ for row in written} >= {"User", "Patient", "Appointment"}
    for row in written:
        try:
            row.full_clean()
        except ValidationError as error:
            pytest.fail(f"{type(row).__name__} {row}: {error}")


@pytest.mark.django_db
def test_it_writes_only_rows_that_their_edit_forms_save_unchanged(settings):
    settings.DEBUG = True
    written = _written_by_seed()
    by_model = _model_forms()
    checked = set()
    for row in written:
        for form_class in by_model.get(type(row), []):
            shown = _as_shown(form_class(instance=row))
            form = form_class(shown, instance=row)
            assert form.is_valid(), f"{form_class.__name__} refuses {row}: {form.errors}"
            checked.add(form_class.__name__)
    assert {"PatientForm", "EpisodeForm", "WorkingHoursForm"} <= checked
