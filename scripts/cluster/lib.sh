# Functions for scripts/cluster/cluster.sh and start.sh (sourced, not run). They expect
# CLUSTER_DIR, and `root` set to the repository.

PG_BIN=/usr/lib/postgresql/15/bin
# Beyond what the site needs, PostgreSQL's server settings for a throwaway test cluster.
PG_TEST_SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

cluster_install_packages() {
  local need=()
  [ -x "$PG_BIN/postgres" ] || need+=(postgresql-15)
  command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
  command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${need[*]}. Install them (apt-get install ...) or run as root." >&2
    exit 1
  fi
  echo "cluster: installing ${need[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d: the packages' own services must not start (we start our own on free ports).
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$made_policy" ] && rm -f "$policy"
  return 0
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# When the process started (clock ticks since boot), so a pid the system has since given to
# another process is never signalled.
proc_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# Still the process we started (pid and start time), running and not a zombie (a zombie has
# exited: only its status is left for its parent).
pid_alive() {  # pid [start]
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  [ -z "${2:-}" ] || [ "$(proc_start "$1")" = "$2" ]
}

# Signal a process group we started (or the process alone when it leads none).
signal_ours() {  # signal pid start
  pid_alive "$2" "$3" || return 0
  kill "-$1" -- "-$2" 2>/dev/null || kill "-$1" "$2" 2>/dev/null || true
}

cluster_remember() {  # name pid port
  echo "$1 $2 $3 $(proc_start "$2")" >>"$CLUSTER_DIR/processes"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # port what [seconds]
  local tries=$((${3:-30} * 10))
  for _ in $(seq "$tries"); do
    port_open "$1" && return 0
    sleep 0.1
  done
  echo "cluster: $2 did not open port $1" >&2
  return 1
}

# PostgreSQL and PgBouncer refuse to run as root: as root they run as the postgres user.
cluster_db_user() {
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
  else
    id -un
  fi
}

as_db_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$(cluster_db_user)" -- "$@"; else "$@"; fi
}

# Start a long-running process as the leader of its own process group, log to logs/NAME.log,
# and remember it (processes) and how to start it again (commands/NAME).
cluster_spawn() {  # name port "shell command"
  local name=$1 port=$2 command=$3
  printf '%s\n' "$command" >"$CLUSTER_DIR/commands/$name"
  printf '%s\n' "$port" >"$CLUSTER_DIR/commands/$name.port"
  (cd "$root" && exec setsid bash -c "exec $command") >>"$CLUSTER_DIR/logs/$name.log" 2>&1 </dev/null &
  cluster_remember "$name" $! "$port"
}

# PostgreSQL is started and stopped by pg_ctl; its postmaster pid is remembered like the others.
cluster_pg_start() {  # name port
  local name=$1 port=$2 data="$CLUSTER_DIR/$1"
  as_db_user "$PG_BIN/pg_ctl" -D "$data" -l "$CLUSTER_DIR/logs/$name.log" -w -t 60 \
    -o "-p $port -k $CLUSTER_DIR/sockets -c listen_addresses=127.0.0.1 -c max_connections=200 $PG_TEST_SETTINGS" \
    start >/dev/null
  printf 'postgres\n' >"$CLUSTER_DIR/commands/$name"
  printf '%s\n' "$port" >"$CLUSTER_DIR/commands/$name.port"
  cluster_remember "$name" "$(head -1 "$data/postmaster.pid")" "$port"
}

cluster_pg_stop() {  # name
  local data="$CLUSTER_DIR/$1"
  [ -f "$data/postmaster.pid" ] || return 0
  as_db_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
    as_db_user "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
}

# Start a process again by the name it had (after a test stopped or killed it).
cluster_restart() {  # name
  local name=$1 port
  port=$(cat "$CLUSTER_DIR/commands/$name.port")
  case "$name" in
    pg-*) cluster_pg_start "$name" "$port" ;;
    *) cluster_spawn "$name" "$port" "$(cat "$CLUSTER_DIR/commands/$name")" ;;
  esac
}

cluster_stop_one() {  # name (its latest start)
  local name=$1 pid port start
  read -r _ pid port start < <(awk -v n="$name" '$1 == n { line = $0 } END { print line }' \
    "$CLUSTER_DIR/processes")
  [ -n "$pid" ] || { echo "cluster: no process named $name" >&2; return 1; }
  case "$name" in
    pg-*) cluster_pg_stop "$name" ;;
    *) signal_ours TERM "$pid" "$start" ;;
  esac
  for _ in $(seq 200); do
    pid_alive "$pid" "$start" || return 0
    sleep 0.1
  done
  signal_ours KILL "$pid" "$start"
}

