"""What else could slow a line of `make bench`, logged with every line (bench/run.py)."""

from __future__ import annotations

import os
import resource
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


def _stat(pid: str) -> tuple[str, int, int, int] | None:
    """(name, parent, CPU ticks of the process, CPU ticks of its children it has reaped)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    own = int(fields[11]) + int(fields[12])
    return name, int(fields[1]), own, int(fields[13]) + int(fields[14])


def _roots() -> dict[str, str]:
    """The bench's own servers: gunicorn's master, and the PostgreSQL and Redis servers on the
    ports the bench was given (another project's servers on the machine are not counted)."""
    from urllib.parse import urlsplit

    ports = {
        "db": urlsplit(os.environ.get("DATABASE_URL", "")).port,
        "redis": urlsplit(os.environ.get("CELERY_BROKER_URL", "")).port,
    }
    roots = {"web": str(WEB_PIDS[0])} if WEB_PIDS else {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            text = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        words = text.replace("\0", " ").split()  # Redis sets its title: "redis-server host:port"
        if not words:
            continue
        name = words[0].rsplit("/", 1)[-1]
        if (
            name == "postgres"
            and "-p" in words
            and words[words.index("-p") + 1] == str(ports["db"])
        ):
            roots["db"] = pid
        elif name == "redis-server" and any(w.endswith(f":{ports['redis']}") for w in words):
            roots["redis"] = pid
    return roots


def cpu_seconds() -> dict[str, float]:
    """CPU seconds spent so far by the web server (gunicorn's master and workers), PostgreSQL
    (the postmaster and its backends), Redis, and the load generator (this process's ended
    children: each wrk is waited for when its line ends). A process that ends takes its time
    into its parent's count of reaped children, which is read too: a PostgreSQL backend closed
    in the middle of a line (connections live a minute) or a web worker restarted still counts."""
    roots = _roots()
    ticks = dict.fromkeys(("web", "db", "redis"), 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if not (stat := _stat(pid)):
            continue
        _, parent, own, reaped = stat
        for group, root in roots.items():
            if pid == root:
                ticks[group] += own + reaped
            elif str(parent) == root:
                ticks[group] += own
    hertz = os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        **{group: count / hertz for group, count in ticks.items()},
        "wrk": children.ru_utime + children.ru_stime,
    }


def cpu_per_request(before: dict[str, float], requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request each part spent since the `cpu_seconds` reading given."""
    after = cpu_seconds()
    return {
        group: round((after[group] - before[group]) * 1000 / max(requests, 1), 2)
        for group in before
    }
