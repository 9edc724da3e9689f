#!/usr/bin/env bash
# PostgreSQL for tests: Debian's packaged server binaries, but our own throw-away cluster
# (never the system cluster/service), listening on 127.0.0.1:${PGPORT_TEST:-55432}, trust auth,
# database cle_test.
#
#   scripts/servers/postgres.sh start        # idempotent; last stdout line is the URL
#   scripts/servers/postgres.sh stop [--wipe]
#   scripts/servers/postgres.sh url | status
set -euo pipefail
SERVER_NAME=postgres
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${PGPORT_TEST:-55432}"
DB=cle_test
STATE_DIR="$CLE_SERVERS_DIR/postgres"
URL="postgres://postgres@127.0.0.1:$PORT/$DB"

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

ensure_installed() {
  if ! pg_bindir >/dev/null; then
    apt_install postgresql
  fi
  PGBIN=$(pg_bindir) || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl"
}

# (9>&-: the server must not inherit the start/stop lock fd, or it would hold the lock forever.)
# The OS user that owns and runs the cluster: postgres when we are root (initdb refuses root),
# otherwise ourselves.
run_as() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

# Where data + log live: <repo>/.servers/postgres when the cluster user can reach it, else
# /tmp/cle-servers/postgres-<uid>-<hash of the state dir path> (e.g. repo under a 0700 home directory).
# Deterministic, so start/stop/url always agree.
choose_base() {
  mkdir -p "$STATE_DIR"
  BASE="$STATE_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (is the postgresql package installed?)"
    if ! runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null || \
       ! runuser -u postgres -- test -r "$STATE_DIR" 2>/dev/null; then
      local h
      h=$(printf '%s' "$STATE_DIR" | md5sum | cut -c1-8)
      BASE="/tmp/cle-servers/postgres-$(id -u)-$h"
    fi
  fi
  DATA="$BASE/data"
  LOGFILE="$BASE/server.log"
}

prepare_dirs() {
  mkdir -p "$BASE"
  if [ "$(id -u)" -eq 0 ]; then
    [ "$BASE" != "$STATE_DIR" ] && chmod 755 /tmp/cle-servers 2>/dev/null || true
    mkdir -p "$DATA"
    touch "$LOGFILE"
    chown postgres:postgres "$DATA" "$LOGFILE"
    chmod 700 "$DATA"
    if [ "$BASE" != "$STATE_DIR" ]; then
      ln -sfn "$LOGFILE" "$STATE_DIR/server.log"
      echo "$BASE" >"$STATE_DIR/base"
    fi
  fi
}

is_running() {
  [ -f "$DATA/postmaster.pid" ] || return 1
  run_as "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

do_init() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  log "initdb $DATA"
  run_as "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=trust >>"$LOGFILE" 2>&1 || {
      tail -n 20 "$LOGFILE" >&2; die "initdb failed (log: $LOGFILE)"; }
  # Test tuning. fsync stays on (default). Unix sockets go to the data dir (the Debian
  # default /var/run/postgresql may not exist or be writable for a non-root user).
  cat >>"$DATA/postgresql.conf" <<EOF

# --- cle test cluster (scripts/servers/postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
  cat >"$DATA/pg_hba.conf" <<'EOF'
# cle test cluster: trust everything local (127.0.0.1 only; never exposed)
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
host    all   all   ::1/128       trust
EOF
}

# A postmaster of ours whose data dir was deleted under it (rm -rf .servers) keeps the port
# but can't serve new connections, and pg_ctl can't see it: end it by pid.
orphan_pids() {
  ps -eo pid=,args= | awk -v d="$DATA" '$2 ~ /\/postgres$/ && $3 == "-D" && $4 == d { print $1 }'
}
kill_orphan() {
  local pid
  [ -f "$DATA/postmaster.pid" ] && return 0
  for pid in $(orphan_pids); do
    log "ending orphaned postmaster $pid (its data dir $DATA is gone)"
    stop_pid "$pid" 20
  done
}

psql_q() {
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"
}

do_start() {
  ensure_installed
  choose_base
  prepare_dirs
  if is_running; then
    log "already running (data $DATA)"
    echo "$URL"; return 0
  fi
  kill_orphan
  if port_open 127.0.0.1 "$PORT"; then
    die "port $PORT is already in use by another process (set PGPORT_TEST)"
  fi
  do_init
  log "starting on 127.0.0.1:$PORT (log $LOGFILE)"
  if ! run_as "$PGBIN/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 -o "-p $PORT" >/dev/null 2>&1; then
    tail -n 30 "$LOGFILE" >&2
    die "pg_ctl start failed (log: $LOGFILE)"
  fi
  wait_port 127.0.0.1 "$PORT" 30 || die "postgres not accepting on $PORT"
  if [ "$(psql_q -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    psql_q -d postgres -c "create database $DB" >/dev/null
  fi
  head -n 1 "$DATA/postmaster.pid" >"$STATE_DIR/server.pid"
  printf 'url=%s\ndata=%s\nport=%s\n' "$URL" "$DATA" "$PORT" >"$STATE_DIR/state"
  log "ready"
  echo "$URL"
}

do_stop() {
  local wipe=${1:-}
  PGBIN=$(pg_bindir) || { log "postgresql not installed; nothing to stop"; return 0; }
  choose_base
  if is_running; then
    log "stopping"
    run_as "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null 2>&1 || {
      log "fast stop failed; trying immediate"
      run_as "$PGBIN/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 >/dev/null 2>&1 || true; }
  else
    log "not running"
    kill_orphan
  fi
  rm -f "$STATE_DIR/server.pid" "$STATE_DIR/state"
  if [ "$wipe" = --wipe ]; then
    log "wiping $DATA"
    rm -rf "$DATA"
  fi
}

case "${1:-}" in
  start) with_lock "$STATE_DIR/.lock" do_start ;;
  stop) with_lock "$STATE_DIR/.lock" do_stop "${2:-}" ;;
  url) echo "$URL" ;;
  status)
    PGBIN=$(pg_bindir) || { echo stopped; exit 1; }
    choose_base
    if is_running; then echo "running $URL"; else echo stopped; exit 1; fi ;;
  *) echo "usage: $0 start|stop [--wipe]|url|status" >&2; exit 2 ;;
esac
