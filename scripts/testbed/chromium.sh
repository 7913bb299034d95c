#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (/usr/bin/chromium) for the report tests, which open the HTML
# report in a real headless browser. No browser is ever downloaded: only Debian's package, as root.
# Prints the browser's path on success; exits 1 with the command to run otherwise.
set -euo pipefail
bin=/usr/bin/chromium
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[testbed] installing Debian's chromium (apt-get install chromium)" >&2
  if [ -z "${ETCDLAB_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
fi
echo "The report tests need Debian's chromium at $bin: run as root: apt-get update && apt-get install -y chromium" >&2
exit 1
