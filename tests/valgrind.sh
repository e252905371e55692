#!/usr/bin/env bash
# Runs each C test binary given under valgrind's memcheck. Fails on any
# memory error or leak (definite, indirect or possible), and on a test that
# fails under valgrind.
set -u
if ! command -v valgrind >/dev/null; then
  if [ "${RUV_REQUIRE_VALGRIND:-}" = 1 ]; then
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
  fi
  echo "valgrind is not installed: skipping the valgrind pass (apt-get install valgrind)"
  exit 0
fi
passed=0 failed=0
for bin in "$@"; do
  log=$(mktemp)
  if valgrind --quiet --error-exitcode=99 --leak-check=full \
       --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible \
       "$bin" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "valgrind ok: $(basename "$bin"): $(grep ' passed, ' "$log" | tail -n1)"
  else
    failed=$((failed + 1))
    echo "valgrind FAILED: $(basename "$bin")"
    cat "$log"
  fi
  rm -f "$log"
done
echo "valgrind: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
