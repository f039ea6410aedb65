#!/usr/bin/env bash
# `make bench`: load-test the site and the reminder pipeline on throwaway PostgreSQL and Redis.
#
#   scripts/bench.sh [PYTHON]
#
# Installs wrk (Debian package) when it is missing and we are root, then runs bench/run.py
# inside scripts/with-test-services.sh. Method and knobs: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "wrk is missing. Install it (apt-get install wrk) or run as root." >&2
    exit 1
  fi
  echo "Installing wrk ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

exec bash scripts/with-test-services.sh "$PY" bench/run.py
