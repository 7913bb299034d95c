#!/usr/bin/env bash
# The second command: installs what is needed, builds, and runs every test (unit, then integration
# against real etcd). Extra arguments go to vitest, e.g. scripts/test.sh common/
# The private dockerd the docker tests start (scripts/testbed/dockerd.sh) is stopped again at the end
# when this run started it, so a test run leaves no daemon and no mount behind.
set -euo pipefail
cd "$(dirname "$0")/.."
ETCDLAB_NEED_ETCDCTL=1 ETCDLAB_NEED_SYSTEMD_ANALYZE=1 bash scripts/setup.sh
args=(run)
if [ -n "${ETCDLAB_TEST_REPORT:-}" ]; then
  args+=(--reporter=default --reporter=json --outputFile.json="$ETCDLAB_TEST_REPORT")
fi
dockerd_was_running=0
bash scripts/testbed/dockerd.sh status >/dev/null 2>&1 && dockerd_was_running=1
status=0
npx vitest "${args[@]}" "$@" || status=$?
if [ "$dockerd_was_running" = 0 ]; then
  bash scripts/testbed/systemd-hosts.sh stop >/dev/null 2>&1 || true
  bash scripts/testbed/dockerd.sh stop >/dev/null 2>&1 || true
fi
exit "$status"
