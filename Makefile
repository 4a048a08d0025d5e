# FSP build. `make` builds the library, samples and tests into build/;
# `make test` runs the whole suite; `make SANITIZE=1 test` does the same with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-san/.
# Sources are found by wildcard: a new .c file under src/<part>/ joins libfsp,
# under tests/unit/ becomes a unit test, under samples/<name>/ joins that sample.

CC ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
        -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -pthread -fPIC \
              -fvisibility=hidden -Iinclude -Isrc -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread

LIB_SRCS := $(wildcard src/kernel/*.c src/native/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SONAME := libfsp.so.0

SAMPLES := $(notdir $(wildcard samples/*))
SAMPLE_BINS := $(SAMPLES:%=$(BUILD)/%)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_DIRS := $(notdir $(wildcard tests/tools/*))
TOOL_BINS := $(TOOL_DIRS:%=$(BUILD)/tests/%)

.PHONY: all lib samples tests test check-format format clean

all: lib samples tests

lib: $(BUILD)/libfsp.a $(BUILD)/libfsp.so
samples: $(SAMPLE_BINS)
tests: $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libfsp.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/$(SONAME): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/libfsp.so: $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

# Samples and tests link the static library: they run from the build tree
# without LD_LIBRARY_PATH, and unit tests may reach internal symbols.
# Static pattern rules (so samples and tools never match each other's
# targets); make replaces a literal % in their prerequisites with the stem,
# so the patsubst patterns spell it through a variable.
PERCENT := %
.SECONDEXPANSION:
$(SAMPLE_BINS): $(BUILD)/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard samples/$$*/*.c)) $(BUILD)/libfsp.a
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/libfsp.a $(ALL_LDFLAGS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libfsp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(BUILD)/libfsp.a $(ALL_LDFLAGS)

# The conformance suite checks any mounted file system through system calls
# alone; it does not link libfsp, so it builds even while the library does not.
$(BUILD)/tests/conformance: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/tools/conformance/*.c))
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(filter-out $(BUILD)/tests/conformance,$(TOOL_BINS)): $(BUILD)/tests/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard tests/tools/$$*/*.c)) $(BUILD)/libfsp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/libfsp.a $(ALL_LDFLAGS)

test: all
	tests/run-tests.sh $(BUILD)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
check-format:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build build-san build-clang

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
# Dependency files are made by the compiler only: without this, make would try
# to remake each included .d through the samples' catch-all $(BUILD)/% rule,
# which builds libfsp first.
$(BUILD)/obj/%.d: ;
