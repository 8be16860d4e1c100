#!/usr/bin/env bash
# `npm test`: the type check runs beside the tests rather than before them. tsc works on one
# core; run first, it left the other of a 2-core machine idle for its half minute. Its output
# is held back and printed after vitest's, so the two never interleave. Arguments go to vitest.
set -uo pipefail
typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
npm run --silent typecheck >"$typecheck_log" 2>&1 &
typecheck_pid=$!
npx vitest run "$@"
tests=$?
wait "$typecheck_pid"
typecheck=$?
if [ "$typecheck" -ne 0 ]; then
  cat "$typecheck_log" >&2
  echo "The type check failed (npm run typecheck, exit $typecheck)." >&2
fi
[ "$tests" -eq 0 ] && [ "$typecheck" -eq 0 ]
