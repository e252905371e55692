# ruv's front door. `make run` builds everything and serves HTTP on
# http://127.0.0.1:8080/ (examples-c/http-server.c);
# `make test` builds and runs every test (Rust, C under valgrind, Zig).

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR    ?=
CARGO      ?= cargo
CC         ?= cc
CFLAGS     ?= -O2 -g -Wall -Wextra -Werror
PYTHON     ?= python3

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
MAJOR   := $(word 1,$(subst ., ,$(VERSION)))
MINOR   := $(word 2,$(subst ., ,$(VERSION)))
# The ABI suffix build.rs writes into the SONAME: 0.<minor> before 1.0.
ABI     := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))

OUT      := target/release
STATIC   := $(OUT)/libruv.a
SHARED   := $(OUT)/libruv.so
SYSLIBS  := -lpthread -ldl -lm
EXAMPLES := $(patsubst examples-c/%.c,target/examples-c/%,$(wildcard examples-c/*.c))
# A libuv program built unchanged against ruv (-Iinclude/uv-compat), and
# against libuv itself where libuv's headers are installed.
COMPAT   := target/compat/echo-server-uv

# Zig: 0.16 has @cImport; 0.17 only translate-c (tests/zig/build.zig).
ZIG16 := .tools/zig-0.16
ZIG17 := .tools/zig-0.17

.PHONY: all lib examples compat-example header test test-lint test-rust test-valgrind test-libuv test-examples test-install test-zig \
        zig-tools run run-http run-echo run-ticker run-files run-watch bench install uninstall clean ruv.pc

all: lib examples

lib:
	$(CARGO) build --release
	ln -sf libruv.so $(OUT)/libruv.so.$(ABI)

examples: lib $(EXAMPLES)

target/examples-c/%: examples-c/%.c include/ruv.h $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude $< $(STATIC) $(SYSLIBS) -o $@

# A libuv program, unchanged: examples-c/echo-server.c with every ruv_/RUV_
# name spelled as libuv's and <uv.h> included, built through
# include/uv-compat/uv.h against ruv, and against libuv itself.
compat-example: lib $(COMPAT) $(COMPAT)-libuv

$(COMPAT).c: examples-c/echo-server.c
	@mkdir -p $(@D)
	sed -e 's/ruv_/uv_/g; s/RUV_/UV_/g; s/"ruv.h"/<uv.h>/' $< > $@

$(COMPAT): $(COMPAT).c include/uv-compat/uv.h include/ruv.h $(STATIC)
	$(CC) $(CFLAGS) -Iinclude/uv-compat $< $(STATIC) $(SYSLIBS) -o $@

# The same source against libuv, to show it is a libuv program; skipped when
# <uv.h> is not installed (Debian: libuv1-dev).
$(COMPAT)-libuv: $(COMPAT).c
	@if printf '#include <uv.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; then \
	  echo '$(CC) $(CFLAGS) $< -luv -o $@'; $(CC) $(CFLAGS) $< -luv -o $@; \
	else \
	  rm -f $@; echo 'skip: no <uv.h> (libuv1-dev): $< not built against libuv'; \
	fi

# Regenerates the committed headers from src/: include/ruv.h (cbindgen) and
# include/uv-compat/uv.h (libuv's names for ruv.h's, made by tests/header.rs).
# `cargo test` fails while either is stale.
header:
	RUV_BLESS=1 $(CARGO) test --test header

run: run-http

run-http: examples
	./target/examples-c/http-server

run-echo: examples
	./target/examples-c/echo-server

run-ticker: examples
	./target/examples-c/ticker

# The repository's files on http://127.0.0.1:8081/ (examples-c/file-server.c).
run-files: examples
	./target/examples-c/file-server -p 8081 .

# The file-system events in the repository's top directory, until Ctrl-C
# (examples-c/watch.c).
run-watch: examples
	./target/examples-c/watch .

TEST_SUITES := test-lint test-rust test-valgrind test-libuv test-examples test-install test-zig

# Make stops at the first suite that fails, so reaching the last line means
# every suite passed.
test: $(TEST_SUITES)
	@echo "suites: $(words $(TEST_SUITES)) passed, 0 failed ($(TEST_SUITES))"

# Formatting and clippy (with the lints lib.rs turns on) must be clean.
test-lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# Rust unit tests, the header check, the layering check, and every C test
# (tests/c_api.rs, one named test per tests/c/*.c).
test-rust:
	$(CARGO) test

# The C test binaries test-rust built, again under valgrind: any error or
# leak fails. Set RUV_REQUIRE_VALGRIND=1 to fail when valgrind is missing.
test-valgrind: test-rust
	@RUV_REQUIRE_VALGRIND=$(RUV_REQUIRE_VALGRIND) tests/valgrind.sh target/ctests/*

# The C tests whose expectations are libuv's, built against libuv itself
# (tests/c/libuv-shim) and run there: a check of the tests, that what they
# assert is libuv's behaviour (ruv-only checks are under RUV_STRICT).
# Skipped when <uv.h> is not installed (Debian: libuv1-dev).
LIBUV_TESTS := test_libuv_behaviour test_thread test_process test_signal test_tty test_pipe test_pipe_ipc test_tcp test_tcp_stress
test-libuv:
	@if ! printf '#include <uv.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; then \
	  echo 'skip: no <uv.h> (libuv1-dev): the tests are not checked against libuv'; exit 0; fi; \
	mkdir -p target/libuv-tests; \
	for t in $(LIBUV_TESTS); do \
	  bin=target/libuv-tests/$$t; \
	  $(CC) -std=c11 -g -Wall -Wextra -Werror -Itests/c/libuv-shim tests/c/$$t.c -luv $(SYSLIBS) -o $$bin || exit 1; \
	  if $$bin > $$bin.log 2>&1; then echo "libuv ok: $$t: $$(tail -n1 $$bin.log)"; \
	  else echo "libuv FAILED: $$t"; cat $$bin.log; exit 1; fi; \
	done

# The example servers and client, started and talked to over loopback; the
# libuv example too, built against ruv and (if it was built) against libuv.
test-examples: examples compat-example
	tests/examples.sh target/examples-c $(COMPAT) $$(test -x $(COMPAT)-libuv && echo $(COMPAT)-libuv)

# A staged `make install`, used through pkg-config, then `make uninstall`.
test-install: lib
	tests/install.sh

zig-tools: $(ZIG16)/ziglang $(ZIG17)/ziglang

$(ZIG16)/ziglang:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(ZIG16) ziglang==0.16.0

$(ZIG17)/ziglang:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(ZIG17) ziglang==0.17.1

test-zig: lib zig-tools
	tests/zig/run.sh $(ZIG16) $(ZIG17)

bench: lib
	bench/run.sh

ruv.pc:
	@mkdir -p $(OUT)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: ruv' 'Description: Event loop with libuv'"'"'s API and a Rust core' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lruv' \
	  'Libs.private: $(SYSLIBS) -lgcc_s -lutil -lrt -lc' > $(OUT)/ruv.pc

install: lib ruv.pc
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 include/ruv.h $(DESTDIR)$(INCLUDEDIR)/ruv.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libruv.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libruv.so.$(VERSION)
	ln -sf libruv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libruv.so.$(ABI)
	ln -sf libruv.so.$(ABI) $(DESTDIR)$(LIBDIR)/libruv.so
	install -m 644 $(OUT)/ruv.pc $(DESTDIR)$(LIBDIR)/pkgconfig/ruv.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/ruv.h $(DESTDIR)$(LIBDIR)/libruv.a \
	  $(DESTDIR)$(LIBDIR)/libruv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libruv.so.$(ABI) \
	  $(DESTDIR)$(LIBDIR)/libruv.so $(DESTDIR)$(LIBDIR)/pkgconfig/ruv.pc

clean:
	$(CARGO) clean
	rm -rf bench/out
