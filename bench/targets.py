"""The performance issue's targets for `make bench` (bench/run.py checks a run against them and
scripts/bench_table.py prints them in README's table)."""

from __future__ import annotations

PAGE_MIN_RATIO = 0.5
PAGE_MAX_P99_MS = 150
REMINDER_MAX_SECONDS = 60
AUTH_MIN_RATIO_HELLO = 0.3  # sessions from Redis, no session write per request
WORKLOAD_MIN_RATIO = 0.3  # every realistic workload
WORKLOAD_TARGETS = {  # (least ratio to auth_baseline, largest p99 in ms) where they differ
    "portal_500": (0.5, None),
    "portal_course_500": (0.5, None),  # the portal's target, for its recovery and running pages
    "staff_mix_writes": (0.4, 250),
}
REMINDER_MIN_RATIO = 0.3


def targets_missed(results: dict) -> list[str]:
    """Each target the run missed, in words (an empty list when every one was met)."""
    misses = []
    for name, figures in results["pages"].items():
        if name in ("hello", "auth_baseline"):
            continue
        if figures["ratio"] < PAGE_MIN_RATIO:
            misses.append(f"{name}: ratio {figures['ratio']} < {PAGE_MIN_RATIO}")
        if figures["p99_ms"] > PAGE_MAX_P99_MS:
            misses.append(f"{name}: p99 {figures['p99_ms']} ms > {PAGE_MAX_P99_MS}")
        if figures["errors"]:
            misses.append(f"{name}: {figures['errors']} errors")
    pages = results["pages"]
    if "hello" in pages and "auth_baseline" in pages:
        baseline = pages["auth_baseline"]["ratio_hello"]
        if baseline < AUTH_MIN_RATIO_HELLO:
            misses.append(f"auth_baseline: {baseline} of hello < {AUTH_MIN_RATIO_HELLO}")
    for name, figures in results.get("workloads", {}).items():
        least, p99 = WORKLOAD_TARGETS.get(name, (WORKLOAD_MIN_RATIO, None))
        if figures["ratio"] < least:
            misses.append(f"{name}: ratio {figures['ratio']} < {least}")
        if p99 is not None and figures["p99_ms"] > p99:
            misses.append(f"{name}: p99 {figures['p99_ms']} ms > {p99}")
        if figures["errors"]:
            misses.append(f"{name}: {figures['errors']} errors")
    reminders = results.get("reminders")
    if reminders:
        if reminders["delivered"] < reminders["due"]:
            misses.append(f"reminders: {reminders['delivered']} of {reminders['due']} delivered")
        if reminders["seconds"] > REMINDER_MAX_SECONDS:
            misses.append(f"reminders: {reminders['seconds']} s > {REMINDER_MAX_SECONDS}")
        if reminders["ratio"] < REMINDER_MIN_RATIO:
            misses.append(f"reminders: ratio {reminders['ratio']} < {REMINDER_MIN_RATIO}")
    return misses
