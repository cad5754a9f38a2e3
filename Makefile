# Lull: build the kernel library, the `lull` CLI, the examples and the tests.
# No root needed. `make help` lists the targets.

CC        ?= gcc
BUILD     := build
MUSL_DIR  := /usr/lib/x86_64-linux-musl
MUSL_SPECS := $(MUSL_DIR)/musl-gcc.specs
MUSL_INCLUDE := /usr/include/x86_64-linux-musl

KERNEL_CFLAGS := -specs=$(MUSL_SPECS) -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-DLULL_KERNEL -Ikernel -Ikernel/arch/x86_64/include -Iinclude -I$(BUILD)/gen
TOOL_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra

KERNEL_C := $(shell find kernel -name '*.c' | sort)
KERNEL_S := $(shell find kernel -name '*.S' | sort)
KERNEL_OBJ := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_C) $(KERNEL_S))
TOOL_C := $(wildcard tools/lull/*.c)
EXAMPLES := $(notdir $(wildcard examples/*))
EXAMPLE_ELFS := $(patsubst %,$(BUILD)/examples/%.elf,$(EXAMPLES))

.PHONY: all kernel tools examples test test-unit test-boot bench-boot clean help check-deps

all: kernel tools examples

help:
	@echo "make              kernel library, build/lull, build/examples/*.elf"
	@echo "make test         unit tests (host) and boot tests (QEMU TCG)"
	@echo "make test-unit    only the unit tests"
	@echo "make test-boot    only the boot tests"
	@echo "make test-net     only the network stack against Linux (root)"
	@echo "make bench-boot   boot-time benchmark into docs/BENCHMARKS.md"
	@echo "make bench-idle   idle host-CPU benchmark into docs/BENCHMARKS.md"
	@echo "make bench-http   HTTP bursts: Lull vs a Linux guest vs the floor guest"
	@echo "make bench-http-scaling  HTTP before (BASE=rev) and after, 1/2/4 vCPUs"
	@echo "make bench-steal  steal of over-committed VMs under three placements (root)"
	@echo "make bench-disk   disk throughput and host CPU: Lull vs a Linux guest"
	@echo "make bench-apps   Redis, SQLite, nginx: Lull vs the same builds in a Linux guest"
	@echo "make bench-switch pairs of VMs on lull-switch vs a tap bridge (root)"
	@echo "make apps         real programs from Debian's sources (root once: deb-src)"
	@echo "make test-apps-full  Redis's own test suite and SQLite's full speedtest1"
	@echo "make clean        remove build/"

check-deps:
	@test -f $(MUSL_SPECS) || { echo "musl is missing: apt-get install musl-tools musl-dev" >&2; exit 1; }

# What `lull build` needs; images depend on these (and on build/lull).
KERNEL_ARTIFACTS := $(BUILD)/lib/liblull.a $(BUILD)/lib/lull.ld $(BUILD)/include/.stamp

kernel: check-deps $(KERNEL_ARTIFACTS)

$(BUILD)/gen/syscall_names.inc: $(MUSL_INCLUDE)/bits/syscall.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\)[ \t]*\([0-9][0-9]*\)$$/[\2] = "\1",/p' $< > $@

$(BUILD)/obj/kernel/syscall/syscall.c.o: $(BUILD)/gen/syscall_names.inc

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/lib/liblull.a: $(KERNEL_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/lib/lull.ld: kernel/arch/x86_64/lull.ld
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/include/.stamp: $(shell find include -type f)
	@mkdir -p $(BUILD)/include
	cp -r include/. $(BUILD)/include/
	touch $@

tools: $(BUILD)/lull $(BUILD)/lull-top $(BUILD)/lull-place $(BUILD)/lull-switch \
	$(BUILD)/lull-listen-backlog.so

$(BUILD)/lull: $(TOOL_C) $(wildcard tools/lull/*.h) kernel/fs/embedded_format.h tools/hostvm/qmp.c tools/hostvm/qmp.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/hostvm -o $@ $(TOOL_C) tools/hostvm/qmp.c

# Preloaded into QEMU by `lull run -p` (tools/qemu-preload/listen_backlog.c).
$(BUILD)/lull-listen-backlog.so: tools/qemu-preload/listen_backlog.c
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -shared -fPIC -o $@ $< -ldl

# Host programs that `lull top` and `lull place` run (tools/top, tools/place),
# with what they share about the host's VMs (tools/hostvm).
HOSTVM_C := $(wildcard tools/hostvm/*.c)
HOSTVM_H := $(wildcard tools/hostvm/*.h) kernel/stats/stats_page_format.h

$(BUILD)/lull-top: $(wildcard tools/top/*.c tools/top/*.h) $(HOSTVM_C) $(HOSTVM_H) \
		tools/lull/elf_image.c tools/lull/elf_image.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/hostvm -Itools/lull -o $@ $(filter %.c,$^) -lm

$(BUILD)/lull-place: $(wildcard tools/place/*.c tools/place/*.h) $(HOSTVM_C) $(HOSTVM_H)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/hostvm -o $@ $(filter %.c,$^) -lhwloc -lm

# The vhost-user switch that `lull run --net switch:DIR/NAME` attaches to.
SWITCH_C := $(wildcard tools/switch/*.c)

$(BUILD)/lull-switch: $(SWITCH_C) $(wildcard tools/switch/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -pthread -o $@ $(SWITCH_C)

examples: $(EXAMPLE_ELFS)

# examples/NAME/build-flags, when present, holds more `lull build` options.
$(BUILD)/examples/%.elf: examples/%/*.c $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $(filter %.c,$^) $(shell cat examples/$*/build-flags 2>/dev/null) -o $@

$(BUILD)/examples/httpd.elf: examples/httpd/build-flags $(shell find examples/httpd/www -type f)

# The same httpd as a static Linux program (tests/http, the Linux guest).
$(BUILD)/httpd-linux: examples/httpd/httpd.c
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -Wall -Wextra $< -o $@ -lpthread

include tests/tests.mk
include bench/bench.mk
include apps/apps.mk

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d)

.PHONY: run-hello
run-hello: all
	$(BUILD)/lull run $(BUILD)/examples/hello.elf
