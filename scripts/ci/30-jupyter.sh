# Jupyter for the jupyter runtime: Debian's jupyter-server and python3-ipykernel (the kernel spec
# `python3` they install runs /usr/bin/python3, not whatever python3 is first on PATH), plus
# python3-jupyter-client, which bench/jupyter.bench.ts uses as its ZMQ baseline.
if ! [ -x /usr/bin/jupyter-server ] || ! /usr/bin/python3 -c 'import ipykernel, jupyter_client' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  for i in 1 2 3 4 5 6; do
    # apt's lock may be held by another install script; wait and retry.
    if (apt-get update -qq && apt-get install -y -qq --no-install-recommends jupyter-server python3-ipykernel python3-jupyter-client) >/dev/null 2>&1; then break; fi
    sleep 10
  done
fi
/usr/bin/jupyter-server --version >/dev/null 2>&1 || { echo "30-jupyter: jupyter-server is not installed" >&2; false; }
/usr/bin/python3 -c 'import ipykernel' || { echo "30-jupyter: python3-ipykernel is not installed" >&2; false; }
echo "jupyter-server $(/usr/bin/jupyter-server --version)"
