# Docker for the docker runtime's tests: Debian's docker.io and debootstrap, a dockerd started
# here when no daemon answers (stopped by scripts/ci/stop-docker.sh), and the REPL image built
# with no registry by scripts/docker-image.sh (cached; rebuilt only when its inputs change).
# Sourced by .ci/run: no `exit`, quiet unless something is wrong.
_rlm_docker_need=""
command -v dockerd >/dev/null || _rlm_docker_need="$_rlm_docker_need docker.io"
command -v debootstrap >/dev/null || _rlm_docker_need="$_rlm_docker_need debootstrap"
if [ -n "$_rlm_docker_need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=300 && apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends $_rlm_docker_need >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  _rlm_docker_state="${RLMTREE_CACHE:-$HOME/.cache/rlmtree}/docker"
  mkdir -p "$_rlm_docker_state"
  # No iptables and no bridge here (DESIGN.md section 7); containers use --network none anyway.
  nohup dockerd --iptables=false --bridge=none --storage-driver=vfs \
    >"$_rlm_docker_state/dockerd.log" 2>&1 &
  # Only this run's stop-docker.sh (which inherits the variable) stops it; a daemon that was
  # already running is left alone.
  export RLMTREE_DOCKERD_PID=$!
  for _rlm_i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "40-docker.sh: dockerd did not start, see $_rlm_docker_state/dockerd.log" >&2; false; }
fi
RLMTREE_DOCKER_IMAGE="$(bash scripts/docker-image.sh)"
export RLMTREE_DOCKER_IMAGE
echo "docker: $(docker version --format '{{.Server.Version}}') image $RLMTREE_DOCKER_IMAGE"
unset _rlm_docker_need _rlm_docker_state _rlm_i