# Stop everything in reverse order of starting: a polite signal to each process group, then,
# after a grace period, SIGKILL to whatever is left. Safe to run twice.
cluster_stop_all() {
  [ -f "$CLUSTER_DIR/processes" ] || return 0
  local lines line name pid port start alive
  mapfile -t lines < <(tac "$CLUSTER_DIR/processes")
  for line in "${lines[@]}"; do
    read -r name pid port start <<<"$line"
    case "$name" in
      pg-*) cluster_pg_stop "$name" ;;
      *) signal_ours TERM "$pid" "$start" ;;
    esac
  done
  for _ in $(seq 100); do
    alive=0
    for line in "${lines[@]}"; do
      read -r name pid port start <<<"$line"
      pid_alive "$pid" "$start" && alive=1
    done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for line in "${lines[@]}"; do
    read -r name pid port start <<<"$line"
    signal_ours KILL "$pid" "$start"
  done
}

cluster_start_databases() {
  local user
  user=$(cluster_db_user)
  PRIMARY_PORT=$(free_port)
  REPLICA_PORT=$(free_port)
  mkdir -p "$CLUSTER_DIR/pg-primary" "$CLUSTER_DIR/pg-replica" "$CLUSTER_DIR/sockets"
  chmod 700 "$CLUSTER_DIR/pg-replica"
  chown "$user" "$CLUSTER_DIR/pg-primary" "$CLUSTER_DIR/pg-replica" "$CLUSTER_DIR/sockets" \
    "$CLUSTER_DIR/logs" 2>/dev/null || true
  as_db_user "$PG_BIN/initdb" -D "$CLUSTER_DIR/pg-primary" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
  cat >>"$CLUSTER_DIR/pg-primary/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 5
hot_standby = on
EOF
  cluster_pg_start pg-primary "$PRIMARY_PORT"
  "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres \
    -c "CREATE ROLE replicator WITH REPLICATION LOGIN" -c "CREATE DATABASE apex"
  # The replica: a base backup streamed from the primary, -R writes the standby settings.
  as_db_user "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U replicator \
    -D "$CLUSTER_DIR/pg-replica" -R -X stream -c fast
  cluster_pg_start pg-replica "$REPLICA_PORT"
}

cluster_start_pgbouncer() {
  local dir="$CLUSTER_DIR/pgbouncer"
  PGBOUNCER_PORT=$(free_port)
  mkdir -p "$dir"
  printf '"postgres" ""\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
apex = host=127.0.0.1 port=$PRIMARY_PORT dbname=apex

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
EOF
  chown -R "$(cluster_db_user)" "$dir" 2>/dev/null || true
  local run="pgbouncer"
  [ "$(id -u)" -eq 0 ] && run="runuser -u $(cluster_db_user) -- pgbouncer"
  cluster_spawn pgbouncer "$PGBOUNCER_PORT" "$run $dir/pgbouncer.ini"
  wait_port "$PGBOUNCER_PORT" pgbouncer
}

cluster_start_redis() {
  REDIS_PORT=$(free_port)
  cluster_spawn redis "$REDIS_PORT" \
    "redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --dir $CLUSTER_DIR"
  wait_port "$REDIS_PORT" redis
}

cluster_start_smtp() {
  SMTP_PORT=$(free_port)
  cluster_spawn smtp "$SMTP_PORT" \
    "$root/.venv/bin/python $root/scripts/cluster/smtp_sink.py $SMTP_PORT $CLUSTER_DIR/mail"
  wait_port "$SMTP_PORT" "the SMTP sink"
}

# Every address, for the processes, for start.sh and for the tests (KEY=value lines).
cluster_write_env() {
  WEB_A_PORT=$(free_port)
  WEB_B_PORT=$(free_port)
  HAPROXY_PORT=$(free_port)
  cat >"$CLUSTER_DIR/env" <<EOF
PATH=$root/.venv/bin:$PATH
PYTHONUNBUFFERED=1
DJANGO_DEBUG=true
DATABASE_URL=postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/apex
DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/apex
DATABASE_PGBOUNCER=true
CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
EMAIL_URL=smtp://127.0.0.1:$SMTP_PORT
REMINDER_DISPATCH_EVERY_SECONDS=2
REMINDER_CLAIM_TIMEOUT_SECONDS=10
REMINDER_RETRY_BASE_SECONDS=1
WEB_CONCURRENCY=2
CELERY_CONCURRENCY=1
CLUSTER_DIR=$CLUSTER_DIR
CLUSTER_URL=http://127.0.0.1:$HAPROXY_PORT
CLUSTER_WEB_A_URL=http://127.0.0.1:$WEB_A_PORT
CLUSTER_WEB_B_URL=http://127.0.0.1:$WEB_B_PORT
CLUSTER_PRIMARY_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/apex
CLUSTER_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/apex
CLUSTER_MAIL_DIR=$CLUSTER_DIR/mail
EOF
  set -a
  # shellcheck disable=SC1091
  source "$CLUSTER_DIR/env"
  set +a
}

