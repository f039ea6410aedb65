"""How `make bench` turns its measurements into ratios (bench/rounds.py): each round divides by the
baselines measured around it, and a line is reported by its median round."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import compare as bench_compare  # bench/ is not a package: on the path above
import rounds as bench_rounds


def line(rps: float, *, p99: float = 50.0, errors: int = 0) -> dict:
    return {"rps": rps, "p50_ms": 10.0, "p95_ms": 20.0, "p99_ms": p99, "errors": errors}


def a_round(hello: float, auth: float, **workloads: float) -> dict:
    return {
        "pages": {"hello": line(hello), "auth_baseline": line(auth)},
        "workloads": {name: line(rps) for name, rps in workloads.items()},
    }


def test_one_round_divides_by_the_mean_of_the_baselines_before_and_after_it():
    rounds = [a_round(3000, 1000, portal_500=450)]
    end = {"hello": line(2800), "auth_baseline": line(800, p99=90, errors=1)}

    combined = bench_rounds.rounds_combined(rounds, end)

    portal = combined["workloads"]["portal_500"]
    assert portal["ratio"] == 0.5  # 450 / mean(1000, 800), not 450 / 1000
    assert "rounds" not in portal
    auth = combined["pages"]["auth_baseline"]
    assert auth["rps"] == 900
    assert (auth["first_rps"], auth["last_rps"], auth["drift"]) == (1000, 800, -0.2)
    assert auth["spread"] == 0.25
    assert auth["p99_ms"] == 90  # the worse of both
    assert auth["errors"] == 1  # every error counts
    assert auth["ratio_hello"] == round(900 / 2900, 2)


def test_each_round_is_divided_by_its_own_baselines_and_the_median_round_is_reported():
    # The machine slows down in the second round: its lines and its baselines fall together.
    rounds = [
        a_round(3000, 1000, portal_500=480),
        a_round(2400, 800, portal_500=300),
        a_round(3000, 1000, portal_500=520),
    ]
    end = {"hello": line(3000), "auth_baseline": line(1000)}

    combined = bench_rounds.rounds_combined(rounds, end)

    portal = combined["workloads"]["portal_500"]
    # Round 1: 480 / mean(1000, 800); round 2: 300 / mean(800, 1000); round 3: 520 / 1000.
    assert portal["rounds"] == [0.53, 0.33, 0.52]
    assert portal["rounds_rps"] == [480, 300, 520]
    assert (portal["ratio"], portal["rps"]) == (0.52, 520)
    auth = combined["pages"]["auth_baseline"]
    assert auth["rps"] == 950  # every measurement of it, the end's included
    assert auth["spread"] == 0.25


def test_an_even_number_of_rounds_reports_the_lower_middle_one():
    rounds = [a_round(3000, 1000, portal_500=600), a_round(3000, 1000, portal_500=400)]

    combined = bench_rounds.rounds_combined(rounds, {})

    assert combined["workloads"]["portal_500"]["ratio"] == 0.4


def test_a_run_of_the_baselines_alone_divides_by_its_own_measurement():
    combined = bench_rounds.rounds_combined([a_round(3000, 1000)], {})

    assert combined["pages"]["hello"]["ratio"] == 3.0
    assert combined["pages"]["auth_baseline"]["ratio_hello"] == 0.33
    assert combined["pages"]["auth_baseline"]["drift"] == 0


def test_two_trees_take_turns_first_in_alternate_rounds():
    """BENCH_COMPARE's rounds go A B, B A, A B, ...: neither tree always measures first."""
    trees = [Path("this"), Path("other")]
    order = [bench_compare.turns(trees, number) for number in range(4)]
    assert [tree.name for turn in order for tree in turn] == [
        "this",
        "other",
        "other",
        "this",
        "this",
        "other",
        "other",
        "this",
    ]


def test_the_other_trees_lines_print_beside_this_trees(capsys):
    this = bench_rounds.rounds_combined(
        [a_round(3000, 1000, patients_all=300), a_round(3000, 1000, patients_all=320)], {}
    )
    other = bench_rounds.rounds_combined(
        [a_round(3000, 1000, patients_all=250), a_round(3000, 1000, patients_all=270)], {}
    )

    kept = bench_compare.compare_print(other, this)

    printed = capsys.readouterr().out
    assert "bench-compare: patients_all rps=250 p99_ms=50.0 errors=0 ratio=0.25" in printed
    assert "rounds=0.25,0.27 this_tree=0.3 this_rounds=0.3,0.32" in printed
    assert kept["workloads"]["patients_all"]["ratio"] == 0.25


def test_the_other_tree_may_be_served_with_another_worker_count(monkeypatch):
    """BENCH_COMPARE_WEB_WORKERS serves only the other tree with that many workers: a clone of
    this tree then compares two worker counts on one data set."""
    this, other = Path("this"), Path("other")
    assert bench_compare.tree_workers(other, this) is None  # unset: the run's own count
    monkeypatch.setattr(bench_compare, "COMPARE_WORKERS", "5")
    assert bench_compare.tree_workers(other, this) == 5
    assert bench_compare.tree_workers(this, this) is None


def test_every_round_opens_with_an_unmeasured_turn_after_the_database_is_settled(monkeypatch):
    """Stop 47's A/Bs: the tree measured first after a settle read lower, whichever it was.
    Each round's first tree now drives every line unmeasured before its measured turn."""
    import contextlib

    import run as bench_run

    events: list[str] = []
    monkeypatch.setattr(bench_run, "ROUNDS", 3)
    monkeypatch.setattr(bench_run, "database_settle", lambda: events.append("settle"))
    monkeypatch.setattr(bench_run, "gunicorn", lambda port, tree, workers: contextlib.nullcontext())
    monkeypatch.setattr(
        bench_run,
        "settling_turn",
        lambda base, pages, workloads, folder: events.append("unmeasured"),
    )
    turns = iter(["this", "other", "other", "this", "this", "other"])
    monkeypatch.setattr(
        bench_run,
        "round_measure",
        lambda base, pages, workloads, folder: events.append(f"measure {next(turns)}") or {},
    )

    rounds = bench_run.rounds_measure(8000, [Path("this"), Path("other")], [], [], Path())

    assert events == [
        "unmeasured", "measure this", "measure other",
        "settle", "unmeasured", "measure other", "measure this",
        "settle", "unmeasured", "measure this", "measure other",
    ]  # fmt: skip
    assert {tree.name: len(kept) for tree, kept in rounds.items()} == {"this": 3, "other": 3}


def test_the_unmeasured_turn_drives_every_page_and_workload_for_its_seconds(monkeypatch, tmp_path):
    import run as bench_run

    driven: list[tuple[str, int]] = []
    monkeypatch.setattr(
        bench_run, "wrk", lambda url, cookie, seconds, **kw: driven.append((url, seconds)) or {}
    )

    class Workload:
        def write(self, folder):
            return folder / "lines.txt"

    pages = [bench_run.Page("hello", "/bench/hello"), bench_run.Page("week", "/week", "c")]
    monkeypatch.setattr(bench_run, "SETTLE_TURN", 7)
    bench_run.settling_turn("http://x", pages, [Workload()], tmp_path)
    assert driven == [("http://x/bench/hello", 7), ("http://x/week", 7), ("http://x/", 7)]

    driven.clear()
    monkeypatch.setattr(bench_run, "SETTLE_TURN", 0)  # BENCH_SETTLE_TURN_SECONDS=0: no turn
    bench_run.settling_turn("http://x", pages, [Workload()], tmp_path)
    assert driven == []
