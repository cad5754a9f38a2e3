#!/bin/bash
# run.sh: the whole test suite, as `make test` runs it.
#   1. unit tests of the kernel's portable code, built for the host (cmocka);
#   2. checks of the `lull` CLI's error handling;
#   3. examples/httpd from a client, built for Linux and booted on Lull
#      (tests/http/checks.sh);
#   4. the network stack against Linux (tests/net/checks.sh), as root;
#   4a. many simultaneous connects to a guest through user networking,
#      repeated (tests/net/connect_checks.sh);
#   5. the fuzzers (tests/fuzz: the network receive path, FAT images,
#      lull-switch's descriptor tables), for
#      FUZZ_SECONDS (45) each;
#   5a. storage (tests/storage/checks.sh): guests write FAT disks and shared
#      folders, judged on the host with dosfstools and mtools;
#   5b. real applications built from Debian's sources (tests/apps: Lua, SQLite, Redis, nginx);
#   5c. steal seen and acted on (tests/steal/checks.sh: `lull top` and
#      `lull place` on spinning VMs), as root;
#   5d. lull-switch (tests/switch/checks.sh): VMs exchanging TCP through
#      it, a restart mid-transfer, a VM's exit, its idle cost;
#   6. boot tests: every tests/boot/NAME.c image booted under QEMU TCG on each
#      machine type, its console and exit status checked against the
#      directives in the file's first comment:
#        lull-test: status=N|panic [mem=SIZE] [smp=N[,N...]]  (one run per N)
#        args: A|B|C          arguments, separated by '|'
#        stdin: TEXT          a line given to the guest's standard input
#        lull-args: A|B       extra `lull run` options, separated by '|'
#        files: DIR           the image embeds DIR (`lull build --files`, tests.mk)
#        expect: REGEX        a line of output must match (grep -E)
#        expect-once: REGEX   exactly one line must match
#        reject: REGEX        no line may match
#        host-before: CMD     a host program started before the guest (a
#                             server for a guest client); it must exit 0
#        host-after: CMD      a host program run once the guest prints a
#                             line matching `ready: REGEX`; it must exit 0
#      In args, lull-args and host commands, @PORT@ is a free TCP port of
#      the host (for -p @PORT@:N, or for the guest to reach 10.0.2.2:@PORT@).
# ONLY=unit|cli|http|net|connect|fuzz|storage|apps|switch|steal|boot runs one part (apps-full:
# the applications' own suites, only when asked for); BOOT_LIST="tests/boot/a.c ..."
# and MACHINES="microvm q35" narrow the boot tests.
# Ends with one line "tests: N passed, N failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
LULL=$BUILD/lull
MACHINES=${MACHINES:-"microvm q35"}
ONLY=${ONLY:-}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
# Every guest `lull run` starts runs with the kernel's debug checks
# (lull.debug=1: no memory mapping, shootdown or socket walk in an
# interrupt handler); LULL_DEBUG=0 runs the tests without them.
export LULL_DEBUG=${LULL_DEBUG:-1}
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
		out=$(timeout "${UNIT_TIMEOUT:-300}" "$t" 2>&1)
		rc=$?
		[ $rc -eq 124 ] && out+=$'\n'"(stopped after ${UNIT_TIMEOUT:-300} s: a loop that does not end?)"
		if [ $rc -eq 0 ]; then pass "unit/$(basename "$t")"; else fail "unit/$(basename "$t")" "exit $rc" "$out"; fi
	done
}

