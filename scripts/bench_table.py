"""Print README's results table from one or more `make bench` runs (bench/results.json files).

    python scripts/bench_table.py run1.json [run2.json ...]

One row per line of the runs, with each run's requests a second, p99 and ratio side by side
(a run of several rounds shows its median round and, in brackets, the range of its rounds) and
whether every run met the line's target (bench/targets.py holds the targets), and the CPU a request
cost the web workers and PostgreSQL in the line's (median) round, where the run measured it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from targets import (  # bench/ is not a package: on the path above
    AUTH_MIN_RATIO_HELLO,
    PAGE_MAX_P99_MS,
    PAGE_MIN_RATIO,
    WORKLOAD_MIN_RATIO,
    WORKLOAD_TARGETS,
)

WHAT = {
    "hello": "`hello`: anonymous, the whole middleware stack",
    "auth_baseline": "`auth_baseline`: signed in, the base layout (ratio: of `hello`)",
    "portal_home": "one patient's portal home",
    "patient_search": 'patient list searching "patel"',
    "patient_detail": "one patient page",
    "assessment": "one assessment",
    "reception_week": "one therapist's week (reception)",
    "therapist_dashboard": "therapist dashboard",
    "patients_all": "patient pages over 10,000 patients",
    "assessments_all": "assessment pages over 20,000 assessments",
    "sessions_all": "session notes over 25,000 sessions",
    "reception_weeks_year": "reception weeks, 20 therapists, 52 weeks each",
    "searches_surnames": "searches over every surname and prefix",
    "portal_500": "portal homes of 500 signed-in patients",
    "portal_course_500": "recovery and running pages of the same 500",
    "staff_mix": "staff mix (the five staff lines)",
    "staff_mix_writes": "staff mix while a writer changes data twice a second",
}


def target(name: str, kind: str) -> tuple[float | None, float | None, str]:
    if name == "hello":
        return None, None, "baseline"
    if name == "auth_baseline":
        return AUTH_MIN_RATIO_HELLO, None, f"≥ {AUTH_MIN_RATIO_HELLO} of `hello`"
    if kind == "pages":
        return PAGE_MIN_RATIO, PAGE_MAX_P99_MS, f"≥ {PAGE_MIN_RATIO}, p99 ≤ {PAGE_MAX_P99_MS}"
    least, p99 = WORKLOAD_TARGETS.get(name, (WORKLOAD_MIN_RATIO, None))
    return least, p99, f"≥ {least}" + (f", p99 ≤ {p99}" if p99 else "")


def shown_ratio(line: dict, key: str) -> str:
    """The ratio, and with BENCH_ROUNDS the range of its rounds: "0.52 (0.49-0.55)"."""
    rounds = line.get("rounds") if key == "ratio" else None
    if not rounds or len(rounds) < 2:
        return f"{line[key]:.2f}"
    return f"{line[key]:.2f} ({min(rounds):.2f}-{max(rounds):.2f})"


def main(paths: list[str]) -> None:
    runs = [json.loads(Path(path).read_text()) for path in paths]
    # A run whose baselines drifted by over 10 % (bench/run.py `unsteady`) settles nothing.
    shaky = " (unsteady run)" if any(run.get("unsteady") for run in runs) else ""
    columns = ["line", "requests a second", "p99 ms", "ratio", "CPU ms a request: web + database"]
    print("| " + " | ".join([*columns, "target", "met"]) + " |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for kind in ("pages", "workloads"):
        for name in runs[0].get(kind, {}):
            lines = [run[kind][name] for run in runs if name in run.get(kind, {})]
            least, p99, text = target(name, kind)
            key = "ratio_hello" if name == "auth_baseline" else "ratio"
            met = [
                (least is None or line[key] >= least)
                and (p99 is None or line["p99_ms"] <= p99)
                and not line["errors"]
                for line in lines
            ]
            verdict = (
                "—"
                if least is None
                else {True: "yes", False: "no"}.get(
                    all(met) if all(met) or not any(met) else None, "in some runs"
                )
            )
            rps = " / ".join(f"{line['rps']:,.0f}" for line in lines)
            p99s = " / ".join(f"{line['p99_ms']:.0f}" for line in lines)
            ratios = " / ".join(shown_ratio(line, key) for line in lines)
            cpu = " / ".join(
                f"{line['cpu_ms']['web']:.2f} + {line['cpu_ms']['db']:.2f}"
                if "cpu_ms" in line
                else "—"
                for line in lines
            )
            if verdict != "—":
                verdict += shaky
            cells = [WHAT.get(name, name), rps, p99s, ratios, cpu, text, verdict]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
