import datetime as dt

import factory

from patients.models import Episode, Patient


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Sequence(lambda n: f"Runner{n}")
    last_name = factory.Sequence(lambda n: f"Miles{n}")
    date_of_birth = dt.date(1985, 6, 1)
    email = factory.LazyAttribute(lambda p: f"{p.first_name.lower()}@runners.example")
    # Valid UK mobile numbers: the 07700 900xxx drama range fails phone validation.
    phone = factory.Sequence(lambda n: f"+447911{n:06d}")
    time_zone = "Europe/London"


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    number = factory.Sequence(lambda n: n + 1)
    side = Episode.Side.LEFT
    started_on = dt.date(2026, 1, 10)
