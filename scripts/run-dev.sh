#!/usr/bin/env bash
# Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/celery/queue var/celery/processed var/celery/control var/mail

pids=()
watchdog=""
stop() {
  trap - INT TERM EXIT
  echo "Stopping the web server, worker and beat..."
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  exit 0
}
trap stop INT TERM EXIT

# `make` stopped by a signal other than Ctrl-C (say, kill or a timeout) does not pass it on:
# stop everything when whoever started us goes away, instead of leaving servers behind.
parent=$PPID
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) &
watchdog=$!

# One worker for all three queues (production runs one per queue: Procfile).
.venv/bin/celery -A config worker -Q default,messages,reports --loglevel=INFO --concurrency=2 --hostname=dev@%h &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule &
pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
echo
echo "Apex Clinic is starting on http://127.0.0.1:8000/ (Ctrl-C stops everything)."
echo "Demo logins (password apex-demo-pass): therapist@example.com, reception@example.com, patient@example.com"
echo "Emails are printed here and saved under var/mail/."
wait -n "${pids[@]}"
