"""clinic/rows.py: queries whose SQL is compiled once per process give what the ORM gives,
and a query that reads anything but its named values is refused rather than frozen."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from clinic.models import User
from clinic.rows import (
    Like,
    contains_pattern,
    prepared_list,
    prepared_row,
    prepared_tuples,
    row_by_pk,
)
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


def _staff_values(*, role_user_id: int):
    return (
        User.objects.filter(pk__gte=role_user_id)
        .annotate(groups_count=Count("groups"), shown=F("email"))
        .order_by("-pk")
        .values("public_id", "email", "date_joined", "id", "groups_count", "shown")
    )


def _annotation_first(*, role_user_id: int):
    return (
        User.objects.filter(pk__gte=role_user_id)
        .annotate(groups_count=Count("groups"), shown=F("email"))
        .order_by("-pk")
        .values("shown", "id", "groups_count", "public_id")
    )


def test_values_listing_an_annotation_before_a_field_keep_each_value_under_its_name(
    therapist, other_therapist
):
    for user in (therapist, other_therapist):
        expected = list(_annotation_first(role_user_id=user.pk))
        assert "@" in expected[0]["shown"]  # the email, under the name it was given
        found = prepared_list(
            "test_annotation_first", User, _annotation_first, role_user_id=user.pk
        )
        assert found == expected
        names, rows = prepared_tuples(
            "test_annotation_first", User, _annotation_first, role_user_id=user.pk
        )
        assert [dict(zip(names, row, strict=True)) for row in rows] == expected


def test_it_gives_values_as_tuples_in_the_order_of_the_dicts(therapist, other_therapist):
    for user in (therapist, other_therapist):
        expected = list(_staff_values(role_user_id=user.pk))
        names, rows = prepared_tuples(
            "test_staff_tuples", User, _staff_values, role_user_id=user.pk
        )
        assert [dict(zip(names, row, strict=True)) for row in rows] == expected
        assert prepared_list("test_staff_tuples", User, _staff_values, role_user_id=user.pk) == (
            expected
        )
    assert isinstance(rows[0][names.index("public_id")], uuid.UUID)  # converters applied


def test_it_refuses_tuples_of_instances(therapist):
    with pytest.raises(ValueError, match="values"):
        prepared_tuples("test_instances_tuples", User, _staff_like, role_user_id=therapist.pk)


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


def _by_public_id(*, public_id):
    return User.objects.filter(public_id=public_id)


def test_it_reads_by_public_id_and_refuses_another_kind_of_value_later(therapist, reception):
    for user in (therapist, reception):
        found = prepared_list("test_public_id", User, _by_public_id, public_id=user.public_id)
        assert [u.email for u in found] == [user.email]
    with pytest.raises(TypeError):
        prepared_list("test_public_id", User, _by_public_id, public_id=therapist.pk)


def _mine_or_above(*, user_id: int):
    # The same value twice: as a bound and inside an OR.
    return User.objects.filter(Q(pk=user_id) | Q(pk__gt=user_id)).order_by("pk")


def test_it_fills_in_a_value_used_more_than_once(therapist, other_therapist, reception):
    for user in (therapist, other_therapist, reception):
        found = prepared_list("test_twice", User, _mine_or_above, user_id=user.pk)
        assert found == list(_mine_or_above(user_id=user.pk))


def test_rows_for_user_compiles_once_per_kind_of_user(therapist, other_therapist, manager):
    """What the dashboard's panels rely on: the manager's query (every row) is not the
    therapist's (their own rows), though both are compiled once."""
    from clinic.panels import rows_for_user

    def mine(*, user):
        users = User.objects.order_by("pk")
        return users if user.is_superuser else users.filter(pk=user.pk)

    for user in (therapist, other_therapist, manager, therapist):
        found = rows_for_user("test_mine", User, mine, user=user)
        assert found == list(mine(user=user))
    assert len(rows_for_user("test_mine", User, mine, user=manager)) == 3


def _joined_between(*, since: dt.datetime, day: dt.date, role_user_id: int):
    return User.objects.filter(
        date_joined__gte=since, date_joined__date__lte=day, pk__gte=role_user_id
    ).order_by("pk")