# run_fuzzer NAME CORPUS: a libFuzzer target for FUZZ_SECONDS from its corpus
# in the repo: a crash (any sanitizer report) fails the run and keeps the
# input in $BUILD/fuzz-artifacts-NAME/.
run_fuzzer() {
	local name=$1 fuzzer=$BUILD/tests/fuzz/fuzz_$1 corpus=$2 out rc
	if [ ! -x "$fuzzer" ]; then
		fail "fuzz/$name" "$fuzzer is not built (make test builds it; needs clang)"
		return
	fi
	mkdir -p "$BUILD/fuzz-corpus-$name" "$BUILD/fuzz-artifacts-$name"
	out=$("$fuzzer" -max_total_time="${FUZZ_SECONDS:-45}" -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz-artifacts-$name/" "$BUILD/fuzz-corpus-$name" "$corpus" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "fuzz/$name ($(grep -o 'stat::number_of_executed_units: [0-9]*' <<<"$out" | grep -o '[0-9]*$') inputs)"
	else
		fail "fuzz/$name" "the fuzzer exited $rc; crashing input in $BUILD/fuzz-artifacts-$name/" "$(grep -A30 -m1 'ERROR\|runtime error' <<<"$out")"
	fi
}

# A directive's values from the header comment of a test source.
directive() { sed -n '1,/\*\//p' "$1" | sed -n "s/^[/ *]*$2: //p"; }
key() { directive "$1" lull-test | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# A TCP port of the host that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

source bench/lib.sh # wait_for_line, shared with the benchmarks

# wait_for_exit PID SECONDS: false if PID still runs after SECONDS.
wait_for_exit() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

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

	local input host_before host_after ready port
	input=$(directive "$src" stdin)
	host_before=$(directive "$src" host-before)
	host_after=$(directive "$src" host-after)
	ready=$(directive "$src" ready)
	if [ -n "$host_before$host_after" ]; then
		port=$(free_port)
		args=("${args[@]//@PORT@/$port}")
		options=("${options[@]//@PORT@/$port}")
		host_before=${host_before//@PORT@/$port}
		host_after=${host_after//@PORT@/$port}
	fi

	local log host_log host_pid=
	log=$(mktemp)
	host_log=$(mktemp)
	if [ -n "$host_before" ]; then
		bash -c "$host_before" >"$host_log" 2>&1 &
		host_pid=$!
		if ! wait_for_line "$host_log" ready 30; then
			kill "$host_pid" 2>/dev/null
			fail "$label" "the host program did not start: $host_before" "$(cat "$host_log")"
			rm -f "$log" "$host_log"
			return
		fi
	fi
	{ [ -n "$input" ] && printf '%s\n' "$input"; } | timeout "$BOOT_TIMEOUT" "$LULL" run "$elf" \
		--machine "$machine" --mem "${mem:-256M}" --smp "$smp" "${options[@]}" -- "${args[@]}" >"$log" 2>&1 &
	local guest_pid=$! host_rc=0
	if [ -n "$host_after" ]; then
		if wait_for_line "$log" "$ready" "$BOOT_TIMEOUT" "$guest_pid"; then
			timeout "$BOOT_TIMEOUT" bash -c "$host_after" >"$host_log" 2>&1
			host_rc=$?
		else
			host_rc="not run: the guest never printed /$ready/"
		fi
	fi
	wait "$guest_pid"
	rc=$?
	if [ -n "$host_pid" ]; then
		# The guest is gone: a host server still waiting for it never will.
		wait_for_exit "$host_pid" 10 || kill "$host_pid" 2>/dev/null
		wait "$host_pid"
		host_rc=$?
	fi
	out=$(cat "$log")
	[ -n "$host_before$host_after" ] && out+=$'\n---- host program ----\n'$(cat "$host_log")
	rm -f "$log" "$host_log"
	[ "$want" = panic ] && want=125
	if [ $rc -eq 124 ]; then fail "$label" "timed out after ${BOOT_TIMEOUT}s" "$out"; return; fi
	if [ "$rc" != "$want" ]; then fail "$label" "exit status $rc, expected $want" "$out"; return; fi
	if [ "$host_rc" != 0 ]; then fail "$label" "host program: exit $host_rc" "$out"; return; fi
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
	source tests/cli/top_checks.sh
	source tests/cli/place_checks.sh
	source tests/cli/disk_checks.sh
	source tests/cli/cc_checks.sh
	source tests/cli/stop_checks.sh
	run_cli_checks
	run_top_checks
	run_place_checks
	run_disk_checks
	run_cc_checks
	run_stop_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = http ]; then
	source tests/http/checks.sh
	run_http_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = net ]; then
	source tests/net/checks.sh
	run_net_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = connect ]; then
	source tests/net/connect_checks.sh
	run_connect_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
	run_fuzzer receive tests/fuzz/corpus
	run_fuzzer fat tests/fuzz/corpus-fat
	run_fuzzer vring tests/fuzz/corpus-vring
fi
if [ -z "$ONLY" ] || [ "$ONLY" = storage ]; then
	source tests/storage/checks.sh
	run_storage_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = apps ]; then
	source tests/apps/lua_checks.sh
	source tests/apps/sqlite_checks.sh
	source tests/apps/redis_checks.sh
	source tests/apps/nginx_checks.sh
	run_lua_checks
	run_sqlite_checks
	run_redis_checks
	run_nginx_checks
fi
# Not in the default run: the applications' own long suites (make test-apps-full).
if [ "$ONLY" = apps-full ]; then
	source tests/apps/full_checks.sh
	run_full_app_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = switch ]; then
	source tests/cli/checks.sh
	source tests/switch/checks.sh
	run_switch_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = steal ]; then
	source tests/steal/checks.sh
	run_steal_checks
fi
if [ -z "$ONLY" ] || [ "$ONLY" = boot ]; then
	for src in ${BOOT_LIST:-tests/boot/*.c}; do
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
