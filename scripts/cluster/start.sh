#!/usr/bin/env bash
# Start one of the cluster's processes again by its name (after a test stopped or killed it):
#
#   CLUSTER_DIR=... scripts/cluster/start.sh NAME     (names: see $CLUSTER_DIR/processes)
#
# The new process is remembered like the others, so cluster.sh stops it at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${CLUSTER_DIR:?CLUSTER_DIR is not set: run this inside scripts/cluster/cluster.sh}"
set -a
# shellcheck disable=SC1091
source "$CLUSTER_DIR/env"
set +a
# shellcheck source=scripts/cluster/lib.sh
source "$here/lib.sh"
cluster_restart "$1"
