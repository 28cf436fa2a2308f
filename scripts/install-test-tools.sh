#!/usr/bin/env bash
# What the test suite needs beyond Python packages: Debian's Chromium for the browser tests,
# and the real peers the network tests talk to (each installs once into a cache, then is quick).
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' once." >&2
    exit 1
  fi
  echo "Installing Debian's Chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
bash "$(dirname "$0")/../tests/peers/fedify/install.sh" >/dev/null  # the Fedify peer (tests/federation)
bash "$(dirname "$0")/../tests/peers/bluesky/install.sh" all >/dev/null  # the Bluesky PDS and AppView (tests/bluesky)
bash "$(dirname "$0")/../tests/peers/websub/install.sh" >/dev/null  # the WebSub hub (tests/sources/test_websub.py)
