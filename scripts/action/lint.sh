#!/usr/bin/env bash
# GitHub Action step 2: lint the pull request's migrations.
# The base branch comes from GITHUB_BASE_REF (migration-lint fetches it when the clone is shallow);
# annotations go to the log, the summary table to $GITHUB_STEP_SUMMARY, SARIF to a file on request.
set -uo pipefail
args=()
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
# shellcheck disable=SC2206 # extra arguments are split like a command line on purpose
[ -n "${INPUT_ARGS:-}" ] && args+=(${INPUT_ARGS})
node "$ML_BIN" --format github "${args[@]}"
status=$?
if [ "${INPUT_SARIF:-false}" = "true" ]; then
  out="${RUNNER_TEMP:-/tmp}/migration-lint.sarif"
  # The file exists only when the run had its result (a whole SARIF document): upload nothing otherwise.
  node "$ML_BIN" --format sarif "${args[@]}" --output-file "$out"
  [ -f "$out" ] && echo "sarif-file=$out" >> "${GITHUB_OUTPUT:-/dev/null}"
fi
exit $status
