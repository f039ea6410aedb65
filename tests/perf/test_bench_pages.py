"""The two baseline pages `make bench` measures exist only when BENCH_ENDPOINTS is on."""

from __future__ import annotations

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls

pytestmark = pytest.mark.django_db


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def bench_on(settings):
    settings.BENCH_ENDPOINTS = True
    _reload_urls()
    yield
    settings.BENCH_ENDPOINTS = False
    _reload_urls()


def test_it_hides_the_baselines_by_default(client, therapist_client):
    assert client.get("/bench/hello").status_code == 404
    assert therapist_client.get("/bench/auth").status_code == 404


def test_it_answers_hello_to_anyone_without_touching_the_database(
    bench_on, client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/bench/hello")
    assert response.status_code == 200
    assert response.content == b"hello"


def test_it_sends_anonymous_visitors_from_the_signed_in_baseline_to_log_in(bench_on, client):
    response = client.get("/bench/auth")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_renders_the_layout_for_a_signed_in_user_with_no_clinic_data(
    bench_on, therapist_client, django_assert_num_queries
):
    therapist_client.get("/bench/auth")  # the first request also refreshes the idle timer
    # session, user: nothing about patients
    with django_assert_num_queries(2):
        response = therapist_client.get("/bench/auth")
    assert response.status_code == 200
    assert b"<nav" in response.content
