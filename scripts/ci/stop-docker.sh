#!/usr/bin/env bash
# Stops the dockerd that scripts/ci/40-docker.sh started (and only that one).
pidfile="${RLMTREE_CACHE:-$HOME/.cache/rlmtree}/docker/dockerd.pid"
[ -f "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
rm -f "$pidfile"
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
kill -9 "$pid" 2>/dev/null || true
