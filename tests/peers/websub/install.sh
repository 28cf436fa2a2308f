#!/usr/bin/env bash
# Install the WebSub test hub (flask-websub, pinned in requirements.txt) once into a virtualenv
# in the peers' cache directory (never into the repository or the project's virtualenv), and
# print the virtualenv's directory. Idempotent: a second run with the same requirements.txt
# does nothing; a changed one installs into a new directory.
#
#   HUB_VENV=$(tests/peers/websub/install.sh)
#
# The cache lives in $OUTLIER_PEERS_DIR (default ~/.cache/outlier-peers).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
ROOT="${OUTLIER_PEERS_DIR:-$HOME/.cache/outlier-peers}"
STAMP="$(sha256sum "$HERE/requirements.txt" | cut -c1-12)"
DIR="$ROOT/websub-$STAMP"
if [ ! -f "$DIR/.installed" ]; then
    rm -rf "$DIR"
    "$PYTHON" -m venv "$DIR"
    "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        -r "$HERE/requirements.txt" >&2
    touch "$DIR/.installed"
fi
echo "$DIR"
