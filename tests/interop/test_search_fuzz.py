"""Any query string on any search: a page (200) or a clear refusal (400), never a 500."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from interop.registry import REGISTRY

pytestmark = pytest.mark.django_db

NAMES = st.sampled_from(["patient", "_id", "date", "_count", "_offset", "_format", "code"])
VALUES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.from_regex(r"(eq|lt|le|gt|ge|ne|sa)?\d{4}-\d{2}-\d{2}", fullmatch=True),
    st.uuids().map(str),
    st.integers(min_value=-5, max_value=10**12).map(str),
)


@pytest.mark.parametrize("resource_type", sorted(REGISTRY))
def test_it_answers_any_search_with_a_page_or_a_refusal(record, therapist_api, resource_type):
    url = reverse("interop:search", args=[resource_type])

    @hypothesis_settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(query=st.lists(st.tuples(NAMES, VALUES), max_size=4))
    def check(query):
        with transaction.atomic():
            response = therapist_api.get(url, list(query))
            transaction.set_rollback(True)
        assert response.status_code in (200, 400), (query, response.content[:300])
        assert response["Content-Type"] == "application/fhir+json"

    check()
