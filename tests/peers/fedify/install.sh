#!/usr/bin/env bash
# Install the Fedify test peer's packages once into the peers' cache directory (never into the
# repository), and print the directory they went to. Idempotent: a second run with the same
# package.json does nothing; a changed package.json installs into a new directory.
#
#   PEER_DIR=$(tests/peers/fedify/install.sh)
#
# The cache lives in $OUTLIER_PEERS_DIR (default ~/.cache/outlier-peers), beside Node 22.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_BIN="$("$HERE/../node.sh")"
export PATH="$NODE_BIN:$PATH" npm_config_nodedir="$(dirname "$NODE_BIN")"
ROOT="${OUTLIER_PEERS_DIR:-$HOME/.cache/outlier-peers}"
STAMP="$(sha256sum "$HERE/package.json" | cut -c1-12)"
DIR="$ROOT/fedify-$STAMP"
if [ ! -f "$DIR/.installed" ]; then
    mkdir -p "$DIR"
    cp "$HERE/package.json" "$DIR/package.json"
    (cd "$DIR" && npm install --silent --no-audit --no-fund --package-lock=false >&2)
    touch "$DIR/.installed"
fi
echo "$DIR"
