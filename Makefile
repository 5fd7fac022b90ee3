# Shushu build. `make run` builds and serves the demo; `make test` runs every test.
# See README.md for the other targets (lint, fuzz, bench).

PORT ?= 8080
DB ?= var/demo.db
CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libcrypto libzip libxml-2.0 xlsxwriter gmime-3.0
CFLAGS_COMMON := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                 -Wno-missing-field-initializers -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm
CFLAGS_RELEASE := -O2 -g
CFLAGS_ASAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

SRC := $(shell find src -name '*.c' | sort)
LIB_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(SRC:src/%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:src/%.c=build/asan/obj/%.o)
ASAN_LIB_OBJ := $(LIB_SRC:src/%.c=build/asan/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)

.PHONY: all deps run web test test-content test-unit test-api test-api-pg test-e2e test-fuzz lint fuzz bench clean

all: build/shushu

deps: build/.deps
build/.deps: scripts/setup.sh web/package-lock.json tests/package-lock.json
	@scripts/setup.sh
	@mkdir -p build && touch $@

build/obj/%.o: src/%.c | build/.deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_COMMON) $(CFLAGS_RELEASE) -MMD -MP -c $< -o $@

build/asan/obj/%.o: src/%.c | build/.deps
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_COMMON) $(CFLAGS_ASAN) -MMD -MP -c $< -o $@

build/shushu: $(OBJ)
	$(CC) $(CFLAGS_RELEASE) -o $@ $^ $(LIBS)

build/asan/shushu: $(ASAN_OBJ)
	$(CC) $(CFLAGS_ASAN) -o $@ $^ $(LIBS)

build/asan/unit: $(ASAN_LIB_OBJ) $(UNIT_SRC) tests/unit/harness.h
	@echo "  LD asan $@"
	@$(CC) $(CFLAGS_COMMON) $(CFLAGS_ASAN) -Itests/unit -o $@ $(UNIT_SRC) $(ASAN_LIB_OBJ) $(LIBS)

WEB_SRC := $(shell find web/src web/index.html web/vite.config.js web/public -type f 2>/dev/null)
web: web/dist/index.html
web/dist/index.html: $(WEB_SRC) web/package.json build/.deps
	cd web && npm run build

run: build/shushu web
	@mkdir -p $(dir $(DB))
	@test -f $(DB) || build/shushu demo --db $(DB)
	@echo "打开 http://127.0.0.1:$(PORT)/ （Ctrl-C 停止；访问日志写入 $(dir $(DB))access.log）"
	build/shushu serve --db $(DB) --listen 127.0.0.1:$(PORT) --access-log $(dir $(DB))access.log

test: test-content test-unit test-api test-api-pg test-fuzz test-e2e lint
	@echo "make test: all passed"

# The knowledge graph and item bank (data/kg, data/items) against their formats; takes a second.
test-content: build/.deps
	node --test tests/content/

test-unit: build/asan/unit
	ASAN_OPTIONS=detect_leaks=1 build/asan/unit

test-api: build/asan/shushu web
	SHUSHU_BIN=build/asan/shushu node --test --test-concurrency=1 tests/api/

# The same API tests on PostgreSQL: each test file starts a throwaway cluster (tests/api/pg.mjs).
test-api-pg: build/asan/shushu web
	SHUSHU_TEST_DB=postgres SHUSHU_BIN=build/asan/shushu node --test --test-concurrency=1 tests/api/

test-e2e: build/shushu web
	SHUSHU_BIN=build/shushu node --test --test-concurrency=1 tests/e2e/

FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
build/fuzz/%: tests/fuzz/fuzz_%.c $(LIB_SRC) | build/.deps
	@mkdir -p build/fuzz
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

# Replays each fuzz target's seed corpus (part of make test).
test-fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do build/fuzz/$$t -runs=0 tests/fuzz/corpus/$$t >/dev/null 2>&1 \
	  || { echo "fuzz corpus $$t: FAILED"; build/fuzz/$$t -runs=0 tests/fuzz/corpus/$$t; exit 1; }; \
	  echo "fuzz corpus $$t: ok"; done

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do mkdir -p build/fuzz/corpus-$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus-$$t tests/fuzz/corpus/$$t \
	    2>&1 | grep -E 'stat::number_of_executed_units|Done|ERROR|SUMMARY' || exit 1; done

lint: build/.deps
	scripts/lint.sh

bench: build/shushu build/bench/hello build/bench/kt_bench
	bench/run.sh

build/bench/kt_bench: bench/kt_bench.c $(filter-out build/obj/main.o,$(OBJ))
	@mkdir -p build/bench
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_COMMON) $(CFLAGS_RELEASE) -o $@ $^ $(LIBS)

build/bench/hello: bench/hello.c
	@mkdir -p build/bench
	$(CC) -O2 -std=c17 -D_GNU_SOURCE -o $@ $< $(shell pkg-config --cflags --libs libmicrohttpd)

clean:
	rm -rf build web/dist

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
