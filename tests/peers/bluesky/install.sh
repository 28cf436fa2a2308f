#!/usr/bin/env bash
# Install the local Bluesky peers the tests and benchmarks run against, outside the repository.
#
#   install.sh pds    the PDS and its PLC directory: @atproto/pds, @did-plc/server and
#                     @did-plc/lib as pinned in package.json here (lock: package-lock.json)
#   install.sh all    (default) the whole network for the AppView tests: @atproto/dev-env
#                     (appview/package.json and its lock), PostgreSQL 15 and Redis
#
# Prints where each one is, on stdout: "pds=<dir>" (and "appview=<dir>" with all). Progress
# and errors go to stderr. Everything lands in $OUTLIER_PEERS_DIR (~/.cache/outlier-peers):
# bluesky-pds/ and bluesky-appview/.
#
# Idempotent and quick once done: each directory records a hash of its package.json, its lock
# and the Node version, and is left alone while that matches. The packages install with
# `npm ci` on Node 22 (tests/peers/node.sh). dev-env depends on exactly the PDS and PLC server
# versions pinned here, so once it is installed the PDS runs from its tree (the lighter tree is
# installed only when dev-env is not there, or holds other versions): on a fresh machine
# `all` makes one install, and its one native build (better-sqlite3, compiled from source
# since no prebuilt binary can be downloaded here: about two minutes) happens once.
#
# Redis: Debian's redis-tools package holds the server binary (/usr/bin/redis-check-rdb, which
# is redis-server when called by that name); the redis-server package would only add a system
# service listening on port 6379. tests/peers/bluesky.py runs the binary as redis-server.
set -euo pipefail

WHAT=${1:-all}
case "$WHAT" in pds | all) ;; *) echo "usage: $0 [pds|all]" >&2 && exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT="${OUTLIER_PEERS_DIR:-$HOME/.cache/outlier-peers}"
NODE_BIN=$("$HERE/../node.sh")
export PATH="$NODE_BIN:$PATH" npm_config_nodedir="$(dirname "$NODE_BIN")"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
PDS_DIR="$ROOT/bluesky-pds"
APPVIEW_DIR="$ROOT/bluesky-appview"
mkdir -p "$ROOT"

say() { echo "bluesky peers: $*" >&2; }

stamp_of() { # source directory: a hash of what an install is made from
    { cat "$1/package.json" "$1/package-lock.json"; "$NODE_BIN/node" --version; } |
        sha256sum | cut -c1-16
}

is_installed() { # target, source
    [ -f "$1/.installed" ] && [ "$(cat "$1/.installed")" = "$(stamp_of "$2")" ]
}

install_tree() { # source, target
    local source=$1 target=$2
    rm -rf "$target"
    mkdir -p "$target"
    cp "$source/package.json" "$source/package-lock.json" "$target/"
    if ! (cd "$target" && npm ci --loglevel=error --no-progress >"$target/npm.log" 2>&1); then
        tail -30 "$target/npm.log" >&2
        say "npm ci failed in $target (log: $target/npm.log)"
        return 1
    fi
    (cd "$target" && node -e "require('better-sqlite3')(':memory:').close()") || {
        say "better-sqlite3 does not load in $target (log: $target/npm.log)"
        return 1
    }
    stamp_of "$source" >"$target/.installed"
}

pinned() { # package name: its version in package.json here
    sed -n "s|^ *\"$1\": \"\\(.*\\)\",\\{0,1\\}$|\\1|p" "$HERE/package.json"
}

installed_version() { # tree, package name
    sed -n 's/^  "version": "\(.*\)",$/\1/p' "$1/node_modules/$2/package.json" 2>/dev/null || true
}

covers_pds() { # does the dev-env tree hold the PDS and PLC server versions pinned here?
    is_installed "$APPVIEW_DIR" "$HERE/appview" &&
        [ "$(installed_version "$APPVIEW_DIR" @atproto/pds)" = "$(pinned @atproto/pds)" ] &&
        [ "$(installed_version "$APPVIEW_DIR" @did-plc/server)" = "$(pinned @did-plc/server)" ]
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() { # packages...
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
        as_root apt-get update -qq
        as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

if [ "$WHAT" = all ]; then
    if ! is_installed "$APPVIEW_DIR" "$HERE/appview"; then
        say "installing @atproto/dev-env into $APPVIEW_DIR (3 to 5 minutes the first time)…"
        install_tree "$HERE/appview" "$APPVIEW_DIR"
    fi
    cp "$HERE/appview/network.mjs" "$HERE/loopback.mjs" "$APPVIEW_DIR/"
    if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-check-rdb ]; then
        say "installing Redis (Debian's redis-tools) for the AppView…"
        apt_install redis-tools
    fi
    if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
        say "installing PostgreSQL 15 for the AppView…"
        apt_install postgresql-15
    fi
fi

if covers_pds; then
    PDS_HOME=$APPVIEW_DIR
else
    if ! is_installed "$PDS_DIR" "$HERE"; then
        say "installing the PDS into $PDS_DIR (about 3 minutes the first time)…"
        install_tree "$HERE" "$PDS_DIR"
    fi
    PDS_HOME=$PDS_DIR
fi
# The wrappers are small and may change without the packages changing: copied every time.
cp "$HERE/pds.mjs" "$HERE/loopback.mjs" "$PDS_HOME/"

echo "pds=$PDS_HOME"
if [ "$WHAT" = all ]; then
    echo "appview=$APPVIEW_DIR"
fi
