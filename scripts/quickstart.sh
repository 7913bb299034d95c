#!/usr/bin/env bash
# The first command: installs what is needed, then runs `etcdlab quickstart` (3 members, 2 agents,
# the standard suite). Options are passed through, e.g. scripts/quickstart.sh --quick --members 5
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node coordinator/bin/etcdlab.js quickstart "$@"
