# bench.mk: benchmark guests and targets. Benchmarks are not tests: each
# compares against a baseline measured in the same run and writes its
# figures to docs/BENCHMARKS.md.

IDLE_GUESTS := $(patsubst bench/idle/%.c,$(BUILD)/bench/idle-%.elf,$(wildcard bench/idle/*.c))
FLOOR_GUESTS := $(BUILD)/bench/floor-halt.elf $(BUILD)/bench/floor-halt-nopit.elf \
	$(BUILD)/bench/floor-exit.elf

.PHONY: bench-idle bench-boot bench-http bench-steal bench-disk

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

# bench-http: the load generator, the CPU sampler, the Linux guest's
# initramfs (Debian's kernel from /boot: bash bench/install-deps.sh).
# Its settings (T, CYCLES, RATES, ... at the top of bench/http.sh) reach the
# script from make's command line through the environment, e.g.
#   make bench-http T=8 CYCLES=3 RATES="10 100 1000 max"
BENCH_HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra
LINUX_KVER = $(patsubst /boot/vmlinuz-%,%,$(lastword $(shell ls -v /boot/vmlinuz-* 2>/dev/null)))
HTTP_DOCROOT := examples/httpd/www

$(BUILD)/bench/loadgen: bench/loadgen/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) -o $@ $< -lm

$(BUILD)/bench/cpu_sampler: bench/cpu_sampler.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) -o $@ $<

$(BUILD)/bench/linux-guest/init: bench/linux-guest/init.c
	@mkdir -p $(dir $@)
	musl-gcc -static $(BENCH_HOST_CFLAGS) -o $@ $<

$(BUILD)/bench/linux-guest/initramfs.cpio: bench/linux-guest/initramfs.sh $(BUILD)/bench/linux-guest/init \
		$(BUILD)/httpd-linux $(shell find $(HTTP_DOCROOT) 2>/dev/null)
	@test -n "$(LINUX_KVER)" || { echo "no Linux kernel in /boot: bash bench/install-deps.sh" >&2; exit 1; }
	bash $< $@ $(LINUX_KVER) $(BUILD)/bench/linux-guest/init "virtio_pci virtio_net" \
		$(BUILD)/httpd-linux=/httpd $(HTTP_DOCROOT)=/www

bench-http: $(BUILD)/bench/loadgen $(BUILD)/bench/cpu_sampler $(BUILD)/bench/linux-guest/initramfs.cpio \
		$(BUILD)/examples/httpd.elf $(BUILD)/bench/floor-halt.elf $(BUILD)/lull
	BUILD=$(BUILD) bash bench/http.sh

# bench-steal: spinning, bursty and idle VMs under three placements
# (bench/steal.sh; needs root), e.g. make bench-steal T=24 RATE=20
bench-steal: $(BUILD)/bench/loadgen $(STEAL_GUEST) $(BUILD)/examples/httpd.elf $(BUILD)/lull \
		$(BUILD)/lull-top $(BUILD)/lull-place
	BUILD=$(BUILD) bash bench/steal.sh

# bench-disk: the same disk program in a Lull guest and in a Linux guest
# (Debian's kernel, vfat on virtio-blk), e.g. make bench-disk SIZE_MIB=64
$(BUILD)/bench/diskbench.elf: bench/disk/diskbench.c $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

$(BUILD)/bench/diskbench-linux: bench/disk/diskbench.c
	@mkdir -p $(dir $@)
	musl-gcc -static $(BENCH_HOST_CFLAGS) -o $@ $<

$(BUILD)/bench/linux-guest/disk.cpio: bench/linux-guest/initramfs.sh $(BUILD)/bench/linux-guest/init \
		$(BUILD)/bench/diskbench-linux
	@test -n "$(LINUX_KVER)" || { echo "no Linux kernel in /boot: bash bench/install-deps.sh" >&2; exit 1; }
	bash $< $@ $(LINUX_KVER) $(BUILD)/bench/linux-guest/init \
		"virtio_pci virtio_blk vfat nls_cp437 nls_ascii nls_utf8" $(BUILD)/bench/diskbench-linux=/diskbench

bench-disk: $(BUILD)/bench/diskbench.elf $(BUILD)/bench/linux-guest/disk.cpio $(BUILD)/lull
	BUILD=$(BUILD) bash bench/disk.sh
