# tests.mk: building the test images and unit tests; tests/run.sh runs them.

BOOT_TEST_SRC := $(wildcard tests/boot/*.c)
BOOT_TEST_ELFS := $(patsubst tests/boot/%.c,$(BUILD)/tests/boot/%.elf,$(BOOT_TEST_SRC))

# Unit tests: tests/unit/test_NAME.c is linked with the kernel sources it
# names in a "// unit-under-test: kernel/a.c kernel/b.c" line.
UNIT_TEST_SRC := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_TEST_SRC))
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Ikernel -Ikernel/arch/x86_64/include -Itests/unit \
	-fsanitize=address,undefined

.PHONY: test-images unit-tests
test-images: $(BOOT_TEST_ELFS)
unit-tests: $(UNIT_TESTS)

$(BUILD)/tests/boot/%.elf: tests/boot/%.c $(KERNEL_ARTIFACTS) $(BUILD)/lull
	@mkdir -p $(dir $@)
	$(BUILD)/lull build $< -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(KERNEL_C)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(shell sed -n 's|^// unit-under-test: ||p' $<) -lcmocka

test: all test-images unit-tests
	bash tests/run.sh

test-unit: unit-tests
	ONLY=unit bash tests/run.sh

test-boot: all test-images
	ONLY=boot bash tests/run.sh
