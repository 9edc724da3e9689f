#!/usr/bin/env bash
# Start/stop PostgreSQL, Kafka and FerretDB together (in parallel).
#
#   eval "$(scripts/servers/all.sh start)"   # exports DATABASE_URL_TEST, KAFKA_BROKERS_TEST, MONGODB_URL_TEST
#   scripts/servers/all.sh stop [--wipe]
#   scripts/servers/all.sh env               # the export lines, without starting anything
#
# Progress goes to stderr; stdout carries only the export lines. `start` exits non-zero if any
# server failed, after printing export lines for the ones that did start.
set -euo pipefail
SERVER_NAME=all
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D="$SERVERS_SCRIPT_DIR"
NAMES=(postgres kafka ferretdb)
declare -A VAR=([postgres]=DATABASE_URL_TEST [kafka]=KAFKA_BROKERS_TEST [ferretdb]=MONGODB_URL_TEST)

start_all() {
  local tmp n rc=0 url
  tmp=$(mktemp -d)
  declare -A PIDS=()
  for n in "${NAMES[@]}"; do
    "$D/$n.sh" start >"$tmp/$n.out" 2>"$tmp/$n.err" &
    PIDS[$n]=$!
  done
  for n in "${NAMES[@]}"; do
    if wait "${PIDS[$n]}"; then
      url=$(tail -n 1 "$tmp/$n.out")
      printf 'export %s=%q\n' "${VAR[$n]}" "$url"
      log "$n: $url"
    else
      rc=1
      log "$n FAILED:"
      sed 's/^/    /' "$tmp/$n.err" >&2
    fi
  done
  rm -rf "$tmp"
  return "$rc"
}

stop_all() {
  local n rc=0
  for n in "${NAMES[@]}"; do
    "$D/$n.sh" stop "$@" || rc=1
  done
  return "$rc"
}

case "${1:-}" in
  start) start_all ;;
  stop) shift; stop_all "$@" ;;
  env) for n in "${NAMES[@]}"; do printf 'export %s=%q\n' "${VAR[$n]}" "$("$D/$n.sh" url)"; done ;;
  status) for n in "${NAMES[@]}"; do printf '%-9s ' "$n"; "$D/$n.sh" status || true; done ;;
  *) echo "usage: $0 start|stop [--wipe]|env|status" >&2; exit 2 ;;
esac
