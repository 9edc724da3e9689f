# shellcheck shell=bash
# Shared helpers for scripts/servers/*.sh. Sourced, never run.
#
# Conventions for every server script:
#   - progress/diagnostics go to stderr; `start` and `url` print exactly one line (the
#     connection URL) on stdout, so `URL=$(scripts/servers/x.sh start)` just works;
#   - runtime state lives in $CLE_SERVERS_DIR/<name>/ (default <repo>/.servers/<name>/,
#     git-ignored): server.log, server.pid, state;
#   - downloads/builds are cached in $CLE_SERVERS_CACHE (default ~/.cache/cle-servers).

SERVERS_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVERS_SCRIPT_DIR/../.." && pwd)"
CLE_SERVERS_DIR="${CLE_SERVERS_DIR:-$REPO_ROOT/.servers}"
CLE_SERVERS_CACHE="${CLE_SERVERS_CACHE:-${HOME:-/root}/.cache/cle-servers}"

log() { echo "[${SERVER_NAME:-servers}] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# as_root CMD...: run CMD as root (directly, or via sudo when not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# apt_install PKG...: idempotent Debian install; runs `apt-get update` only when the plain
# install fails (fresh machines have empty package lists). Waits on the dpkg lock, so
# parallel callers (all.sh) don't trip over each other.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: ${missing[*]}"
  log "apt-get install ${missing[*]}"
  local opts=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${missing[@]}" >&2; then
    as_root apt-get update -q -o DPkg::Lock::Timeout=600 >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${missing[@]}" >&2
  fi
}

# port_open HOST PORT: true if something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT TIMEOUT_S [PID]: wait for the port to accept; fail early if PID dies.
wait_port() {
  local host=$1 port=$2 timeout=$3 pid=${4:-} i
  for ((i = 0; i < timeout * 10; i++)); do
    port_open "$host" "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# pid_matches PID PATTERN: PID is alive and its command line contains PATTERN
# (guards against a stale pid file whose pid was reused by another process).
pid_matches() {
  local pid=$1 pattern=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# stop_pid PID GRACE_S: SIGTERM, wait up to GRACE_S, then SIGKILL.
stop_pid() {
  local pid=$1 grace=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "pid $pid did not stop after ${grace}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# with_lock FILE CMD...: serialize start/stop of one server across concurrent callers.
# The lock is fd 9: every long-lived server must be launched with `9>&-`.
with_lock() {
  local lockfile=$1; shift
  mkdir -p "$(dirname "$lockfile")"
  exec 9>"$lockfile"
  flock -w 900 9 || die "timed out waiting for lock $lockfile"
  "$@"
}

# ensure_java / ensure_mvn / ensure_go: install from Debian packages when missing.
ensure_java() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "need Java >= 17 (found '${v:-none}')"
}
ensure_mvn() { command -v mvn >/dev/null 2>&1 || apt_install maven; }
ensure_go() {
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  # Debian's golang-go is older than FerretDB needs; the go command then fetches the
  # toolchain named in go.mod from the Go module proxy (GOTOOLCHAIN=auto).
  command -v go >/dev/null 2>&1 || apt_install golang-go
}
