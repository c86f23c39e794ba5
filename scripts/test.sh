#!/usr/bin/env bash
# The one test command (README, .ci/run): bootstraps Node 22, installs dependencies, makes sure NATS and Redis
# answer, builds, type-checks, lints, runs every Jest suite, and ends with `N passed, N failed, N skipped`.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
step() { echo; echo "== $*"; }

step "node $(node -v), npm $(npm -v)"
step "install"
npm install --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
step "services"
bash scripts/ensure-services.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
bash scripts/ensure-promtool.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

checks_failed=0
step "build";     node scripts/build.mjs            || checks_failed=$((checks_failed + 1))
step "typecheck"; npx tsc --noEmit -p tsconfig.json || checks_failed=$((checks_failed + 1))
step "lint";      npx eslint .                      || checks_failed=$((checks_failed + 1))
step "workflows"; bash scripts/lint-workflows.sh    || checks_failed=$((checks_failed + 1))

step "jest"
mkdir -p test-results
export OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none LOG_LEVEL=${LOG_LEVEL:-silent}
node --experimental-vm-modules node_modules/jest/bin/jest.js --ci --json --outputFile=test-results/jest.json "$@"
jest_rc=$?

node -e '
  const fs = require("node:fs");
  let r = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numRuntimeErrorTestSuites: 0 };
  try { r = JSON.parse(fs.readFileSync("test-results/jest.json", "utf8")); } catch {}
  const checks = Number(process.argv[1]);
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites + checks;
  if (checks) console.log(`${checks} of build/typecheck/lint/workflows failed (counted as failures)`);
  console.log(`${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$checks_failed"
[ "$jest_rc" = 0 ] && [ "$checks_failed" = 0 ]
