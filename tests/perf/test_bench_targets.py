"""`make bench` names every target of the performance issue a run misses (bench/targets.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from targets import targets_missed  # bench/ is not a package: on the path above


def figures(ratio: float, *, p99: float = 100.0, errors: int = 0) -> dict:
    return {"ratio": ratio, "ratio_hello": ratio, "p99_ms": p99, "errors": errors}


def test_a_run_that_meets_every_target_misses_none():
    results = {
        "pages": {
            "hello": figures(3.0),
            "auth_baseline": figures(1.0) | {"ratio_hello": 0.35},
            "patient_detail": figures(0.5, p99=150),
        },
        "workloads": {"patients_all": figures(0.3), "staff_mix_writes": figures(0.4, p99=250)},
        "reminders": {"delivered": 10, "due": 10, "seconds": 20, "ratio": 0.5},
    }
    assert targets_missed(results) == []


def test_it_names_each_miss():
    results = {
        "pages": {
            "hello": figures(3.0),
            "auth_baseline": figures(1.0) | {"ratio_hello": 0.25},
            "patient_detail": figures(0.49, p99=151, errors=2),
        },
        "workloads": {
            "portal_500": figures(0.45),
            "staff_mix_writes": figures(0.39, p99=251),
        },
        "reminders": {"delivered": 9, "due": 10, "seconds": 61, "ratio": 0.2},
    }
    assert targets_missed(results) == [
        "patient_detail: ratio 0.49 < 0.5",
        "patient_detail: p99 151 ms > 150",
        "patient_detail: 2 errors",
        "auth_baseline: 0.25 of hello < 0.3",
        "portal_500: ratio 0.45 < 0.5",
        "staff_mix_writes: ratio 0.39 < 0.4",
        "staff_mix_writes: p99 251 ms > 250",
        "reminders: 9 of 10 delivered",
        "reminders: 61 s > 60",
        "reminders: ratio 0.2 < 0.3",
    ]
