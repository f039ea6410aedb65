"""DATABASES from the environment: the primary, an optional read replica, and PgBouncer.

A function of an `EnvReader`, so tests can build the same settings the site builds (the
PgBouncer tests connect with exactly what `DATABASE_PGBOUNCER=true` produces).

- `DATABASE_URL`: the primary, or PgBouncer in front of it.
- `DATABASE_REPLICA_URL` (optional): a streaming read replica, alias "replica". Unset: there
  is no such alias and every query goes to the primary, as before. Tests never create a
  database on it: it mirrors "default" (`TEST["MIRROR"]`).
- `DATABASE_PGBOUNCER=true`: both URLs go through PgBouncer in transaction mode. Every
  transaction may run on a different server connection, so nothing may live in the session
  between transactions: server-side cursors (what `.iterator()` opens, declared WITH HOLD
  outside a transaction) are turned off. Persistent connections stay on: the connection kept
  is to PgBouncer, which costs the server nothing while idle, and CONN_HEALTH_CHECKS replaces
  one broken by a PgBouncer restart at the start of the next request. Server-side prepared
  statements (below) are off for the same reason.
- `DATABASE_PREPARED_STATEMENTS` (default true; always off with PgBouncer): the statements the
  pages run on every view (`clinic/rows.py`) are prepared once per connection on PostgreSQL, so
  the server parses and plans them once instead of on every request.
"""

from __future__ import annotations

from pathlib import Path

from clinic.env import EnvReader

REPLICA = "replica"


def databases_from_env(env: EnvReader, *, var_dir: Path) -> dict[str, dict]:
    pgbouncer = env.bool("DATABASE_PGBOUNCER", False)
    conn_max_age = env.int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    prepared = env.bool("DATABASE_PREPARED_STATEMENTS", True)
    aliases = {
        "default": env.database(
            "DATABASE_URL",
            {"ENGINE": "django.db.backends.sqlite3", "NAME": var_dir / "db.sqlite3"},
        )
    }
    replica = env.database("DATABASE_REPLICA_URL", {})
    if replica:
        replica["TEST"] = {"MIRROR": "default"}
        aliases[REPLICA] = replica
    for config in aliases.values():
        config.setdefault("CONN_MAX_AGE", conn_max_age)
        config.setdefault("CONN_HEALTH_CHECKS", True)
        if pgbouncer:
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
        config["PREPARED_STATEMENTS"] = not pgbouncer and prepared
    return aliases
