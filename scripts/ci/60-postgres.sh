# PostgreSQL (Debian's postgresql, 15 on bookworm) for @rlmtree/postgres: its tests start a
# throwaway cluster themselves (initdb in a temp folder, a free loopback port), so no server is
# started here. Sourced by .ci/run: no `exit`, quiet unless something is wrong.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=300 && apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends postgresql >/dev/null
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "60-postgres.sh: postgresql is not installed" >&2; false; }
_rlm_pg="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
echo "postgres: $("$_rlm_pg/postgres" --version)"
unset _rlm_pg
