#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on 127.0.0.1 for the test suite: start | stop | url.
set -euo pipefail
PGPORT=${OUTLIER_PG_PORT:-54329}
PGDIR=${OUTLIER_PG_DIR:-/tmp/outlier-pg}
PGBIN=/usr/lib/postgresql/15/bin

case "${1:-}" in
  start)
    if [ ! -x "$PGBIN/postgres" ]; then
      echo "Installing PostgreSQL 15…"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq postgresql-15 >/dev/null
    fi
    if [ -f "$PGDIR/data/postmaster.pid" ]; then
      su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$PGDIR"
    mkdir -p "$PGDIR"
    chown postgres:postgres "$PGDIR"
    su postgres -c "$PGBIN/initdb -D $PGDIR/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/log -w -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' start" >/dev/null
    echo "PostgreSQL 15 listening on 127.0.0.1:$PGPORT"
    ;;
  stop)
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$PGPORT/outlier"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
