import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.perf.conftest import loaded, url

pytestmark = pytest.mark.django_db


def test_dump(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with loaded(3) as w:
            c = w.client_for("patient")
            for name in ["portal:home", "portal:rehab", "portal:running"]:
                c.get(url(name))
                with CaptureQueriesContext(connection) as q:
                    r = c.get(url(name))
                print("=====", name, r.status_code, len(q))
                for x in q.captured_queries:
                    print("  --", x["sql"][:700])
