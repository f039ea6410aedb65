"""What else could slow a line of `make bench`, logged with every line (bench/run.py)."""

from __future__ import annotations

import os
from pathlib import Path

WEB_PIDS: list[int] = []  # gunicorn's master, once started


def machine_state() -> str:
    """What else could slow a line: the web workers' memory (a per-process cache that grows
    makes every garbage collection longer), Redis's memory, the machine's load and the CPU
    time the host took away (steal)."""
    parts = []
    if WEB_PIDS:
        rss = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            except (OSError, ValueError):
                continue
            if int(fields.get("PPid", "0").strip() or 0) in WEB_PIDS:
                rss += int(fields.get("VmRSS", "0 kB").split()[0])
        parts.append(f"web workers {rss >> 10} MiB")
    try:
        import redis

        info = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).info("memory")
        parts.append(f"redis {info['used_memory'] >> 20} MiB")
    except Exception as error:  # a note in the log, never a failed run
        parts.append(f"redis unknown ({type(error).__name__})")
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    parts.append(f"load {os.getloadavg()[0]:.2f}, cpu steal {int(cpu[8]) / 100:.0f} s so far")
    return ", ".join(parts)
