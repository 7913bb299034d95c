#!/usr/bin/env bash
# The second command: installs what is needed, builds, and runs every test (unit, then integration
# against real etcd). Extra arguments go to vitest, e.g. scripts/test.sh common/
# The private dockerd the docker tests start (scripts/testbed/dockerd.sh) is stopped again at the end,
# also after Ctrl-C, when it was not running before this run and no other test.sh of this checkout is
# still running (each run holds a shared lock; stopping needs it exclusively).
set -euo pipefail
cd "$(dirname "$0")/.."
ETCDLAB_NEED_ETCDCTL=1 ETCDLAB_NEED_SYSTEMD_ANALYZE=1 ETCDLAB_NEED_NFT=1 bash scripts/setup.sh
# vitest strips types without checking them: the tests and their helpers are type-checked here first,
# so a test fixture that no longer matches the code fails the run instead of misbehaving in it.
npx tsc -p tsconfig.tests.json
args=(run)
if [ -n "${ETCDLAB_TEST_REPORT:-}" ]; then
  args+=(--reporter=default --reporter=json --outputFile.json="$ETCDLAB_TEST_REPORT")
fi
mkdir -p .testbed
exec 7>.testbed/test-run.lock
flock -s 7
dockerd_was_running=0
bash scripts/testbed/dockerd.sh status >/dev/null 2>&1 && dockerd_was_running=1
cleanup() {
  if [ "$dockerd_was_running" = 0 ] && flock -n -x 7; then
    bash scripts/testbed/systemd-hosts.sh stop >/dev/null 2>&1 || true
    bash scripts/testbed/dockerd.sh stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# fd 7 stays with this script: a daemon started by a test must not inherit (and so hold) the lock.
npx vitest "${args[@]}" "$@" 7>&-
