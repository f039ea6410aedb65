"""The hot queries use indexes: EXPLAIN every query they run on a generated data set.

PostgreSQL only (the planner is the thing under test). The data set comes from the
`seed_load` generator at PATIENTS patients, large enough, once ANALYZEd, for the planner to
prefer a good index over reading a whole table. A sequential scan of any table holding more
than LARGE_TABLE_ROWS rows fails the test, naming the query and the table.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.rows import logged_sql
from tests.perf.conftest import World, loaded, url

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"),
]

PATIENTS = 3000
LARGE_TABLE_ROWS = 1000
# Reads that are whole-table by nature, so PostgreSQL is right to scan: the dashboard loads the
# patients of every active plan the therapist prescribed (their time zones decide "today"),
# about 1 in 20 patients, scattered over the table: more pages by index than by a plain scan.
# The comment inbox reads the ids of the plans the therapist prescribed in the same way (in
# this data set one therapist in six wrote them, scattered over the table).
ACCEPTED = {
    ("dashboard alerts", "patients_patient"),
    ("dashboard alerts", "exercises_exerciseplan"),
}
# Reads whose size follows how much is due, not the table: at the busiest minute the
# dispatcher reads the patients and plans of a fifth of this small data set, where a
# sequential scan is the planner's right choice, and of a far smaller share in a clinic of
# real size. For these the test asks only that an index could serve every read (`_scans`
# with sequential scans turned off), whatever the share due when the tests run.
BATCHES = {"reminder dispatcher"}


def _pages(world: World) -> dict[str, tuple[str, str]]:
    therapist = world.therapist.public_id
    follow_up = world.follow_up.public_id
    return {
        "patient search": ("therapist", url("patients:list", query="q=patel")),
        "patient search by phone": ("reception", url("patients:list", query="q=07700900123")),
        "therapist day calendar": (
            "reception",
            url("bookings:home", query=f"therapist={therapist}"),
        ),
        "therapist week calendar": (
            "reception",
            url("bookings:week", query=f"therapist={therapist}"),
        ),
        "free slot with a therapist": (
            "reception",
            url("bookings:find_slot", query=f"appointment_type={follow_up}&therapist={therapist}"),
        ),
        "free slot with anyone": (
            "reception",
            url("bookings:find_slot", query=f"appointment_type={follow_up}"),
        ),
        "portal home": ("patient", url("portal:home")),
        "dashboard alerts": ("therapist", url("clinic:dashboard")),
    }


def _selects(queries: list[dict]) -> list[str]:
    """The SELECTs, and the statements prepared once per connection (`clinic/rows.py`) as the
    `EXECUTE` that runs them: `EXPLAIN EXECUTE` shows the plan the server keeps for them."""
    statements = []
    for query in queries:
        sql = query["sql"]
        if " CURSOR " in sql[:80] and " FOR SELECT " in sql:
            sql = sql[sql.index(" FOR SELECT ") + len(" FOR ") :]
        if sql.startswith("PREPARE "):
            sql = sql[sql.rindex("; EXECUTE ") + 2 :]
        if sql.lstrip().upper().startswith(("SELECT", "EXECUTE ")):
            statements.append(sql)
    return statements


def _large_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
            [LARGE_TABLE_ROWS],
        )
        return {row[0] for row in cursor.fetchall()}


def _scans(sql: str, large: set[str], *, seqscan: bool = True) -> tuple[list[str], set[str]]:
    """The large tables the plan reads sequentially, and every index it reads. With `seqscan`
    False the planner avoids sequential scans wherever an index can serve the read, so a
    sequential scan left in the plan means no index can."""
    with connection.cursor() as cursor:
        if not seqscan:
            cursor.execute("SET enable_seqscan = off")
        if sql.startswith("EXECUTE "):
            # After five runs the server may keep one plan for every value (a generic plan):
            # that one, too, must read large tables through indexes.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("RESET enable_seqscan")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, indexes, nodes = [], set(), [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] in large:
            found.append(node["Relation Name"])
        if "Index Name" in node:
            indexes.add(node["Index Name"])
        nodes.extend(node.get("Plans", []))
    return found, indexes


def _dispatcher_queries() -> list[dict]:
    """The dispatcher's statements at the minute the most schedules fall due, whatever the
    hour the tests run: a batch of hundreds, so every read of a sending cycle runs (at a quiet
    minute only the search for due schedules would)."""
    from django.db.models import Count

    from notifications.models import ReminderSchedule
    from notifications.tasks import reminders_dispatch_queued

    busiest = (
        ReminderSchedule.objects.filter(next_due_at__isnull=False)
        .values("next_due_at")
        .annotate(due=Count("id"))
        .order_by("-due", "next_due_at")
        .first()
    )
    with CaptureQueriesContext(connection) as queries:
        result = reminders_dispatch_queued(now=busiest["next_due_at"])
    assert result.created >= 100, result  # a real batch, not a quiet minute
    return list(queries.captured_queries)


@pytest.fixture(scope="module")
def plans(django_db_setup, django_db_blocker) -> dict[str, list[tuple[str, list[str]]]]:
    """Per hot path: every SELECT it ran, with the large tables it reads sequentially and the
    indexes it reads."""
    with django_db_blocker.unblock(), loaded(PATIENTS) as world:
        large = _large_tables()
        clients = {role: world.client_for(role) for role in ("therapist", "reception", "patient")}
        captured = {}
        for name, (role, target) in _pages(world).items():
            clients[role].get(target)
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(target)
            assert response.status_code == 200, name
            # Copied now: the connection's query log is a ring buffer that moves on.
            captured[name] = list(queries.captured_queries)
        captured["reminder dispatcher"] = _dispatcher_queries()
        results = {
            name: [
                (sql, *_scans(sql, large, seqscan=name not in BATCHES)) for sql in _selects(queries)
            ]
            for name, queries in captured.items()
        }
        results["(data set)"] = [("large tables", sorted(large), set())]
        results["(searches by surname)"] = _surname_searches(clients["therapist"])
    return results


def _surname_searches(client) -> list[tuple[str, list[str]]]:
    """Per surname of the data set and its first three letters (as the bench's searches go),
    the indexes the search page's statement reads."""
    from patients.models import Patient

    surnames = set(Patient.objects.values_list("last_name", flat=True))
    terms = sorted({name.lower() for name in surnames} | {name[:3].lower() for name in surnames})
    found = []
    for term in terms:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("patients:list", query=f"q={term}")).status_code == 200
        (page,) = [sql for sql in _selects(queries) if "LIKE" in sql]
        found.append((term, sorted(_scans(page, set())[1])))
    return found


