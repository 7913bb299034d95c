#!/usr/bin/env bash
# A private Docker daemon for etcdlab's docker provider tests (and for users without one): its own socket,
# data, exec root and pid file under .testbed/dockerd, and a default bridge on 198.18.0.1/24 (the range set
# aside for network benchmarks), so it never disturbs a system dockerd or a private network.
#
#   scripts/testbed/dockerd.sh start    # idempotent; prints the socket path on stdout
#   scripts/testbed/dockerd.sh status   # exit 0 and the socket path when it answers, else exit 1
#   scripts/testbed/dockerd.sh stop     # idempotent; its containers stop with it
#   scripts/testbed/dockerd.sh socket   # the socket path, whether or not it runs
#
# ETCDLAB_DOCKERD_DIR moves the folder; ETCDLAB_DOCKERD_BIP changes the bridge address.
# As root on Debian, a missing dockerd is installed (docker.io) without starting Debian's own service.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${ETCDLAB_DOCKERD_DIR:-$repo/.testbed/dockerd}
sock=$dir/docker.sock
pidfile=$dir/dockerd.pid
logfile=$dir/dockerd.log
bip=${ETCDLAB_DOCKERD_BIP:-198.18.0.1/24}

log() { printf '[dockerd] %s\n' "$*" >&2; }

# GET /_ping through the socket (node is always there; curl may not be).
alive() {
  [ -S "$sock" ] || return 1
  node -e '
    const req = require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1));
    req.on("timeout", () => process.exit(1)); req.on("error", () => process.exit(1));' "$sock" 2>/dev/null
}

daemon_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "dockerd.*$sock"; then echo "$pid"; return 0; fi
  # The pid file may be gone (a folder removed under a running daemon): look for the process itself.
  pgrep -f -x "dockerd --host unix://$sock .*" | head -n 1 | grep .
}

# Another checkout's private dockerd: it would share the docker0 bridge on the same address, and two
# daemons handing out the same container addresses make tests fail in odd ways.
other_daemon() {
  pgrep -a -f "^dockerd --host unix://.*/dockerd/docker.sock .*--bip $bip" | grep -v -F "unix://$sock " | head -n 1 || true
}

# dockerd leaves its data root mounted on itself; unmounted, the folder can be removed.
unmount_leftovers() {
  local m
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || true; done
}

install_dockerd() {
  command -v dockerd >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "dockerd is not installed. Install Docker Engine (Debian: apt-get install docker.io), then run this again."
    exit 1
  fi
  log "installing docker.io (Debian's Docker Engine)"
  # Keep the package from starting Debian's own daemon (docker0 on 172.17/16): only ours runs.
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1; fi
  # Other set-up scripts may hold apt's locks: retry for up to 5 minutes.
  local rc=1 try
  for try in $(seq 1 60); do
    rc=0
    { apt-get -o DPkg::Lock::Timeout=5 update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=5 install -y -qq docker.io >/dev/null; } 2>"$dir.apt.err" || rc=$?
    [ "$rc" = 0 ] && break
    grep -q 'lock' "$dir.apt.err" || break
    sleep 5
  done
  cat "$dir.apt.err" >&2 2>/dev/null; rm -f "$dir.apt.err"
  [ "$added" = 1 ] && rm -f "$policy"
  if [ "$rc" != 0 ] || ! command -v dockerd >/dev/null; then log "installing docker.io failed (apt-get exit $rc)"; exit 1; fi
}

start() {
  if alive; then echo "$sock"; return 0; fi
  mkdir -p "$dir"
  install_dockerd
  # Two callers starting at once (test files of several engineers) must end with one daemon.
  exec 9>"$dir/lock"
  flock -w 120 9 || { log "another start holds $dir/lock"; exit 1; }
  if alive; then echo "$sock"; return 0; fi
  local pid
  pid=$(daemon_pid || true)
  if [ -z "$pid" ]; then
    local other
    other=$(other_daemon)
    if [ -n "$other" ]; then
      log "another private dockerd runs on bridge $bip (pid and command: $other);"
      log "stop it first (scripts/testbed/dockerd.sh stop in its checkout, or kill that pid): both would use the docker0 bridge"
      exit 1
    fi
    rm -f "$sock" "$pidfile"
    log "starting dockerd on $sock (bridge $bip, log $logfile)"
    setsid dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" \
      --bip "$bip" >>"$logfile" 2>&1 </dev/null &
    pid=$!
  fi
  for _ in $(seq 1 150); do
    if alive; then echo "$sock"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  log "dockerd did not answer on $sock; last lines of $logfile:"
  tail -n 20 "$logfile" >&2 || true
  exit 1
}

stop() {
  local pid
  pid=$(daemon_pid || true)
  if [ -z "$pid" ]; then rm -f "$sock"; unmount_leftovers; log "not running"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$sock"; unmount_leftovers; log "stopped"; return 0; }
    sleep 0.2
  done
  log "dockerd $pid did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  rm -f "$sock"
  unmount_leftovers
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if alive; then echo "$sock"; else exit 1; fi ;;
  socket) echo "$sock" ;;
  *) echo "usage: $0 start|stop|status|socket" >&2; exit 2 ;;
esac
