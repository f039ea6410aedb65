"""The dashboard's queries are compiled once per kind of user (clinic.panels.rows_for_user):
each therapist still sees only their own patients' comments, whoever opened it first, and
the manager everyone's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.models import SessionLog
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("clinic:dashboard")
START = timezone.localdate() - dt.timedelta(30)


def _comment(plan, text: str) -> None:
    entry = log(plan, timezone.localdate() - dt.timedelta(days=1))
    SessionLog.objects.filter(pk=entry.pk).update(comment=text)


def _dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_each_therapist_their_own_comments_and_the_manager_all(
    therapist, other_therapist, manager
):
    _comment(published_plan(therapist=therapist, start_date=START), "Comment for Tess")
    _comment(published_plan(therapist=other_therapist, start_date=START), "Comment for Colin")

    tess, colin, boss, tess_again = (
        _dashboard(user) for user in (therapist, other_therapist, manager, therapist)
    )

    assert "Comment for Tess" in tess
    assert "Comment for Colin" not in tess
    assert "Comment for Colin" in colin
    assert "Comment for Tess" not in colin
    assert "Comment for Tess" in boss
    assert "Comment for Colin" in boss
    assert "Comment for Tess" in tess_again
    assert "Comment for Colin" not in tess_again