HOT_PATHS = [
    "patient search",
    "patient search by phone",
    "therapist day calendar",
    "therapist week calendar",
    "free slot with a therapist",
    "free slot with anyone",
    "portal home",
    "dashboard alerts",
    "reminder dispatcher",
]


def test_it_generates_large_tables_to_plan_against(plans):
    ((_, large, _),) = plans["(data set)"]
    for table in (
        "patients_patient",
        "bookings_appointment",
        "exercises_sessionlog",
        "notifications_reminderschedule",
        "notifications_reminderdelivery",
    ):
        assert table in large


@pytest.mark.parametrize("path", HOT_PATHS)
def test_it_reads_large_tables_through_indexes(plans, path):
    statements = plans[path]
    assert statements, f"{path} ran no SELECT at all"
    scans = [
        (tables, sql[:300])
        for sql, tables, _ in statements
        if any((path, table) not in ACCEPTED for table in tables)
    ]
    assert not scans, f"{path}: sequential scans of large tables: {scans}"


def test_it_reads_the_first_runs_to_look_at_without_sorting_them_all(plans):
    """The dashboard's "Runs to look at" walks the unseen worrying runs in date order and stops
    after the first page (index running_runlog_unseen_date), rather than reading every such
    run of the caseload to sort it."""
    read = plans["dashboard alerts"]
    runs = [indexes for sql, _, indexes in read if '"running_runlog"' in logged_sql(sql)]
    assert runs, "the dashboard read no runs"
    assert any("running_runlog_unseen_date" in indexes for indexes in runs), runs


def test_it_checks_each_run_walked_against_the_therapists_programmes_read_once(plans):
    """The walk keeps the runs of the therapist's programmes by checking each against their
    ids, read once (through running_programme_assigned where the table is large enough),
    instead of reading each walked run's programme row (running.selectors.runs_to_review)."""
    read = plans["dashboard alerts"]
    runs = [indexes for sql, _, indexes in read if '"running_runlog"' in logged_sql(sql)]
    walk = [indexes for indexes in runs if "running_runlog_unseen_date" in indexes]
    assert walk, runs
    assert not any("running_runprogramme_pkey" in indexes for indexes in walk), walk


def test_it_finds_any_surname_through_the_trigram_index(plans):
    # The page counts every match, so reading the name index in order saves nothing; chosen for
    # some surnames, it tested every patient's search text (docs/performance.md, stop 29).
    searches = plans["(searches by surname)"]
    assert len(searches) > 40
    wrong = [(term, read) for term, read in searches if read != ["patients_search_trgm"]]
    assert not wrong, wrong
