#!/bin/bash
# run.sh: the whole test suite, as `make test` runs it.
#   1. unit tests of the kernel's portable code, built for the host (cmocka);
#   2. checks of the `lull` CLI's error handling;
#   3. the network stack against Linux (tests/net/checks.sh), as root;
#   4. the receive-path fuzzer (tests/fuzz), for FUZZ_SECONDS (45);
#   5. boot tests: every tests/boot/NAME.c image booted under QEMU TCG on each
#      machine type, its console and exit status checked against the
#      directives in the file's first comment:
#        lull-test: status=N|panic [mem=SIZE] [smp=N[,N...]]  (one run per N)
#        args: A|B|C          arguments, separated by '|'
#        stdin: TEXT          a line given to the guest's standard input
#        lull-args: A|B       extra `lull run` options, separated by '|'
#        expect: REGEX        a line of output must match (grep -E)
#        expect-once: REGEX   exactly one line must match
#        reject: REGEX        no line may match
# Ends with one line "tests: N passed, N failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
LULL=$BUILD/lull
MACHINES=${MACHINES:-"microvm q35"}
ONLY=${ONLY:-}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
	failed=$((failed + 1))
	failures+=("$1")
	echo "FAIL $1: $2"
	if [ -n "${3:-}" ]; then
		echo "---- output ----"
		echo "$3" | tail -n 40
		echo "----------------"
	fi
}

run_unit_tests() {
	local t out rc
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		if [ $rc -eq 0 ]; then pass "unit/$(basename "$t")"; else fail "unit/$(basename "$t")" "exit $rc" "$out"; fi
	done
}

# The receive-path fuzzer, for FUZZ_SECONDS, from the corpus in the repo:
# a crash (any sanitizer report) fails the run and keeps the input.
run_fuzz() {
	local fuzzer=$BUILD/tests/fuzz/fuzz_receive out rc
	if [ ! -x "$fuzzer" ]; then
		fail "fuzz/receive" "$fuzzer is not built (make test builds it; needs clang)"
		return
	fi
	mkdir -p "$BUILD/fuzz-corpus" "$BUILD/fuzz-artifacts"
	out=$("$fuzzer" -max_total_time="${FUZZ_SECONDS:-45}" -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz-artifacts/" "$BUILD/fuzz-corpus" tests/fuzz/corpus 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "fuzz/receive ($(grep -o 'stat::number_of_executed_units: [0-9]*' <<<"$out" | grep -o '[0-9]*$') inputs)"
	else
		fail "fuzz/receive" "the fuzzer exited $rc; crashing input in $BUILD/fuzz-artifacts/" "$(grep -A30 -m1 'ERROR\|runtime error' <<<"$out")"
	fi
}

# A directive's values from the header comment of a test source.
directive() { sed -n '1,/\*\//p' "$1" | sed -n "s/^.*$2: //p"; }
key() { directive "$1" lull-test | tr ' ' '\n' | sed -n "s/^$2=//p"; }

check_boot() {
	local src=$1 machine=$2 smp=$3 name elf want mem out rc line label
	name=$(basename "$src" .c)
	elf=$BUILD/tests/boot/$name.elf
	label="boot/$name [$machine smp=$smp]"
	want=$(key "$src" status)
	mem=$(key "$src" mem)
	local -a args=() options=()
	IFS='|' read -r -a args <<<"$(directive "$src" args)"
	IFS='|' read -r -a options <<<"$(directive "$src" lull-args)"

	local input
	input=$(directive "$src" stdin)
	out=$( { [ -n "$input" ] && printf '%s\n' "$input"; } | timeout "$BOOT_TIMEOUT" "$LULL" run "$elf" \
		--machine "$machine" --mem "${mem:-256M}" --smp "$smp" "${options[@]}" -- "${args[@]}" 2>&1)
	rc=$?
	[ "$want" = panic ] && want=125
	if [ $rc -eq 124 ]; then fail "$label" "timed out after ${BOOT_TIMEOUT}s" "$out"; return; fi
	if [ "$rc" != "$want" ]; then fail "$label" "exit status $rc, expected $want" "$out"; return; fi
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if ! grep -qE -- "$line" <<<"$out"; then fail "$label" "no line matches /$line/" "$out"; return; fi
	done <<<"$(directive "$src" expect)"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if [ "$(grep -cE -- "$line" <<<"$out")" != 1 ]; then fail "$label" "/$line/ must match exactly one line" "$out"; return; fi
	done <<<"$(directive "$src" expect-once)"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if grep -qE -- "$line" <<<"$out"; then fail "$label" "a line matches /$line/" "$out"; return; fi
	done <<<"$(directive "$src" reject)"
	pass "$label"
}

# Without `lull run`, QEMU itself must report exit(N) as 2N+1.
check_raw_qemu_status() {
	local machine=$1 rc
	timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -m 128M \
		-nodefaults -no-reboot -display none -serial none \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$BUILD/tests/boot/exit_status.elf" </dev/null
	rc=$?
	if [ $rc -eq 85 ]; then pass "qemu-exit-mapping [$machine]"; else fail "qemu-exit-mapping [$machine]" "qemu exited $rc, expected 85 (2*42+1)"; fi
}

# The Multiboot2 entry, through GRUB (QEMU itself boots the PVH entry).
check_multiboot2() {
	local tmp out rc
	tmp=$(mktemp -d)
	mkdir -p "$tmp/iso/boot/grub"
	cp "$BUILD/tests/boot/args_env.elf" "$tmp/iso/boot/lull.elf"
	cat >"$tmp/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
menuentry "lull" {
	multiboot2 /boot/lull.elf GREETING=hello MODE=test -- one "two words" A=B
	boot
}
CFG
	if ! grub-mkrescue -o "$tmp/lull.iso" "$tmp/iso" >"$tmp/mkrescue.log" 2>&1; then
		fail "multiboot2-grub" "grub-mkrescue failed" "$(cat "$tmp/mkrescue.log")"
		rm -rf "$tmp"
		return
	fi
	out=$(timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 128M -nodefaults \
		-no-reboot -display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-cdrom "$tmp/lull.iso" 2>&1 </dev/null)
	rc=$?
	rm -rf "$tmp"
	# exit(0) makes QEMU exit 1 (see docs/ARCHITECTURE.md).
	if [ $rc -eq 1 ] && grep -q "^GREETING=hello MODE=test" <<<"$out" && grep -q "^argv\[2\]=two words" <<<"$out"; then
		pass "multiboot2-grub [q35]"
	else
		fail "multiboot2-grub [q35]" "qemu exited $rc" "$out"
	fi
}

if [ -z "$ONLY" ] || [ "$ONLY" = unit ]; then
	run_unit_tests
fi
if [ -z "$ONLY" ] || [ "$ONLY" = cli ]; then
	source tests/cli/checks.sh
	run_cli_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = net ]; then
	source tests/net/checks.sh
	run_net_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
	run_fuzz
fi
if [ -z "$ONLY" ] || [ "$ONLY" = boot ]; then
	for src in tests/boot/*.c; do
		smps=$(key "$src" smp | tr ',' ' ')
		for machine in $MACHINES; do
			for smp in ${smps:-1}; do
				check_boot "$src" "$machine" "$smp"
			done
		done
	done
	for machine in $MACHINES; do
		check_raw_qemu_status "$machine"
	done
	check_multiboot2
fi

if [ $failed -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
