#!/usr/bin/env bash
# `npm start`: the all-in-one platform on the bundled sample corpus (no servers needed). Bootstraps Node 22,
# installs dependencies when missing or stale, builds, then runs `ragops start` with any extra arguments.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
node scripts/build.mjs >/dev/null
exec node apps/cli/bin/ragops.js start "$@"
