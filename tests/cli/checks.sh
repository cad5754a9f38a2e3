# checks.sh: the `lull` CLI refuses bad input with a clear message and the
# documented exit status. Sourced by tests/run.sh (uses its pass/fail).

# expect_cli LABEL STATUS REGEX CMD...: runs CMD, checks status and stderr.
expect_cli() {
	local label=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ "$rc" != "$want" ]; then fail "cli/$label" "exit status $rc, expected $want" "$out"; return; fi
	if ! grep -qE -- "$pattern" <<<"$out"; then fail "cli/$label" "stderr does not match /$pattern/" "$out"; return; fi
	pass "cli/$label"
}

# The guest's wall clock follows the host's within 500 ms (lull run passes
# its time at start; the RTC alone is up to a second behind). Each line is
# judged when the host reads it, which only makes the guest look later.
check_wallclock() {
	local elf=$BUILD/tests/cli/wallclock.elf worst
	mkdir -p "$BUILD/tests/cli"
	if ! "$LULL" build tests/cli/guests/wallclock.c -o "$elf" >/dev/null; then
		fail cli/wallclock "lull build tests/cli/guests/wallclock.c failed"
		return
	fi
	# The guest's clock lags the host's by QEMU's start-up (its cycle
	# counter starts with the VM): 0.04 s here, but the first QEMU on a
	# fresh machine, its files not yet in the page cache, took 0.5 s. A
	# first run warms the cache; the second is measured.
	timeout "${BOOT_TIMEOUT:-300}" "$LULL" run "$elf" >/dev/null
	worst=$(timeout "${BOOT_TIMEOUT:-300}" "$LULL" run "$elf" | while read -r word t; do
		[ "$word" = wallclock ] && echo "$t $(date +%s.%N)"
	done | awk '{ d = $2 - $1; if (d < 0) d = -d; if (d > w) w = d; n++ }
		END { if (n == 3) printf "%.3f", w; else print "none" }')
	if [ "$worst" = none ] || awk -v w="$worst" 'BEGIN { exit !(w > 0.5) }'; then
		fail cli/wallclock "guest and host clocks differ by $worst s (at most 0.5 s expected)"
	else
		pass "cli/wallclock (within $worst s)"
	fi
}

run_cli_checks() {
	local tmp
	check_wallclock
	tmp=$(mktemp -d)
	echo "not an ELF file" >"$tmp/text.elf"
	expect_cli run-missing-image 2 "no-such-image" "$LULL" run "$tmp/no-such-image.elf"
	expect_cli run-not-elf 2 "not a Lull image" "$LULL" run "$tmp/text.elf"
	expect_cli run-elf-not-lull 2 "not a Lull image" "$LULL" run "$LULL"
	expect_cli run-bad-mem 2 "mem" "$LULL" run "$BUILD/tests/boot/hello.elf" --mem lots
	expect_cli run-bad-machine 2 "machine" "$LULL" run "$BUILD/tests/boot/hello.elf" --machine vax
	expect_cli run-bad-smp 2 "smp" "$LULL" run "$BUILD/tests/boot/hello.elf" --smp 0
	expect_cli run-bad-name 2 "--name bad/name" "$LULL" run "$BUILD/tests/boot/hello.elf" --name bad/name
	expect_cli run-bad-mac 2 "--mac 01:00:5e:00:00:01: expected a unicast" "$LULL" run "$BUILD/tests/boot/hello.elf" --mac 01:00:5e:00:00:01
	expect_cli run-short-mac 2 "--mac 52:54:00:1:2:3: expected" "$LULL" run "$BUILD/tests/boot/hello.elf" --mac 52:54:00:1:2:3
	expect_cli run-no-qemu 127 "apt-get install qemu-system-x86" \
		env PATH="$tmp" "$(realpath "$LULL")" run "$BUILD/tests/boot/hello.elf"
	expect_cli unknown-command 2 "help" "$LULL" frobnicate
	expect_cli build-no-output 2 "-o" "$LULL" build tests/boot/hello.c
	expect_cli build-missing-source 2 "no-such-file" "$LULL" build "$tmp/no-such-file.c" -o "$tmp/x.elf"
	printf 'int main(void) { return syntax error; }\n' >"$tmp/broken.c"
	expect_cli build-compile-error 1 "broken.c" "$LULL" build "$tmp/broken.c" -o "$tmp/x.elf"
	expect_cli build-files-no-dir 2 "needs a directory" "$LULL" build tests/boot/hello.c -o "$tmp/x.elf" --files
	expect_cli build-files-missing 2 "no-such-dir: no such directory" \
		"$LULL" build tests/boot/hello.c -o "$tmp/x.elf" --files "$tmp/no-such-dir"
	mkdir -p "$tmp/tree"
	ln -s /etc/hostname "$tmp/tree/outside"
	expect_cli build-files-symlink-outside 1 "outside" "$LULL" build tests/boot/hello.c -o "$tmp/x.elf" --files "$tmp/tree"
	rm "$tmp/tree/outside"
	mkfifo "$tmp/tree/fifo"
	expect_cli build-files-special 1 "fifo: not a regular file" \
		"$LULL" build tests/boot/hello.c -o "$tmp/x.elf" --files "$tmp/tree"
	rm -rf "$tmp"
}
