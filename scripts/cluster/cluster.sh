#!/usr/bin/env bash
# Run a command against the whole site as several machines would run it, on loopback:
#
#   scripts/cluster/cluster.sh COMMAND [ARGS...]
#
# Starts, each on a free loopback port with its data under one temporary folder:
#   PostgreSQL 15 primary (wal_level=replica, a replication user) and a streaming replica made
#   with pg_basebackup -R; PgBouncer in transaction mode in front of the primary; Redis; an SMTP
#   sink that keeps every message as a file; `migrate` and a small seed; two gunicorn instances
#   (DATABASE_URL through PgBouncer, DATABASE_REPLICA_URL to the replica); HAProxy round-robin
#   in front of both, checking /healthz; every Celery worker line of the Procfile (two at
#   least) and two beat processes.
#
# Then runs COMMAND with CLUSTER_DIR set: $CLUSTER_DIR/env holds every address (sourceable),
# $CLUSTER_DIR/processes one line per process ("name pid port start-time"; each process leads
# its own process group), and scripts/cluster/start.sh NAME starts a process again by name. Whatever
# happens (the command fails, a signal, this script's caller goes away), every process is
# stopped and the folder removed; the script exits with the command's status.
#
# Installs the Debian packages it needs (postgresql-15, pgbouncer, haproxy, redis-server) when
# they are missing and we are root. Method and what each check proves: docs/scaling.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/cluster/lib.sh
source "$here/lib.sh"

cluster_install_packages

CLUSTER_DIR=$(mktemp -d /tmp/apex-cluster.XXXXXX)
export CLUSTER_DIR
chmod 755 "$CLUSTER_DIR"
: >"$CLUSTER_DIR/processes"
mkdir -p "$CLUSTER_DIR/logs" "$CLUSTER_DIR/commands" "$CLUSTER_DIR/mail"

cleanup() {
  status=$?
  trap - EXIT INT TERM HUP
  cluster_stop_all
  if [ "${CLUSTER_KEEP:-}" = "1" ]; then
    echo "cluster: kept $CLUSTER_DIR (CLUSTER_KEEP=1)" >&2
  else
    rm -rf "$CLUSTER_DIR"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# If whoever started us goes away without a signal (a killed test run), stop everything too.
parent=$PPID
(
  trap - EXIT INT TERM HUP
  while kill -0 "$parent" 2>/dev/null; do sleep 1; done
  kill -TERM $$ 2>/dev/null
) &
cluster_remember watchdog $! -

started=$(date +%s)
step() {
  local begun=$(date +%s)
  "$@"
  echo "cluster: ${1#cluster_} $(($(date +%s) - begun)) s" >&2
}
step cluster_start_databases
step cluster_start_pgbouncer
step cluster_start_redis
step cluster_start_smtp
cluster_write_env
step cluster_migrate_and_seed
step cluster_start_web
step cluster_start_haproxy
step cluster_start_celery
step cluster_wait_ready
echo "cluster: ready in $(($(date +%s) - started)) s; HAProxy on $CLUSTER_URL (folder $CLUSTER_DIR)" >&2

# The command runs in the background (its input still ours) so that a signal reaches the
# trap at once; the cleanup stops it with the rest.
exec 3<&0
"$@" <&3 &
cluster_remember command $! -
set +e
wait $!
