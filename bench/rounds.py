"""How `make bench` (bench/run.py) turns its measurements into ratios: each round of lines is
divided by the baselines measured just before and just after it, and each line is reported by
its median round (`BENCH_ROUNDS`). One 20-second line is a shaky yardstick on a shared 2-core
machine: the same code moved by up to a fifth between runs."""

from __future__ import annotations

import sys

BASELINES = ("hello", "auth_baseline")


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def ratio(value: float, base: float) -> float:
    return round(value / base, 2) if base else 0.0


def yardsticks(rounds: list[dict], end: dict) -> list[dict[str, float]]:
    """For each round, the requests a second of each baseline to divide by: the mean of its
    measurement at the round's start and the next one (the next round's, or the end's)."""
    marks = [measured["pages"] for measured in rounds] + [end or rounds[-1]["pages"]]
    return [
        {
            name: (marks[index][name]["rps"] + marks[index + 1][name]["rps"]) / 2
            for name in BASELINES
            if name in marks[index] and name in marks[index + 1]
        }
        for index in range(len(rounds))
    ]


def rounds_combined(rounds: list[dict], end: dict) -> dict:
    """Every line's ratios, round by round, then one line per name: the round with the median
    ratio (the lower of the middle two for an even number). The baselines keep every
    measurement's requests a second, their mean, and the drift from the first to the last."""
    sticks = yardsticks(rounds, end)
    for measured, stick in zip(rounds, sticks, strict=True):
        for kind in ("pages", "workloads"):
            for line in measured[kind].values():
                line["ratio"] = ratio(line["rps"], stick.get("auth_baseline", 0))
                line["ratio_hello"] = ratio(line["rps"], stick.get("hello", 0))
    combined: dict = {"pages": {}, "workloads": {}}
    for kind in combined:
        for name in rounds[0][kind]:
            lines = sorted((measured[kind][name] for measured in rounds), key=lambda x: x["ratio"])
            chosen = dict(lines[(len(lines) - 1) // 2])
            if len(rounds) > 1:
                chosen["rounds"] = [measured[kind][name]["ratio"] for measured in rounds]
                chosen["rounds_rps"] = [measured[kind][name]["rps"] for measured in rounds]
            combined[kind][name] = chosen
    for name, line in combined["pages"].items():
        if name not in BASELINES:
            continue
        all_rps = [measured["pages"][name]["rps"] for measured in rounds]
        all_rps += [end[name]["rps"]] if name in end else []
        every = [measured["pages"][name] for measured in rounds] + ([end[name]] if end else [])
        line.pop("rounds", None)  # each round's yardstick is made of these: no ratio of their own
        line |= {
            "rps": round(sum(all_rps) / len(all_rps), 1),
            "p95_ms": max(x["p95_ms"] for x in every),
            "p99_ms": max(x["p99_ms"] for x in every),
            "errors": sum(x["errors"] for x in every),
            "first_rps": all_rps[0],
            "last_rps": all_rps[-1],
            "drift": round(all_rps[-1] / all_rps[0] - 1, 3) if all_rps[0] else 0,
            "spread": round(max(all_rps) / min(all_rps) - 1, 3) if min(all_rps) else 0,
        }
        log(f"{name}, every measurement: {' then '.join(f'{x:,.0f}' for x in all_rps)} a second")
    marks = combined["pages"]
    if "hello" in marks and "auth_baseline" in marks:
        hello, auth = marks["hello"]["rps"], marks["auth_baseline"]["rps"]
        marks["hello"] |= {"ratio": ratio(hello, auth), "ratio_hello": 1.0}
        marks["auth_baseline"] |= {"ratio": 1.0, "ratio_hello": ratio(auth, hello)}
    return combined
