"""The database server's CPU a page view, statement by statement: the backend's own CPU time
(`/proc/<backend pid>/schedstat`, nanoseconds) read around each statement the views send.

Run inside throwaway services, on a database filled as `profile_pages.py` fills it:

    bash scripts/with-test-services.sh .venv/bin/python scripts/db_cpu.py dashboard_one

For each page of `profile_pages.py`'s workloads: DB_CPU_WARM views first (50: the server's
plans and caches settle, each connection prepares its statements), then DB_CPU_VIEWS (1000)
views counted, going round the workload's URLs. Prints the backend's CPU a view and, by
statement (its text up to the first parenthesis), the CPU and calls a view. DB_CPU_SEED=1 fills
the database first; DB_CPU_VACUUM=0 skips the `VACUUM (ANALYZE)` and `CHECKPOINT` the bench
makes before it measures. Needs the server on this machine (it reads the backend's /proc).
Drawn from the lead's measure of the patient page (stop 48).
"""

from __future__ import annotations

import collections
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM = int(os.environ.get("DB_CPU_WARM", 50))
VIEWS = int(os.environ.get("DB_CPU_VIEWS", 1000))


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import profile_pages

    os.environ.setdefault("PROFILE_OBJECTS", "120")
    # One connection for the whole run: the backend whose CPU is read (the site's default
    # closes a connection a minute old at the end of a request).
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "86400")
    profile_pages.prepare(seed=os.environ.get("DB_CPU_SEED", "0") == "1")
    import django

    django.setup()
    from django.db import connection

    if os.environ.get("DB_CPU_VACUUM", "1") == "1":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    schedstat = Path(f"/proc/{backend}/schedstat")

    def cpu_ns() -> int:
        return int(schedstat.read_text().split()[0])

    loads = profile_pages.workloads()
    for page in sys.argv[1:] or ["dashboard_one"]:
        load = loads[page]
        costs: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])

        def timed(execute, sql, params, many, context, costs=costs):
            key = re.sub(r"\(.*", "", sql.strip(), flags=re.S)[:70]
            started = cpu_ns()
            try:
                return execute(sql, params, many, context)
            finally:
                costs[key][0] += cpu_ns() - started
                costs[key][1] += 1

        for n in range(WARM):
            client, url = load[n % len(load)]
            client.get(url)
        with connection.execute_wrapper(timed):
            started = cpu_ns()
            for n in range(VIEWS):
                client, url = load[n % len(load)]
                if client.get(url).status_code != 200:
                    raise SystemExit(f"{url} did not answer 200")
            total = cpu_ns() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            if cursor.fetchone()[0] != backend:
                raise SystemExit("the connection changed during the run: its CPU is not all here")
        print(f"{page}: backend {total / VIEWS / 1e6:.3f} ms a view; by statement (ms, calls):")
        for key, (spent, calls) in sorted(costs.items(), key=lambda item: -item[1][0]):
            print(f"  {spent / VIEWS / 1e6:7.3f}  {calls / VIEWS:5.2f}  {key}")
        unattributed = total - sum(spent for spent, _ in costs.values())
        print(f"  unattributed: {unattributed / VIEWS / 1e6:.3f}")
    print("statements prepared on the connection (clinic/rows.py):")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, left(statement, 150) FROM pg_prepared_statements ORDER BY 1")
        for name, text in cursor.fetchall():
            print(f"  {name}: {' '.join(text.split())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
