# bench.mk: benchmark guests and targets. Benchmarks are not tests: each
# compares against a baseline measured in the same run and writes its
# figures to docs/BENCHMARKS.md.

IDLE_GUESTS := $(patsubst bench/idle/%.c,$(BUILD)/bench/idle-%.elf,$(wildcard bench/idle/*.c))
FLOOR_GUESTS := $(BUILD)/bench/floor-halt.elf $(BUILD)/bench/floor-halt-nopit.elf \
	$(BUILD)/bench/floor-exit.elf

.PHONY: bench-idle bench-boot

$(BUILD)/bench/idle-%.elf: bench/idle/%.c bench/idle/stats.h $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

# The floor guest's variants: floor-halt, floor-halt-nopit, floor-exit.
floor_flags = $(if $(findstring nopit,$1),-DFLOOR_STOP_PIT) $(if $(findstring exit,$1),-DFLOOR_EXIT)

$(BUILD)/bench/floor-%.elf: bench/floor/floor.S bench/floor/floor.ld
	@mkdir -p $(dir $@)
	$(CC) -m32 $(call floor_flags,$*) -c $< -o $@.o
	ld -m elf_i386 -T bench/floor/floor.ld $@.o -o $@

bench-idle: $(IDLE_GUESTS) $(FLOOR_GUESTS)
	bash bench/idle.sh

$(BUILD)/bench/first_output: bench/first_output.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

bench-boot: $(BUILD)/bench/first_output $(FLOOR_GUESTS) examples
	bash bench/boot.sh
