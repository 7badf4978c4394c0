# kommo-zoho-sign. `make` builds the library and the three programs; `make check` runs
# every test (normal build, then again under AddressSanitizer/UBSan); `make demo` runs
# the system against its built-in sandbox. See README.md.

CC      ?= cc
VARIANT ?= normal
# The MariaDB backend ([state] backend = mariadb) is built when MariaDB Connector/C
# (libmariadb-dev) is installed; MARIADB=1 insists on it, MARIADB=0 leaves it out.
MARIADB ?= auto
MARIADB_PKG = $(eval MARIADB_PKG := $$(if $$(filter 1,$$(MARIADB)),libmariadb,$$(if $$(filter auto,$$(MARIADB)),$$(shell pkg-config --exists libmariadb 2>/dev/null && echo libmariadb))))$(MARIADB_PKG)
PKGS     = fcgi libcurl json-c openssl $(MARIADB_PKG)

WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
       -Wpointer-arith -Wsign-compare -Wformat=2 -Wcast-qual -Wvla \
       -Wnull-dereference -Wundef -Wwrite-strings
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -g -O2 -fstack-protector-strong $(WARN)

ifeq ($(VARIANT),asan)
OUT      = build/asan
SANFLAGS = -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(VARIANT),crash)
# Test-only: the programs can be told to die at named points (lib/crash.h).
OUT      = build/crash
SANFLAGS = -DKZS_CRASH_POINTS
else
OUT      = .
SANFLAGS = -D_FORTIFY_SOURCE=2
endif
OBJ = build/$(VARIANT)/obj

# Asked of pkg-config when first used, not when make starts: on a fresh machine the
# libraries arrive only with $(DEPS_OK) below, which every compile waits for.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $$(PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $$(PKGS) 2>/dev/null) -lgdbm)$(PKG_LIBS)
CFLAGS  += $(BASE_CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) $(if $(MARIADB_PKG),-DKZS_MARIADB) -Ilib
LDFLAGS += $(SANFLAGS)

LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(OBJ)/%.o)
LIB       = $(OUT)/lib/libkzs.a
PROGRAMS  = $(OUT)/cgi-bin/kommo-hook $(OUT)/cgi-bin/zoho-hook $(OUT)/cgi-bin/oauth-callback
TOOLS     = $(OUT)/deploy/kzsctl
UNIT      = $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(wildcard tests/unit/test_*.c))
# test_store_sql needs a MariaDB server: tests/e2e/t_store_sql.sh starts one and runs it.
UNIT_RUN  = $(filter-out %/test_store_sql,$(UNIT))
# The unit tests' shared helpers (tests/unit/*.c that are no test_*: the scripted transport).
UNIT_LIB  = $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c)))
FAKE_LIB  = $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/fakes/fake-%.c,$(wildcard tests/fakes/*.c)))
FAKES     = $(patsubst tests/fakes/%.c,$(OUT)/tests/fakes/%,$(wildcard tests/fakes/fake-*.c))
E2E       = $(sort $(wildcard tests/e2e/t_*.sh))
# The end-to-end tests run a second time with [state] backend = mariadb, but those listed
# in tests/e2e/gdbm_only.txt, each with its reason (printed by make check).
E2E_GDBM_ONLY = $(patsubst %,tests/e2e/%,$(shell sed -n 's/^\(t_[^ ]*\.sh\) .*/\1/p' tests/e2e/gdbm_only.txt))
E2E_MARIADB   = $(filter-out $(E2E_GDBM_ONLY),$(E2E))
DEPS_OK   = build/.deps-ok
TESTDEPS_OK = build/.testdeps-ok

# Objects are kept: a second make with nothing changed does nothing.
.SECONDARY:

.PHONY: all check test-programs end-to-end-programs demo bench clean install fuzz
all: $(LIB) $(PROGRAMS) $(TOOLS)

# Libraries missing? deploy/install-deps.sh installs them (as root) or says how.
$(DEPS_OK):
	@sh deploy/install-deps.sh
	@mkdir -p build && touch $@
$(TESTDEPS_OK):
	@sh deploy/install-deps.sh --tests
	@mkdir -p build && touch $@

$(OBJ)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(OUT)/cgi-bin/%: $(OBJ)/cgi-bin/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# kzsctl is deploy/kzsctl.c with its commands in deploy/kzsctl_*.c.
KZSCTL_OBJ = $(patsubst %.c,$(OBJ)/%.o,$(wildcard deploy/kzsctl*.c))
$(OUT)/deploy/kzsctl: $(KZSCTL_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/tests/unit/%: $(OBJ)/tests/unit/%.o $(UNIT_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/tests/fakes/%: $(OBJ)/tests/fakes/%.o $(FAKE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

test-programs: all $(UNIT) $(FAKES)
end-to-end-programs: all $(FAKES)

# Every test runs twice: on the normal build and on the sanitizer build; the end-to-end
# tests once more on the normal build with the state in MariaDB (a server of each test's own).
check: | $(TESTDEPS_OK)
	$(if $(filter-out $(E2E),$(E2E_GDBM_ONLY)),$(error tests/e2e/gdbm_only.txt names no such test: $(filter-out $(E2E),$(E2E_GDBM_ONLY))))
	$(MAKE) test-programs
	$(MAKE) VARIANT=asan test-programs
	$(MAKE) VARIANT=crash end-to-end-programs
	@sed -n 's/^\(t_[^ ]*\.sh\)  *\(.*\)/# not run with backend = mariadb: \1: \2/p' tests/e2e/gdbm_only.txt
	tests/run.sh $(UNIT_RUN) $(E2E) \
	    $(patsubst %,build/asan/%,$(UNIT_RUN)) $(patsubst %,'KZS_OUT=build/asan %',$(E2E)) \
	    $(patsubst %,'KZS_BACKEND=mariadb %',$(E2E_MARIADB)) \
	    'KZS_OUT=build/crash tests/crash.sh' tests/layers.sh

demo: all $(FAKES) | $(TESTDEPS_OK)
	tests/demo.sh $(if $(ONCE),--once)

# make bench's own programs: two FastCGI ceilings to compare kommo-hook with, and tools
# that fill a queue and measure an enqueue, a claim and a done through the library, on
# GDBM files or on the store a config names (tests/bench.sh).
BENCH_FCGI  = $(OUT)/tests/bench/noop $(OUT)/tests/bench/durable
BENCH_TOOLS = $(OUT)/tests/bench/queue_fill $(OUT)/tests/bench/queue_cost

$(BENCH_FCGI): $(OUT)/tests/bench/%: $(OBJ)/tests/bench/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BENCH_TOOLS): $(OUT)/tests/bench/%: $(OBJ)/tests/bench/%.o $(OBJ)/tests/bench/bench_store.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

bench: all $(FAKES) $(BENCH_FCGI) $(BENCH_TOOLS) | $(TESTDEPS_OK)
	tests/bench.sh

clean:
	rm -rf build lib/libkzs.a $(PROGRAMS) $(TOOLS) $(UNIT) $(FAKES) $(BENCH_FCGI) $(BENCH_TOOLS)

# make install [PREFIX=...] [CGI_DIR=...] [CONFIG=...] [DESTDIR=...]: the three programs
# into CGI_DIR (the folder the web server runs them from), kzsctl into $(PREFIX)/bin, and
# the example config as CONFIG (mode 600) only when no file is there. As root PREFIX is
# /usr/local and CONFIG $(PREFIX)/etc/kzs.conf; as anyone else PREFIX is ~/kzs and CONFIG
# ~/kzs/kzs.conf, where the programs look for it. DESTDIR stages it all for a package.
# Each program is copied under a temporary name in its folder and renamed over the old
# one: a running FastCGI process keeps the file it started from ("Text file busy" never
# comes up), the next one started runs the new file. A file already the same is left.
PREFIX  ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/kzs)
CGI_DIR ?= $(PREFIX)/cgi-bin
CONFIG  ?= $(if $(filter 0,$(shell id -u)),$(PREFIX)/etc/kzs.conf,$(PREFIX)/kzs.conf)

# install_program FILE FOLDER: FOLDER/<name of FILE>, mode 755, replaced in one rename.
install_program = dst='$(2)/$(notdir $(1))'; \
	if cmp -s '$(1)' "$$dst" && [ "$$(stat -c %a "$$dst")" = 755 ]; then echo "unchanged $$dst"; \
	else tmp=$$(mktemp '$(2)/.$(notdir $(1)).XXXXXX') || exit 1; \
	    { cp '$(1)' "$$tmp" && chmod 755 "$$tmp" && mv -f "$$tmp" "$$dst"; } || { rm -f "$$tmp"; exit 1; }; \
	    echo "installed $$dst"; fi

install: all
	@set -e; mkdir -p '$(DESTDIR)$(CGI_DIR)' '$(DESTDIR)$(PREFIX)/bin' "$$(dirname '$(DESTDIR)$(CONFIG)')"; \
	$(foreach p,$(PROGRAMS) $(TOOLS),$(call install_program,$(p),$(DESTDIR)$(if $(filter $(TOOLS),$(p)),$(PREFIX)/bin,$(CGI_DIR))); )\
	cfg='$(DESTDIR)$(CONFIG)'; \
	if [ -e "$$cfg" ]; then echo "kept $$cfg (an existing config is never replaced)"; \
	else tmp=$$(mktemp "$$cfg.XXXXXX") || exit 1; \
	    { cp deploy/kzs.conf.example "$$tmp" && chmod 600 "$$tmp" && ln "$$tmp" "$$cfg"; } || { rm -f "$$tmp"; exit 1; }; \
	    rm -f "$$tmp"; echo "installed $$cfg: fill it in (see deploy/README.md)"; fi

# Long runs (minutes; not part of check): faults, concurrency, pacing. tests/stress/README.md.
.PHONY: stress
stress: all $(FAKES) build/stress/gdbm_verify build/stress/queue_stress | $(TESTDEPS_OK)
	tests/run.sh $(sort $(wildcard tests/stress/*.sh))

build/stress/gdbm_verify: $(OBJ)/tests/stress/gdbm_verify.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lgdbm

build/stress/queue_stress: $(OBJ)/tests/stress/queue_stress.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(shell find build -name '*.d' 2>/dev/null)
include tests/fuzz/fuzz.mk
