"""clinic/rows.py: queries whose SQL is compiled once per process give what the ORM gives,
and a query that reads anything but its named values is refused rather than frozen."""

from __future__ import annotations

import uuid

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from clinic.models import User
from clinic.rows import prepared_list, prepared_list_by_key, row_by_pk
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _staff_like(*, role_user_id: int):
    return (
        User.objects.filter(Q(pk__gte=role_user_id) | Q(is_superuser=True))
        .annotate(groups_count=Count("groups"))
        .order_by("-pk")
    )


def test_it_gives_what_the_orm_gives_for_each_new_value(therapist, other_therapist, reception):
    for user in (therapist, other_therapist, reception):
        expected = list(_staff_like(role_user_id=user.pk))
        found = prepared_list("test_staff_like", User, _staff_like, role_user_id=user.pk)
        assert found == expected
        assert [u.groups_count for u in found] == [u.groups_count for u in expected]
        assert [u.email for u in found] == [u.email for u in expected]


def test_it_refuses_a_query_that_reads_the_clock(therapist):
    def joined_before_now(*, user_id: int):
        return User.objects.filter(pk=user_id, date_joined__lte=timezone.now())

    with pytest.raises(ValueError, match="not a plain function"):
        prepared_list("test_clock", User, joined_before_now, user_id=therapist.pk)


def test_it_refuses_joined_rows_it_cannot_build(therapist):
    def with_related(*, user_id: int):
        return User.objects.filter(pk=user_id).prefetch_related("groups")

    with pytest.raises(ValueError, match="not a plain function"):
        prepared_list("test_prefetch", User, with_related, user_id=therapist.pk)


def test_it_refuses_values_that_are_not_integers(therapist):
    with pytest.raises(TypeError):
        prepared_list("test_str", User, _staff_like, role_user_id=str(therapist.pk))


def test_it_reads_by_primary_key_what_the_orm_reads():
    user = make_user("rows@test.example", User.Role.THERAPIST)
    assert row_by_pk(User, user.pk).email == "rows@test.example"
    assert row_by_pk(User, "junk") is None


def _by_public_id(*, key):
    return User.objects.filter(public_id=key).annotate(groups_count=Count("groups"))


def test_it_reads_by_public_id_what_the_orm_reads(therapist, other_therapist):
    for user in (therapist, other_therapist):
        found = prepared_list_by_key("test_by_public_id", User, _by_public_id, key=user.public_id)
        assert found == [user]
        assert (found[0].email, found[0].groups_count) == (user.email, 0)
    assert prepared_list_by_key("test_by_public_id", User, _by_public_id, key=uuid.uuid4()) == []


def test_it_refuses_a_public_id_that_is_not_a_uuid(therapist):
    with pytest.raises(TypeError):
        prepared_list_by_key("test_by_str", User, _by_public_id, key=str(therapist.public_id))
    prepared_list_by_key("test_by_kind", User, _by_public_id, key=therapist.public_id)
    with pytest.raises(TypeError, match="changed kind"):
        prepared_list_by_key("test_by_kind", User, _by_public_id, key=therapist.pk)