cluster_migrate_and_seed() {
  # Migrations go straight to the primary (DDL and advisory locks do not belong behind a
  # transaction-mode pooler); the seed too. In the background with `wait`, so a signal stops
  # the script at once instead of after the migrations.
  local steps="export DATABASE_URL=$CLUSTER_PRIMARY_URL
    python manage.py migrate --noinput &&
    python manage.py seed_demo &&
    python manage.py seed_load --patients ${CLUSTER_SEED_PATIENTS:-1000}"
  cluster_spawn migrate - "bash -c '$steps'"
  local pid
  pid=$(awk '$1 == "migrate" { print $2 }' "$CLUSTER_DIR/processes")
  if ! wait "$pid"; then
    tail -40 "$CLUSTER_DIR/logs/migrate.log" >&2
    return 1
  fi
}

procfile_command() {  # name
  sed -n "s/^$1: *//p" "$root/Procfile"
}

cluster_start_web() {
  local web
  # Loopback only; gunicorn's control socket has one default path, which two would share.
  web="$(procfile_command web | sed 's/0\.0\.0\.0:/127.0.0.1:/') --no-control-socket"
  cluster_spawn web-a "$WEB_A_PORT" "env PORT=$WEB_A_PORT bash -c 'exec $web'"
  cluster_spawn web-b "$WEB_B_PORT" "env PORT=$WEB_B_PORT bash -c 'exec $web'"
  wait_port "$WEB_A_PORT" "gunicorn a" 60
  wait_port "$WEB_B_PORT" "gunicorn b" 60
  # Each instance's first answers are slow (imports, first connections): wait for them here,
  # before HAProxy's health checks (a few seconds each) begin.
  local name
  for name in web-a web-b; do
    for _ in $(seq 60); do
      curl -fsS -m 60 -o /dev/null "$(cluster_url_of "$name")/healthz" 2>/dev/null && break
      sleep 1
    done
  done
}

cluster_start_haproxy() {
  cat >"$CLUSTER_DIR/haproxy.cfg" <<EOF
global
  maxconn 512

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A process's first request imports and connects: slow on a loaded 2-core machine.
  timeout check 10s
  retries 2
  option redispatch

frontend www
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend web

backend web
  balance roundrobin
  option httpchk
  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  default-server inter 2s fall 3 rise 1
  server a 127.0.0.1:$WEB_A_PORT check
  server b 127.0.0.1:$WEB_B_PORT check
EOF
  haproxy -c -q -f "$CLUSTER_DIR/haproxy.cfg"
  cluster_spawn haproxy "$HAPROXY_PORT" "haproxy -db -f $CLUSTER_DIR/haproxy.cfg"
  wait_port "$HAPROXY_PORT" haproxy
}

# Every worker line of the Procfile (the one `worker` line twice when there is only one), each
# with a node name of its own, and the beat line twice (a schedule file each, if it uses one).
cluster_start_celery() {
  local names=() name command
  mapfile -t names < <(sed -n 's/^\(worker[A-Za-z0-9_-]*\):.*/\1/p' "$root/Procfile")
  if [ ${#names[@]} -eq 1 ]; then
    command=$(procfile_command "${names[0]}")
    cluster_spawn worker-1 - "$command --hostname=worker-1@%h"
    cluster_spawn worker-2 - "$command --hostname=worker-2@%h"
  else
    for name in "${names[@]}"; do
      command=$(procfile_command "$name")
      [[ $command == *--hostname* ]] || command="$command --hostname=$name@%h"
      cluster_spawn "$name" - "$command"
    done
  fi
  command=$(procfile_command beat)
  for name in beat-1 beat-2; do
    if [[ $command == *--schedule* ]]; then
      cluster_spawn "$name" - \
        "$(sed -E "s#--schedule[= ][^ ]+#--schedule=$CLUSTER_DIR/$name-schedule#" <<<"$command")"
    else
      cluster_spawn "$name" - "$command"
    fi
  done
}

cluster_url_of() {  # web-a | web-b
  echo "http://127.0.0.1:$(cat "$CLUSTER_DIR/commands/$1.port")"
}

cluster_wait_ready() {
  local name pid port
  for _ in $(seq 1200); do
    curl -fsS -o /dev/null "$CLUSTER_URL/healthz" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "$CLUSTER_URL/healthz" || {
    echo "cluster: the site did not answer /healthz through HAProxy" >&2
    for name in web-a web-b; do
      echo "--- $name: $(curl -sS -m 20 "$(cluster_url_of "$name")/healthz" 2>&1)" >&2
      tail -20 "$CLUSTER_DIR/logs/$name.log" >&2
    done
    echo "--- haproxy" >&2
    tail -20 "$CLUSTER_DIR/logs/haproxy.log" >&2
    return 1
  }
  while read -r name pid port; do
    case "$name" in
      worker*)
        for _ in $(seq 600); do
          grep -q "ready\." "$CLUSTER_DIR/logs/$name.log" 2>/dev/null && break
          sleep 0.1
        done
        grep -q "ready\." "$CLUSTER_DIR/logs/$name.log" || {
          echo "cluster: $name did not start" >&2
          tail -20 "$CLUSTER_DIR/logs/$name.log" >&2
          return 1
        }
        ;;
    esac
  done <"$CLUSTER_DIR/processes"
}
