# Headless Chromium (Debian's package) for the viewer's browser tests, and tmux for the terminal
# view's pseudo-terminal tests. Skipped when both are already there.
if ! command -v chromium >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium tmux fonts-dejavu-core >/dev/null
fi
chromium --version 2>/dev/null || true
