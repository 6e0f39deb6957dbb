# SPDX-License-Identifier: AGPL-3.0-or-later
# The two commands of the README: `make run` and `make check`.
# Everything else here is a step of those two, or a long job of its own
# (`make fuzz`, `make bench`).

JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 10
FUZZ_LONG_SECONDS ?= 600
DATA        ?= data
PREFIX      ?= /usr/local
DESTDIR     ?=
SAN_ENV      = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
               UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_TARGETS = $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))

.PHONY: all deps build release test asan tsan fuzz-build fuzz-smoke fuzz check check-long run bench install clean

all: build

deps:
	@bash scripts/deps.sh

# ./build is the test build: ES_TEST_CLOCK lets the tests move the clock with
# $ESEAL_FAKE_NOW. `make run` uses ./build-release, where the variable is ignored.
build: deps
	@cmake -S . -B build -DES_DEVELOPER=ON -DES_TEST_CLOCK=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$(JOBS)

release: deps
	@cmake -S . -B build-release -DES_TEST_CLOCK=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-release -j$(JOBS) --target eseal_cli

test: build
	ctest --test-dir build --output-on-failure -j$(JOBS)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer, but for the two
# browser tests (about 5 minutes of Chromium running JavaScript), the two-node job
# test (100 documents on each store) and the server scripts run again on PostgreSQL
# (serve_pg): the C they reach is run under ASan by the server scripts on SQLite,
# serve_jobs, the unit tests of the platform on both stores, unit-platform-batch and
# unit-ofd-render (`make asan ASAN_SKIP=` runs all).
ASAN_SKIP ?= ^cli-(console|ofd_browser|serve_jobs_nodes|serve_pg)$$
asan: deps
	@cmake -S . -B build-asan -DES_DEVELOPER=ON -DES_TEST_CLOCK=ON -DES_SANITIZE='address;undefined' \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-asan -j$(JOBS)
	$(SAN_ENV) ctest --test-dir build-asan --output-on-failure -j$(JOBS) $(if $(ASAN_SKIP),-E '$(ASAN_SKIP)')

# The multi-threaded tests under ThreadSanitizer: the platform's threads on one
# context (both backends), two PKCS#11 handles on one token, eseal serve under
# concurrent requests and SIGTERM, its job workers and long-polls beside the poll
# threads (serve_jobs), and its peer-fetch thread (serve_peering). Only what they
# need is built.
tsan: deps
	@cmake -S . -B build-tsan -DES_DEVELOPER=ON -DES_TEST_CLOCK=ON -DES_SANITIZE=thread \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-tsan -j$(JOBS) --target eseal_cli unit-platform-threads unit-keystore-pkcs11
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp ctest --test-dir build-tsan --output-on-failure \
		-R '^(unit-platform-threads|unit-keystore-pkcs11|cli-serve_(concurrent|jobs|peering))$$'

fuzz-build: deps
	@CC=clang cmake -S . -B build-fuzz -DES_FUZZ=ON -DES_SANITIZE='address;undefined' \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)

# Every libFuzzer target for FUZZ_SECONDS, JOBS at a time, seeded with its committed
# corpus (scripts/fuzz_smoke.sh: new inputs go to a scratch folder; a hang over 30 s is a finding).
fuzz-smoke: fuzz-build
	@$(SAN_ENV) bash scripts/fuzz_smoke.sh $(FUZZ_SECONDS) $(JOBS) $(FUZZ_TARGETS)

fuzz: FUZZ_SECONDS = $(FUZZ_LONG_SECONDS)
fuzz: fuzz-smoke

check: test asan tsan fuzz-smoke
	@echo "make check: all test suites passed (build, ASan/UBSan, TSan, fuzz smoke)"

# The SM2 differential test against OpenSSL with 10^6 random keys and
# messages instead of make check's 10^4 (tests/unit/crypto/sm2_p256.c); a batch job of
# 2 000 documents sealed by two servers, one killed with -9 (100 in make check, to keep it within its 30 minutes).
check-long: build
	ESEAL_DIFF_N=1000000 ./build/unit-crypto-sm2_p256
	ESEAL_THREAD_OPS=500 ./build/unit-platform-threads
	ESEAL_NODES_DOCS=2000 bash tests/cli/serve_jobs_nodes.sh ./build/eseal

# A demo platform in ./$(DATA) on its first run (regions, units, one account per
# role with one-time passwords), then eseal serve on 127.0.0.1:8080 until Ctrl-C.
run: release
	@ESEAL=./build-release/eseal bash scripts/run.sh $(DATA)

# The release build (no test hooks) installed under $(DESTDIR)$(PREFIX): the eseal
# command to bin/, libeseal to lib/, the public headers to include/eseal/, the
# console to share/eseal/web/, the systemd unit to lib/systemd/system/ and an
# example serve.json to share/eseal/ (PREFIX=/usr/local by default; DESTDIR for
# staging a package). PREFIX is compiled in (the console's folder, ExecStart).
install: deps
	@cmake -S . -B build-install -DES_TEST_CLOCK=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_INSTALL_PREFIX="$(PREFIX)" >/dev/null
	@cmake --build build-install -j$(JOBS) --target eseal_cli
	DESTDIR="$(DESTDIR)" cmake --install build-install

bench: build
	@./build/eseal bench crypto --seconds 2
	@echo
	@./build/eseal_bench
	@echo
	@bash bench/http.sh ./build/eseal

clean:
	rm -rf build build-release build-asan build-fuzz build-install build-tsan
