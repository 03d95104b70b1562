#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL 15 cluster for tests; prints the URL to export as TEST_DATABASE_URL.
#   eval "$(scripts/pg-throwaway.sh start /tmp/hx-pg)"   ...   scripts/pg-throwaway.sh stop /tmp/hx-pg
# `halt` stops the server and keeps its data, `resume` starts it again on the same port (outage tests).
# initdb refuses to run as root, so the cluster belongs to the postgres user.
set -euo pipefail
action="${1:?start|stop}"; base="${2:-/tmp/hx-pg}"
pgbin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
serve() {
  as_pg "$pgbin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -o \
    "-p $port -k $base/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}
case "$action" in
  start)
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    rm -rf "$base"; mkdir -p "$base/data" "$base/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$base"
    as_pg "$pgbin/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$base/initdb.log"
    echo "$port" >"$base/port"
    serve
    echo "export TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  resume) port=$(cat "$base/port"); serve ;;
  stop | halt) as_pg "$pgbin/pg_ctl" -D "$base/data" -m fast stop >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop|halt|resume [dir]" >&2; exit 2 ;;
esac
