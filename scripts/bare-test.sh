#!/usr/bin/env bash
# `npm test` as on a machine with only Node and python3: a fresh clone of the repository ($1,
# default: this checkout's) tested in a private mount namespace where the programs of Jupyter,
# Docker, tmux, Chromium and PostgreSQL are bound over by an empty file, so every suite that
# needs one must skip with its named line (docs/testing.md). Needs root (unshare -m); it changes
# nothing outside the namespace. Run: bash scripts/bare-test.sh [repository]
set -u
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
d=$(mktemp -d /tmp/bare-XXXX)
git clone -q "$src" "$d/repo"
touch "$d/nothing"
exec unshare -m bash -c '
  mount --make-rprivate /
  for f in /usr/bin/tmux /usr/bin/chromium /usr/local/bin/docker /usr/bin/docker /usr/bin/dockerd /usr/local/bin/dockerd /usr/bin/psql /usr/local/bin/initdb /usr/local/bin/pg_ctl /usr/local/bin/postgres /usr/bin/jupyter /usr/bin/jupyter-server /usr/bin/jupyter-kernel /usr/bin/jupyter-notebook; do
    [ -e "$f" ] && mount --bind '"$d"'/nothing "$f"
  done
  [ -d /usr/lib/postgresql ] && mount -t tmpfs none /usr/lib/postgresql
  unset RLMTREE_REQUIRE_REAL
  cd '"$d"'/repo && . scripts/node22.sh && npm ci --no-audit --no-fund >/dev/null 2>&1 && npm test
'
