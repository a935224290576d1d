# yizhan - GNU Makefile, no configure step. Dependencies come from pkg-config;
# scripts/deps.sh installs the Debian packages.
#   make          build bin/yizhan
#   make run      install what is missing, build, create the demo database, serve :8080 with
#                 a Mosquitto broker and the device simulator (scripts/run.sh; SIM_SPEED=60)
#   make test     unit tests under ASan+UBSan, then API cases against a server of their own,
#                 on SQLite and again on PostgreSQL (a throwaway cluster), then the web app
#                 in headless Chromium (tests/browser/run.sh)
#                 (YZ_DEB_TEST=1: then make deb-test, the Debian package built and started)
#   make deb      the Debian package in build/deb/ (docs/deploy/README.md); make deb-test
#   make bench    benchmarks, printing ratios against peers measured in the same run
#   make lint     banned functions, the include directions of tools/layers.txt, clang-format

CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 opencc libsodium libqrencode libpng zlib icu-uc icu-i18n vips libcurl \
           cairo pangocairo fontconfig libmosquitto libcrypto
# The PostgreSQL store is built when libpq is found (scripts/deps.sh installs it).
HAVE_PG := $(shell pkg-config --exists libpq 2>/dev/null && echo 1)
ifeq ($(HAVE_PG),1)
PKGS    += libpq
PG_DEF  := -DYZ_HAVE_PG
endif
WARN    := -Wall -Wextra -Wstrict-prototypes -Wshadow -Wno-unused-parameter
ifdef CI
WARN    += -Werror
endif
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE $(PG_DEF) -Isrc -Ibuild/gen $(WARN) -MMD -MP \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
OPT     := -O2 -g
SAN     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PORT    ?= 8080
DB      ?= var/yizhan.db

LIB_DIRS := core geo model catalog store state live exchange demo http media api mqtt
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
GEN_SRC  := build/gen/pinyin_table.c build/gen/sql_sqlite.c build/gen/sql_pg.c
TEST_SRC := $(wildcard tests/unit/test_*.c)

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ  := $(patsubst %.c,build/san/%.o,$(LIB_SRC) $(GEN_SRC))
REL_CLI  := $(patsubst %.c,build/rel/%.o,$(CLI_SRC))
SAN_CLI  := $(patsubst %.c,build/san/%.o,$(CLI_SRC))
TEST_BIN := $(patsubst tests/unit/%.c,build/san/tests/%,$(TEST_SRC))

.PHONY: all run test unit api pg browser web bench bench-programs bench-quick lint deps clean demo fuzz fuzz-corpus \
        deb deb-test
.DEFAULT_GOAL := all

all: bin/yizhan

deps:
	@scripts/deps.sh build

# --- generated sources -------------------------------------------------------------
build/gen/pinyin_table.c: tools/gen-pinyin.sh
	@mkdir -p $(@D)
	tools/gen-pinyin.sh > $@.tmp && mv $@.tmp $@

