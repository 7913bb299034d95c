#!/usr/bin/env bash
# Shared set-up for quickstart.sh and test.sh: npm packages, an etcd server binary, a build.
# Safe to run again: each step does nothing when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "etcdlab needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# Debian packages: only as root with apt; otherwise say what is missing.
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: $*"
    if [ -z "${ETCDLAB_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; export ETCDLAB_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

if [ -n "${ETCD_BIN:-}" ]; then
  [ -x "$ETCD_BIN" ] || { echo "ETCD_BIN=$ETCD_BIN is not an executable file." >&2; exit 1; }
elif ! command -v etcd >/dev/null; then
  apt_install etcd-server etcd-client || {
    echo "No etcd server found. Install Debian's etcd-server (apt-get install etcd-server), put etcd on PATH, or set ETCD_BIN." >&2
    exit 1
  }
fi
if [ "${ETCDLAB_NEED_ETCDCTL:-0}" = 1 ] && ! command -v etcdctl >/dev/null; then
  apt_install etcd-client || { echo "The tests need etcdctl: apt-get install etcd-client, or put etcdctl on PATH." >&2; exit 1; }
fi
# The ssh deployment tests verify generated units with systemd-analyze (systemd need not be running).
if [ "${ETCDLAB_NEED_SYSTEMD_ANALYZE:-0}" = 1 ] && ! command -v systemd-analyze >/dev/null; then
  apt_install systemd || { echo "The tests need systemd-analyze: apt-get install systemd." >&2; exit 1; }
fi
# The ssh link-fault tests check generated nftables rulesets with `nft -c` (check only, nothing applied).
if [ "${ETCDLAB_NEED_NFT:-0}" = 1 ] && ! command -v nft >/dev/null; then
  apt_install nftables || { echo "The tests need nft: apt-get install nftables." >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  # stdout belongs to the command that follows (quickstart --json prints only JSON there).
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

log "building"
npx tsc -b coordinator agent common >&2
