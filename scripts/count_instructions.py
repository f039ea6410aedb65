"""Instructions per page view under callgrind: the measure that does not move with the load of a
shared machine (wall-clock and CPU time moved 3-4x between runs of identical code here).

Run inside throwaway services (it fills the database with `seed_load` as `profile_pages.py`
does; COUNT_SEED=0 reuses a database filled before):

    bash scripts/with-test-services.sh .venv/bin/python scripts/count_instructions.py \\
        hello auth_baseline portal_home patient_detail

For each page it takes `profile_pages.py`'s workload (PROFILE_OBJECTS different objects, 24 by
default), views the first 3 to warm the code paths and has every other client of the counted
views view the page once (an object outside the counted ones where the workload has one: a
client's first view pays for its user's start-up, which a worker pays once), then counts the
instructions of the next COUNT_VIEWS (10) views, each a different object (or, for
`therapist_dashboard`, a different therapist's dashboard), and prints
`instructions: PAGE N per view` and the queries per view. COUNT_GC_THRESHOLD and
COUNT_GC_FREEZE try the garbage collector's settings (`gc_settings`). COUNT_KEEP=FOLDER keeps
the callgrind dumps there (one per page) for `callgrind_annotate`. `hello` is the anonymous
baseline. Needs valgrind and a C compiler (a ten-line helper turns counting on and off around
the views, through callgrind's client requests).
"""

from __future__ import annotations

import ctypes
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS = int(os.environ.get("COUNT_VIEWS", 10))
HELPER = r"""
#include <valgrind/callgrind.h>
void cg_on(void) { CALLGRIND_ZERO_STATS; CALLGRIND_TOGGLE_COLLECT; }
void cg_off(const char *name) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS_AT(name); }
int cg_running(void) { return RUNNING_ON_VALGRIND; }
"""


def build_helper(folder: Path) -> Path:
    source, library = folder / "cg.c", folder / "libcg.so"
    source.write_text(HELPER)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def count(pages: list[str], library: Path) -> None:
    """Inside callgrind: view each page's objects, counting only the measured views."""
    helper = ctypes.CDLL(str(library))
    helper.cg_off.argtypes = [ctypes.c_char_p]
    import django

    django.setup()
    import profile_pages
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.middleware import StaffSessionTimeoutMiddleware

    # A staff view restarts the idle timer (a session write) at most once a minute; under
    # callgrind a minute passes within a few views, so without this a count would include
    # writes that a view in production makes once a minute at most.
    StaffSessionTimeoutMiddleware.REFRESH_SECONDS = 10**9
    loads = profile_pages.workloads()
    loads["hello"] = [(Client(), "/bench/hello")] * (VIEWS + 3)
    # Each test client loads the middleware on its first request (WhiteNoise scans the static
    # files: more than a page view), as a gunicorn worker does once: load every client first,
    # so that no measured view pays for it.
    for client in {id(client): client for load in loads.values() for client, _ in load}.values():
        client.get("/bench/hello")
    # Beat works every therapist's dashboard alerts out at each quarter hour
    # (exercises.tasks.dashboard_alerts_warm): without it, each therapist's first counted
    # dashboard worked a whole caseload out (1.7-1.95 billion instructions), not a page view.
    from exercises.tasks import dashboard_alerts_warm

    dashboard_alerts_warm()
    gc_settings()
    for page in pages:
        load = loads[page]
        warm, measured = load[:3], load[3 : 3 + VIEWS]
        for client, url in warm:
            if client.get(url).status_code != 200:
                raise SystemExit(f"{url} did not answer 200")
        # Every client of a counted view has viewed the page once before (as a worker has
        # served each user before): a client's first view of a page pays for that user's
        # start-up (the therapist dashboard's workload has one client per therapist, and only
        # the first 3 were warmed above). Each client views an object outside the counted ones
        # where the workload has one, else its first counted URL.
        warmed = {id(client) for client, _ in warm}
        spare: dict[int, tuple] = {}
        for client, url in [*load[3 + VIEWS :], *measured]:
            spare.setdefault(id(client), (client, url))
        for key, (client, url) in spare.items():
            if key not in warmed and client.get(url).status_code != 200:
                raise SystemExit(f"{url} did not answer 200")
        # Each test client loads the middleware on its first request (WhiteNoise scans the
        # static files, as once per gunicorn worker): not part of a page view.
        for client, _ in measured:
            client.get("/bench/hello")
        helper.cg_on()
        statuses = [client.get(url).status_code for client, url in measured]
        helper.cg_off(f"{page} {len(measured)}".encode())
        if wrong := [status for status in statuses if status != 200]:
            raise SystemExit(f"{page}: counted views answered {wrong}, not 200")
        queries = []
        for client, url in measured:
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries.append(len(captured))
        print(f"queries: {page} {statistics.mean(queries):.1f} per view", flush=True)


def gc_settings() -> None:
    """COUNT_GC_THRESHOLD=N sets the garbage collector's first threshold (Python's default 700);
    COUNT_GC_FREEZE=1 calls `gc.freeze()` once every client is loaded (the workers do not; see
    docs/performance.md, stop 45): counts that a full collection does not move, and what the
    collector costs a page view."""
    if threshold := os.environ.get("COUNT_GC_THRESHOLD"):
        gc.set_threshold(int(threshold), *gc.get_threshold()[1:])
    if os.environ.get("COUNT_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()


def main() -> int:
    pages = sys.argv[1:] or ["hello", "auth_baseline"]
    if os.environ.get("COUNT_INSIDE"):
        sys.path.insert(0, str(ROOT / "scripts"))
        sys.path.insert(0, str(ROOT))
        count(pages, Path(os.environ["COUNT_INSIDE"]))
        return 0
    sys.path.insert(0, str(ROOT / "scripts"))
    import profile_pages

    os.environ.setdefault("PROFILE_OBJECTS", str(VIEWS + 3))
    profile_pages.prepare(seed=os.environ.get("COUNT_SEED", "1") == "1")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        library = build_helper(out)
        counted = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--dump-instr=no",
                f"--callgrind-out-file={out}/cg.%p",
                sys.executable,
                __file__,
                *pages,
            ],
            cwd=ROOT,
            env={**os.environ, "COUNT_INSIDE": str(library), "PYTHONHASHSEED": "0"},
            stderr=subprocess.PIPE,
            text=True,
        )
        if counted.returncode:
            # The views' own errors (a traceback), without valgrind's lines (`==PID== ...`).
            own = [line for line in counted.stderr.splitlines() if not line.startswith("==")]
            print("\n".join(own[-40:]), file=sys.stderr)
            print(
                f"count_instructions: the counted run failed ({counted.returncode})",
                file=sys.stderr,
            )
            return counted.returncode
        counted_pages: set[str] = set()
        for dump in sorted(out.glob("cg.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])):
            text = dump.read_text(errors="replace")
            trigger = re.search(r"^desc: Trigger: Client Request: (\S+) (\d+)$", text, re.M)
            totals = re.search(r"^totals: (\d+)", text, re.M)
            if trigger and totals:
                page, views = trigger.group(1), int(trigger.group(2))
                print(f"instructions: {page} {int(totals.group(1)) // views:,} per view")
                counted_pages.add(page)
        for page in sorted(set(pages) - counted_pages):
            print(f"count_instructions: nothing counted for {page}", file=sys.stderr)
        if keep := os.environ.get("COUNT_KEEP"):
            for dump in out.glob("cg.*.*"):
                shutil.copy(dump, Path(keep) / dump.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
