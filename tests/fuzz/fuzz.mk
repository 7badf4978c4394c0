# libFuzzer targets for the pure parsers, included from the Makefile.
# `make fuzz` builds each tests/fuzz/fuzz_<name>.c with clang, libFuzzer, ASan and UBSan
# into build/fuzz/, then runs it for FUZZ_SECONDS seeded from tests/fuzz/corpus/<name>/.
# Any crash, leak, sanitizer report or broken invariant stops make with an error; the
# input that caused it is left in build/fuzz/artifacts/. New inputs the fuzzer finds go
# to build/fuzz/corpus/<name>/, never into the source tree.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_OUT      = build/fuzz
FUZZ_CFLAGS   = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 \
                -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -Ilib

# Each target and the library sources it needs (the parsers only: no I/O libraries).
FUZZ_SRC_form          = lib/form.c lib/msg.c
FUZZ_SRC_kommo_webhook = lib/form.c lib/kommo_webhook.c lib/msg.c
FUZZ_SRC_config        = lib/config.c lib/msg.c lib/datefmt.c lib/zone.c lib/texts.c
FUZZ_SRC_zoho_webhook  = lib/zoho_webhook.c lib/msg.c
FUZZ_SRC_oauth_query   = lib/form.c lib/oauth_query.c lib/msg.c
FUZZ_SRC_dump          = lib/dump.c lib/msg.c
FUZZ_SRC_oauth_cookie  = lib/oauth_cookie.c lib/str.c
# Extra flags and libraries per target (json-c itself is not instrumented).
FUZZ_LIBS_zoho_webhook := $(shell pkg-config --cflags --libs json-c 2>/dev/null)
FUZZ_LIBS_oauth_cookie := -lcrypto

# The config target only once lib/config.c provides config_parse.
FUZZ_HAVE_CONFIG := $(shell grep -qs '^config_parse\b' lib/config.c && echo config)
FUZZ_NAMES = form kommo_webhook zoho_webhook oauth_query dump oauth_cookie $(FUZZ_HAVE_CONFIG)
FUZZ_BINS  = $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

define FUZZ_BUILD_RULE
$(FUZZ_OUT)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)) $(wildcard lib/*.h)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_LIBS_$(1))
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_BUILD_RULE,$(n))))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@set -e; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_OUT)/corpus/$$n $(FUZZ_OUT)/artifacts; \
	    dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_OUT)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	        -timeout=10 -print_final_stats=1 $$dict \
	        -artifact_prefix=$(FUZZ_OUT)/artifacts/$$n- \
	        $(FUZZ_OUT)/corpus/$$n tests/fuzz/corpus/$$n \
	        >$(FUZZ_OUT)/$$n.log 2>&1 \
	    || { tail -n 60 $(FUZZ_OUT)/$$n.log; echo "fuzz: $$n FAILED (log: $(FUZZ_OUT)/$$n.log)"; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_OUT)/$$n.log | sed "s/^/fuzz: $$n: /"; \
	done
	$(if $(FUZZ_HAVE_CONFIG),,@echo "fuzz: lib/config.c has no config_parse yet; config target skipped")
