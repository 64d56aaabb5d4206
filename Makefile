# taketurns - see how tasks take turns on a computer.
#
#   make            build ./taketurns
#   make run        build and open the first lesson
#   make test       build and run every test; ends with "N passed, N failed"
#   make asan       the test suite under AddressSanitizer and UBSan
#   make tsan       the real-run tests under ThreadSanitizer
#   make fuzz       build the libFuzzer harnesses (clang) and run each for
#                   FUZZ_SECONDS (default 60)
#   make CORO=ucontext   coroutines switch with swapcontext, not assembly
#   make bench      taketurns bench --json
#   make golden     regenerate golden files (read the diff before committing)
#   make cpython-golden   re-record tests/cpython/ from CPython 3.13 (PY313=)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/taketurns

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif
NCURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
override CFLAGS += $(WARN) -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                   -DTT_SHAREDIR='"$(SHAREDIR)"' -Isrc $(NCURSES_CFLAGS) -MMD -MP
LDLIBS += $(NCURSES_LIBS) -lpthread -lm

BUILD ?= build

# make CORO=ucontext: asyncio coroutines switch with swapcontext(3), the
# portable fallback, instead of the assembly switch.  The objects that
# depend on the choice are rebuilt whenever it changes.
CORO ?= asm
ifeq ($(CORO),ucontext)
override CFLAGS += -DTT_CORO_UCONTEXT
endif

# The model in src/, the TUI in src/ui/ (the only code that includes curses),
# real backends in src/real/ (C and assembly).
SRC := $(wildcard src/*.c src/ui/*.c src/real/*.c)
ASM := $(wildcard src/real/*.S)
OBJ := $(SRC:src/%.c=$(BUILD)/%.o) $(ASM:src/%.S=$(BUILD)/%.o)
LIB_OBJ := $(filter-out $(BUILD)/main.o,$(OBJ))

all: taketurns

taketurns: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: src/%.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# ---- tests ----------------------------------------------------------------

# Each tests/unit/test_NAME.c is a program of its own, linked with the model.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/%)

$(BUILD)/test_%: tests/unit/test_%.c tests/unit/testhelp.h tests/unit/testlesson.h \
                  tests/unit/testscreen.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS)

# make test and make run check what they need first (.ci/prereqs: on
# Debian or Ubuntu it installs what is missing, elsewhere it names it).
test:
	@CC="$(CC)" .ci/prereqs test
	@$(MAKE) --no-print-directory taketurns $(UNIT_BIN)
	@tests/run.sh ./taketurns $(BUILD)

golden: taketurns
	@tests/golden.sh ./taketurns

# make cpython-golden: re-record tests/cpython/*.txt from a real CPython 3.13
# (the bytecode and executed ops the tests compare with; read the diff), and
# tests/cpython/races/races.txt, the final states real threads reach (t_cpython.sh).
# python3.13 is asked for its sys.executable, so a pyenv shim that cannot
# run it falls back to pyenv's own 3.13.0.
PY313 ?= $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null || echo $$HOME/.pyenv/versions/3.13.0/bin/python3.13)
cpython-golden:
	@$(PY313) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null || \
	    { echo "cpython-golden: needs CPython 3.13.x; $(PY313) is missing or another version (set PY313=...)" >&2; exit 1; }
	$(PY313) tests/cpython/record.py lessons/*.lesson tests/cpython/*.lesson
	$(PY313) tests/cpython/races/races.py

# TT_EXPLORE_CHECK: the explorer checks each state's parts, encoded only
# where a turn may have changed them, against the whole encoding.
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all -DTT_EXPLORE_CHECK

asan:
	$(MAKE) BUILD=build/asan CFLAGS="$(ASAN_FLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" build/asan/taketurns-asan \
	    $(UNIT_BIN:$(BUILD)/%=build/asan/%)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/run.sh build/asan/taketurns-asan build/asan

$(BUILD)/taketurns-asan: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(BUILD)/real/coro.o $(ASM:src/%.S=$(BUILD)/%.o): $(BUILD)/coro-$(CORO).stamp
$(BUILD)/coro-$(CORO).stamp:
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/coro-*.stamp
	@touch $@

# The real-run tests (threads, the GIL, coroutines, processes) under
# ThreadSanitizer.
TSAN_FLAGS = -O1 -g -fsanitize=thread -fno-omit-frame-pointer

tsan:
	$(MAKE) BUILD=build/tsan CFLAGS="$(TSAN_FLAGS)" LDFLAGS="-fsanitize=thread" \
	    build/tsan/taketurns-tsan \
	    $(filter build/tsan/test_real%,$(UNIT_BIN:$(BUILD)/%=build/tsan/%))
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    tests/run.sh build/tsan/taketurns-tsan build/tsan real

$(BUILD)/taketurns-tsan: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) with ASan and UBSan, built by
# clang, seeded from lessons/ and tests/bad/, each run for FUZZ_SECONDS.
# A crash leaves its input in build/fuzz/ and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link \
             -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz:
	$(MAKE) BUILD=build/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_FLAGS)" \
	    $(FUZZERS:%=build/fuzz/fuzz_%)
	tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZERS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJ)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJ) $(LDLIBS)

bench: taketurns
	./taketurns bench --json

run:
	@CC="$(CC)" .ci/prereqs run
	@$(MAKE) --no-print-directory taketurns
	./taketurns $(firstword $(sort $(wildcard lessons/*.lesson)))

# ---- install ----------------------------------------------------------------

install: taketurns
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/lessons
	install -m 755 taketurns $(DESTDIR)$(BINDIR)/taketurns
	install -m 644 lessons/*.lesson lessons/FORMAT.md $(DESTDIR)$(SHAREDIR)/lessons

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/taketurns
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build taketurns tests/out

.PHONY: all test golden cpython-golden asan tsan fuzz bench run install uninstall clean

-include $(OBJ:.o=.d)
