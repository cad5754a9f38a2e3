# tests.mk: building the test images and unit tests; tests/run.sh runs them.

BOOT_TEST_SRC := $(wildcard tests/boot/*.c)
BOOT_TEST_ELFS := $(patsubst tests/boot/%.c,$(BUILD)/tests/boot/%.elf,$(BOOT_TEST_SRC))

# Unit tests: tests/unit/test_NAME.c is linked with the kernel sources it
# names in a "// unit-under-test: kernel/a.c kernel/b.c" line.
UNIT_TEST_SRC := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_TEST_SRC))
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Ikernel -Ikernel/arch/x86_64/include -Itests/unit \
	-fsanitize=address,undefined

# netpeer: the IPv4 stack's portable files on a TAP device (tests/net).
NET_STACK_C := $(addprefix kernel/inet/,arp.c checksum.c dhcp.c ethernet.c ipv4.c ring.c socket.c \
	tcp_connection.c tcp_input.c tcp_output.c tcp_sack.c tcp_timer.c tcp_user.c udp.c)
NETPEER := $(BUILD)/tests/net/netpeer

# The Linux guest of the switch checks (tests/switch): Debian's kernel from
# /boot (bash bench/install-deps.sh) with an initramfs whose /init runs
# tests/switch/linux_peer.c; only where a kernel is installed.
SWITCH_LINUX_INITRD := $(if $(wildcard /boot/vmlinuz-*),$(BUILD)/tests/switch/linux-peer.cpio)

$(BUILD)/tests/switch/linux-peer: tests/switch/linux_peer.c
	@mkdir -p $(dir $@)
	musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -o $@ $< -lpthread

$(BUILD)/tests/switch/linux-peer.cpio: bench/linux-guest/initramfs.sh $(BUILD)/bench/linux-guest/init \
		$(BUILD)/tests/switch/linux-peer
	bash $< $@ $(LINUX_KVER) $(BUILD)/bench/linux-guest/init "virtio_mmio virtio_pci virtio_net" \
		$(BUILD)/tests/switch/linux-peer=/peer

.PHONY: test-images unit-tests test-net fuzz fuzz-merge test-apps-full
test-images: $(BOOT_TEST_ELFS)
unit-tests: $(UNIT_TESTS)

# A "files: DIR" line in a boot test's first comment embeds DIR (--files).
boot_test_files = $(shell sed -n '1,/\*\//s/^[ *]*files: //p' $(1))

$(BUILD)/tests/boot/%.elf: tests/boot/%.c $(wildcard tests/boot/*.h) $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< $(addprefix --files ,$(call boot_test_files,$<)) -o $@

# The guest of the steal checks (tests/steal) and of bench-steal.
STEAL_GUEST := $(BUILD)/tests/steal/guest.elf
$(STEAL_GUEST): tests/steal/guest.c $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

# The guests of the storage checks (tests/storage/checks.sh).
STORAGE_GUESTS := $(patsubst tests/storage/%.c,$(BUILD)/tests/storage/%.elf,$(wildcard tests/storage/*.c))
$(BUILD)/tests/storage/%.elf: tests/storage/%.c $(wildcard tests/storage/*.h) tests/boot/check.h \
		$(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

$(BUILD)/tests/boot/embedded_files.elf: $(shell find tests/boot/embedded_files -type f)

# Helpers that unit tests name beside kernel files (fake_arch.c, tcp_harness.c).
UNIT_HELPERS := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c)) \
	tests/net/host_platform.c tests/net/host_platform.h

$(BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(UNIT_HELPERS) $(KERNEL_C)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(shell sed -n 's|^// unit-under-test: ||p' $<) -lcmocka

# Unit tests of the host programs: tests/tools/test_NAME.c is linked with the
# tools/ sources its "// unit-under-test:" line names (and -l flags there).
TOOL_TEST_SRC := $(wildcard tests/tools/test_*.c)
TOOL_TESTS := $(patsubst tests/tools/%.c,$(BUILD)/tests/unit/%,$(TOOL_TEST_SRC))
TOOL_TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Itools/hostvm -Itools/top \
	-Itools/place -Itools/lull -Itools/switch -Itests/tools -fsanitize=address,undefined
unit-tests: $(TOOL_TESTS)

$(TOOL_TESTS): $(BUILD)/tests/unit/%: tests/tools/%.c $(wildcard tests/tools/*.h) \
		$(wildcard tools/*/*.c tools/*/*.h) kernel/stats/stats_page_format.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_TEST_CFLAGS) -o $@ $< $(shell sed -n 's|^// unit-under-test: ||p' $<) -lcmocka

$(NETPEER): $(wildcard tests/net/*.c tests/net/*.h) $(NET_STACK_C) $(wildcard kernel/inet/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -Itests/net -o $@ $(filter %.c,$^)

# fuzz_receive: libFuzzer over the receive path (tests/fuzz), with clang.
FUZZ_RECEIVE := $(BUILD)/tests/fuzz/fuzz_receive
FUZZ_SECONDS ?= 60

$(FUZZ_RECEIVE): tests/fuzz/fuzz_receive.c tests/net/host_platform.c $(NET_STACK_C) $(wildcard kernel/inet/*.h tests/net/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Ikernel -Ikernel/arch/x86_64/include -Itests/net \
		-o $@ $(filter %.c,$^)

# fuzz_fat: libFuzzer over FAT disk images (tests/fuzz/fuzz_fat.c; its corpus
# in tests/fuzz/corpus-fat comes from make_fat_corpus.sh).
FUZZ_FAT := $(BUILD)/tests/fuzz/fuzz_fat
FUZZ_FAT_C := $(wildcard kernel/fs/fat/*.c) kernel/fs/block_cache.c tests/unit/fake_kernel.c tests/unit/fake_arch.c

$(FUZZ_FAT): tests/fuzz/fuzz_fat.c $(FUZZ_FAT_C) $(wildcard kernel/fs/fat/*.h kernel/fs/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Ikernel -Ikernel/arch/x86_64/include -Itests/unit -o $@ $(filter %.c,$^)

# fuzz_vring: libFuzzer over lull-switch's descriptor handling (tests/fuzz/fuzz_vring.c;
# its corpus in tests/fuzz/corpus-vring).
FUZZ_VRING := $(BUILD)/tests/fuzz/fuzz_vring
FUZZ_VRING_C := tools/switch/vring.c tools/switch/guest_memory.c

$(FUZZ_VRING): tests/fuzz/fuzz_vring.c $(FUZZ_VRING_C) tools/switch/vring.h tools/switch/guest_memory.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Itools/switch -o $@ $(filter %.c,$^)

# Runs each fuzzer for FUZZ_SECONDS from its corpus in the repo; new inputs
# go to build/fuzz-corpus-NAME (`make fuzz-merge` folds them into the repo's).
fuzz: $(FUZZ_RECEIVE) $(FUZZ_FAT) $(FUZZ_VRING)
	FUZZ_SECONDS=$(FUZZ_SECONDS) ONLY=fuzz bash tests/run.sh

fuzz-merge: $(FUZZ_RECEIVE) $(FUZZ_FAT) $(FUZZ_VRING)
	$(FUZZ_RECEIVE) -merge=1 tests/fuzz/corpus $(BUILD)/fuzz-corpus-receive
	$(FUZZ_FAT) -merge=1 tests/fuzz/corpus-fat $(BUILD)/fuzz-corpus-fat
	$(FUZZ_VRING) -merge=1 tests/fuzz/corpus-vring $(BUILD)/fuzz-corpus-vring

test: all test-images unit-tests $(NETPEER) $(FUZZ_RECEIVE) $(FUZZ_FAT) $(FUZZ_VRING) $(BUILD)/httpd-linux $(STEAL_GUEST) \
		$(STORAGE_GUESTS) $(SWITCH_LINUX_INITRD) $(BUILD)/bench/loadgen apps
	bash tests/run.sh

test-net: all test-images $(NETPEER)
	ONLY=net bash tests/run.sh

# The applications' own suites: Redis's ./runtest against a guest, SQLite's
# full speedtest1 (tests/apps/full_checks.sh). Tens of minutes under TCG.
test-apps-full: all apps
	ONLY=apps-full bash tests/run.sh

test-unit: unit-tests
	ONLY=unit bash tests/run.sh

test-boot: all test-images
	ONLY=boot bash tests/run.sh