def test_it_takes_dates_and_aware_datetimes_and_gives_what_the_orm_gives(therapist, reception):
    User.objects.filter(pk=therapist.pk).update(date_joined=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    User.objects.filter(pk=reception.pk).update(date_joined=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    windows = [
        (dt.datetime(2026, 2, 1, tzinfo=dt.UTC), dt.date(2026, 3, 5), [therapist]),
        (dt.datetime(2026, 3, 2, tzinfo=dt.UTC), dt.date(2026, 3, 31), [reception]),
        (dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.date(2026, 4, 30), []),
    ]
    first = min(therapist.pk, reception.pk)
    for since, day, joined in windows:
        values = {"since": since, "day": day, "role_user_id": first}
        found = prepared_list("test_joined_between", User, _joined_between, **values)
        assert found == list(_joined_between(**values)) == joined


def test_it_refuses_a_value_of_another_kind_than_it_was_compiled_for(therapist):
    values = {"since": timezone.now(), "day": dt.date(2026, 3, 5), "role_user_id": therapist.pk}
    prepared_list("test_kinds", User, _joined_between, **values)
    with pytest.raises(TypeError):
        prepared_list("test_kinds", User, _joined_between, **{**values, "day": therapist.pk})
    with pytest.raises(TypeError):  # a naive datetime has no one meaning
        prepared_list(
            "test_naive", User, _joined_between, **{**values, "since": dt.datetime(2026, 3, 1)}
        )


def test_it_refuses_a_value_that_reaches_the_sql_as_another(therapist):
    def joined_after(*, day: dt.date):
        return User.objects.filter(date_joined__date__gt=day - dt.timedelta(days=1))

    with pytest.raises(ValueError, match="not a plain function"):
        prepared_list("test_day_before", User, joined_after, day=dt.date(2026, 3, 5))


def _by_key_counted(*, key):
    return User.objects.filter(public_id=key).annotate(groups_count=Count("groups"))


def test_it_reads_by_public_id_what_the_orm_reads(therapist, other_therapist):
    for user in (therapist, other_therapist):
        found = prepared_list("test_by_public_id", User, _by_key_counted, key=user.public_id)
        assert found == [user]
        assert (found[0].email, found[0].groups_count) == (user.email, 0)
    assert prepared_list("test_by_public_id", User, _by_key_counted, key=uuid.uuid4()) == []


def test_it_refuses_a_public_id_that_is_not_a_uuid(therapist):
    with pytest.raises(TypeError):
        prepared_list("test_by_str", User, _by_key_counted, key=str(therapist.public_id))
    prepared_list("test_by_kind", User, _by_key_counted, key=therapist.public_id)
    with pytest.raises(TypeError, match="another kind"):
        prepared_list("test_by_kind", User, _by_key_counted, key=therapist.pk)


def _users_named(*, user_id: int):
    return User.objects.filter(pk=user_id)


def _users_after(*, user_id: int):
    return User.objects.filter(pk__gt=user_id)


def test_it_refuses_one_name_for_two_different_queries(therapist):
    """Two apps choosing the same name would otherwise get the first one's SQL, silently."""
    assert prepared_list("test_one_name", User, _users_named, user_id=therapist.pk) == [therapist]
    with pytest.raises(ValueError, match="another query"):
        prepared_list("test_one_name", User, _users_after, user_id=therapist.pk)


def test_it_tells_apart_two_dashboard_queries_under_one_name(therapist):
    from clinic.panels import rows_for_user

    def mine(*, user):
        return User.objects.filter(pk=user.pk)

    def others(*, user):
        return User.objects.exclude(pk=user.pk)

    assert rows_for_user("test_dash_name", User, mine, user=therapist) == [therapist]
    with pytest.raises(ValueError, match="another query"):
        rows_for_user("test_dash_name", User, others, user=therapist)


def test_every_compiled_query_in_the_code_has_its_own_name():
    """The runtime check above fires only when both queries run in one process; this one reads
    the source, so two apps can never pick the same name unnoticed."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    call = re.compile(r"\b(?:prepared_list|prepared_tuples|prepared_row|rows?_for_user)\(")
    named = re.compile(
        r"\b(?:prepared_list|prepared_tuples|prepared_row|rows?_for_user)\(\s*f?\"([^\"]+)\""
    )
    calls, names = 0, []
    for path in root.rglob("*.py"):
        if {".venv", "tests", "scripts", "migrations"} & set(path.relative_to(root).parts):
            continue
        text = path.read_text()
        calls += sum(1 for m in call.finditer(text) if text[m.start() - 4 : m.start()] != "def ")
        names += named.findall(text)
    assert calls == len(names), "every call names its query with a plain string literal"
    assert len(names) > 20
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert duplicates == []


# --- Prepared once per connection (PostgreSQL) -------------------------------------------------


_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _on_server(name_prefix: str = "clinic_rows_") -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements WHERE name LIKE %s", [name_prefix + "%"]
        )
        return {name for (name,) in cursor.fetchall()}


def _staff_named(*, prefix_user_id: int):
    # A constant with "%" in it (LIKE patterns reach the SQL as parameters) and an "_" in the
    # pattern: both must reach the server as they were, whatever is prepared.
    return User.objects.filter(pk__gte=prefix_user_id, email__contains="%_x").order_by("pk")


@_postgresql
def test_the_server_plans_a_statement_once_per_connection_then_only_runs_it(therapist, reception):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        found = prepared_list("test_prepared_once", User, _staff_like, role_user_id=therapist.pk)
    assert found == list(_staff_like(role_user_id=therapist.pk))
    assert len(first) == 1  # PREPARE and EXECUTE in one round trip: one query as pins count
    assert first[0]["sql"].startswith("PREPARE clinic_rows_")
    name = first[0]["sql"].split()[1]
    assert name in _on_server()
    with CaptureQueriesContext(connection) as later:
        found = prepared_list("test_prepared_once", User, _staff_like, role_user_id=reception.pk)
    assert found == list(_staff_like(role_user_id=reception.pk))
    assert [q["sql"] for q in later] == [f"EXECUTE {name}({reception.pk})"]


def _with_subqueries(*, user_id: int):
    from django.db.models import OuterRef, Subquery

    later = User.objects.filter(pk__gt=OuterRef("pk")).order_by("pk").values("email")[:1]
    return (
        User.objects.filter(pk=user_id)
        .order_by()
        .values(next_email=Subquery(later), groups_count=Count("groups"))
    )


def test_a_row_of_subqueries_is_what_the_orm_gives(therapist, other_therapist):
    for user in (therapist, other_therapist):
        found = prepared_row("test_prepared_row", User, _with_subqueries, user_id=user.pk)
        assert found == _with_subqueries(user_id=user.pk).get()
    assert prepared_row("test_prepared_row", User, _with_subqueries, user_id=10**9) is None


@_postgresql
def test_a_row_of_subqueries_is_prepared_with_its_select_list_inside(therapist, reception):
    """`EXECUTE` copies a statement's select list on every run: `prepared_row` prepares the
    ORM's SQL as a subquery, so that the copy is of plain columns, not the subqueries."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        prepared_row("test_prepared_row_outer", User, _with_subqueries, user_id=therapist.pk)
    assert " AS SELECT * FROM (SELECT (SELECT " in first[0]["sql"]
    name = first[0]["sql"].split()[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        assert ") q; EXECUTE " in cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as later:
        found = prepared_row(
            "test_prepared_row_outer", User, _with_subqueries, user_id=reception.pk
        )
    assert [q["sql"] for q in later] == [f"EXECUTE {name}({reception.pk})"]
    assert found == _with_subqueries(user_id=reception.pk).get()


@_postgresql
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_a_new_connection_prepares_again(therapist):
    prepared_list("test_prepared_reconnect", User, _staff_like, role_user_id=therapist.pk)
    assert row_by_pk(User, therapist.pk) == therapist
    connection.close()  # as after CONN_MAX_AGE, a database restart or a broken connection
    assert _on_server() == set()
    found = prepared_list("test_prepared_reconnect", User, _staff_like, role_user_id=therapist.pk)
    assert found == list(_staff_like(role_user_id=therapist.pk))
    assert row_by_pk(User, therapist.pk) == therapist
    assert len(_on_server()) >= 2


@_postgresql
def test_constants_with_percent_signs_reach_the_server_unchanged(therapist):
    odd = make_user("a%_x@test.example", User.Role.THERAPIST)
    make_user("a-x@test.example", User.Role.THERAPIST)  # "_" must not match as a wildcard here
    for _ in range(2):  # prepared, then executed
        found = prepared_list("test_prepared_percent", User, _staff_named, prefix_user_id=0)
        assert found == [odd] == list(_staff_named(prefix_user_id=0))


@_postgresql
def test_dates_datetimes_and_uuids_keep_their_meaning_when_prepared(therapist, reception):
    def joined_between(*, since: dt.datetime, day: dt.date, public_id: uuid.UUID):
        return User.objects.filter(
            date_joined__gte=since, date_joined__date__lte=day, public_id=public_id
        )

    now = timezone.now()
    for user in (therapist, reception, therapist):
        values = {
            "since": now - dt.timedelta(days=1),
            "day": now.date() + dt.timedelta(days=1),
            "public_id": user.public_id,
        }
        found = prepared_list("test_prepared_kinds", User, joined_between, **values)
        assert found == [user] == list(joined_between(**values))
    later = {
        "since": now + dt.timedelta(days=1),
        "day": now.date(),
        "public_id": reception.public_id,
    }
    assert prepared_list("test_prepared_kinds", User, joined_between, **later) == []


@_postgresql
def test_where_statements_are_not_prepared_it_sends_the_sql_itself(therapist):
    # PgBouncer in transaction mode: `config/databases.py` turns preparing off there.
    from django.test.utils import CaptureQueriesContext

    assert row_by_pk(User, therapist.pk) == therapist  # prepared on this connection now
    before = _on_server()
    connection.settings_dict["PREPARED_STATEMENTS"] = False
    try:
        with CaptureQueriesContext(connection) as captured:
            found = prepared_list("test_prepared_off", User, _staff_like, role_user_id=therapist.pk)
            assert row_by_pk(User, therapist.pk) == therapist
    finally:
        connection.settings_dict["PREPARED_STATEMENTS"] = True
    assert found == list(_staff_like(role_user_id=therapist.pk))
    assert [q["sql"].split()[0] for q in captured] == ["SELECT", "SELECT"]
    assert _on_server() == before


def test_pgbouncer_settings_turn_preparing_off():
    from pathlib import Path

    from clinic.env import EnvReader
    from config.databases import databases_from_env

    url = "postgres://u:p@127.0.0.1:6432/apex"
    direct = databases_from_env(EnvReader({"DATABASE_URL": url}), var_dir=Path("/tmp"))
    pooled = databases_from_env(
        EnvReader({"DATABASE_URL": url, "DATABASE_PGBOUNCER": "true"}), var_dir=Path("/tmp")
    )
    assert direct["default"]["PREPARED_STATEMENTS"] is True
    assert pooled["default"]["PREPARED_STATEMENTS"] is False


# --- LIKE patterns: the caller's text, compiled once, planned with its value -------------------


def _email_like(*, pattern):
    return User.objects.filter(Like(F("email"), pattern)).order_by("pk")


def test_a_like_pattern_finds_what_contains_finds(therapist, reception):
    odd = make_user("a%_x@test.example", User.Role.THERAPIST)
    make_user("a-x@test.example", User.Role.THERAPIST)  # "_" is not a wildcard in the text
    make_user("ab%x@test.example", User.Role.THERAPIST)  # nor "%"
    for text in ("%_x", "test.example", "nobody", therapist.email[:5]):
        found = prepared_list(
            "test_like_pattern", User, _email_like, pattern=contains_pattern(text)
        )
        assert found == list(User.objects.filter(email__contains=text).order_by("pk"))
    assert prepared_list(
        "test_like_pattern", User, _email_like, pattern=contains_pattern("%_x")
    ) == [odd]


def test_a_like_pattern_gives_the_sql_contains_gives():
    # The same SQL as `contains` (the cast included), so an index built for one serves both.
    ours = User.objects.filter(Like(F("email"), contains_pattern("A_b")))
    theirs = User.objects.filter(email__contains="A_b")
    assert str(ours.query) == str(theirs.query)


def test_plain_text_is_refused_where_a_pattern_is_wanted(therapist):
    with pytest.raises(TypeError):
        prepared_list("test_like_plain", User, _email_like, pattern="%x%")


@_postgresql
def test_a_statement_with_a_pattern_is_planned_by_the_server_with_its_pattern(therapist):
    # A plan kept for every pattern could not tell whether an index helps: such a statement is
    # compiled once, but sent as SQL with its values each time, never prepared on the server.
    from django.test.utils import CaptureQueriesContext

    before = _on_server()
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            found = prepared_list(
                "test_like_server", User, _email_like, pattern=contains_pattern(therapist.email)
            )
        assert found == [therapist]
        assert [q["sql"].split()[0] for q in captured] == ["SELECT"]
    assert _on_server() == before
