#!/usr/bin/env bash
# GitHub Action step 1: make migration-lint available as $ML_BIN.
# INPUT_VERSION set → that version from npm; otherwise the action's own checkout, built here.
set -euo pipefail
if [ -n "${INPUT_VERSION:-}" ]; then
  prefix="${RUNNER_TEMP:-/tmp}/migration-lint"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "migration-lint@${INPUT_VERSION}" >&2
  bin="$prefix/node_modules/migration-lint/bin/migration-lint.js"
else
  (cd "$GITHUB_ACTION_PATH" && npm ci --no-audit --no-fund >&2 && npm run build --silent >&2)
  bin="$GITHUB_ACTION_PATH/bin/migration-lint.js"
fi
echo "ML_BIN=$bin" >> "$GITHUB_ENV"
