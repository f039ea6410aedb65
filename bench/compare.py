"""`make bench` with `BENCH_COMPARE=<another checkout>`: both trees serve the one seeded data set
in the same run, round by round, so that a change can be told from the run-to-run noise of a
shared machine (separate runs seed separate data sets, pick other single URLs and meet other
windows of load; the same code moved by a tenth between them). bench/run.py measures every
round once under each tree's gunicorn, with the same URL lists and sessions, and divides each
tree's lines by that tree's own baselines."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

COMPARE = os.environ.get("BENCH_COMPARE", "")
#: The other tree's gunicorn workers (BENCH_WEB_WORKERS when unset): with a clone of this tree,
#: an A/B of two worker counts on one data set.
COMPARE_WORKERS = os.environ.get("BENCH_COMPARE_WEB_WORKERS", "")


def turns(trees: list[Path], number: int) -> list[Path]:
    """The order the trees are measured in round `number`: ABBA, so that neither tree always
    has the machine's first (or last) turn in a round."""
    return trees if number % 2 == 0 else trees[::-1]


def tree_workers(tree: Path, root: Path) -> int | None:
    """The gunicorn workers `tree` is served with: None (the run's own count) for this tree."""
    if tree == root or not COMPARE_WORKERS:
        return None
    return int(COMPARE_WORKERS)


def compare_root(python: str) -> Path:
    """The other checkout, ready to serve this run's database: it must need no migration this
    tree's did not apply, and it collects its own static files."""
    root = Path(COMPARE).resolve()
    if not (root / "manage.py").is_file():
        raise SystemExit(f"BENCH_COMPARE={COMPARE}: no manage.py there")
    for command in (["migrate", "--check", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([python, "manage.py", *command], cwd=root, check=True)  # noqa: S603 (fixed commands)
    return root


def compare_print(other: dict, this: dict) -> dict:
    """The other tree's lines as `bench-compare:`, each beside this tree's ratio and rounds."""
    for kind in ("pages", "workloads"):
        for name, measured in other[kind].items():
            mine = this[kind][name]
            print(
                f"bench-compare: {name} rps={measured['rps']} p99_ms={measured['p99_ms']} "
                f"errors={measured['errors']} ratio={measured['ratio']} "
                f"rounds={','.join(map(str, measured.get('rounds', [])))} "
                f"this_tree={mine['ratio']} "
                f"this_rounds={','.join(map(str, mine.get('rounds', [])))} "
                f"cpu_ms={','.join(f'{k}:{v}' for k, v in measured.get('cpu_ms', {}).items())}",
                flush=True,
            )
    return {"root": COMPARE, **other}