build/gen/sql_sqlite.c: tools/embed-sql.sh $(sort $(wildcard sql/sqlite/*.sql))
	@mkdir -p $(@D)
	tools/embed-sql.sh yz__sql_sqlite $(sort $(wildcard sql/sqlite/*.sql)) > $@.tmp && mv $@.tmp $@

build/gen/sql_pg.c: tools/embed-sql.sh $(sort $(wildcard sql/pg/*.sql))
	@mkdir -p $(@D)
	tools/embed-sql.sh yz__sql_pg $(sort $(wildcard sql/pg/*.sql)) > $@.tmp && mv $@.tmp $@

# --- objects -----------------------------------------------------------------------
build/rel/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) $(CFLAGS) -c $< -o $@

build/rel/libyz.a: $(REL_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/san/libyz.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

bin/yizhan: $(REL_CLI) build/rel/libyz.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/san/yizhan: $(SAN_CLI) build/san/libyz.a
	$(CC) $(SAN) -o $@ $^ $(LIBS)

build/san/tests/%: tests/unit/%.c build/san/libyz.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) -Itests/unit -o $@ $< build/san/libyz.a $(LIBS) -lcriterion

# A helper of tests/api/908-idle-sockets.sh: many idle connections from chosen addresses.
build/tools/idle-sockets: tests/tools/idle_sockets.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

# A helper of the photo tests and bench: test images made with libvips (no binary fixtures).
build/tools/photogen: tests/tools/photogen.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(shell pkg-config --cflags vips zlib) -o $@ $< \
	    $(shell pkg-config --libs vips zlib)

# --- commands ----------------------------------------------------------------------
run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory bin/yizhan web
	@mkdir -p $(dir $(DB))
	@[ -f $(DB) ] || bin/yizhan demo --history --devices --db $(DB)
	@bin/yizhan user list --db $(DB) | grep -q city_admin || \
	  echo "yizhan: no admin yet. Create the first one (prints a one-time password):" \
	       "bin/yizhan user add admin --role city_admin --random --db $(DB)"
	scripts/run.sh bin/yizhan $(DB) $(PORT)

demo: bin/yizhan
	@mkdir -p $(dir $(DB))
	bin/yizhan demo --history --db $(DB)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory lint unit api pg fuzz-corpus browser bench-programs bench-quick
	@[ -z "$(YZ_DEB_TEST)" ] || $(MAKE) --no-print-directory deb-test

unit: $(TEST_BIN)
	@tests/unit/run $(TEST_BIN)

api: build/san/yizhan bin/yizhan build/tools/idle-sockets build/tools/photogen
	@tests/api/run-api.sh build/san/yizhan
	@tests/cli/run-cli.sh build/san/yizhan

# The PostgreSQL store: the API cases again on a throwaway cluster, and several nodes on one
# database (tests/pg/run.sh).
pg: build/san/yizhan
ifeq ($(HAVE_PG),1)
	@tests/pg/run.sh build/san/yizhan
else
	@echo "pg: libpq not found, the PostgreSQL store is not built (scripts/deps.sh installs it)"; \
	    test -z "$(CI)"
endif

browser: build/san/yizhan
	@tests/browser/run.sh build/san/yizhan

# The bench programs built (part of make test, so that they cannot rot); bench_snapshot also
# runs its quick mode.
bench-programs:
	@$(MAKE) --no-print-directory -C bench programs >/dev/null && echo "bench programs: built"
	@$(MAKE) --no-print-directory -C bench snapshot-quick >/dev/null && echo "bench_snapshot: quick run ok"

# Every bench in its quick mode (part of make test, so that none can rot): small sizes and
# short runs, every check a bench makes kept (acknowledged writes in the database, answers equal
# to the peer's or to a plain SQL's, no error or non-2xx answer, a server that stops cleanly),
# figures printed into build/bench-*-quick.log but not judged: this machine is shared and noisy.
# The programs' quick modes are bench/Makefile's quick-programs (index, memory, moderation,
# classifier, photos); bench_snapshot's runs in bench-programs above.
quick_run = $(1) >build/bench-$(2)-quick.log 2>&1 || { cat build/bench-$(2)-quick.log; exit 1; }; \
	echo "bench $(2): quick run ok"
bench-quick: bin/yizhan bench-programs build/tools/photogen
	@$(MAKE) --no-print-directory -C bench quick-programs | grep 'quick run ok'
	@MQTT_QUICK=1 bench/bench_mqtt.sh bin/yizhan bench/out/bench_mqtt_pub
	@$(call quick_run,VISITS_DURATION=1 VISITS_ROUNDS=1 VISITS_WORKERS=200 bench/bench_visits.sh bin/yizhan,visits)
	@$(call quick_run,HTTP_ROUNDS=1 HTTP_DURATION=1 bench/bench_http.sh bin/yizhan bench/out/bare_mhd,http)
	@$(call quick_run,INGEST_SECONDS=1 INGEST_DEVICES=8 INGEST_THREADS=2 bench/bench_ingest.sh bin/yizhan,ingest)
	@$(call quick_run,AUDIT_EDITS=5 AUDIT_ROUNDS=1 AUDIT_REPEAT=1 AUDIT_ENTRIES=5000 bench/bench_audit.sh bin/yizhan bench/out/bench_audit,audit)
	@$(call quick_run,LOGINS_QUICK=1 bench/bench_logins.sh bin/yizhan,logins)
	@$(call quick_run,STATS_VISITS=20000 STATS_WORKERS=60 STATS_REPEAT=1 bench/bench_stats.sh bin/yizhan,stats)
	@$(call quick_run,LOAD_N=2000 LOAD_ROUNDS=1 bench/bench_load.sh bin/yizhan bench/out/gen_data,load)
	@$(call quick_run,PEERS_QUICK=1 BARE_MHD=bench/out/bare_mhd BENCH_MEMORY=bench/out/bench_memory bench/bench_peers.sh bin/yizhan bench/out/gen_data,peers)
	@$(call quick_run,YZ_LH_QUICK=1 YZ_BROWSER_CMD="node lighthouse.mjs" tests/browser/run.sh bin/yizhan,lighthouse)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory -C bench

# --- fuzzing (clang + libFuzzer) --------------------------------------------------------
# Each target is built from the sources it needs with the fuzzer, ASan and UBSan.
# `make fuzz` runs each for FUZZ_SECONDS on its corpus (new finds are added to it);
# `make fuzz-corpus` (part of make test) replays every corpus file once.
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -Isrc -Ibuild/gen -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_COMMON  := $(wildcard src/core/*.c) src/model/station.c src/model/facility.c \
                src/model/hours.c src/catalog/text.c src/catalog/moderation.c src/geo/coord.c \
                src/exchange/exchange.c src/api/form.c src/mqtt/message.c build/gen/pinyin_table.c
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))

build/fuzz/%: fuzz/%.c $(FUZZ_COMMON)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(shell pkg-config --cflags jansson opencc icu-uc icu-i18n libsodium) -o $@ $< \
	    $(FUZZ_COMMON) $(shell pkg-config --libs jansson opencc icu-uc icu-i18n libsodium) -lm

fuzz-corpus: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    c=fuzz/corpus/$${t#fuzz_}; \
	    build/fuzz/$$t -runs=0 $$c >build/fuzz/$$t.log 2>&1 \
	        || { echo "FAILED: $$t on $$c"; tail -30 build/fuzz/$$t.log; exit 1; }; \
	    echo "fuzz corpus: $$t replayed $$(ls $$c | wc -l) inputs"; \
	done

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/new; \
	    build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) build/fuzz/new fuzz/corpus/$${t#fuzz_} \
	        || exit 1; \
	    build/fuzz/$$t -merge=1 fuzz/corpus/$${t#fuzz_} build/fuzz/new >/dev/null 2>&1; \
	    rm -rf build/fuzz/new; \
	done

lint:
	@tools/lint.sh

web:
	@[ ! -f web/package.json ] || scripts/web.sh

# --- Debian package (docs/deploy/README.md) -------------------------------------------
# `make deb`: dpkg-buildpackage on a copy of the tree (tracked and new files, not build
# outputs) in build/deb/src, so that nothing is written beside or into the repository; the
# package lands in build/deb/. An installed web/node_modules is copied along (npm ci then has
# nothing to fetch). The version is debian/changelog's.
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_ARCH    = $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
DEB         = build/deb/yizhan_$(DEB_VERSION)_$(DEB_ARCH).deb

deb:
	@scripts/deps.sh deb
	@rm -rf build/deb/src && mkdir -p build/deb/src/yizhan
	@git ls-files -co --exclude-standard -z | \
	    tar --null -T - -cf - | tar -xf - -C build/deb/src/yizhan
	@[ ! -d web/node_modules ] || cp -a web/node_modules build/deb/src/yizhan/web/
	cd build/deb/src/yizhan && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
	    { tail -30 ../build.log; exit 1; }
	@mv build/deb/src/*.deb build/deb/ && rm -rf build/deb/src
	@echo "deb: $(DEB) ($$(du -k $(DEB) | cut -f1) KiB)"
	lintian --fail-on error $(DEB)

# The built package (make deb first, or YZ_DEB=FILE) unpacked into a temporary root and
# started from there: tests/deb/run.sh.
deb-test:
	@scripts/deps.sh test && scripts/deps.sh deb
	@[ -n "$(YZ_DEB)" ] || [ -f $(DEB) ] || $(MAKE) --no-print-directory deb
	@tests/deb/run.sh $(or $(YZ_DEB),$(DEB))

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
