# The two set-up commands: `make run` and `make test`. Both install missing
# Debian packages first (scripts/setup-deps.sh), then configure and build.
# `make run` needs only the program's dependencies: the build includes the
# tests only when cmocka is there. `make test` installs the test
# dependencies and requires them (SOM_BUILD_TESTS=ON), so that a missing one
# stops it instead of dropping tests. `make fresh` checks `make run` and
# `make install` on a bare Debian 12 tree (tests/fresh/check.sh; root).
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
# CI turns warnings into errors.
ifneq ($(CI),)
CMAKE_FLAGS += -DSOM_WERROR=ON
endif
SOM = $(BUILD)/som
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_PARALLEL ?= 1
FUZZ_TARGETS = csv npy model_load somnet sompak sompak_cod esom roundtrip http_request http_body
# make install PREFIX=... [DESTDIR=...]: where the program, the library,
# its headers, som.pc and the manual page go.
PREFIX ?= /usr/local
# Set by the targets that run the tests (below); empty for `make run`.
TEST_FLAGS =

.PHONY: all deps test-deps build build-asan run install man fresh test test-unit test-asan test-tsan bench fuzz web-deps bench-serve clean python

all: build

deps:
	@scripts/setup-deps.sh

test-deps:
	@scripts/setup-deps.sh --test

# What the web tests need: chromium, node, and playwright-core (npm ci).
web-deps:
	@scripts/setup-deps.sh --web

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) $(TEST_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: test-deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSOM_ASAN=ON -DSOM_UBSAN=ON \
		-DSOM_BUILD_BENCH=OFF -DSOM_BUILD_TESTS=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The main job: train a map on bundled data and show what it learned.
run: build
	@scripts/run-demo.sh $(SOM)

# The Release build, installed under PREFIX (som.pc's paths are PREFIX's;
# DESTDIR, when given, is prepended to every path for staging).
install: CMAKE_FLAGS += -DCMAKE_INSTALL_PREFIX=$(PREFIX)
install: build
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Python package (python/) for Debian's python3, built against this
# build's libsom into $(BUILD)/python (cmake/python.cmake; needs python3-dev,
# python3-numpy, python3-setuptools): PYTHONPATH=$(BUILD)/python, or
# `make install`, or pip install --no-build-isolation ./python.
python: build
	@cmake --build $(BUILD) --target python
	@echo "som for Python: PYTHONPATH=$(BUILD)/python /usr/bin/python3 -c 'import som'"

# doc/som.1 from doc/som.1.md (pandoc; after every edit of som.1.md:
# tests/cli/man.sh fails while the two differ).
man:
	@scripts/setup-deps.sh --man
	@scripts/gen-man.sh

# make run, make install and the example built through pkg-config, in a bare
# Debian 12 tree (debootstrap + chroot; as root). FRESH_FLAGS: see the script.
FRESH_FLAGS ?=
fresh:
	@scripts/setup-deps.sh --fresh
	@tests/fresh/check.sh $(FRESH_FLAGS)

# Every test, in an optimised build and again under ASan + UBSan; the
# threaded ones under ThreadSanitizer too.
test: test-deps web-deps build test-unit test-asan test-tsan
test test-unit: TEST_FLAGS = -DSOM_BUILD_TESTS=ON

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer (clang, ASan + UBSan) over every parser, FUZZ_SECONDS each
# (FUZZ_PARALLEL at once). Crashes land in $(FUZZ_BUILD)/crashes; see fuzz/.
fuzz:
	@scripts/setup-deps.sh --fuzz
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOM_FUZZ=ON \
		-DSOM_ASAN=ON -DSOM_UBSAN=ON -DSOM_BUILD_TESTS=OFF -DSOM_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all >/dev/null
	@FUZZ_PARALLEL=$(FUZZ_PARALLEL) fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ThreadSanitizer over threaded training, the winner search, concurrent use
# of one map (tests/unit/test_threads.c, test_train.c), the CSV reader's
# two threads on large inputs (test_perf_csv) and som serve under
# its API tests (web/api, web/explorer: HTTP threads, training workers,
# pictures and reports drawn at once). Built with
# clang and LLVM's libomp, whose Archer tool makes OpenMP visible to TSan;
# gcc's libgomp is not instrumented and would drown real reports in false
# ones (tests/tsan.supp says more). Warnings are the gcc builds' job: no
# -Werror here. A report makes the test fail (halt_on_error, exit 66).
TSAN_TESTS = unit/test_threads unit/test_train unit/test_perf_csv web/api web/explorer
test-tsan: test-deps
	@CC=clang cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOM_TSAN=ON \
		-DSOM_BUILD_BENCH=OFF -DSOM_BUILD_TESTS=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target som test_threads test_train test_perf_csv >/dev/null
	@cd $(TSAN_BUILD) && \
		TSAN_OPTIONS="ignore_noninstrumented_modules=1:halt_on_error=1:suppressions=$(CURDIR)/tests/tsan.supp" \
		OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 \
		ctest --output-on-failure -R '^($(subst $(eval) ,|,$(TSAN_TESTS)))$$'

bench: build
	@$(BUILD)/bench/som_bench

# A bounded load test of som serve (installs wrk when missing).
bench-serve: build
	@bench/load-serve.sh $(SOM)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) out
