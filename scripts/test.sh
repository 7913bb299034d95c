#!/usr/bin/env bash
# The second command: installs what is needed, builds, and runs every test (unit, then integration
# against real etcd). Extra arguments go to vitest, e.g. scripts/test.sh common/
set -euo pipefail
cd "$(dirname "$0")/.."
ETCDLAB_NEED_ETCDCTL=1 ETCDLAB_NEED_SYSTEMD_ANALYZE=1 bash scripts/setup.sh
args=(run)
if [ -n "${ETCDLAB_TEST_REPORT:-}" ]; then
  args+=(--reporter=default --reporter=json --outputFile.json="$ETCDLAB_TEST_REPORT")
fi
exec npx vitest "${args[@]}" "$@"
