#!/usr/bin/env bash
# Run a command with throwaway PostgreSQL 15 and Redis servers on loopback.
#
#   scripts/with-test-services.sh COMMAND [ARGS...]
#
# Installs the Debian packages it needs when they are missing and we are root, starts both
# servers on free ports with their data under a temporary folder, exports DATABASE_URL and
# CELERY_BROKER_URL (plus TEST_REDIS_* and TEST_PG_* for tests that stop and restart Redis or
# PostgreSQL), runs the command, always tears the servers down, and exits with the command's
# status. Also DATABASE_REPLICA_URL (the same server, as a stand-in replica) and, where the
# pgbouncer package is installed (or installable), TEST_PGBOUNCER_URL: PgBouncer in
# transaction mode in front of the test PostgreSQL.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
need_packages=()
[ -x "$PG_BIN/postgres" ] || need_packages+=(postgresql-15)  # includes contrib (btree_gist)
command -v redis-server >/dev/null 2>&1 || need_packages+=(redis-server)
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
# PgBouncer is optional: without it (and not root) its tests skip and say why.
PGBOUNCER=/usr/sbin/pgbouncer
[ -x "$PGBOUNCER" ] || [ "$(id -u)" -ne 0 ] || need_packages+=(pgbouncer)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${need_packages[*]}. Install them (apt-get install ...) or run as root." >&2
    exit 1
  fi
  echo "Installing ${need_packages[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

work=$(mktemp -d /tmp/apex-test-services.XXXXXX)
chmod 755 "$work"
pg_port=$(free_port)
redis_port=$(free_port)
pgbouncer_port=$(free_port)
pg_data="$work/pg"
pg_user=$(id -un)
run_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: run it as the unprivileged postgres (or nobody) user.
  pg_user=postgres
  id postgres >/dev/null 2>&1 || pg_user=nobody
  run_pg() { runuser -u "$pg_user" -- "$@"; }
fi
mkdir -p "$pg_data" && chown "$pg_user" "$pg_data" 2>/dev/null || true

cleanup() {
  status=$?
  if [ -f "$work/pgbouncer/pgbouncer.pid" ]; then kill "$(cat "$work/pgbouncer/pgbouncer.pid")" 2>/dev/null || true; fi
  run_pg "$PG_BIN/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  if [ -f "$work/redis.pid" ]; then kill "$(cat "$work/redis.pid")" 2>/dev/null || true; fi
  pkill -f "redis-server 127.0.0.1:$redis_port" 2>/dev/null || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

run_pg "$PG_BIN/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg_options="-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
run_pg "$PG_BIN/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -o "$pg_options" start >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# PgBouncer in transaction mode in front of the same server (tests/clinic/test_pgbouncer.py).
if [ -x "$PGBOUNCER" ]; then
  mkdir -p "$work/pgbouncer" && chown "$pg_user" "$work/pgbouncer" 2>/dev/null || true
  echo '"postgres" ""' >"$work/pgbouncer/users.txt"
  cat >"$work/pgbouncer/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/pgbouncer/users.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 10
max_client_conn = 100
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
INI
  run_pg "$PGBOUNCER" -d -q "$work/pgbouncer/pgbouncer.ini"
  for _ in $(seq 50); do [ -s "$work/pgbouncer/pgbouncer.pid" ] && break; sleep 0.1; done
  export TEST_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$pgbouncer_port/apex"
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/apex"
# A stand-in read replica: the same server under a second alias. Tests mirror it onto the test
# database and read from it only where they opt in (tests/conftest.py).
export DATABASE_REPLICA_URL="$DATABASE_URL"
export CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/0"
export TEST_REDIS_PORT="$redis_port"
export TEST_REDIS_DIR="$work"
# For tests that stop and restart PostgreSQL (tests/clinic/test_database_down.py).
export TEST_PG_CTL="$PG_BIN/pg_ctl" TEST_PG_DATA="$pg_data" TEST_PG_USER="$pg_user"
export TEST_PG_OPTIONS="$pg_options"
export APEX_REQUIRE_SERVICES=1
echo "Test services: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $pg_port, Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on port $redis_port${TEST_PGBOUNCER_URL:+, PgBouncer on port $pgbouncer_port}"
set +e
"$@"
