#!/usr/bin/env bash
# Stages `make install` into a temporary DESTDIR, builds a program against the
# installed copy through pkg-config (shared, then static), runs both, then
# checks that `make uninstall` leaves nothing behind.
set -euo pipefail
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make --no-print-directory -s install DESTDIR="$stage" PREFIX=/usr >/dev/null
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_LIBDIR="$stage/usr/lib/pkgconfig"
cat > "$stage/app.c" <<'C'
#include <ruv.h>
#include <stdio.h>
#include <string.h>
static int fired;
static void on_timer(ruv_timer_t *t) { fired++; ruv_close((ruv_handle_t *)t, NULL); }
int main(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  if (ruv_loop_init(&loop) || ruv_timer_init(&loop, &timer)) return 1;
  if (ruv_timer_start(&timer, on_timer, 1, 0)) return 1;
  ruv_run(&loop, RUV_RUN_DEFAULT);
  if (ruv_loop_configure(&loop, RUV_METRICS_IDLE_TIME) != 0) return 1;
  if (ruv_version() != RUV_VERSION_HEX || strcmp(ruv_version_string(), "0.1.0") != 0) return 1;
  return fired == 1 && ruv_loop_close(&loop) == 0 ? 0 : 1;
}
C
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "install: failed: $*"; fi; }
# shellcheck disable=SC2046
check cc "$stage/app.c" $(pkg-config --cflags --libs ruv) -Wl,-rpath,"$stage/usr/lib" -o "$stage/app-shared"
check "$stage/app-shared"
check sh -c "ldd '$stage/app-shared' | grep -q 'libruv.so.0.1 => $stage/usr/lib'"
# shellcheck disable=SC2046
check cc "$stage/app.c" $(pkg-config --cflags ruv) -L"$stage/usr/lib" -l:libruv.a $(pkg-config --libs-only-l --static ruv | sed 's/-lruv//') -o "$stage/app-static"
check "$stage/app-static"
check sh -c "! ldd '$stage/app-static' | grep -q libruv"
make --no-print-directory -s uninstall DESTDIR="$stage" PREFIX=/usr
check test -z "$(find "$stage/usr" -type f -o -type l)"
echo "install: $passed passed, $failed failed"
[ "$failed" = 0 ]
