import datetime as dt

import pytest
import time_machine

from tests.patients.factories import EpisodeFactory, PatientFactory

#: Thursday 3 December 2026, noon in London.
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat", last_name="Runner")


@pytest.fixture
def my_episode(me):
    return EpisodeFactory(patient=me, started_on=TODAY - dt.timedelta(days=60))
