# bench.mk: benchmark guests and targets. Benchmarks are not tests: each
# compares against a baseline measured in the same run and writes its
# figures to docs/BENCHMARKS.md.

IDLE_GUESTS := $(patsubst bench/idle/%.c,$(BUILD)/bench/idle-%.elf,$(wildcard bench/idle/*.c))
FLOOR_GUESTS := $(BUILD)/bench/floor-halt.elf $(BUILD)/bench/floor-halt-nopit.elf \
	$(BUILD)/bench/floor-exit.elf

.PHONY: bench-idle bench-boot bench-http bench-http-scaling bench-steal bench-disk bench-apps bench-apps-linux \
	bench-switch

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
# What the Linux guests' initramfs files are made from.
LINUX_INIT := $(BUILD)/bench/linux-guest/init
LINUX_DISK_MODULES := virtio_pci virtio_blk vfat nls_cp437 nls_ascii nls_utf8
need_linux_kernel = @test -n "$(LINUX_KVER)" || { echo "no Linux kernel in /boot: bash bench/install-deps.sh" >&2; exit 1; }

$(BUILD)/bench/loadgen: bench/loadgen/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) -o $@ $< -lm

$(BUILD)/bench/cpu_sampler: bench/cpu_sampler.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) -o $@ $<

$(LINUX_INIT): bench/linux-guest/init.c
	@mkdir -p $(dir $@)
	musl-gcc -static $(BENCH_HOST_CFLAGS) -o $@ $<

$(BUILD)/bench/linux-guest/initramfs.cpio: bench/linux-guest/initramfs.sh $(LINUX_INIT) \
		$(BUILD)/httpd-linux $(shell find $(HTTP_DOCROOT) 2>/dev/null)
	$(need_linux_kernel)
	bash $< $@ $(LINUX_KVER) $(LINUX_INIT) "virtio_pci virtio_net" \
		$(BUILD)/httpd-linux=/httpd $(HTTP_DOCROOT)=/www

bench-http: $(BUILD)/bench/loadgen $(BUILD)/bench/cpu_sampler $(BUILD)/bench/linux-guest/initramfs.cpio \
		$(BUILD)/examples/httpd.elf $(BUILD)/bench/floor-halt.elf $(BUILD)/lull
	BUILD=$(BUILD) bash bench/http.sh

# bench-http-scaling: Lull's httpd built from BASE (a git revision, built in
# a temporary worktree by the script) and from this tree, measured in the
# same run with 1, 2 and 4 vCPUs (bench/http-scaling.sh), e.g.
#   make bench-http-scaling BASE=main SMPS="1 2" ROUNDS=3
bench-http-scaling: $(BUILD)/bench/loadgen $(BUILD)/bench/cpu_sampler $(BUILD)/examples/httpd.elf $(BUILD)/lull
	BUILD=$(BUILD) bash bench/http-scaling.sh

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

$(BUILD)/bench/linux-guest/disk.cpio: bench/linux-guest/initramfs.sh $(LINUX_INIT) \
		$(BUILD)/bench/diskbench-linux
	$(need_linux_kernel)
	bash $< $@ $(LINUX_KVER) $(LINUX_INIT) "$(LINUX_DISK_MODULES)" $(BUILD)/bench/diskbench-linux=/diskbench

bench-disk: $(BUILD)/bench/diskbench.elf $(BUILD)/bench/linux-guest/disk.cpio $(BUILD)/lull
	BUILD=$(BUILD) bash bench/disk.sh

# bench-apps: Redis, SQLite's speedtest1 and nginx on Lull (make apps's
# images) and, built from the same sources by the same recipes for Linux
# (APPS_TARGET=linux, into $(BUILD)/bench/apps-linux), in a Linux guest,
# e.g. make bench-apps APPS=nginx WRK_S=15 (settings at the top of
# bench/apps.sh). Needs redis-benchmark and wrk: bash bench/install-deps.sh.
# The Linux builds always run, as make apps's do: each compiles once.
APPS_LINUX := $(BUILD)/bench/apps-linux

bench-apps-linux: $(BUILD)/lull
	for app in sqlite redis nginx; do BUILD=$(BUILD) APPS_TARGET=linux apps/$$app/build.sh || exit 1; done

# One initramfs for the three (each guest runs one of them): the
# programs in /bin, nginx's tree (/nginx, /etc, /var/nginx) at the root.
$(BUILD)/bench/linux-guest/apps.cpio: bench-apps-linux bench/linux-guest/initramfs.sh $(LINUX_INIT)
	$(need_linux_kernel)
	bash bench/linux-guest/initramfs.sh $@ $(LINUX_KVER) $(LINUX_INIT) "virtio_net $(LINUX_DISK_MODULES)" \
		$(APPS_LINUX)/redis-server.elf=/bin/redis-server $(APPS_LINUX)/speedtest1.elf=/bin/speedtest1 \
		$(APPS_LINUX)/nginx.elf=/bin/nginx $(APPS_LINUX)/nginx-root=/

bench-apps: apps-redis apps-sqlite apps-nginx $(BUILD)/bench/linux-guest/apps.cpio \
		$(BUILD)/bench/floor-halt.elf $(BUILD)/bench/cpu_sampler $(BUILD)/lull
	BUILD=$(BUILD) bash bench/apps.sh

# bench-switch: pairs of Lull VMs on lull-switch and on a bridge of tap
# devices (bench/switch.sh; needs root), e.g. make bench-switch VMS="2 4" RR_S=5
$(BUILD)/bench/switch-pair.elf: bench/switch/pair.c $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

bench-switch: $(BUILD)/bench/switch-pair.elf $(BUILD)/lull $(BUILD)/lull-switch
	BUILD=$(BUILD) bash bench/switch.sh
