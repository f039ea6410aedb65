#!/usr/bin/env bash
# Stop one of the cluster's processes the way its operator would (PostgreSQL: pg_ctl stop -m
# fast; the others: SIGTERM to the process group), and wait until it has gone:
#
#   CLUSTER_DIR=... scripts/cluster/stop.sh NAME
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${CLUSTER_DIR:?CLUSTER_DIR is not set: run this inside scripts/cluster/cluster.sh}"
# shellcheck source=scripts/cluster/lib.sh
source "$here/lib.sh"
cluster_stop_one "$1"
