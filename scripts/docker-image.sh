#!/usr/bin/env bash
# Builds the rlmtree REPL image with no registry: a Debian bookworm root filesystem made by
# debootstrap (python3: python3-minimal alone lacks json, which the prelude needs), plus the prelude and a non-root user, `docker import`ed.
# Prints the image name (rlmtree-python:<hash>) on stdout; everything else goes to stderr.
# The tag is a hash of this script and the prelude, so the image is rebuilt only when they
# change; the debootstrap tarball is cached in $RLMTREE_CACHE/docker so a prelude change does
# not redo the (about 2 minute) debootstrap. Users with a registry build
# packages/runtime-python/docker/Dockerfile instead. Needs root (debootstrap) and a daemon.
# Usage: bash scripts/docker-image.sh [DEBIAN_MIRROR_URL]
set -euo pipefail
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The prelude package (its .py files; never __pycache__ or tests).
prelude_dir="$root_dir/packages/runtime-python/python/rlmtree_prelude"
prelude_files=$(cd "$prelude_dir" && find . -maxdepth 1 -name '*.py' -printf '%f\n' | LC_ALL=C sort)
suite=bookworm
# The Debian mirror: $1, else $RLMTREE_DEBIAN_MIRROR, else the one this machine's own apt sources
# name (deb822 .sources files or the one-line sources.list format), so no package host is written
# into the project.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f" | grep -v security | grep -m1 -E '^https?://' && return 0
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) print $i }' "$f" | grep -v security | grep -m1 -E '^https?://' && return 0
  done
  return 1
}
mirror="${1:-${RLMTREE_DEBIAN_MIRROR:-$(apt_mirror || true)}}"
packages=python3
cache="${RLMTREE_CACHE:-$HOME/.cache/rlmtree}/docker"
hash="$( (cat "${BASH_SOURCE[0]}"; for f in $prelude_files; do echo "$f"; cat "$prelude_dir/$f"; done) | sha256sum | cut -c1-12)"
image="rlmtree-python:$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  docker tag "$image" rlmtree-python:latest
  echo "$image"
  exit 0
fi

mkdir -p "$cache"
rootfs_tar="$cache/rootfs-$suite-minbase-$packages.tar"
if [ ! -s "$rootfs_tar" ]; then
  [ -n "$mirror" ] || { echo "docker-image.sh: no Debian mirror: pass one (bash scripts/docker-image.sh <mirror URL>) or set RLMTREE_DEBIAN_MIRROR; none found in /etc/apt/sources.list*" >&2; exit 1; }
  case "$mirror" in */debian-security*) echo "docker-image.sh: $mirror is a security mirror; pass the main Debian mirror" >&2; exit 1 ;; esac
  command -v debootstrap >/dev/null || { echo "docker-image.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  echo "docker-image.sh: debootstrap $suite into $tmp (about 2 minutes)" >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { echo "docker-image.sh: debootstrap failed, see $cache/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
  # Package caches and lists are not needed at run time and make the image bigger.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  chmod 0755 "$tmp" # mktemp made it 0700; it becomes the image's /
  tar -C "$tmp" -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$tmp"
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
tar -C "$stage" -xf "$rootfs_tar"
chmod 0755 "$stage" # mktemp made it 0700; it becomes the image's /
for f in $prelude_files; do install -D -m 0644 "$prelude_dir/$f" "$stage/opt/rlmtree/rlmtree_prelude/$f"; done
# The non-root user agent code runs as (uid/gid 1000), and its work folder.
grep -q '^rlm:' "$stage/etc/group" || echo 'rlm:x:1000:' >>"$stage/etc/group"
grep -q '^rlm:' "$stage/etc/passwd" || echo 'rlm:x:1000:1000:rlmtree agent:/work:/usr/sbin/nologin' >>"$stage/etc/passwd"
mkdir -p "$stage/work" && chown 1000:1000 "$stage/work"
tar -C "$stage" -c . | docker import \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /work' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/work' \
  --change 'CMD ["python3", "-u", "/opt/rlmtree/rlmtree_prelude"]' \
  --message "rlmtree REPL image (debootstrap $suite minbase, $packages)" \
  - "$image" >/dev/null
docker tag "$image" rlmtree-python:latest
echo "docker-image.sh: built $image" >&2
echo "$image"
