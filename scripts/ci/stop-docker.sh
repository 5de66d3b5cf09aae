#!/usr/bin/env bash
# Stops the dockerd that scripts/ci/40-docker.sh started in this CI run (and only that one:
# it exports RLMTREE_DOCKERD_PID only when it started the daemon itself).
pid="${RLMTREE_DOCKERD_PID:-}"
[ -n "$pid" ] || exit 0
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
kill -9 "$pid" 2>/dev/null || true
