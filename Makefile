# mlxk: plain make with pkg-config. GNU make 3.81 features only, so that
# macOS's /usr/bin/make builds it too.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man/man1
DOCDIR ?= $(PREFIX)/share/doc/mlxk
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libcurl jansson libcrypto

OPT ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
STD = -std=c99 -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE -D_FILE_OFFSET_BITS=64
# On Linux libcurl is loaded with dlopen when a command first needs the
# network (src/hub/curlload.h): its thirty dependencies would otherwise
# cost every start, --version included, about 9 ms. CURL_DLOPEN=0 links it.
UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Linux)
CURL_DLOPEN ?= 1
endif
ifeq ($(CURL_DLOPEN),1)
LINK_PKGS = jansson libcrypto
DL_CFLAGS = -DMLXK_CURL_DLOPEN
DL_LIBS = -ldl
else
LINK_PKGS = $(PKGS)
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(LINK_PKGS))
# libacl (Linux, Debian libacl1-dev): default ACLs that keep a shared
# cache group-writable (health --fix-permissions). Without it (macOS),
# mlxk builds and falls back to setgid folders.
ACL_LIBS := $(shell $(PKG_CONFIG) --libs libacl 2>/dev/null)
ifneq ($(ACL_LIBS),)
PKG_CFLAGS += -DMLXK_HAVE_LIBACL
PKG_LIBS += $(ACL_LIBS)
endif
ALL_CFLAGS = $(STD) $(WARN) $(OPT) -Isrc $(PKG_CFLAGS) $(DL_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(PKG_LIBS) $(DL_LIBS) -lpthread

# Sanitizer builds go to their own directory (make asan).
B ?= build

SUBSYSTEMS = util cache hub model lock fetch maint api
CORE_SRC = $(foreach d,$(SUBSYSTEMS),$(wildcard src/$(d)/*.c))
CMD_SRC = src/mlxk.c $(wildcard src/cmd/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(B)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(B)/%.o)
UNIT_SRC = $(wildcard t/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:t/unit/%.c=$(B)/t/unit/%)

PROVE ?= prove

.PHONY: all test test-deps check asan asan-test tsan tsan-test tsan-build unit lint format \
	check-build check-build-plain check-build-asan \
	install uninstall clean fuzz fuzz-run portability bench

all: $(B)/mlxk

$(B)/mlxk: $(CMD_OBJ) $(B)/libmlxk.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(B)/libmlxk.a $(LIBS)

$(B)/libmlxk.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/t/unit/%: t/unit/%.c t/unit/tap.h $(B)/libmlxk.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Isrc -o $@ $< $(B)/libmlxk.a $(LIBS)

unit: $(UNIT_BIN)

# Test-only fault injection (t/lib/faultfs.c), preloaded by the tests that
# need a directory listing to fail; Linux only, never installed. Built
# without sanitizers: it is not the code under test.
ifeq ($(UNAME_S),Linux)
TEST_LIBS = $(B)/t/lib/faultfs.so
endif
$(B)/t/lib/faultfs.so: t/lib/faultfs.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

# The whole suite: unit tests and black-box tests of the built binary.
# prove runs each test as BUILD:TEST through t/run-one, which points the
# test at BUILD (MLXK_BUILD) with the settings of BUILD/test.env. The
# longest scripts start first, so that the others run beside them instead
# of leaving a slot idle at the end. Most scripts spend much of their time
# waiting (for other processes, the fake Hub's throttled transfers, grace
# periods), so prove runs more of them at once than there are CPUs; every
# script has its own trash directory (t/trash/BUILD.NAME) and fake-Hub port.
ALL_T = $(wildcard t/t[0-9]*.sh)
SLOW_T = $(wildcard t/t*-soak.sh t/t0510-*.sh t/t0630-*.sh t/t0600-*.sh \
	t/t0350-*.sh t/t0611-*.sh t/t0631-*.sh t/t0450-*.sh t/t0700-*.sh)
TESTS ?= $(SLOW_T) $(filter-out $(SLOW_T),$(ALL_T)) $(UNIT_BIN)
PROVE_JOBS ?= 4
TEST_ENV ?=
# python3 resolved once for every script (t/test-lib.sh): through a
# version manager's shim each start costs 100 ms more.
TEST_PYTHON3 = $(shell python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
test-deps: $(B)/mlxk $(UNIT_BIN) $(TEST_LIBS) $(B)/test.env
test: test-deps
	MLXK_TEST_PYTHON3=$(TEST_PYTHON3) \
	$(PROVE) -j$(PROVE_JOBS) --exec t/run-one $(addprefix $(B):,$(TESTS))

# BUILD/test.env: VAR=VALUE words of TEST_ENV as shell defaults (the
# caller's environment wins).
$(B)/test.env: Makefile
	@mkdir -p $(dir $@)
	@: >$@.tmp; for kv in $(TEST_ENV); do \
		printf 'export %s="$${%s:-%s}"\n' "$${kv%%=*}" "$${kv%%=*}" "$${kv#*=}" >>$@.tmp; \
	done; mv $@.tmp $@

# The same suite again under AddressSanitizer and UndefinedBehaviorSanitizer:
# every script (memory errors hide anywhere). The shared-cache soak runs
# 60 s in the plain pass, 20 s here.
ASAN_OPT = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_ENV = MLXK_SOAK_SECONDS=20
asan-test:
	$(MAKE) B=build-asan OPT="$(ASAN_OPT)" TEST_ENV="$(ASAN_ENV)" test

asan: asan-test

# The tests whose subject is threaded code (list, clean-locks, pull,
# verify, the npm interop) under ThreadSanitizer, with nothing suppressed:
# the scripts t01* t05* t06* t07* t09*. The others (show, health rules,
# rm, prune, safety, shared caches) are about single-threaded code; where
# they reach the threads (a pull in t0440 or t0460, a listing in t03*),
# it is through the same code those scripts run under TSan here. The
# plain and ASan passes run every script.
TSAN_OPT = -O1 -g -fsanitize=thread
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:exitcode=66
TSAN_T = $(wildcard t/t01*.sh t/t05*.sh t/t06*.sh t/t07*.sh t/t09*.sh)
TSAN_TESTS = $(filter $(TSAN_T),$(SLOW_T)) $(filter-out $(SLOW_T),$(TSAN_T))
tsan-build:
	@$(MAKE) --no-print-directory B=build-tsan OPT="$(TSAN_OPT)" TEST_ENV="$(TSAN_ENV)" \
		build-tsan/mlxk $(TEST_LIBS:$(B)/%=build-tsan/%) build-tsan/test.env
# ThreadSanitizer cannot run everywhere (some kernels' address layouts):
# then the pass is skipped, which CI (CI=true) counts as a failure.
TSAN_PROBE = if ! build-tsan/mlxk --version >/dev/null 2>build-tsan/probe.err; then \
		echo "tsan-test: skipped, ThreadSanitizer cannot run here:"; \
		head -3 build-tsan/probe.err; \
		if test "$$CI" = true; then \
			echo "tsan-test: in CI a skipped pass is a failure"; \
			exit 1; \
		fi; \
		false; \
	fi
tsan-test: tsan-build
	@if $(TSAN_PROBE); then \
		$(MAKE) B=build-tsan OPT="$(TSAN_OPT)" TEST_ENV="$(TSAN_ENV)" \
			TESTS="$(TSAN_TESTS)" test; \
	fi

tsan: tsan-test

# What CI and the README run: the three passes above as one prove run, so
# that the waits of one pass overlap the work of another. The three builds
# come first, two compilers at a time (BUILD_JOBS).
BUILD_JOBS ?= 2
CHECK_JOBS ?= 6
check-build-plain:
	@$(MAKE) --no-print-directory B=build test-deps
check-build-asan:
	@$(MAKE) --no-print-directory B=build-asan OPT="$(ASAN_OPT)" TEST_ENV="$(ASAN_ENV)" test-deps
check-build: check-build-plain check-build-asan tsan-build
check:
	@$(MAKE) --no-print-directory -j$(BUILD_JOBS) check-build
	@tsan=; if $(TSAN_PROBE); then tsan="$(addprefix build-tsan:,$(TSAN_TESTS))"; fi; \
	echo "$(PROVE) -j$(CHECK_JOBS) --exec t/run-one [plain, asan, tsan]"; \
	MLXK_TEST_PYTHON3=$(TEST_PYTHON3) \
	$(PROVE) -j$(CHECK_JOBS) --exec t/run-one \
		$(foreach b,build build-asan,$(addprefix $(b):,$(SLOW_T))) \
		$$tsan \
		$(foreach b,build build-asan,$(addprefix $(b):,$(filter-out $(SLOW_T),$(ALL_T)) \
			$(UNIT_BIN:$(B)/%=$(b)/%)))

FORMAT_SRC = $(wildcard src/*.c src/*.h src/*/*.c src/*/*.h t/unit/*.c t/unit/*.h t/fuzz/*.c t/lib/*.c)
lint:
	scripts/check-layers .
	scripts/check-cmd-fs
	clang-format --dry-run --Werror $(FORMAT_SRC)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c99 -D__GNUC__ -Isrc $(PKG_CFLAGS) \
		--suppress=missingIncludeSystem src t/unit t/fuzz

format:
	clang-format -i $(FORMAT_SRC)

# libFuzzer targets: the core is compiled once with fuzzer coverage
# (build-fuzz/libmlxk.a), each target links it.
FUZZ_SRC = $(wildcard t/fuzz/fuzz-*.c)
FUZZ_BIN = $(FUZZ_SRC:t/fuzz/%.c=build-fuzz/%)
FUZZ_OPT = -g -O1 -fsanitize=fuzzer-no-link,address,undefined
fuzz: $(FUZZ_BIN)
ifneq ($(B),build-fuzz)
build-fuzz/libmlxk.a: $(CORE_SRC)
	$(MAKE) B=build-fuzz CC=clang OPT="$(FUZZ_OPT)" build-fuzz/libmlxk.a
endif
build-fuzz/fuzz-%: t/fuzz/fuzz-%.c build-fuzz/libmlxk.a
	clang $(STD) $(DL_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		-Isrc -o $@ $< build-fuzz/libmlxk.a $(LIBS)

# Each target for FUZZ_SECONDS on its corpus (t/fuzz/corpus/<name>/); a
# crash, leak or timeout fails, and its input is left in build-fuzz/.
FUZZ_SECONDS ?= 20
fuzz-run: fuzz
	t/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

# Portability, compile only: every source against strict POSIX.1-2008
# (with XSI; a file that needs more says so with its own feature macro),
# and against musl's headers (musl-gcc; jansson, curl and OpenSSL
# headers come from /usr/include after musl's). Both catch glibc-only
# calls; neither links nor runs anything.
ALL_SRC = $(CORE_SRC) $(CMD_SRC)
POSIX_STD = -std=c99 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64
MUSL_CC ?= musl-gcc
MUSL_INC = -idirafter /usr/include -idirafter /usr/include/$(shell $(CC) -dumpmachine)
portability:
	@for f in $(ALL_SRC); do \
		$(CC) $(POSIX_STD) $(WARN) -Isrc $(PKG_CFLAGS) $(DL_CFLAGS) -fsyntax-only $$f || exit 1; \
	done; echo "portability: $(words $(ALL_SRC)) files compile with $(POSIX_STD)"
	@if ! command -v $(MUSL_CC) >/dev/null; then \
		echo "portability: $(MUSL_CC) not found (Debian: musl-tools)"; \
		if test "$$CI" = true; then exit 1; fi; \
	else \
		for f in $(ALL_SRC); do \
			$(MUSL_CC) $(STD) $(WARN) -Isrc $(MUSL_INC) $(PKG_CFLAGS) $(DL_CFLAGS) -fsyntax-only $$f || exit 1; \
		done; echo "portability: $(words $(ALL_SRC)) files compile with musl's headers"; \
	fi

install: $(B)/mlxk
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp $(B)/mlxk $(DESTDIR)$(BINDIR)/mlxk
	chmod 755 $(DESTDIR)$(BINDIR)/mlxk
	cp docs/mlxk.1 $(DESTDIR)$(MANDIR)/mlxk.1
	chmod 644 $(DESTDIR)$(MANDIR)/mlxk.1
	mkdir -p $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	cp README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	chmod 644 $(DESTDIR)$(DOCDIR)/*.md
	cp contrib/completion/mlxk.bash $(DESTDIR)$(BASHCOMPDIR)/mlxk
	cp contrib/completion/_mlxk $(DESTDIR)$(ZSHCOMPDIR)/_mlxk
	cp contrib/completion/mlxk.fish $(DESTDIR)$(FISHCOMPDIR)/mlxk.fish
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/mlxk $(DESTDIR)$(ZSHCOMPDIR)/_mlxk \
		$(DESTDIR)$(FISHCOMPDIR)/mlxk.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mlxk $(DESTDIR)$(MANDIR)/mlxk.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/mlxk $(DESTDIR)$(ZSHCOMPDIR)/_mlxk \
		$(DESTDIR)$(FISHCOMPDIR)/mlxk.fish
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-asan build-tsan build-fuzz t/trash

-include $(CORE_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
